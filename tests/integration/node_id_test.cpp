// `vestd node-id`: the node key of a data directory and the id peers dial.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "p2p/node_key.h"
#include "tests/integration/harness.h"
#include "tests/util/process.h"

using namespace vest;
using namespace vest::test;

TEST_CASE("vestd node-id creates the node key once and prints its id", "[integration][p2p]") {
  TempDir dir;
  auto datadir = dir.path() / "data";
  RunResult first = run_program({bin_path("vestd").string(), "node-id", "--datadir", datadir.string()});
  REQUIRE(first.exit_code == 0);
  std::string id = first.out.substr(0, first.out.find('\n'));
  CHECK(id.size() == 40);
  CHECK(p2p::parse_node_id(id).has_value());
  auto key_file = datadir / p2p::kNodeKeyFile;
  struct stat st {};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // The id is the one the library derives from the stored key, and the output never holds it.
  std::string error;
  auto key = p2p::NodeKey::load_or_create(datadir, error);
  REQUIRE(key);
  CHECK(p2p::to_string(key->id()) == id);
  std::string seed = read_file(key_file).substr(0, 64);
  CHECK(first.out.find(seed) == std::string::npos);

  RunResult again = run_program({bin_path("vestd").string(), "node-id", "--datadir", datadir.string()});
  CHECK(again.exit_code == 0);
  CHECK(again.out == first.out);

  REQUIRE(::chmod(key_file.c_str(), 0644) == 0);
  RunResult refused = run_program({bin_path("vestd").string(), "node-id", "--datadir", datadir.string()});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("too open") && Catch::Contains("chmod 600"));
  CHECK(refused.out.empty());
}

TEST_CASE("vestd makes its node key at the first start and node_status names its id", "[integration][p2p]") {
  TempDir dir;
  // The harness runs vestd with --datadir <dir>/data.
  auto datadir = dir.path() / "data";
  std::string id;
  {
    Vestd node(dir.path());
    id = std::string(node.call("node_status").at("nodeId").as_string());
    CHECK(p2p::parse_node_id(id).has_value());
  }
  // The same key after a restart, and the one `vestd node-id` reads.
  RunResult printed = run_program({bin_path("vestd").string(), "node-id", "--datadir", datadir.string()});
  REQUIRE(printed.exit_code == 0);
  CHECK(printed.out == id + "\n");
  Vestd again(dir.path());
  CHECK(again.call("node_status").at("nodeId") == boost::json::value(id));
}
