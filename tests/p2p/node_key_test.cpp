#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "p2p/node_key.h"
#include "tests/util/test_util.h"

using namespace vest::p2p;
namespace fs = std::filesystem;

TEST_CASE("node key: created with mode 0600, reloaded identically", "[p2p][node_key]") {
  vest::test::TempDir dir;
  fs::path datadir = dir.path() / "data";  // created on the way
  std::string error;
  auto first = NodeKey::load_or_create(datadir, error);
  REQUIRE(first);
  fs::path file = datadir / kNodeKeyFile;
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // One line of 64 hex digits, nothing left behind by the atomic write.
  std::string text = vest::test::read_file(file);
  CHECK(text.size() == 65);
  CHECK(text.back() == '\n');
  CHECK(std::distance(fs::directory_iterator(datadir), fs::directory_iterator()) == 1);

  auto again = NodeKey::load_or_create(datadir, error);
  REQUIRE(again);
  CHECK(again->public_key() == first->public_key());
  CHECK(again->id() == first->id());
  CHECK(vest::test::read_file(file) == text);

  // The id is SHA-256(public key)[0..20), printed as 40 hex digits.
  Key32 h = sha256(first->public_key());
  CHECK(std::equal(first->id().begin(), first->id().end(), h.begin()));
  CHECK(to_string(first->id()).size() == 40);
  CHECK(parse_node_id(to_string(first->id())) == first->id());

  // A signature by the loaded key verifies with the public key, and not for other bytes.
  Bytes msg = {1, 2, 3};
  Signature64 sig = again->sign(msg);
  CHECK(ed25519_verify(first->public_key(), msg, sig));
  msg[0] ^= 1;
  CHECK_FALSE(ed25519_verify(first->public_key(), msg, sig));
}

TEST_CASE("node key: a key file others may read is refused", "[p2p][node_key]") {
  vest::test::TempDir dir;
  std::string error;
  REQUIRE(NodeKey::load_or_create(dir.path(), error));
  fs::path file = dir.path() / kNodeKeyFile;
  std::string before = vest::test::read_file(file);
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  error.clear();
  CHECK_FALSE(NodeKey::load_or_create(dir.path(), error));
  CHECK_THAT(error, Catch::Contains("0644") && Catch::Contains("too open") && Catch::Contains("chmod 600"));
  // The message names the file, never the key; the file is left as it was.
  CHECK_THAT(error, !Catch::Contains(before.substr(0, 64)));
  CHECK(vest::test::read_file(file) == before);
  REQUIRE(::chmod(file.c_str(), 0640) == 0);
  CHECK_FALSE(NodeKey::load_or_create(dir.path(), error));
  REQUIRE(::chmod(file.c_str(), 0600) == 0);
  CHECK(NodeKey::load_or_create(dir.path(), error));
}

TEST_CASE("node key: a file that is not a key is refused", "[p2p][node_key]") {
  vest::test::TempDir dir;
  fs::path file = dir.path() / kNodeKeyFile;
  for (std::string text : {std::string("zz") + std::string(62, '0') + "\n", std::string(63, 'a'), std::string(66, 'a'),
                           std::string()}) {
    { std::ofstream(file, std::ios::trunc) << text; }
    REQUIRE(::chmod(file.c_str(), 0600) == 0);
    std::string error;
    CHECK_FALSE(NodeKey::load_or_create(dir.path(), error));
    CHECK_THAT(error, Catch::Contains("not a node key"));
  }
  // A known seed gives the same key on every load (RFC 8032 test 1 seed).
  { std::ofstream(file, std::ios::trunc) << "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n"; }
  std::string error;
  auto key = NodeKey::load_or_create(dir.path(), error);
  REQUIRE(key);
  CHECK(to_hex(key->public_key()) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}
