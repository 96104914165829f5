// Integration: `vestd testnet` writes a network into a folder; real vestd
// processes started from the written configurations alone (on a free port
// range) connect, take a transfer at a full node through the vest wallet and
// commit it on every node with the same blocks; a devnet node cannot join.
#include <catch2/catch.hpp>
#include <chrono>

#include "tests/integration/chain_calls.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_CASE("testnet: the nodes vestd testnet writes run from their configurations and agree on every block",
          "[integration][network][testnet]") {
  TempDir dir;
  const fs::path net = dir.path() / "net";
  const uint16_t base = free_port_range(6);
  RunResult written = run_program({bin_path("vestd").string(), "testnet", "--dir", net.string(), "--validators", "1",
                                   "--full-nodes", "2", "--base-port", std::to_string(base), "--genesis-template",
                                   source_path("genesis/devnet.json").string()});
  INFO("vestd testnet: " << written.out << written.err);
  REQUIRE(written.exit_code == 0);
  json::array nodes = json::parse(read_file(net / "testnet.json")).at("nodes").as_array();
  REQUIRE(nodes.size() == 3);

  // Each node from its configuration file alone, validators first.
  std::vector<std::unique_ptr<Vestd>> running;
  for (const auto& n : nodes) {
    const std::string config = str(n.at("config"));
    CHECK(written.out.find("--config " + config) != std::string::npos);
    running.push_back(Vestd::with_args(dir.path() / ("run-" + str(n.at("name"))), {"--config", config}));
  }
  for (size_t k = 0; k < running.size(); ++k) {
    Vestd& node = *running[k];
    INFO(str(nodes[k].at("name")));
    CHECK(node.port() == base + 2 * k);
    CHECK(node.p2p_address() == "127.0.0.1:" + std::to_string(base + 2 * k + 1));
    json::object status = node.call("node_status").as_object();
    CHECK(status.at("nodeId") == nodes[k].at("nodeId"));
    CHECK(u64(status.at("chainId")) == 7358);
    CHECK(u64(status.at("chainId")) != kDevChainId);
    CHECK(status.at("role") == (k == 0 ? "validator" : "full"));
    CHECK(status.at("dev") == false);
  }
  Vestd& validator = *running[0];
  Vestd& far = *running[2];
  // Both full nodes dial the validator.
  for (size_t k = 1; k < running.size(); ++k) {
    eventually([&] { return running[k]->call("node_peers").at("peers").as_array().size() == 1; }, 20s,
               "a full node to connect to the validator");
  }

  // devnet's development accounts are funded.
  const Amount before = balance(far, kDevAddr2, "VEST");
  CHECK(before == 10000 * kVest);

  // A transfer with the vest wallet at a full node, pinned to the written genesis.
  Wallet w = import_wallet(dir, far, kDevKey1, kDevAddr1);
  json::value sent =
      w.run_json({"--genesis", (net / "genesis.json").string(), "transfer", "--to", kDevAddr2, "--amount", "1.5"});
  REQUIRE(sent.at("status") == "committed");
  const uint64_t height = u64(sent.at("height"));
  for (auto& n : running) {
    eventually([&] { return head_height(*n) >= height; }, 20s, "every node at the transfer's height");
  }
  for (uint64_t h = 1; h <= height; ++h) {
    INFO("height " << h);
    const std::string hash = block_hash(validator, h);
    CHECK(hash.size() == 66);
    for (auto& n : running) CHECK(block_hash(*n, h) == hash);
  }
  for (auto& n : running) CHECK(balance(*n, kDevAddr2, "VEST") == before + 3 * kVest / 2);

  // A devnet node told to dial the validator is refused at the handshake (another
  // chain): it redials, and neither side lists the other.
  auto devnet = Vestd::full_node(dir.path() / "devnet",
                                 {"--log-level", "debug", "--peer", str(nodes[0].at("nodeId")) + "@" +
                                                                        str(nodes[0].at("p2p"))});
  eventually([&] { return devnet->log().find("redialling") != std::string::npos; }, 20s,
             "the devnet node's dial to fail");
  CHECK(devnet->call("node_peers").at("peers").as_array().empty());
  CHECK(head_height(*devnet) == 0);
  const json::value peers = validator.call("node_peers");
  REQUIRE(peers.at("peers").as_array().size() == 2);  // the two full nodes
  for (const auto& p : peers.at("peers").as_array()) CHECK(p.at("id") != json::value(devnet->node_id()));
}
