// Integration: subscriptions over a real WebSocket of a real vestd
// (docs/rpc.md, "Subscriptions"): every topic against what the read methods
// answer for the same heights, a reconnect with fromHeight that misses nothing
// while blocks keep coming, a slow reader dropped with its reason while another
// keeps receiving, the bounds, bad input, and a full node's subscriptions.
#include <catch2/catch.hpp>
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "contracts/bank/messages.h"
#include "contracts/sale/messages.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"
#include "tests/integration/ws_client.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kManualBlocks = {"--block-time-ms", "3600000"};

Bytes transfer(const char* to, Amount amount, const char* asset = "VEST") {
  return bank::Transfer{*parse_address(to), asset, amount}.encode();
}

// Submits a transfer without waiting for its block: its hash.
std::string send_transfer(Vestd& node, const char* key, const char* to, Amount amount, const char* asset = "VEST") {
  json::object r = submit_msg(node, key, bank::kTransferKind, transfer(to, amount, asset), false);
  INFO(json::serialize(r));
  REQUIRE(r.contains("result"));
  return str(r.at("result").at("hash"));
}

// A JSON-RPC call for any thread: no test assertions; null when it fails.
json::value quiet_call(uint16_t port, const std::string& method, json::value params) {
  json::object req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
  auto r = try_http_post(port, json::serialize(req));
  if (!r || r->first != 200) return nullptr;
  json::error_code ec;
  json::value v = json::parse(r->second, ec);
  if (ec || !v.is_object() || !v.as_object().contains("result")) return nullptr;
  return v.at("result");
}

// Submits a signed transfer with an explicit nonce, for any thread; false when refused.
bool quiet_transfer(uint16_t port, const char* key, const char* to, Amount amount, uint64_t nonce) {
  Transaction tx = wallet::build_signed(wallet::TxParams{kDevChainId, nonce, kDevMinFee}, bank::kTransferKind,
                                        transfer(to, amount), key_hex(key));
  return !quiet_call(port, "tx_submit", json::object{{"raw", to_hex_0x(tx.encode())}}).is_null();
}

bool quiet_mine(uint16_t port, uint64_t blocks = 1) {
  return !quiet_call(port, "dev_mine", json::object{{"blocks", blocks}}).is_null();
}

uint64_t mine(Vestd& node, uint64_t blocks = 1) {
  return u64(node.call("dev_mine", json::object{{"blocks", blocks}}).at("height"));
}

// The node's resident memory in KiB, from /proc.
uint64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  FAIL("no VmRSS for " << pid);
  return 0;
}

// account_get {address, atHeight} as the account topic sends it.
json::object holdings_at(Vestd& node, const std::string& address, uint64_t height) {
  json::object o{{"type", "holdings"}};
  json::value a = node.call("account_get", json::object{{"address", address}, {"atHeight", height}});
  for (auto& kv : a.as_object()) o[kv.key()] = kv.value();
  o["now"] = nullptr;
  return o;
}

json::array events_at(Vestd& node, uint64_t height) {
  return node.call("chain_getEvents", json::object{{"height", height}}).at("events").as_array();
}

bool names(const json::value& event, const std::string& address) {
  for (const auto& a : event.at("addresses").as_array())
    if (a == json::value(address)) return true;
  return false;
}

// A notification's result, checking it belongs to `id`.
json::value result_of(const std::optional<json::object>& n, const std::string& id) {
  REQUIRE(n.has_value());
  INFO(json::serialize(*n));
  REQUIRE(n->at("subscription") == json::value(id));
  return n->at("result");
}

}  // namespace

TEST_CASE("subscriptions: newHeads are chain_getBlock of each new block, in order, over WebSocket only",
          "[integration][subscriptions]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);

  // Over HTTP POST there is no connection to notify: a clear error.
  auto [status, body] = http_post(node.port(), R"({"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"topic":"newHeads"}})");
  CHECK(status == 200);
  json::value err = json::parse(body);
  CHECK(err.at("error").at("code") == 3001);
  CHECK(str(err.at("error").at("message")).find("WebSocket") != std::string::npos);

  WsClient ws(node.port());
  const std::string id = ws.subscribe(json::object{{"topic", "newHeads"}});
  CHECK(id.rfind("0x", 0) == 0);
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 1);
  send_transfer(node, kDevKey0, kDevAddr1, 5);
  CHECK(mine(node, 3) == 3);
  for (uint64_t h = 1; h <= 3; ++h) {
    json::value head = result_of(ws.next(), id);
    CHECK(head == node.call("chain_getBlock", json::object{{"height", h}}));
  }

  CHECK(ws.call("unsubscribe", json::object{{"subscription", id}}).at("result") == true);
  CHECK(ws.call("unsubscribe", json::object{{"subscription", id}}).at("result") == false);
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 0);
  // Nothing of the ended subscription follows: the next notification on the
  // wire is the new subscription's, of the next block.
  const std::string id2 = ws.subscribe(json::object{{"topic", "newHeads"}});
  mine(node);
  CHECK(result_of(ws.next(), id2).at("height") == 4);
  CHECK(metric(node, "vest_rpc_notifications_sent_total") == 4);

  // Closing the connection releases its subscriptions.
  ws.close();
  eventually([&] { return metric(node, "vest_rpc_subscriptions_open") == 0; }, 5s, "the closed connection's release");
}

TEST_CASE("subscriptions: events follow chain_getEvents, filtered by types and addresses",
          "[integration][subscriptions]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  WsClient all(node.port()), some(node.port());
  const std::string id_all = all.subscribe(json::object{{"topic", "events"}});
  const std::string id_some = some.subscribe(json::object{
      {"topic", "events"},
      {"filter", json::object{{"types", json::array{"bank.transfer"}}, {"addresses", json::array{kDevAddr2}}}}});

  send_transfer(node, kDevKey0, kDevAddr1, 1);
  send_transfer(node, kDevKey0, kDevAddr2, 2);
  send_transfer(node, kDevKey3, kDevAddr2, 3, "USDV");
  REQUIRE(mine(node) == 1);
  // A block where nothing matches the filter, then one where something does.
  send_transfer(node, kDevKey0, kDevAddr1, 4);
  REQUIRE(mine(node) == 2);
  send_transfer(node, kDevKey1, kDevAddr2, 5);
  REQUIRE(mine(node) == 3);

  for (uint64_t h = 1; h <= 3; ++h) {
    json::value n = result_of(all.next(), id_all);
    CHECK(n.at("height") == h);
    CHECK(n.at("blockHash") == json::value(block_hash(node, h)));
    CHECK(n.at("time") == block_time(node, h));
    CHECK(n.at("events") == events_at(node, h));
  }
  for (uint64_t h : {1, 3}) {
    json::array want;
    for (const auto& e : events_at(node, h))
      if (e.at("type") == "bank.transfer" && names(e, kDevAddr2)) want.push_back(e);
    json::value n = result_of(some.next(), id_some);
    INFO("height " << h);
    CHECK(n.at("height") == h);
    CHECK(n.at("events") == want);
    CHECK(want.size() == (h == 1 ? 2u : 1u));
  }
}

TEST_CASE("subscriptions: a transaction's status from pending to committed, failed or dropped, then it ends",
          "[integration][subscriptions]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  WsClient ws(node.port());

  // Committed.
  const std::string hash = send_transfer(node, kDevKey0, kDevAddr1, 7);
  const std::string id = ws.subscribe(json::object{{"topic", "transaction"}, {"hash", hash}});
  CHECK(result_of(ws.next(), id) == json::value(json::object{{"hash", hash}, {"status", "pending"}}));
  REQUIRE(mine(node) == 1);
  json::object done = result_of(ws.next(), id).as_object();
  json::object want = node.call("chain_getTransaction", json::object{{"hash", hash}}).as_object();
  want["blockHash"] = block_hash(node, 1);
  CHECK(done == want);
  CHECK(done.at("status") == "committed");
  CHECK(ws.call("unsubscribe", json::object{{"subscription", id}}).at("result") == false);
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 0);

  // Already committed: its status at once.
  const std::string again = ws.subscribe(json::object{{"topic", "transaction"}, {"hash", hash}});
  CHECK(result_of(ws.next(), again) == json::value(want));

  // Failed in its block: account 3 spends all its USDV, then one more.
  const Amount usdv = balance(node, kDevAddr3, "USDV");
  send_transfer(node, kDevKey3, kDevAddr1, usdv, "USDV");
  const std::string failing = send_transfer(node, kDevKey3, kDevAddr1, 1, "USDV");
  // Dropped: account 2 leaves itself half a fee, so its next transaction cannot pay one.
  const Amount vest = balance(node, kDevAddr2, "VEST");
  send_transfer(node, kDevKey2, kDevAddr1, vest - kDevMinFee - kDevMinFee / 2);
  const std::string dropping = send_transfer(node, kDevKey2, kDevAddr1, 1);
  WsClient ws2(node.port());
  const std::string id_failed = ws.subscribe(json::object{{"topic", "transaction"}, {"hash", failing}});
  const std::string id_dropped = ws2.subscribe(json::object{{"topic", "transaction"}, {"hash", dropping}});
  CHECK(result_of(ws.next(), id_failed).at("status") == "pending");
  CHECK(result_of(ws2.next(), id_dropped).at("status") == "pending");
  REQUIRE(mine(node) == 2);
  json::value failed = result_of(ws.next(), id_failed);
  CHECK(failed.at("status") == "failed");
  CHECK(failed.at("height") == 2);
  CHECK(failed.at("error").at("reason") == "insufficient_funds");
  json::value dropped = result_of(ws2.next(), id_dropped);
  INFO(json::serialize(dropped));
  CHECK(dropped.at("status") == "dropped");
  CHECK(dropped.at("hash") == json::value(dropping));
  CHECK(dropped.at("error").at("reason") == "insufficient_fee");
  CHECK(node.call("chain_getTransaction", json::object{{"hash", dropping}}).is_null());
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 0);
}

TEST_CASE("subscriptions: an account's holdings after each block that touched it, unlock notices once, a coming tier lapse",
          "[integration][subscriptions]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  WsClient ws(node.port());
  const std::string buyer = kDevAddr1;
  const std::string id =
      ws.subscribe(json::object{{"topic", "account"}, {"address", buyer}, {"tierLapseWindow", 90 * kDay}});

  // Two units of Growth (tranches of its bonus at 30, 90 and 180 days) for
  // 1,000 USDV: tier Advocate for a year.
  json::object bought = submit_msg(node, kDevKey1, sale::kPurchaseKind, purchase_payload(2, 2, 1000 * kUsd), false);
  REQUIRE(bought.contains("result"));
  const uint64_t h1 = mine(node);
  const uint64_t t1 = block_time(node, h1);
  const uint64_t position_id = u64(node.call("sale_getPurchases", json::object{{"address", buyer}})
                                       .at("purchases").at(0).at("positionId"));
  CHECK(result_of(ws.next(), id) == json::value(holdings_at(node, buyer, h1)));

  // Past the first tranche: one notice at the first block at or after it.
  node.call("dev_increaseTime", json::object{{"seconds", 30 * kDay + 5}});
  const uint64_t h2 = mine(node);
  const json::value unlock = result_of(ws.next(), id);
  INFO(json::serialize(unlock));
  CHECK(unlock.at("type") == "unlock");
  CHECK(unlock.at("height") == h2);
  CHECK(unlock.at("time") == block_time(node, h2));
  CHECK(unlock.at("positionId") == position_id);
  CHECK(unlock.at("asset") == "VEST");
  CHECK(unlock.at("unlockTime") == t1 + 30 * kDay);
  CHECK(unlock.at("parts") == json::value(json::array{json::object{{"part", 0}, {"type", "tranche"}}}));
  const Amount was = amt(position(node, position_id, h2 - 1).at("claimable"));
  const Amount now = amt(position(node, position_id, h2).at("claimable"));
  CHECK(amt(unlock.at("amount")) == now - was);
  CHECK(amt(unlock.at("amount")) == 500 * kVest);  // a quarter of 2 x 1,000 VEST
  CHECK(amt(unlock.at("claimable")) == now);

  // Nothing at the next block; then, past the 90- and 180-day tranches and
  // within 90 days of the tier's lapse, three notices of one block.
  const uint64_t h3 = mine(node);
  node.call("dev_increaseTime", json::object{{"seconds", 250 * kDay}});
  const uint64_t h4 = mine(node);
  REQUIRE(h4 == h3 + 1);
  json::value second = result_of(ws.next(), id), third = result_of(ws.next(), id), lapse = result_of(ws.next(), id);
  CHECK(second.at("height") == h4);
  CHECK(second.at("unlockTime") == t1 + 90 * kDay);
  CHECK(amt(second.at("amount")) == 500 * kVest);
  CHECK(third.at("unlockTime") == t1 + 180 * kDay);
  CHECK(amt(third.at("amount")) == 1000 * kVest);
  INFO(json::serialize(lapse));
  CHECK(lapse.at("type") == "tierLapse");
  CHECK(lapse.at("height") == h4);
  CHECK(lapse.at("tier") == "Advocate");
  CHECK(lapse.at("nextTier") == "Enthusiast");
  CHECK(lapse.at("lapseTime") == t1 + 365 * kDay);
  CHECK(lapse.at("spendAfter") == "0");
  // The tier read agrees: Advocate now, from the same spend.
  CHECK(node.call("sale_getTier", json::object{{"address", buyer}, {"atHeight", h4}}).at("tier") == "Advocate");

  // Exactly once: a block later nothing is told again; the next notification
  // is the holdings of the block after, which a transfer touches.
  mine(node);
  send_transfer(node, kDevKey0, kDevAddr1, 1);
  const uint64_t h6 = mine(node);
  json::value next = result_of(ws.next(), id);
  CHECK(next.at("type") == "holdings");
  CHECK(next.at("height") == h6);
  CHECK(next == json::value(holdings_at(node, buyer, h6)));
}

TEST_CASE("subscriptions: a reconnect with fromHeight misses nothing and repeats nothing while blocks keep coming",
          "[integration][subscriptions]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  const std::string watched = kDevAddr1;
  auto some_blocks = [&](int blocks) {
    for (int i = 0; i < blocks; ++i) {
      send_transfer(node, kDevKey0, kDevAddr1, 10 + i);
      send_transfer(node, kDevKey2, kDevAddr3, 20 + i);
      if (i % 2 == 0) send_transfer(node, kDevKey1, kDevAddr2, 30 + i);
      mine(node);
    }
  };

  uint64_t last_seen = 0;
  {
    WsClient ws(node.port());
    const std::string id = ws.subscribe(json::object{{"topic", "newHeads"}});
    some_blocks(4);
    for (uint64_t h = 1; h <= 4; ++h) last_seen = u64(result_of(ws.next(), id).at("height"));
    REQUIRE(last_seen == 4);
  }
  // Disconnected: blocks with transactions go by.
  some_blocks(6);

  // Reconnect while more blocks are being made, so the replay meets new commits.
  std::atomic<bool> more_ok{true};
  const uint64_t n0 = nonce(node, kDevAddr0), n2 = nonce(node, kDevAddr2);
  std::jthread more([&] {
    for (uint64_t i = 0; i < 12; ++i) {
      more_ok = more_ok && quiet_transfer(node.port(), kDevKey0, kDevAddr1, 50 + i, n0 + i) &&
                quiet_transfer(node.port(), kDevKey2, kDevAddr3, 60 + i, n2 + i) && quiet_mine(node.port());
    }
  });
  WsClient ws(node.port());
  const uint64_t from = last_seen + 1;
  std::map<std::string, std::string> topic_of;
  topic_of[ws.subscribe(json::object{{"topic", "newHeads"}, {"fromHeight", from}})] = "newHeads";
  topic_of[ws.subscribe(json::object{{"topic", "events"}, {"fromHeight", from}})] = "events";
  topic_of[ws.subscribe(json::object{{"topic", "account"}, {"address", watched}, {"fromHeight", from}})] = "account";
  more.join();
  REQUIRE(more_ok);
  // A last block that each topic notifies: everything before it has arrived.
  send_transfer(node, kDevKey0, kDevAddr1, 99);
  const uint64_t last = mine(node);
  REQUIRE(last == 4 + 6 + 12 + 1);

  std::map<std::string, std::vector<json::value>> got;
  std::set<std::string> finished;
  while (finished.size() < 3) {
    auto n = ws.next(20s);
    REQUIRE(n.has_value());
    const std::string topic = topic_of.at(str(n->at("subscription")));
    got[topic].push_back(n->at("result"));
    if (n->at("result").at("height") == last) finished.insert(topic);
  }

  // newHeads: every height from `from` to `last`, once, as chain_getBlock says.
  REQUIRE(got["newHeads"].size() == last - from + 1);
  for (uint64_t h = from; h <= last; ++h)
    CHECK(got["newHeads"][h - from] == node.call("chain_getBlock", json::object{{"height", h}}));
  // events: one notification per height with events, equal to chain_getEvents.
  std::vector<json::value> want_events, want_account;
  for (uint64_t h = from; h <= last; ++h) {
    json::array ev = events_at(node, h);
    bool touched = false;
    for (const auto& e : ev) touched = touched || names(e, watched);
    if (!ev.empty()) {
      want_events.push_back(json::object{
          {"height", h}, {"blockHash", block_hash(node, h)}, {"time", block_time(node, h)}, {"events", ev}});
    }
    if (touched) want_account.push_back(holdings_at(node, watched, h));
  }
  CHECK(got["events"] == want_events);
  CHECK(got["account"] == want_account);
  CHECK(want_account.size() >= 10);
}

TEST_CASE("subscriptions: a reader too slow for its notifications is dropped with the reason while others keep receiving",
          "[integration][subscriptions]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  const uint64_t rss_before = rss_kib(node.pid());

  // A healthy reader on its own thread, reading every new head.
  WsClient healthy(node.port());
  const std::string healthy_id = healthy.subscribe(json::object{{"topic", "newHeads"}});
  // The slow one subscribes 32 times (newHeads and every event) and never reads.
  WsClient slow(node.port(), 4096);
  for (int i = 0; i < 16; ++i) {
    slow.subscribe(json::object{{"topic", "newHeads"}});
    slow.subscribe(json::object{{"topic", "events"}});
  }
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 33);

  const uint64_t blocks = 1500;
  std::atomic<uint64_t> healthy_seen{0};
  std::atomic<bool> healthy_ok{true};
  std::jthread reader([&] {
    for (uint64_t h = 1; h <= blocks + 1; ++h) {
      auto n = healthy.receive(60s);
      if (!n || n->at("subscription") != json::value(healthy_id) || n->at("result").at("height") != h) {
        healthy_ok = false;
        return;
      }
      healthy_seen = h;
    }
  });
  // Blocks with many events first, then many blocks quickly.
  for (int i = 0; i < 50; ++i) {
    send_transfer(node, kDevKey0, kDevAddr1, 1 + i);
    send_transfer(node, kDevKey1, kDevAddr2, 1 + i);
    send_transfer(node, kDevKey2, kDevAddr3, 1 + i, "USDV");
  }
  mine(node);
  std::atomic<bool> mined_ok{true};
  std::jthread producer([&] { mined_ok = quiet_mine(node.port(), blocks - 500) && quiet_mine(node.port(), 499); });

  {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (metric(node, "vest_rpc_subscribers_dropped_total") == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    INFO("sent " << metric(node, "vest_rpc_notifications_sent_total") << ", open "
                 << metric(node, "vest_rpc_subscriptions_open") << ", healthy at " << healthy_seen << ", head "
                 << head_height(node));
    REQUIRE(metric(node, "vest_rpc_subscribers_dropped_total") == 1);
  }
  // Reading now, the slow client finds the notifications that were on their
  // way, then the close frame with the documented code and reason.
  auto closed = slow.read_until_close(30s);
  REQUIRE(closed.has_value());
  CHECK(closed->code == 1008);
  CHECK(closed->reason == "subscriber too slow: notification queue full");
  // Bounded: by the queue (1,000 messages), what the kernel buffers held, and
  // the write that was in progress; far below the 32 x 1,501 notifications.
  CHECK(closed->messages < 32 * (blocks + 1) / 2);
  INFO("the slow reader got " << closed->messages << " notifications");

  producer.join();
  REQUIRE(mined_ok);
  // Its subscriptions are gone; the healthy one stays and has every block.
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 1);
  mine(node);
  reader.join();
  CHECK(healthy_ok);
  CHECK(healthy_seen == blocks + 1);
  CHECK(metric(node, "vest_rpc_subscribers_dropped_total") == 1);

  // Memory did not grow with what the slow reader left unread.
  const uint64_t rss_after = rss_kib(node.pid());
  INFO("RSS before " << rss_before << " KiB, after " << rss_after << " KiB");
  CHECK(rss_after < rss_before + 64 * 1024);
}

TEST_CASE("subscriptions: at the bounds subscribe answers an error and nothing changes, and a closed connection frees its share",
          "[integration][subscriptions]") {
  TempDir dir;
  auto config = write_config(dir, "[rpc]\nmax_subscriptions_per_connection = 3\nmax_subscriptions = 5\n");
  Vestd node(dir.path(), with(kManualBlocks, {"--config", config.string()}));
  WsClient a(node.port());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(a.subscribe(json::object{{"topic", "newHeads"}}));
  json::object r = a.call("subscribe", json::object{{"topic", "newHeads"}});
  CHECK(r.at("error").at("code") == 3002);
  CHECK(r.at("error").at("data").at("scope") == "connection");
  CHECK(str(r.at("error").at("message")).find("at most 3") != std::string::npos);
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 3);

  {
    WsClient b(node.port());
    b.subscribe(json::object{{"topic", "newHeads"}});
    b.subscribe(json::object{{"topic", "events"}});
    json::object full = b.call("subscribe", json::object{{"topic", "newHeads"}});
    CHECK(full.at("error").at("code") == 3002);
    CHECK(full.at("error").at("data").at("scope") == "node");
    CHECK(metric(node, "vest_rpc_subscriptions_open") == 5);
    // The refused subscriptions send nothing: each connection gets exactly its own.
    mine(node);
    std::set<std::string> notified;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto n = a.next();
      REQUIRE(n);
      CHECK(n->at("result").at("height") == 1);
      notified.insert(str(n->at("subscription")));
    }
    CHECK(notified == std::set<std::string>(ids.begin(), ids.end()));
    b.close();
  }
  eventually([&] { return metric(node, "vest_rpc_subscriptions_open") == 3; }, 5s, "b's subscriptions to end");
  WsClient c(node.port());
  c.subscribe(json::object{{"topic", "newHeads"}});
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 4);
}

TEST_CASE("subscriptions: bad input gets a clear error and changes nothing", "[integration][subscriptions]") {
  TempDir dir;
  auto config = write_config(dir, "[rpc]\nmax_replay_blocks = 5\n");
  Vestd node(dir.path(), with(kManualBlocks, {"--config", config.string()}));
  REQUIRE(mine(node, 10) == 10);
  WsClient ws(node.port());
  const std::string mine_id = ws.subscribe(json::object{{"topic", "newHeads"}});

  auto refused = [&](json::object params, const std::string& says) {
    json::object r = ws.call("subscribe", params);
    INFO(json::serialize(params) << " -> " << json::serialize(r));
    REQUIRE(r.contains("error"));
    CHECK(r.at("error").at("code") == -32602);
    CHECK(str(r.at("error").at("message")).find(says) != std::string::npos);
  };
  refused({{"topic", "blocks"}}, "unknown topic 'blocks' (newHeads, events, transaction, account)");
  refused({}, "topic");
  refused({{"topic", 7}}, "topic");
  refused({{"topic", "events"}, {"filter", "bank.transfer"}}, "field 'filter'");
  refused({{"topic", "events"}, {"filter", json::object{{"type", json::array{"bank.transfer"}}}}},
          "unknown field 'type' (types, addresses)");
  refused({{"topic", "events"}, {"filter", json::object{{"types", json::array{"Bank Transfer"}}}}}, "field 'types'");
  refused({{"topic", "events"}, {"filter", json::object{{"addresses", json::array{"0x12"}}}}}, "field 'addresses'");
  refused({{"topic", "newHeads"}, {"filter", json::object{}}}, "field 'filter': only for topic events");
  refused({{"topic", "newHeads"}, {"address", kDevAddr0}}, "field 'address': only for topic account");
  refused({{"topic", "newHeads"}, {"fromHeight", 12}}, "block 12 is in the future (the head is 10)");
  refused({{"topic", "newHeads"}, {"fromHeight", 5}}, "at most 5 blocks back");
  refused({{"topic", "newHeads"}, {"fromHeight", -1}}, "fromHeight");
  refused({{"topic", "account"}}, "address");
  refused({{"topic", "account"}, {"address", kDevAddr0}, {"tierLapseWindow", 91 * kDay}}, "tierLapseWindow");
  refused({{"topic", "transaction"}, {"hash", "0x" + std::string(64, '1')}}, "neither pending nor committed");
  refused({{"topic", "transaction"}, {"hash", "0x12"}}, "field 'hash'");
  refused({{"topic", "transaction"}, {"hash", "0x" + std::string(64, '1')}, {"fromHeight", 1}}, "field 'fromHeight'");
  json::object unknown = ws.call("subscribe", json::object{{"topic", "newHeads"}, {"from", 1}});
  CHECK(unknown.at("error").at("code") == -32602);
  CHECK(str(unknown.at("error").at("message")).find("unknown parameter 'from'") != std::string::npos);
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 1);
  // fromHeight = head + 1 is the next block, and head + 1 - 5 the oldest allowed.
  CHECK(ws.call("subscribe", json::object{{"topic", "newHeads"}, {"fromHeight", 11}}).contains("result"));
  CHECK(ws.call("subscribe", json::object{{"topic", "newHeads"}, {"fromHeight", 6}}).contains("result"));
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 3);

  // Another connection cannot end this one's subscription, even knowing its id.
  WsClient other(node.port());
  CHECK(other.call("unsubscribe", json::object{{"subscription", mine_id}}).at("result") == false);
  CHECK(other.call("unsubscribe", json::object{}).at("error").at("code") == -32602);
  CHECK(metric(node, "vest_rpc_subscriptions_open") == 3);
  std::set<uint64_t> replayed;
  mine(node);
  // The replay from 6 (5 blocks), then block 11 for each of the three.
  bool own_seen = false;
  for (int i = 0; i < 5 + 3; ++i) {
    auto n = ws.next();
    REQUIRE(n.has_value());
    if (n->at("subscription") == json::value(mine_id)) {
      own_seen = true;
      CHECK(n->at("result").at("height") == 11);
    }
  }
  CHECK(own_seen);
}

TEST_CASE("subscriptions: a full node notifies the blocks it imports", "[integration][subscriptions]") {
  TempDir dir;
  Vestd v(dir.path() / "validator", with(kManualBlocks, kListen));
  auto full = Vestd::full_node(dir.path() / "full", {"--peer", v.peer_arg()});
  WsClient ws(full->port());
  const std::string heads = ws.subscribe(json::object{{"topic", "newHeads"}, {"fromHeight", 1}});
  const std::string events = ws.subscribe(json::object{{"topic", "events"}, {"fromHeight", 1}});
  send_transfer(v, kDevKey0, kDevAddr1, 3);
  mine(v, 3);
  std::vector<json::value> got_heads, got_events;
  while (got_heads.size() < 3) {
    auto n = ws.next(30s);
    REQUIRE(n.has_value());
    (n->at("subscription") == json::value(heads) ? got_heads : got_events).push_back(n->at("result"));
  }
  for (uint64_t h = 1; h <= 3; ++h) {
    CHECK(got_heads[h - 1] == full->call("chain_getBlock", json::object{{"height", h}}));
    CHECK(got_heads[h - 1].at("hash") == json::value(block_hash(v, h)));
  }
  if (got_events.empty()) got_events.push_back(result_of(ws.next(30s), events));
  CHECK(got_events.front().at("height") == 1);
  CHECK(got_events.front().at("events") == events_at(v, 1));
}
