// Integration: several real vestd processes on 127.0.0.1, each with its own
// data directory and ports, connected over the p2p protocol: full nodes that
// sync and follow a validator, transactions gossiped from a full node to the
// validator, a full node killed mid-sync, and a validator whose data directory
// was copied and started twice.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "chain/address.h"
#include "contracts/bank/messages.h"
#include "tests/integration/chain_calls.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

Bytes transfer(const char* to, Amount amount) {
  return bank::Transfer{*parse_address(to), "VEST", amount}.encode();
}

}  // namespace

TEST_CASE("network: a validator and two full nodes agree on every block, transfers sent at a full node commit",
          "[integration][network]") {
  TempDir dir;
  Vestd v(dir.path() / "validator", with({"--block-time-ms", "200"}, kListen));
  auto f1 = Vestd::full_node(dir.path() / "full1", with({"--peer", v.peer_arg()}, kListen));
  // The second full node knows only the first: what it gets, it gets through a full node.
  auto f2 = Vestd::full_node(dir.path() / "full2", {"--peer", f1->peer_arg()});

  json::object s1 = status_of(*f1);
  CHECK(s1.at("role") == "full");
  CHECK(s1.at("signing").is_null());
  CHECK(s1.at("p2p").at("listen") == json::value(f1->p2p_address()));
  CHECK(status_of(*f2).at("p2p").at("listen").is_null());
  CHECK(status_of(v).at("role") == "validator");

  const Amount before = balance(v, kDevAddr2, "VEST");
  for (int i = 0; i < 5; ++i) {
    // Submitted at the far full node, with wait: answered once committed there.
    json::object r = submit_msg(*f2, kDevKey1, bank::kTransferKind, transfer(kDevAddr2, 1000 + i));
    INFO(json::serialize(r));
    REQUIRE(r.contains("result"));
    CHECK(r.at("result").at("status") == "committed");
  }
  const uint64_t height = head_height(*f2);
  eventually([&] { return head_height(v) >= height && head_height(*f1) >= height; }, 10s, "all nodes at the height");
  for (uint64_t h = 1; h <= height; ++h) {
    INFO("height " << h);
    const std::string hv = block_hash(v, h);
    CHECK(hv.size() == 66);
    CHECK(block_hash(*f1, h) == hv);
    CHECK(block_hash(*f2, h) == hv);
  }
  const Amount sent = 1000 + 1001 + 1002 + 1003 + 1004;
  CHECK(balance(v, kDevAddr2, "VEST") == before + sent);
  CHECK(balance(*f1, kDevAddr2, "VEST") == before + sent);
  CHECK(balance(*f2, kDevAddr2, "VEST") == before + sent);

  // The middle node sees both others: the validator it dialled, the full node that dialled it.
  json::array peers = f1->call("node_peers").at("peers").as_array();
  REQUIRE(peers.size() == 2);
  std::map<std::string, std::string> direction;
  for (const auto& p : peers) {
    direction[str(p.at("id"))] = str(p.at("direction"));
    CHECK(u64(p.at("bytesIn")) > 0);
    CHECK(u64(p.at("bytesOut")) > 0);
  }
  CHECK(direction[v.node_id()] == "outbound");
  CHECK(direction[f2->node_id()] == "inbound");
  json::object sync = status_of(*f2).at("sync").as_object();
  CHECK(sync.at("syncing") == false);
  CHECK(u64(sync.at("height")) >= height);

  // dev_* stays with the dev node.
  CHECK(error_code(f1->rpc("dev_mine", json::object{{"blocks", 1}})) != 0);
}

TEST_CASE("network: a full node started after 2,000 blocks syncs them all, and resumes after SIGKILL mid-sync",
          "[integration][network]") {
  TempDir dir;
  Vestd v(dir.path() / "validator", kListen);
  submit_ok(v, kDevKey1, bank::kTransferKind, transfer(kDevAddr2, 7));
  v.call("dev_mine", json::object{{"blocks", 1000}});
  v.call("dev_mine", json::object{{"blocks", 999}});
  const uint64_t target = head_height(v);
  REQUIRE(target == 2000);

  {
    auto f = Vestd::full_node(dir.path() / "full", {"--peer", v.peer_arg()});
    eventually([&] { return u64(status_of(*f).at("sync").at("height")) >= 50; }, 60s, "the sync to start");
    f->kill9();
  }
  auto f = Vestd::full_node(dir.path() / "full", {"--peer", v.peer_arg()});
  // It starts from what it had committed before the kill, not from genesis.
  const uint64_t killed_at = u64(status_of(*f).at("height"));
  CHECK(killed_at >= 50);
  eventually([&] { return head_height(*f) >= target; }, 120s, "the full node to reach the validator's head");
  for (uint64_t h : {uint64_t{1}, killed_at, killed_at + 1, uint64_t{1000}, target}) {
    INFO("height " << h);
    CHECK(block_hash(*f, h) == block_hash(v, h));
  }
  CHECK(balance(*f, kDevAddr2, "VEST") == balance(v, kDevAddr2, "VEST"));
  CHECK(status_of(*f).at("sync").at("syncing") == false);
}

TEST_CASE("network: a validator's data directory started twice signs two blocks at one height: detected, reported, "
          "neither node accepts both",
          "[integration][network]") {
  TempDir dir;
  {
    Vestd v(dir.path() / "v1");
    submit_ok(v, kDevKey1, bank::kTransferKind, transfer(kDevAddr2, 1));
    v.stop();
  }
  // The copy: chain, node key and all.
  fs::copy(dir.path() / "v1", dir.path() / "v2", fs::copy_options::recursive);
  Vestd v1(dir.path() / "v1", kListen);
  Vestd v2(dir.path() / "v2", kListen);
  const uint64_t base = head_height(v1);
  REQUIRE(head_height(v2) == base);
  // Each signs its own block at base + 1, before anyone else hears of either.
  submit_ok(v1, kDevKey1, bank::kTransferKind, transfer(kDevAddr2, 2));
  submit_ok(v2, kDevKey1, bank::kTransferKind, transfer(kDevAddr3, 3));
  const std::string a = block_hash(v1, base + 1), b = block_hash(v2, base + 1);
  REQUIRE(a != b);

  auto f1 = Vestd::full_node(dir.path() / "f1", with({"--peer", v1.peer_arg()}, kListen));
  auto f2 = Vestd::full_node(dir.path() / "f2", {"--peer", v2.peer_arg(), "--peer", f1->peer_arg()});

  auto conflict_of = [](Vestd& n) -> std::optional<json::object> {
    json::array c = status_of(n).at("conflicts").as_array();
    if (c.empty()) return std::nullopt;
    return c.front().as_object();
  };
  for (Vestd* n : {f1.get(), f2.get()}) {
    eventually([&] { return conflict_of(*n).has_value(); }, 20s, "a full node to see the double sign");
    json::object c = *conflict_of(*n);
    INFO(json::serialize(c));
    CHECK(u64(c.at("height")) == base + 1);
    CHECK(c.at("validator") == kValidator);
    // It keeps the block it has, and names the other.
    const std::string kept = block_hash(*n, base + 1);
    CHECK(c.at("kept") == json::value(kept));
    CHECK(c.at("other") == json::value(kept == a ? b : a));
    CHECK(n->log().find("double sign") != std::string::npos);
  }
  // The evidence reaches both processes holding the key: both stop signing.
  for (Vestd* n : {&v1, &v2}) {
    eventually([&] { return status_of(*n).at("signing").at("stopped") == true; }, 20s, "a validator to stop signing");
    CHECK(str(status_of(*n).at("signing").at("reason")).find("another process signs with this key") !=
          std::string::npos);
    CHECK(error_code(n->rpc("dev_mine", json::object{{"blocks", 1}})) != 0);
  }
  // Each node holds one block at that height, and a chain that goes on from it.
  for (Vestd* n : {&v1, &v2, f1.get(), f2.get()}) {
    const std::string h = block_hash(*n, base + 1);
    CHECK((h == a || h == b));
    CHECK(block_hash(*n, base + 2).empty());
  }
}
