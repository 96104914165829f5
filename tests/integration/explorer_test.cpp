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
