// `vestd testnet`: the files it writes for any number of validators, and every
// refusal, which leaves the folder as it was.
#include "node/testnet.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "chain/genesis.h"
#include "node/config.h"
#include "p2p/node_key.h"
#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::node;
using vest::test::read_file;
using vest::test::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

TestnetOptions options_in(const fs::path& dir, size_t validators, size_t full_nodes) {
  TestnetOptions o;
  o.dir = dir;
  o.validators = validators;
  o.full_nodes = full_nodes;
  o.base_port = 30000;
  o.genesis_template = fs::path(VEST_SOURCE_DIR) / "genesis/devnet.json";
  return o;
}

// Every file under `dir` with its contents, to show a refusal changed nothing.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (fs::is_regular_file(dir)) files[""] = read_file(dir);
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    files[fs::relative(e.path(), dir).string()] = e.is_regular_file() ? read_file(e.path()) : "<folder>";
  return files;
}

// The error of a refused write_testnet, which must leave `dir` as it was.
std::string refusal(const TestnetOptions& o) {
  const auto before = snapshot(o.dir);
  const bool existed = fs::exists(o.dir);
  std::string error;
  CHECK_FALSE(write_testnet(o, error).has_value());
  CHECK(fs::exists(o.dir) == existed);
  CHECK(snapshot(o.dir) == before);
  return error;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("testnet: keys, configurations and one genesis for three validators and two full nodes", "[testnet]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  std::string error;
  auto net = write_testnet(options_in(dir, 3, 2), error);
  INFO(error);
  REQUIRE(net);
  REQUIRE(net->nodes.size() == 5);
  CHECK(net->dir == dir);
  CHECK(net->genesis == dir / "genesis.json");

  // The genesis: devnet's accounts, assets, sale and staking; a chain of its own; the three validators.
  Genesis genesis;
  REQUIRE(parse_genesis(read_file(net->genesis), genesis, error));
  json::object devnet = json::parse(read_file(fs::path(VEST_SOURCE_DIR) / "genesis/devnet.json")).as_object();
  CHECK(genesis.params.chain_id == kTestnetChainId);
  CHECK(genesis.params.chain_id != static_cast<uint64_t>(devnet.at("chain_id").as_int64()));
  CHECK(genesis.params.chain_name == kTestnetChainName);
  CHECK(genesis.params.chain_name != std::string(devnet.at("chain_name").as_string()));
  for (const char* section : {"bank", "vesting", "sale", "staking", "params", "genesis_time"}) {
    INFO(section);
    CHECK(genesis.doc.at(section) == devnet.at(section));
  }
  REQUIRE(genesis.params.validators.size() == 3);

  std::set<std::string> names, ids, keys;
  std::set<unsigned> ports;
  for (size_t k = 0; k < net->nodes.size(); ++k) {
    const TestnetNode& n = net->nodes[k];
    INFO(n.name);
    names.insert(n.name);
    ports.insert(n.rpc_port);
    ports.insert(n.p2p_port);
    CHECK(n.rpc_port == 30000 + 2 * k);
    CHECK(n.p2p_port == n.rpc_port + 1);
    CHECK(n.validator == (k < 3));
    CHECK(n.name == (k < 3 ? "validator" + std::to_string(k) : "full" + std::to_string(k - 3)));

    // The node key in its data directory is the one the others dial.
    auto key = p2p::NodeKey::load_or_create(n.datadir, error);
    REQUIRE(key);
    CHECK(p2p::to_string(key->id()) == n.node_id);
    ids.insert(n.node_id);
    CHECK(mode_of(n.datadir / p2p::kNodeKeyFile) == 0600);

    // The configuration vestd --config reads.
    Config c;
    REQUIRE(load_config_file(n.config, c, error));
    CHECK(c.genesis == net->genesis);
    CHECK(c.datadir == n.datadir);
    CHECK(c.rpc.listen == "127.0.0.1:" + std::to_string(n.rpc_port));
    CHECK(c.p2p.listen == "127.0.0.1:" + std::to_string(n.p2p_port));
    CHECK_FALSE(c.dev);
    std::vector<std::string> expected_peers;
    for (size_t i = 0; i < (n.validator ? k : 3); ++i)
      expected_peers.push_back(net->nodes[i].node_id + "@127.0.0.1:" + std::to_string(net->nodes[i].p2p_port));
    CHECK(c.p2p.peers == expected_peers);

    if (n.validator) {
      CHECK(c.validator_key == n.validator_key);
      CHECK(mode_of(n.validator_key) == 0600);
      std::string hex = read_file(n.validator_key);
      REQUIRE(hex.size() == 65);
      CHECK(hex.back() == '\n');
      auto secret = PrivateKey::from(*from_hex(hex.substr(0, 64)));
      REQUIRE(secret);
      CHECK(to_checksum(address_of(*secret)) == n.validator_address);
      CHECK(genesis.params.validators.contains(address_of(*secret)));
      keys.insert(hex.substr(0, 64));
    } else {
      CHECK(c.validator_key.empty());
      CHECK_FALSE(fs::exists(n.config.parent_path() / "validator.key"));
    }
  }
  CHECK(names.size() == 5);
  CHECK(ids.size() == 5);
  CHECK(keys.size() == 3);
  CHECK(ports.size() == 10);
  for (const auto& v : genesis.params.validators.validators()) CHECK(v.power == 1);

  // The manifest and the README name every node; no private key leaves its key file.
  json::object manifest = json::parse(read_file(dir / kTestnetManifest)).as_object();
  CHECK(manifest.at("chainId").as_int64() == static_cast<int64_t>(kTestnetChainId));
  REQUIRE(manifest.at("nodes").as_array().size() == 5);
  const std::string readme = read_file(dir / "README.md");
  for (const TestnetNode& n : net->nodes) {
    CHECK(readme.find("--config " + n.config.string()) != std::string::npos);
    CHECK(readme.find(n.node_id) != std::string::npos);
  }
  CHECK(readme == testnet_instructions(*net));
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "validator.key") continue;
    const std::string text = read_file(e.path());
    for (const std::string& k : keys) CHECK(text.find(k) == std::string::npos);
  }
}

TEST_CASE("testnet: counts and ports out of range are refused, and nothing is written", "[testnet]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  CHECK(refusal(options_in(dir, 0, 2)) == "--validators 0: expected 1 to 10");
  CHECK(refusal(options_in(dir, 11, 2)) == "--validators 11: expected 1 to 10");
  CHECK(refusal(options_in(dir, 1, 17)) == "--full-nodes 17: expected 0 to 16");
  TestnetOptions o = options_in(dir, 1, 2);
  o.base_port = 1000;
  CHECK(refusal(o) == "--base-port 1000: the 3 nodes need ports 1000 to 1005, which must lie within 1024 to 65535");
  o.base_port = 65531;
  CHECK(refusal(o) == "--base-port 65531: the 3 nodes need ports 65531 to 65536, which must lie within 1024 to 65535");
  o.base_port = 65530;  // the last range that fits
  std::string error;
  CHECK(write_testnet(o, error));
  o = options_in("", 1, 2);
  std::string empty_dir_error;
  CHECK_FALSE(write_testnet(o, empty_dir_error));
  CHECK(empty_dir_error == "--dir is required");
}

TEST_CASE("testnet: a non-empty folder is refused, with --force too unless vestd testnet wrote it", "[testnet]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  fs::create_directories(dir / "keys");
  std::ofstream(dir / "keys" / "someone.key") << "not ours\n";
  TestnetOptions o = options_in(dir, 1, 2);
  CHECK(refusal(o).find(dir.string() + " is not empty, and vestd testnet never overwrites keys") == 0);
  o.force = true;
  CHECK(refusal(o).find("--force replaces only a folder written by vestd testnet") == 0);
  CHECK(read_file(dir / "keys" / "someone.key") == "not ours\n");

  std::ofstream(tmp.path() / "file") << "x";
  o.dir = tmp.path() / "file";
  CHECK(refusal(o) == "--dir " + (tmp.path() / "file").string() + " exists and is not a folder");
}

TEST_CASE("testnet: --force replaces an earlier test network, which without it is kept", "[testnet]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  fs::create_directories(dir);  // an empty folder is fine
  TestnetOptions o = options_in(dir, 1, 2);
  std::string error;
  auto first = write_testnet(o, error);
  REQUIRE(first);
  std::ofstream(dir / "full0" / "data" / "leftover") << "old chain";

  CHECK(refusal(o).find("is not empty") != std::string::npos);
  o.force = true;
  o.full_nodes = 1;
  auto second = write_testnet(o, error);
  INFO(error);
  REQUIRE(second);
  CHECK(second->nodes.size() == 2);
  CHECK_FALSE(fs::exists(dir / "full0" / "data" / "leftover"));
  CHECK_FALSE(fs::exists(dir / "full1"));
  CHECK(second->nodes[0].node_id != first->nodes[0].node_id);
  CHECK(second->nodes[0].validator_address != first->nodes[0].validator_address);
}

TEST_CASE("testnet: a template that is missing or not a valid genesis is refused before anything is written",
          "[testnet]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  TestnetOptions o = options_in(dir, 1, 2);
  o.genesis_template = tmp.path() / "missing.json";
  CHECK(refusal(o).find("cannot read the genesis template " + o.genesis_template.string()) == 0);

  json::object devnet = json::parse(read_file(fs::path(VEST_SOURCE_DIR) / "genesis/devnet.json")).as_object();
  devnet["params"].as_object()["min_fee"] = 5;
  o.genesis_template = tmp.path() / "bad.json";
  std::ofstream(o.genesis_template) << json::serialize(devnet);
  CHECK(refusal(o) == "genesis template " + o.genesis_template.string() +
                          ": genesis: params.min_fee: expected an amount as a decimal string of base units");

  // A section only a contract reads fails when the genesis is built.
  devnet = json::parse(read_file(fs::path(VEST_SOURCE_DIR) / "genesis/devnet.json")).as_object();
  devnet["sale"].as_object()["payment_asset"] = "EUR";
  std::ofstream(o.genesis_template, std::ios::trunc) << json::serialize(devnet);
  CHECK(refusal(o).find("genesis template " + o.genesis_template.string() + ": ") == 0);

  std::ofstream(o.genesis_template, std::ios::trunc) << "[1, 2]";
  CHECK(refusal(o) == "genesis template " + o.genesis_template.string() + ": not a JSON object");
}

TEST_CASE("testnet: vestd testnet writes what it says, and refuses counts out of range writing nothing",
          "[testnet]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  std::ostringstream out, err0;
  CHECK(run_testnet(options_in(dir, 0, 2), out, err0) == 1);
  CHECK(err0.str() == "vestd testnet: --validators 0: expected 1 to 10\n");
  CHECK(out.str().empty());
  CHECK_FALSE(fs::exists(dir));

  std::ostringstream ok_out, ok_err;
  CHECK(run_testnet(options_in(dir, 4, 1), ok_out, ok_err) == 0);
  CHECK(ok_err.str().empty());
  CHECK(ok_out.str() == read_file(dir / "README.md"));
  for (const char* v : {"validator0", "validator1", "validator2", "validator3"})
    CHECK(fs::exists(dir / v / "validator.key"));
}

TEST_CASE("testnet: the largest network fits the default peer limits", "[testnet]") {
  // Every full node dials every validator; validator i dials validators 0..i-1.
  const P2pConfig defaults;
  CHECK(kTestnetMaxValidators <= defaults.max_outbound);
  CHECK(kTestnetMaxValidators - 1 + kTestnetMaxFullNodes <= defaults.max_inbound);
}
