// Integration: what an explorer reads from a real vestd over JSON-RPC. The
// walk builds about 300 blocks holding about 3,000 transactions of every kind
// (transfers, purchases with referrals, grants offered, accepted, declined and
// revoked, claims, stakes, unstakes, reward claims) and reads all of it back
// with a few dozen calls: the genesis, full blocks and events over the range,
// every position and every purchase. What it collects must be complete, and
// the balances it rebuilds from the genesis and the events must equal the
// node's for every account.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "chain/address.h"
#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/schedule.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

Address addr(const std::string& text) { return *parse_address(text); }

json::object request(uint64_t id, const std::string& method, json::value params) {
  json::object r{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) r["params"] = std::move(params);
  return r;
}

// A JSON-RPC client that counts what it costs: each method call, and each
// HTTP request (a batch of calls is one round trip).
class CountingClient {
 public:
  explicit CountingClient(Vestd& node) : node_(node) {}

  json::value call(const std::string& method, json::value params = nullptr) {
    return batch({{method, std::move(params)}}).at(0);
  }
  // The results of the calls in one batch, in order; each must succeed.
  std::vector<json::value> batch(std::vector<std::pair<std::string, json::value>> calls) {
    json::array body;
    for (size_t i = 0; i < calls.size(); ++i) body.push_back(request(i, calls[i].first, std::move(calls[i].second)));
    calls_ += calls.size();
    ++round_trips_;
    auto [status, text] = http_post(node_.port(), json::serialize(body));
    REQUIRE(status == 200);
    bytes_ += text.size();
    json::value answer = json::parse(text);
    REQUIRE(answer.is_array());
    std::vector<json::value> results(calls.size());
    for (const json::value& r : answer.as_array()) {
      INFO("answer " << json::serialize(r).substr(0, 2000));
      REQUIRE(r.as_object().contains("result"));
      results.at(u64(r.at("id"))) = r.at("result");
    }
    return results;
  }
  size_t calls() const { return calls_; }
  size_t round_trips() const { return round_trips_; }
  size_t bytes() const { return bytes_; }

 private:
  Vestd& node_;
  size_t calls_ = 0, round_trips_ = 0, bytes_ = 0;
};

// One account of the workload, with what the builder knows of it.
struct Actor {
  PrivateKey key;
  std::string address;
  uint64_t nonce = 0;
  size_t acts = 0;
  std::vector<uint64_t> offered;  // grants offered to it, not yet answered
  std::vector<uint64_t> funded;   // revocable grants it made to others
};

constexpr size_t kActors = 50;         // ten funded dev accounts and forty new ones
constexpr size_t kTxsPerBlock = 10;    // one per sender
constexpr size_t kFundingBlocks = 8;
constexpr size_t kBlocks = 300;

vesting::Schedule linear_days(uint64_t days) { return vesting::Schedule{{vesting::Part::linear(10000, 0, days * kDay)}}; }

// The chain the walk reads: a node without --instant, each block sealed by
// dev_mine a day after the one before, so positions vest, unbonding matures
// and rewards accrue. Answers the hashes of the transactions it admitted.
struct Workload {
  std::vector<Actor> actors;
  std::map<std::string, size_t> by_address;
  std::vector<std::string> buyers;  // accounts with a committed purchase, in order
  std::set<std::string> admitted;   // transaction hashes
  size_t refused = 0;
  uint64_t chain_id = 0;

  explicit Workload(Vestd& node) {
    const char* dev_keys[] = {kDevKey0, kDevKey1, kDevKey2, kDevKey3,
                              "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
                              "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
                              "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
                              "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
                              "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
                              kDevKey9};
    for (const char* k : dev_keys) actors.push_back(Actor{key_hex(k), {}, 0, 0, {}, {}});
    for (size_t i = actors.size(); i < kActors; ++i)
      actors.push_back(
          Actor{*PrivateKey::from(keccak256(as_bytes("explorer walk " + std::to_string(i))).view()), {}, 0, 0, {}, {}});
    for (size_t i = 0; i < actors.size(); ++i) {
      actors[i].address = to_checksum(address_of(actors[i].key));
      by_address[actors[i].address] = i;
    }
    REQUIRE(actors[9].address == kDevAddr9);
    for (size_t i = 0; i < 10; ++i) REQUIRE(balance(node, actors[i].address, "USDV") == 100000 * kUsd);
    chain_id = u64(node.call("node_status").at("chainId"));
  }

  std::string signed_raw(Actor& a, uint64_t kind, Bytes payload) const {
    Transaction tx;
    tx.chain_id = chain_id;
    tx.nonce = a.nonce;
    tx.fee = kDevMinFee;
    tx.kind = kind;
    tx.payload = std::move(payload);
    tx.sign(a.key);
    return to_hex_0x(tx.encode());
  }

  // The next message of actor `i`: a cycle of fifteen steps through every kind.
  std::pair<uint64_t, Bytes> next_message(size_t i, size_t block) {
    Actor& a = actors[i];
    const size_t step = a.acts++ % 15;
    auto transfer = [&](size_t to, const char* asset, Amount amount) {
      return std::make_pair(uint64_t{bank::kTransferKind},
                            bank::Transfer{addr(actors[to % kActors].address), asset, amount}.encode());
    };
    auto purchase = [&](uint32_t package, bool referred) {
      std::optional<std::string> referrer;
      for (size_t k = 0; referred && k < buyers.size(); ++k) {
        const std::string& b = buyers[(block + k) % buyers.size()];
        if (b != a.address) {
          referrer = b;
          break;
        }
      }
      return std::make_pair(uint64_t{sale::kPurchaseKind}, purchase_payload(package, 1, 500 * kUsd, referrer));
    };
    switch (step) {
      case 0:  // a grant to oneself: accepted at once, backs stake, vests for 1000 days
        return {vesting::kGrantKind,
                vesting::Grant{addr(a.address), "VEST", 10 * kVest, vesting::encode(linear_days(1000)), false, 0}.encode()};
      case 1:  // more than the grant's still-vesting tokens, which it bonds first
        return {staking::kStakeKind, staking::AmountMsg{50 * kVest}.encode()};
      case 2:  // releases bonded still-vesting tokens: they stay bonded, converted
        return {vesting::kClaimKind, vesting::Claim{}.encode()};
      case 3: return purchase(1, false);
      case 4: return transfer(i + 7, "VEST", 1 * kVest);
      case 5: return purchase(1, true);
      case 6: return transfer(i + 13, "USDV", 3 * kUsd);
      case 7:  // offered to another account, revocable by its funder
        return {vesting::kGrantKind, vesting::Grant{addr(actors[(i + 3) % kActors].address), "VEST", 2 * kVest,
                                                    vesting::encode(linear_days(100)), true, 0}.encode()};
      case 8: return {staking::kClaimRewardsKind, staking::ClaimRewards{i % 2 == 0}.encode()};
      case 9: return {staking::kUnstakeKind, staking::AmountMsg{5 * kVest}.encode()};
      case 10:  // answer a grant offered: accepted in one cycle, declined in the next
        if (!a.offered.empty()) {
          const uint64_t id = a.offered.front();
          a.offered.erase(a.offered.begin());
          if ((a.acts / 15) % 2 == 0) return {vesting::kAcceptKind, vesting::Accept{{id}}.encode()};
          return {vesting::kDeclineKind, vesting::Decline{id}.encode()};
        }
        return transfer(i + 21, "VEST", 2 * kVest);
      case 11: return transfer(i + 29, "USDV", 1 * kUsd);
      case 12:
        if (!a.funded.empty()) {
          const uint64_t id = a.funded.front();
          a.funded.erase(a.funded.begin());
          return {vesting::kRevokeKind, vesting::Revoke{id}.encode()};
        }
        return transfer(i + 31, "VEST", 1 * kVest);
      case 13: return purchase(2, true);
      default: return {vesting::kClaimKind, vesting::Claim{}.encode()};
    }
  }

  // Submits one block's transactions in one JSON-RPC batch, seals the block a
  // day later and learns from it (chain_getBlock full) what later messages need.
  void block(Vestd& node, size_t b) {
    json::array batch;
    std::vector<size_t> senders;
    for (size_t j = 0; j < kTxsPerBlock; ++j) {
      size_t i = 0;
      std::pair<uint64_t, Bytes> msg;
      if (b < kFundingBlocks) {  // each dev account funds four new accounts with VEST, then USDV
        i = j;
        const size_t to = 10 + 4 * j + b % 4;
        msg = b < kFundingBlocks / 2
                  ? std::make_pair(uint64_t{bank::kTransferKind}, bank::Transfer{addr(actors[to].address), "VEST", 500 * kVest}.encode())
                  : std::make_pair(uint64_t{bank::kTransferKind}, bank::Transfer{addr(actors[to].address), "USDV", 5000 * kUsd}.encode());
      } else {
        i = (kTxsPerBlock * (b - kFundingBlocks) + j) % kActors;
        msg = next_message(i, b);
      }
      senders.push_back(i);
      batch.push_back(request(j, "tx_submit", json::object{{"raw", signed_raw(actors[i], msg.first, std::move(msg.second))}}));
    }
    auto [status, text] = http_post(node.port(), json::serialize(batch));
    REQUIRE(status == 200);
    const json::value answers = json::parse(text);
    for (const json::value& r : answers.as_array()) {
      Actor& a = actors[senders.at(u64(r.at("id")))];
      if (r.as_object().contains("result")) {
        admitted.insert(str(r.at("result").at("hash")));
        ++a.nonce;
      } else {
        UNSCOPED_INFO("refused: " << json::serialize(r));
        ++refused;
      }
    }
    node.call("dev_increaseTime", json::object{{"seconds", kDay}});
    const uint64_t height = u64(node.call("dev_mine").at("height"));
    json::value full = node.call("chain_getBlock", json::object{{"height", height}, {"full", true}, {"limit", 1000}});
    REQUIRE(full.at("nextCursor").is_null());
    for (const json::value& tx : full.at("transactions").as_array()) {
      for (const json::object& c : events_of(tx, "vesting.created")) {
        if (c.at("origin") != "grant" || c.at("accepted") != "false") continue;
        const uint64_t id = std::stoull(str(c.at("id")));
        actors.at(by_address.at(str(c.at("beneficiary")))).offered.push_back(id);
        actors.at(by_address.at(str(c.at("funder")))).funded.push_back(id);
      }
      // A grant answered or revoked is nothing more to answer or revoke.
      for (const char* type : {"vesting.declined", "vesting.accepted", "vesting.revoked"}) {
        for (const json::object& e : events_of(tx, type)) {
          const uint64_t id = std::stoull(str(e.at("id")));
          for (Actor& a : actors) {
            std::erase(a.offered, id);
            if (std::string(type) != "vesting.accepted") std::erase(a.funded, id);
          }
        }
      }
      for (const json::object& p : events_of(tx, "sale.purchase")) {
        const std::string buyer = str(p.at("buyer"));
        if (std::find(buyers.begin(), buyers.end(), buyer) == buyers.end()) buyers.push_back(buyer);
      }
    }
  }
};

// Follows a listing's nextCursor to its end, adding each page's `field` items.
json::array follow(CountingClient& client, const std::string& method, json::object params, json::value first,
                   const char* field) {
  json::array items;
  json::value page = std::move(first);
  for (;;) {
    for (const json::value& item : page.at(field).as_array()) items.push_back(item);
    if (page.at("nextCursor").is_null()) return items;
    params["cursor"] = page.at("nextCursor");
    page = client.call(method, params);
  }
}

}  // namespace

TEST_CASE("explorer: a walk of 300 blocks and 3,000 transactions takes a few dozen calls and misses nothing",
          "[integration][explorer]") {
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});  // only dev_mine seals
  Workload work(node);
  const auto build_start = std::chrono::steady_clock::now();
  for (size_t b = 0; b < kBlocks; ++b) work.block(node, b);
  const double build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
  INFO("refused submissions: " << work.refused);
  CHECK(work.refused * 50 <= kBlocks * kTxsPerBlock);  // at most 2%: a grant revoked in the block it is answered, ...
  REQUIRE(work.admitted.size() >= 2900);

  // ---- the walk: public RPC only, every call counted ----
  CountingClient client(node);
  const auto walk_start = std::chrono::steady_clock::now();
  const uint64_t head = u64(client.call("node_status").at("height"));
  const json::object blocks_params{{"fromHeight", 0}, {"toHeight", head}, {"full", true}, {"limit", 1000}};
  const json::object events_params{{"fromHeight", 0}, {"toHeight", head}, {"limit", 1000}};
  const json::object positions_params{{"atHeight", head}, {"limit", 1000}};
  const json::object purchases_params{{"atHeight", head}, {"limit", 1000}};
  const json::object genesis_params{{"limit", 1000}};
  // The first page of everything in one round trip, then each listing's cursors.
  auto first = client.batch({{"chain_getGenesis", genesis_params},
                             {"chain_getBlocks", blocks_params},
                             {"chain_getEvents", events_params},
                             {"vesting_listAll", positions_params},
                             {"sale_listPurchases", purchases_params}});
  const json::value genesis = first[0];
  const json::value total = first[2].at("total");
  const json::array genesis_balances = follow(client, "chain_getGenesis", genesis_params, first[0], "balances");
  const json::array blocks = follow(client, "chain_getBlocks", blocks_params, first[1], "blocks");
  const json::array events = follow(client, "chain_getEvents", events_params, first[2], "events");
  const json::array positions = follow(client, "vesting_listAll", positions_params, first[3], "positions");
  const json::array purchases = follow(client, "sale_listPurchases", purchases_params, first[4], "purchases");
  const double walk_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - walk_start).count();
  const size_t walk_calls = client.calls(), walk_trips = client.round_trips();

  // ---- complete: every block, transaction and event, once, in chain order ----
  REQUIRE(head == kBlocks);
  std::vector<std::string> tx_hashes;
  json::array block_events;  // the blocks' own events and their transactions', in chain order
  std::map<std::string, std::string> kinds;
  // A block cut short by one answer goes on in the next from where it stopped.
  std::optional<uint64_t> last_height;
  uint64_t last_end = 0, last_count = 0;
  for (const json::value& b : blocks) {
    const uint64_t h = u64(b.at("height")), start = u64(b.at("txStart"));
    const json::array& txs = b.at("transactions").as_array();
    if (start > 0) {
      REQUIRE(last_height == h);
      REQUIRE(start == last_end);
    } else {
      REQUIRE(h == (last_height ? *last_height + 1 : 0));
      REQUIRE(last_end == last_count);
      for (const json::value& e : b.at("events").as_array()) {
        json::object o = e.as_object();
        o["height"] = h;
        o["txIndex"] = nullptr;
        o["txHash"] = nullptr;
        block_events.push_back(std::move(o));
      }
    }
    for (size_t k = 0; k < txs.size(); ++k) {
      const json::value& tx = txs[k];
      REQUIRE(u64(tx.at("height")) == h);
      REQUIRE(u64(tx.at("index")) == start + k);
      REQUIRE(tx.at("blockHash") == b.at("hash"));
      REQUIRE(tx.at("blockTime") == b.at("time"));
      tx_hashes.push_back(str(tx.at("hash")));
      kinds[str(tx.at("kind"))] += str(tx.at("status")) == "failed" ? "f" : "c";
      for (const json::value& e : tx.at("events").as_array()) {
        json::object o = e.as_object();
        o["height"] = h;
        o["txIndex"] = tx.at("index");
        o["txHash"] = tx.at("hash");
        block_events.push_back(std::move(o));
      }
    }
    last_height = h;
    last_end = start + txs.size();
    last_count = u64(b.at("txCount"));
  }
  CHECK(last_height == head);
  CHECK(last_end == last_count);
  const std::set<std::string> seen(tx_hashes.begin(), tx_hashes.end());
  CHECK(seen.size() == tx_hashes.size());
  CHECK(seen == work.admitted);
  for (const char* kind : {"bank.transfer", "sale.purchase", "vesting.grant", "vesting.claim", "vesting.accept",
                           "vesting.decline", "vesting.revoke", "staking.stake", "staking.unstake",
                           "staking.claim_rewards"}) {
    INFO("transaction kind " << kind);
    CHECK(kinds[kind].size() >= 20);
  }
  // The ranged events are the blocks' events, one for one, with the counted total.
  REQUIRE(events.size() == block_events.size());
  CHECK(u64(total) == events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    INFO("event " << i);
    REQUIRE(events[i] == block_events[i]);
  }

  // Every position and purchase: ids 1..n, one for each creating event, as it says.
  std::map<uint64_t, json::object> created, bought;
  for (const json::value& e : events) {
    if (e.at("type") == "vesting.created") created[std::stoull(str(e.at("fields").at("id")))] = e.at("fields").as_object();
    if (e.at("type") == "sale.purchase") bought[std::stoull(str(e.at("fields").at("id")))] = e.at("fields").as_object();
  }
  REQUIRE(positions.size() == created.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    const json::value& p = positions[i];
    REQUIRE(u64(p.at("id")) == i + 1);
    const json::object& c = created.at(i + 1);
    CHECK(p.at("beneficiary") == c.at("beneficiary"));
    CHECK(p.at("originalTotal") == c.at("total"));
    CHECK(p.at("origin") == c.at("origin"));
  }
  REQUIRE(purchases.size() == bought.size());
  for (size_t i = 0; i < purchases.size(); ++i) {
    const json::value& p = purchases[i];
    REQUIRE(u64(p.at("id")) == i + 1);
    const json::object& e = bought.at(i + 1);
    CHECK(p.at("buyer") == e.at("buyer"));
    CHECK(str(p.at("packageId")) == str(e.at("package")));
    CHECK(p.at("cost") == e.at("cost"));
    CHECK(p.at("base") == e.at("base"));
  }

  // Balances from the genesis balances and the events equal the node's, for every account.
  Ledger ledger;
  for (const json::value& b : genesis_balances) ledger.balances[str(b.at("address"))][str(b.at("asset"))] += amt(b.at("amount"));
  for (const json::value& e : events) ledger.apply(e);
  for (const char* t : {"bank.transfer", "bank.fee", "sale.purchase", "sale.referral", "sale.tier_changed",
                        "vesting.created", "vesting.claimed", "vesting.accepted", "vesting.declined", "vesting.revoked",
                        "staking.staked", "staking.unstaked", "staking.unbonded", "staking.rewards_claimed",
                        "staking.vesting_stake_converted"}) {
    INFO("event type " << t);
    CHECK(ledger.types.count(t) == 1);
  }
  std::vector<std::string> accounts;
  for (const auto& [a, assets] : ledger.balances) accounts.push_back(a);
  REQUIRE(accounts.size() >= kActors + 5);  // and the treasury, revenue, escrow, pools, validator
  CountingClient checker(node);  // the check's own calls are not the walk's
  for (size_t k = 0; k < accounts.size(); k += 100) {
    std::vector<std::pair<std::string, json::value>> calls;
    for (size_t i = k; i < std::min(accounts.size(), k + 100); ++i)
      calls.emplace_back("account_get", json::object{{"address", accounts[i]}, {"atHeight", head}});
    auto answers = checker.batch(std::move(calls));
    for (size_t i = 0; i < answers.size(); ++i) {
      const std::string& a = accounts[k + i];
      INFO("account " << a << ": " << json::serialize(answers[i]));
      for (const char* asset : {"VEST", "USDV"}) {
        auto it = ledger.balances[a].find(asset);
        CHECK(str(answers[i].at("balances").at(asset)) == dec(it == ledger.balances[a].end() ? 0 : it->second));
      }
      CHECK(str(answers[i].at("staked")) == dec(ledger.staked[a]));
      CHECK(str(answers[i].at("unbonding")) == dec(ledger.unbonding[a]));
    }
  }

  WARN("explorer walk: " << head << " blocks, " << tx_hashes.size() << " transactions, " << events.size()
                         << " events, " << positions.size() << " positions, " << purchases.size() << " purchases, "
                         << accounts.size() << " accounts: " << walk_calls << " calls in " << walk_trips
                         << " HTTP round trips, " << client.bytes() / 1024 << " KiB, " << walk_seconds
                         << " s (chain built in " << build_seconds << " s)");
  CHECK(walk_calls <= 48);
  CHECK(walk_trips <= walk_calls);

  // A sparse filter over the same range: one call looks at no more than
  // 10,000 events, so it answers short pages with a cursor until it is done,
  // and the first page counts them all.
  const json::object declined_params{{"fromHeight", 0}, {"toHeight", head}, {"types", json::array{"vesting.declined"}},
                                     {"limit", 1000}};
  json::value page = node.call("chain_getEvents", declined_params);
  const uint64_t declined_total = u64(page.at("total"));
  CHECK(!page.at("nextCursor").is_null());  // the range holds more than 10,000 events
  CountingClient pager(node);
  const json::array declined = follow(pager, "chain_getEvents", declined_params, page, "events");
  CHECK(pager.calls() + 1 == (events.size() + 9999) / 10000);
  size_t expected_declined = 0;
  for (const json::value& e : events) expected_declined += e.at("type") == "vesting.declined";
  CHECK(declined.size() == expected_declined);
  CHECK(declined_total == expected_declined);
  CHECK(expected_declined > 0);

  // The escrow is named by most transactions: with kinds, one call reads at most
  // 1,000 entries of its index, so the revokes come back over several short pages.
  const json::object revokes_params{{"address", escrow()}, {"kinds", json::array{"vesting.revoke"}}, {"limit", 100}};
  CountingClient revokes_client(node);
  const json::array revokes =
      follow(revokes_client, "account_getTransactions", revokes_params,
             revokes_client.call("account_getTransactions", revokes_params), "transactions");
  CHECK(revokes_client.calls() > 1);
  const std::string& revoke_outcomes = kinds["vesting.revoke"];
  CHECK(revokes.size() == static_cast<size_t>(std::count(revoke_outcomes.begin(), revoke_outcomes.end(), 'c')));
  for (const json::value& tx : revokes) CHECK(tx.at("kind") == "vesting.revoke");
}

namespace {

// Submits each message without waiting (nonces after the sender's pending
// ones) and seals them in one block; answers the block's height and the hashes.
std::pair<uint64_t, std::vector<std::string>> one_block(
    Vestd& node, const std::vector<std::tuple<const char*, uint64_t, Bytes>>& msgs) {
  std::vector<std::string> hashes;
  for (const auto& [key, kind, payload] : msgs) {
    json::object r = submit_msg(node, key, kind, payload, false);
    INFO("tx_submit -> " << json::serialize(r));
    REQUIRE(r.contains("result"));
    hashes.push_back(str(r.at("result").at("hash")));
  }
  const uint64_t height = u64(node.call("dev_mine").at("height"));
  return {height, hashes};
}

json::array concat(const json::array& a, const json::array& b) {
  json::array out = a;
  for (const json::value& v : b) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("explorer: full blocks, block ranges, event ranges and listings page with cursors and agree with single reads",
          "[integration][explorer]") {
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});
  CountingClient client(node);
  auto [h1, txs1] = one_block(
      node, {{kDevKey0, bank::kTransferKind, bank::Transfer{addr(kDevAddr1), "VEST", 3 * kVest}.encode()},
             {kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd)},
             {kDevKey2, vesting::kGrantKind,
              vesting::Grant{addr(kDevAddr2), "VEST", 10 * kVest, vesting::encode(linear_days(100)), false, 0}.encode()},
             {kDevKey3, staking::kStakeKind, staking::AmountMsg{10 * kVest}.encode()},
             {kDevKey0, bank::kTransferKind, bank::Transfer{addr(kDevAddr2), "USDV", 5 * kUsd}.encode()}});
  auto [h2, txs2] = one_block(node, {{kDevKey2, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1)},
                                     {kDevKey0, bank::kTransferKind, bank::Transfer{addr(kDevAddr3), "VEST", kVest}.encode()}});
  const uint64_t h3 = u64(node.call("dev_mine").at("height"));
  REQUIRE(h2 == h1 + 1);
  REQUIRE(h3 == h2 + 1);

  // Every committed transaction says where it is: height, index, block hash and time.
  const json::value block1 = node.call("chain_getBlock", json::object{{"height", h1}});
  json::array singles;
  for (size_t i = 0; i < txs1.size(); ++i) {
    json::value tx = node.call("chain_getTransaction", json::object{{"hash", txs1[i]}});
    INFO(json::serialize(tx));
    CHECK(tx.at("status") == "committed");
    CHECK(u64(tx.at("height")) == h1);
    CHECK(u64(tx.at("index")) == i);
    CHECK(tx.at("blockHash") == block1.at("hash"));
    CHECK(tx.at("blockTime") == block1.at("time"));
    CHECK(block1.at("transactions").at(i) == json::value(txs1[i]));
    singles.push_back(tx);
  }
  // A full block shows them exactly as chain_getTransaction does, in pages when asked.
  const json::value full = node.call("chain_getBlock", json::object{{"height", h1}, {"full", true}});
  CHECK(full.at("transactions") == json::value(singles));
  CHECK(u64(full.at("txCount")) == 5);
  CHECK(full.at("nextCursor").is_null());
  CHECK(full.at("hash") == block1.at("hash"));
  CHECK(full.at("stateRoot") == block1.at("stateRoot"));
  const json::object paged_params{{"hash", block1.at("hash")}, {"full", true}, {"limit", 2}};
  json::value page = node.call("chain_getBlock", paged_params);
  CHECK(page.at("nextCursor") == json::value(std::to_string(h1) + ":2"));
  const json::array paged = follow(client, "chain_getBlock", paged_params, page, "transactions");
  CHECK(paged == singles);

  // A range of blocks, at most three transactions an answer: the block cut
  // short goes on in the next answer.
  const json::object range_params{{"fromHeight", 0}, {"toHeight", h3}, {"full", true}, {"limit", 3}};
  std::map<uint64_t, json::array> by_height;
  json::value answer = node.call("chain_getBlocks", range_params);
  size_t answers = 0;
  for (;;) {
    ++answers;
    size_t in_answer = 0;
    for (const json::value& b : answer.at("blocks").as_array()) {
      in_answer += b.at("transactions").as_array().size();
      by_height[u64(b.at("height"))] = concat(by_height[u64(b.at("height"))], b.at("transactions").as_array());
    }
    CHECK(in_answer <= 3);
    CHECK(u64(answer.at("height")) == h3);
    if (answer.at("nextCursor").is_null()) break;
    json::object next = range_params;
    next["cursor"] = answer.at("nextCursor");
    answer = node.call("chain_getBlocks", next);
  }
  CHECK(answers == 3);  // 3 + 2 of block h1, then 2 of h2 (and the empty h3)
  CHECK(by_height.size() == h3 + 1);
  CHECK(by_height[h1] == singles);
  CHECK(by_height[h2].size() == 2);
  CHECK(by_height[h3].empty());
  json::value hashes_only = node.call("chain_getBlocks", json::object{{"fromHeight", h1}, {"toHeight", h1}});
  CHECK(hashes_only.at("blocks").at(0).at("transactions") == block1.at("transactions"));

  // Events over a range: the blocks' events in chain order, the first page counting them.
  json::array by_block;
  for (uint64_t h = h1; h <= h3; ++h)
    by_block = concat(by_block, node.call("chain_getEvents", json::object{{"height", h}}).at("events").as_array());
  json::value ranged = node.call("chain_getEvents", json::object{{"fromHeight", h1}, {"toHeight", h3}});
  CHECK(ranged.at("events") == json::value(by_block));
  CHECK(u64(ranged.at("total")) == by_block.size());
  CHECK(ranged.at("nextCursor").is_null());
  const json::object small_pages{{"fromHeight", h1}, {"toHeight", h3}, {"limit", 2}};
  json::value first_page = node.call("chain_getEvents", small_pages);
  CHECK(u64(first_page.at("total")) == by_block.size());
  json::object second = small_pages;
  second["cursor"] = first_page.at("nextCursor");
  CHECK(node.call("chain_getEvents", second).at("total").is_null());  // counted on the first page only
  CHECK(follow(client, "chain_getEvents", small_pages, first_page, "events") == by_block);
  // Filters by type and address, alone and together.
  auto filtered = [&](const std::function<bool(const json::value&)>& keep) {
    json::array out;
    for (const json::value& e : by_block)
      if (keep(e)) out.push_back(e);
    return out;
  };
  auto names = [](const json::value& e, const char* a) {
    for (const json::value& x : e.at("addresses").as_array())
      if (x == json::value(a)) return true;
    return false;
  };
  json::value purchases = node.call(
      "chain_getEvents", json::object{{"fromHeight", h1}, {"toHeight", h3}, {"types", json::array{"sale.purchase"}}});
  CHECK(purchases.at("events") == json::value(filtered([](const json::value& e) { return e.at("type") == "sale.purchase"; })));
  CHECK(u64(purchases.at("total")) == 2);
  json::value of_dev1 = node.call(
      "chain_getEvents", json::object{{"fromHeight", h1}, {"toHeight", h3}, {"addresses", json::array{kDevAddr1}}});
  CHECK(of_dev1.at("events") == json::value(filtered([&](const json::value& e) { return names(e, kDevAddr1); })));
  json::value both = node.call("chain_getEvents", json::object{{"fromHeight", h1},
                                                               {"toHeight", h3},
                                                               {"types", json::array{"bank.transfer", "sale.referral"}},
                                                               {"addresses", json::array{kDevAddr1, kDevAddr3}}});
  json::array expected_both = filtered([&](const json::value& e) {
    return (e.at("type") == "bank.transfer" || e.at("type") == "sale.referral") && (names(e, kDevAddr1) || names(e, kDevAddr3));
  });
  CHECK(both.at("events") == json::value(expected_both));
  CHECK(expected_both.size() >= 3);
  // The older forms take types too; kind stays as a synonym of one type.
  json::value fees = node.call("chain_getEvents", json::object{{"height", h1}, {"kind", "bank.fee"}});
  CHECK(fees.at("events").as_array().size() == 5);
  CHECK(node.call("chain_getEvents", json::object{{"height", h1}, {"types", json::array{"bank.fee"}}}).at("events") ==
        fees.at("events"));
  json::value sent = node.call("chain_getEvents", json::object{{"address", kDevAddr0}, {"types", json::array{"bank.transfer"}}});
  REQUIRE(sent.at("events").as_array().size() == 3);
  CHECK(u64(sent.at("events").at(0).at("height")) == h2);  // newest first

  // An account's transactions by kind, each with its block.
  json::value bought = node.call("account_getTransactions",
                                 json::object{{"address", kDevAddr1}, {"kinds", json::array{"sale.purchase"}}});
  REQUIRE(bought.at("transactions").as_array().size() == 2);  // its own, and the one that names it as referrer
  CHECK(bought.at("transactions").at(0).at("hash") == json::value(txs2[0]));
  CHECK(bought.at("transactions").at(1).at("hash") == json::value(txs1[1]));
  CHECK(bought.at("transactions").at(1) == singles[1]);
  CHECK(bought.at("nextCursor").is_null());
  json::value transfers = node.call("account_getTransactions", json::object{{"address", kDevAddr1}, {"kind", "bank.transfer"}});
  REQUIRE(transfers.at("transactions").as_array().size() == 1);
  CHECK(transfers.at("transactions").at(0) == singles[0]);
  json::value one = node.call("account_getTransactions",
                              json::object{{"address", kDevAddr0}, {"kinds", json::array{"bank.transfer"}}, {"limit", 2}});
  CHECK(one.at("transactions").as_array().size() == 2);
  CHECK(!one.at("nextCursor").is_null());

  // Every position and purchase, by id, now or as of a block.
  json::value all = node.call("vesting_listAll");
  const json::array& positions = all.at("positions").as_array();
  REQUIRE(positions.size() == 4);  // dev1's bonus, dev2's grant, dev2's bonus, dev1's referral reward
  for (size_t i = 0; i < positions.size(); ++i) {
    CHECK(u64(positions[i].at("id")) == i + 1);
    json::object single = position(node, i + 1);
    single.erase("height");  // the listing says it once for all
    single.erase("time");
    CHECK(positions[i] == json::value(single));
  }
  CHECK(u64(all.at("height")) == h3);
  CHECK(node.call("vesting_listAll", json::object{{"atHeight", h1}}).at("positions").as_array().size() == 2);
  const json::object one_position{{"limit", 1}};
  CHECK(follow(client, "vesting_listAll", one_position, node.call("vesting_listAll", one_position), "positions") ==
        positions);
  json::value sales = node.call("sale_listPurchases");
  REQUIRE(sales.at("purchases").as_array().size() == 2);
  CHECK(sales.at("purchases").at(0).at("buyer") == kDevAddr1);
  CHECK(sales.at("purchases").at(1).at("referrer") == kDevAddr1);
  CHECK(sales.at("purchases").at(1) ==
        node.call("sale_getPurchases", json::object{{"address", kDevAddr2}}).at("purchases").at(0));
  CHECK(node.call("sale_listPurchases", json::object{{"packageId", 1}}).at("purchases") == sales.at("purchases"));
  CHECK(node.call("sale_listPurchases", json::object{{"packageId", 2}}).at("purchases").as_array().empty());
  CHECK(node.call("sale_listPurchases", json::object{{"atHeight", h1}}).at("purchases").as_array().size() == 1);
  const json::object one_purchase{{"limit", 1}};
  CHECK(follow(client, "sale_listPurchases", one_purchase, node.call("sale_listPurchases", one_purchase), "purchases") ==
        sales.at("purchases").as_array());

  // The genesis: every balance it started with, page by page.
  json::value status = node.call("node_status");
  const json::object genesis_pages{{"limit", 5}};
  json::value genesis = node.call("chain_getGenesis", genesis_pages);
  CHECK(genesis.at("genesisHash") == status.at("genesisHash"));
  CHECK(u64(genesis.at("chainId")) == kDevChainId);
  CHECK(u64(genesis.at("height")) == 0);
  CHECK(u64(genesis.at("head")) == h3);
  CHECK(genesis.at("time") == node.call("chain_getBlock", json::object{{"height", 0}}).at("time"));
  CHECK(genesis.at("validators").at("validators").at(0).at("address") == kValidator);
  json::value document = json::parse(read_file(source_path("genesis/devnet.json")));
  std::map<std::string, std::map<std::string, std::string>> expected;
  for (const auto& b : document.at("bank").at("balances").as_array())
    for (const auto& kv : b.at("amounts").as_object()) expected[str(b.at("address"))][std::string(kv.key())] = str(kv.value());
  expected[reward_pool()]["VEST"] = str(document.at("staking").at("reward_pool"));
  std::map<std::string, std::map<std::string, std::string>> listed;
  for (const json::value& b : follow(client, "chain_getGenesis", genesis_pages, genesis, "balances"))
    listed[str(b.at("address"))][str(b.at("asset"))] = str(b.at("amount"));
  CHECK(listed == expected);
  for (const json::value& a : genesis.at("assets").as_array())
    if (a.at("symbol") == "VEST") CHECK(a.at("supply") == "60100000000000000000000000");

  // Every read says the height it is as of, and the block time where it reads state.
  const json::value head_time = status.at("headTime");
  for (const auto& [method, params] : std::vector<std::pair<std::string, json::object>>{
           {"chain_getAssets", {}},
           {"staking_params", {}},
           {"staking_leaderboard", {}},
           {"sale_getPurchases", {{"address", kDevAddr1}}},
           {"sale_listPurchases", {}},
           {"vesting_listAll", {}}}) {
    json::value r = node.call(method, params);
    INFO(method << " -> " << json::serialize(r));
    CHECK(u64(r.at("height")) == h3);
    CHECK(r.at("time") == head_time);
  }
  for (const auto& [method, params] : std::vector<std::pair<std::string, json::object>>{
           {"account_getTransactions", {{"address", kDevAddr1}}},
           {"chain_getEvents", {{"height", h1}}},
           {"chain_getEvents", {{"address", kDevAddr1}}},
           {"chain_getEvidence", {}},
           {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 1}}}}) {
    json::value r = node.call(method, params);
    INFO(method << " -> " << json::serialize(r));
    CHECK(u64(r.at("height")) == h3);
  }
}

TEST_CASE("explorer: bad ranges, cursors, kinds and limits are refused with -32602 and change nothing",
          "[integration][explorer]") {
  TempDir dir;
  Vestd node(dir.path());
  submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  submit_ok(node, kDevKey0, bank::kTransferKind, bank::Transfer{addr(kDevAddr1), "VEST", kVest}.encode());
  const uint64_t head = head_height(node);
  REQUIRE(head == 2);
  const json::value before = node.call("account_get", json::object{{"address", kDevAddr0}});
  json::array seventeen_kinds, seventeen_types;
  for (int i = 0; i < 17; ++i) {
    seventeen_kinds.push_back("bank.transfer");
    seventeen_types.push_back("bank.transfer");
  }
  const std::vector<std::tuple<const char*, json::object, const char*>> cases = {
      // chain_getBlocks
      {"chain_getBlocks", {{"toHeight", 1}}, "missing field 'fromHeight'"},
      {"chain_getBlocks", {{"fromHeight", 2}, {"toHeight", 1}}, "field 'toHeight': below 'fromHeight'"},
      {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 1000}}, "a range of at most 1000 blocks"},
      {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 3}}, "field 'toHeight': block 3 is not committed yet"},
      {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 2}, {"limit", 1001}}, "field 'limit': must be between 1 and 1000"},
      {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 2}, {"limit", 0}}, "field 'limit'"},
      {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 2}, {"cursor", "two"}}, "field 'cursor'"},
      {"chain_getBlocks", {{"fromHeight", 1}, {"toHeight", 2}, {"cursor", "0:0"}}, "field 'cursor': not a cursor of this range"},
      {"chain_getBlocks", {{"fromHeight", 1}, {"toHeight", 2}, {"cursor", "1:5"}}, "field 'cursor': not a cursor of this range"},
      {"chain_getBlocks", {{"fromHeight", 0}, {"toHeight", 2}, {"full", "yes"}}, "field 'full' must be a boolean"},
      // chain_getBlock
      {"chain_getBlock", {{"height", 1}, {"cursor", "1:0"}}, "with 'full': true"},
      {"chain_getBlock", {{"height", 1}, {"limit", 5}}, "with 'full': true"},
      {"chain_getBlock", {{"height", 1}, {"full", true}, {"cursor", "2:0"}}, "field 'cursor': not a cursor of block 1"},
      {"chain_getBlock", {{"height", 1}, {"full", true}, {"cursor", "1:2"}}, "field 'cursor': not a cursor of block 1"},
      {"chain_getBlock", {{"height", 1}, {"full", true}, {"limit", 1001}}, "field 'limit'"},
      // chain_getEvents over a range
      {"chain_getEvents", {{"fromHeight", 2}, {"toHeight", 1}}, "field 'toHeight': below 'fromHeight'"},
      {"chain_getEvents", {{"fromHeight", 0}}, "missing field 'toHeight'"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 10000}}, "a range of at most 10000 blocks"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 9}}, "field 'toHeight': block 9 is not committed yet"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"limit", 1001}}, "field 'limit'"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"cursor", "x"}}, "field 'cursor'"},
      {"chain_getEvents", {{"fromHeight", 1}, {"toHeight", 2}, {"cursor", "3:0"}}, "field 'cursor': not a cursor of this range"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"types", "bank.fee"}}, "field 'types' must be an array"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"types", json::array{"Bank Fee"}}}, "field 'types'"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"types", seventeen_types}}, "field 'types': at most 16"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"addresses", json::array{"0x1234"}}}, "field 'addresses'"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"kind", "bank.fee"}, {"types", json::array{"bank.fee"}}},
       "give 'types' or 'kind', not both"},
      {"chain_getEvents", {{"fromHeight", 0}, {"toHeight", 2}, {"address", kDevAddr0}}, "not with 'height' or 'address'"},
      {"chain_getEvents", {{"limit", 5}}, "give 'fromHeight' and 'toHeight', 'height' or 'address'"},
      // account_getTransactions
      {"account_getTransactions", {{"address", kDevAddr0}, {"kinds", json::array{"sale.buy"}}},
       "field 'kinds': no transaction kind 'sale.buy'"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"kind", "bank.send"}}, "field 'kind': no transaction kind 'bank.send'"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"kinds", "bank.transfer"}}, "field 'kinds' must be an array"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"kinds", json::array{}}}, "field 'kinds': between 1 and 16"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"kinds", seventeen_kinds}}, "field 'kinds': between 1 and 16"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"kinds", json::array{1}}}, "field 'kinds': each entry"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"kinds", json::array{"bank.transfer"}}, {"kind", "bank.transfer"}},
       "give 'kinds' or 'kind', not both"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"cursor", "1"}}, "field 'cursor'"},
      {"account_getTransactions", {{"address", kDevAddr0}, {"limit", 101}}, "field 'limit': must be between 1 and 100"},
      // listings and the genesis
      {"vesting_listAll", {{"cursor", "first"}}, "field 'cursor'"},
      {"vesting_listAll", {{"limit", 1001}}, "field 'limit': must be between 1 and 1000"},
      {"vesting_listAll", {{"atHeight", 3}}, "field 'atHeight': block 3 is not committed yet"},
      {"sale_listPurchases", {{"packageId", 9}}, "field 'packageId': no package 9"},
      {"sale_listPurchases", {{"packageId", "4294967297"}}, "field 'packageId': no package 4294967297"},
      {"sale_listPurchases", {{"cursor", "-1"}}, "field 'cursor'"},
      {"sale_listPurchases", {{"limit", 1001}}, "field 'limit'"},
      {"chain_getGenesis", {{"cursor", "nope"}}, "field 'cursor'"},
      {"chain_getGenesis", {{"cursor", std::string(kDevAddr0) + ":vest"}}, "field 'cursor'"},
      {"chain_getGenesis", {{"limit", 0}}, "field 'limit'"},
  };
  for (const auto& [method, params, message] : cases) {
    json::object r = node.rpc(method, params);
    INFO(method << " " << json::serialize(params) << " -> " << json::serialize(r));
    REQUIRE(r.contains("error"));
    CHECK(error_code(r) == -32602);
    CHECK(str(r.at("error").at("message")).find(message) != std::string::npos);
  }
  // Nothing changed.
  json::value status = node.call("node_status");
  CHECK(u64(status.at("height")) == head);
  CHECK(u64(status.at("mempool").at("transactions")) == 0);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}) == before);
}

TEST_CASE("explorer: one chain_getEvents call reads at most 250 blocks and says where to go on",
          "[integration][explorer]") {
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});
  node.call("dev_mine", json::object{{"blocks", 260}});
  auto [height, hashes] = one_block(node, {{kDevKey0, bank::kTransferKind, bank::Transfer{addr(kDevAddr1), "VEST", kVest}.encode()}});
  REQUIRE(height == 261);
  const json::object params{{"fromHeight", 1}, {"toHeight", height}, {"types", json::array{"bank.transfer"}}};
  json::value first = node.call("chain_getEvents", params);
  INFO(json::serialize(first));
  CHECK(first.at("events").as_array().empty());
  CHECK(first.at("nextCursor") == "251:0");  // blocks 1 to 250 read, nothing found
  CHECK(u64(first.at("total")) == 1);        // the count of a range of at most 1000 blocks reads them all
  json::object rest = params;
  rest["cursor"] = first.at("nextCursor");
  json::value second = node.call("chain_getEvents", rest);
  REQUIRE(second.at("events").as_array().size() == 1);
  CHECK(second.at("events").at(0).at("txHash") == json::value(hashes[0]));
  CHECK(second.at("nextCursor").is_null());
}
