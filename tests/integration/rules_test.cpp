// Integration: the rules that hold under attack (insiders, module accounts,
// tier bonuses, offered grants, stake backing, spam positions, milestones,
// idle-chain time, long schedules and the event log), each shown with real
// signed transactions against a real vestd over JSON-RPC and the vest CLI.
//
// Every refusal is checked for its JSON-RPC code (1000 + the rejection code),
// its data.reason, and that nothing it could have touched has changed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <set>

#include "chain/address.h"
#include "contracts/modules.h"
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
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMonth = 2592000;         // 30 days
constexpr uint64_t kCentury = 3155760000;    // the longest schedule offset: 100 years
constexpr uint64_t kUnbonding = 21 * kDay;   // devnet staking.unbonding_period

Address addr(const std::string& text) { return *parse_address(text); }

Bytes transfer_payload(const std::string& to, const char* asset, Amount amount) {
  return bank::Transfer{addr(to), asset, amount}.encode();
}
Bytes grant_payload(const std::string& to, Amount amount, const vesting::Schedule& s, bool revocable) {
  return vesting::Grant{addr(to), "VEST", amount, vesting::encode(s), revocable, 0}.encode();
}
Bytes amount_payload(Amount a) { return staking::AmountMsg{a}.encode(); }

uint64_t created_id(const json::value& tx) {
  auto created = events_of(tx, "vesting.created");
  REQUIRE(created.size() == 1);
  return std::stoull(str(created[0].at("id")));
}

// A submission the node must refuse with `reason` and JSON-RPC code `code`.
json::object refused(Vestd& node, const PrivateKey& key, uint64_t kind, Bytes payload, const char* reason, int code,
                     const std::string& what) {
  json::object r = submit_msg(node, key, kind, std::move(payload));
  INFO(what << ": " << json::serialize(r));
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == reason);
  CHECK(error_code(r) == code);
  return r;
}

// Everything of these accounts that a refused transaction could have touched.
json::object fingerprint(Vestd& node, const std::vector<std::string>& accounts) {
  json::object f;
  for (const std::string& a : accounts) {
    json::value acct = node.call("account_get", json::object{{"address", a}});
    json::array ps;
    for (const auto& p : positions(node, a))
      ps.push_back(json::array{p.at("id"), p.at("total"), p.at("released"), p.at("accepted"), p.at("funder")});
    f[a] = json::object{{"nonce", acct.at("nonce")},         {"balances", acct.at("balances")},
                        {"offered", acct.at("offered")},     {"staked", acct.at("staked")},
                        {"unbonding", acct.at("unbonding")}, {"positions", std::move(ps)}};
  }
  json::array sold;
  json::value listed = node.call("sale_listPackages");
  for (const auto& p : listed.at("packages").as_array()) sold.push_back(p.at("sold"));
  f["sold"] = std::move(sold);
  return f;
}

// On a node without --instant: submits without waiting, seals the block with
// dev_mine and answers the committed (or failed) transaction.
json::object mined(Vestd& node, const PrivateKey& key, uint64_t kind, Bytes payload) {
  json::object r = submit_msg(node, key, kind, std::move(payload), false);
  INFO("tx_submit -> " << json::serialize(r));
  REQUIRE(r.contains("result"));
  std::string hash = str(r.at("result").at("hash"));
  node.call("dev_mine");
  json::value tx = node.call("chain_getTransaction", json::object{{"hash", hash}});
  INFO("transaction " << json::serialize(tx));
  REQUIRE(tx.is_object());
  REQUIRE(tx.at("status") == "committed");
  return tx.as_object();
}

const json::object& milestone(const json::object& pos, size_t k) {
  return pos.at("milestones").at(k).as_object();
}

}  // namespace

// ---- 1. insiders cannot buy ----

TEST_CASE("rules: the treasury and the revenue account cannot buy, a module account cannot refer",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  const PrivateKey treasury = treasury_key(), revenue = revenue_key();
  REQUIRE(to_checksum(address_of(treasury)) == kTreasury);
  REQUIRE(to_checksum(address_of(revenue)) == kRevenue);

  // dev0's purchases pay the revenue account 2600 USDV: enough for a VIP unit.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  REQUIRE(balance(node, kRevenue, "USDV") == 2600 * kUsd);
  // VEST for fees for both insiders, and USDV for the treasury: each could pay.
  submit_ok(node, kDevKey1, bank::kTransferKind, transfer_payload(kRevenue, "VEST", 10 * kVest));
  submit_ok(node, kDevKey1, bank::kTransferKind, transfer_payload(kTreasury, "VEST", 10 * kVest));
  submit_ok(node, kDevKey1, bank::kTransferKind, transfer_payload(kTreasury, "USDV", 2500 * kUsd));

  const std::vector<std::string> watched = {kTreasury, kRevenue, kDevAddr0, kDevAddr1, escrow()};
  const json::object before = fingerprint(node, watched);
  const Amount treasury_vest = balance(node, kTreasury, "VEST");
  const Amount revenue_usd = balance(node, kRevenue, "USDV"), revenue_vest = balance(node, kRevenue, "VEST");
  const uint64_t height = head_height(node);

  // The quote already says which rule refuses them.
  for (const char* insider : {kTreasury, kRevenue}) {
    json::object q = node.rpc("sale_quote", json::object{{"packageId", 3}, {"buyer", insider}});
    INFO("sale_quote for " << insider << ": " << json::serialize(q));
    CHECK(error_code(q) == 1217);
    CHECK(error_reason(q) == "insider_purchase");
  }
  // The attack: both insiders sign a VIP purchase.
  json::object r = refused(node, revenue, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd),
                           "insider_purchase", 1217, "VIP bought by the revenue account");
  CHECK(str(r.at("error").at("message")).find("revenue account") != std::string::npos);
  CHECK(u64(r.at("error").at("data").at("code")) == 217);
  r = refused(node, treasury, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd), "insider_purchase", 1217,
              "VIP bought by the treasury");
  CHECK(str(r.at("error").at("message")).find("treasury") != std::string::npos);

  // A module account named as referrer, by quote and by a signed purchase.
  for (const std::string& module : {escrow(), bonded_pool(), reward_pool()}) {
    INFO("referrer " << module);
    json::object q = node.rpc("sale_quote",
                              json::object{{"packageId", 1}, {"buyer", kDevAddr1}, {"referrer", module}});
    CHECK(error_code(q) == 1218);
    CHECK(error_reason(q) == "module_account");
    refused(node, key_hex(kDevKey1), sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, module),
            "module_account", 1218, "Starter referred by a module account");
  }

  node.call("dev_mine");
  const json::object after = fingerprint(node, watched);
  INFO("before " << json::serialize(before) << "\nafter  " << json::serialize(after));
  CHECK(after == before);
  CHECK(dec(balance(node, kTreasury, "VEST")) == dec(treasury_vest));  // the inventory
  CHECK(dec(balance(node, kRevenue, "USDV")) == dec(revenue_usd));
  CHECK(dec(balance(node, kRevenue, "VEST")) == dec(revenue_vest));
  CHECK(positions(node, kTreasury).empty());
  CHECK(positions(node, kRevenue).empty());
  json::value status = node.call("node_status");
  CHECK(u64(status.at("height")) == height + 1);  // only dev_mine's empty block
  CHECK(u64(status.at("mempool").at("transactions")) == 0);

  // The same purchase naming a real buyer as referrer goes through.
  json::object ok = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0));
  CHECK(events_of(ok, "sale.referral").size() == 1);
}

// ---- 2. module accounts are not recipients ----

TEST_CASE("rules: transfers and grants to the escrow, the bonded pool and the reward pool are refused",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  // The escrow holds something: Starter's 100 VEST bonus.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const Amount escrow_vest = balance(node, escrow(), "VEST");
  REQUIRE(escrow_vest == 100 * kVest);
  const std::vector<std::string> modules = {escrow(), bonded_pool(), reward_pool()};
  std::vector<std::string> watched = {kDevAddr0, kDevAddr1};
  watched.insert(watched.end(), modules.begin(), modules.end());
  const json::object before = fingerprint(node, watched);
  vesting::Schedule linear{{vesting::Part::linear(10000, 0, 100 * kDay)}};
  const PrivateKey dev1 = key_hex(kDevKey1);

  for (const std::string& m : modules) {
    INFO("module account " << m);
    for (const char* asset : {"VEST", "USDV"}) {
      json::object r = refused(node, dev1, bank::kTransferKind, transfer_payload(m, asset, 5 * kUsd),
                               "module_account", 1105, std::string("transfer of ") + asset);
      CHECK(str(r.at("error").at("message")).find("module account") != std::string::npos);
    }
    refused(node, dev1, vesting::kGrantKind, grant_payload(m, 10 * kVest, linear, false), "module_account", 1309,
            "grant to a module account");
    refused(node, dev1, vesting::kGrantKind, grant_payload(m, 10 * kVest, linear, true), "module_account", 1309,
            "revocable grant to a module account");
  }
  node.call("dev_mine");
  const json::object after = fingerprint(node, watched);
  INFO("before " << json::serialize(before) << "\nafter  " << json::serialize(after));
  CHECK(after == before);
  CHECK(dec(balance(node, escrow(), "VEST")) == dec(escrow_vest));
  CHECK(balance(node, escrow(), "USDV") == 0);
  CHECK(u64(node.call("node_status").at("mempool").at("transactions")) == 0);

  // The same transfer and grant to an ordinary account commit.
  submit_ok(node, kDevKey1, bank::kTransferKind, transfer_payload(kDevAddr2, "VEST", 5 * kUsd));
  submit_ok(node, kDevKey1, vesting::kGrantKind, grant_payload(kDevAddr2, 10 * kVest, linear, false));
  CHECK(dec(balance(node, escrow(), "VEST")) == dec(escrow_vest + 10 * kVest));
}

// ---- 3. buying in one go is never worse ----

TEST_CASE("rules: five VIP units in one purchase earn the same tier bonus as five purchases of one",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());

  // The quote splits the five units by the tier each is bought at.
  json::object q =
      node.call("sale_quote", json::object{{"packageId", 3}, {"quantity", 5}, {"buyer", kDevAddr1}}).as_object();
  INFO("sale_quote " << json::serialize(q));
  const json::array& steps = q.at("tierSteps").as_array();
  REQUIRE(steps.size() == 3);
  const std::vector<std::tuple<const char*, uint64_t, const char*>> expected = {
      {"Enthusiast", 1, "0"}, {"Advocate", 3, "1800000000000000000000"}, {"VIP", 1, "1500000000000000000000"}};
  Amount step_sum = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    CHECK(steps[i].at("tier") == std::get<0>(expected[i]));
    CHECK(u64(steps[i].at("units")) == std::get<1>(expected[i]));
    CHECK(steps[i].at("tierBonus") == std::get<2>(expected[i]));
    step_sum += amt(steps[i].at("tierBonus"));
  }
  CHECK(dec(step_sum) == str(q.at("tierBonus")));
  CHECK(q.at("tierBonus") == "3300000000000000000000");  // 3 x 600 + 1500 VEST

  // dev1: five units at once.
  json::object one = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(3, 5, 12500 * kUsd));
  auto ev = events_of(one, "sale.purchase");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].at("tierBonus") == q.at("tierBonus"));
  CHECK(ev[0].at("base") == q.at("base"));
  CHECK(ev[0].at("bonus") == q.at("bonus"));
  const Amount one_tier = amt(ev[0].at("tierBonus")), one_base = amt(ev[0].at("base")),
               one_bonus = amt(ev[0].at("bonus"));
  CHECK(dec(one_base) == dec(150000 * kVest));
  CHECK(dec(one_bonus) == dec(37500 * kVest));
  const Amount one_locked = amt(position(node, created_id(one)).at("total"));
  CHECK(dec(one_locked) == dec(one_bonus + one_tier));

  // dev2: one unit five times; each quote and purchase at the tier reached so far.
  const char* per_unit[] = {"0", "600000000000000000000", "600000000000000000000", "600000000000000000000",
                            "1500000000000000000000"};
  Amount tier = 0, base = 0, bonus = 0, locked = 0;
  for (const char* unit_tier : per_unit) {
    json::value uq = node.call("sale_quote", json::object{{"packageId", 3}, {"buyer", kDevAddr2}});
    CHECK(uq.at("tierBonus") == unit_tier);
    json::object tx = submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
    auto e = events_of(tx, "sale.purchase");
    REQUIRE(e.size() == 1);
    CHECK(e[0].at("tierBonus") == unit_tier);
    tier += amt(e[0].at("tierBonus"));
    base += amt(e[0].at("base"));
    bonus += amt(e[0].at("bonus"));
    locked += amt(position(node, created_id(tx)).at("total"));
  }
  CHECK(dec(tier) == dec(one_tier));
  CHECK(dec(base) == dec(one_base));
  CHECK(dec(bonus) == dec(one_bonus));
  CHECK(dec(locked) == dec(one_locked));
  // The purchase records agree.
  Amount rec_tier = 0;
  const json::array recs = node.call("sale_getPurchases", json::object{{"address", kDevAddr2}}).at("purchases").as_array();
  REQUIRE(recs.size() == 5);
  for (const auto& rec : recs) rec_tier += amt(rec.at("tierBonus"));
  CHECK(dec(rec_tier) == dec(one_tier));
  const json::array one_rec = node.call("sale_getPurchases", json::object{{"address", kDevAddr1}}).at("purchases").as_array();
  REQUIRE(one_rec.size() == 1);
  CHECK(str(one_rec[0].at("tierBonus")) == dec(one_tier));
}

// ---- 4. nobody but the holder makes a position worse ----

TEST_CASE("rules: a revoke by another funder never lowers the holder's stake or its milestones",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  // The victim dev1 buys VIP: 7500 VEST locked, milestones 10000 for 30 days and 20000 for 90 days.
  json::object vip = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  const uint64_t vip_id = created_id(vip);
  const uint64_t anchor = block_time(node, u64(vip.at("height")));
  // dev3 buys Starter naming dev1: a referral position revocable by the treasury.
  json::object ref = submit_ok(node, kDevKey3, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  REQUIRE(events_of(ref, "sale.referral").size() == 1);
  const uint64_t ref_id = std::stoull(str(events_of(ref, "sale.referral")[0].at("position")));
  json::object rp = position(node, ref_id);
  CHECK(rp.at("funder") == kTreasury);
  CHECK(rp.at("revocable") == true);
  CHECK(rp.at("accepted") == true);

  // The attacker dev2 grants dev1 1 VEST, revocable, vesting over 100 years.
  vesting::Schedule century{{vesting::Part::linear(10000, 0, kCentury)}};
  json::object g = submit_ok(node, kDevKey2, vesting::kGrantKind, grant_payload(kDevAddr1, 1 * kVest, century, true));
  const uint64_t grant_id = created_id(g);
  CHECK(events_of(g, "vesting.created")[0].at("accepted") == "false");
  json::value acct = node.call("account_get", json::object{{"address", kDevAddr1}});
  INFO("account_get with the grant offered " << json::serialize(acct));
  CHECK(acct.at("offered").at("VEST") == "1000000000000000000");
  CHECK(position(node, grant_id).at("accepted") == false);
  // The victim accepts it.
  json::object acc = submit_ok(node, kDevKey1, vesting::kAcceptKind, vesting::Accept{{grant_id}}.encode());
  CHECK(events_of(acc, "vesting.accepted").size() == 1);
  CHECK(position(node, grant_id).at("accepted") == true);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr1}}).at("offered").at("VEST") == "0");

  // Stake 20000: only the VIP position (not revocable by anyone) backs stake;
  // the accepted grant and the referral reward do not, so liquid pays the rest.
  json::object st = submit_ok(node, kDevKey1, staking::kStakeKind, amount_payload(20000 * kVest));
  auto staked_ev = events_of(st, "staking.staked");
  REQUIRE(staked_ev.size() == 1);
  CHECK(staked_ev[0].at("fromVesting") == "7500000000000000000000");
  CHECK(staked_ev[0].at("fromLiquid") == "12500000000000000000000");
  const uint64_t stake_time = block_time(node, u64(st.at("height")));
  const uint64_t met_expected = std::max(anchor, stake_time) + kMonth;

  advance(node, 60 * kDay);
  auto stake_of = [&] { return node.call("staking_get", json::object{{"address", kDevAddr1}}); };
  json::value s0 = stake_of();
  REQUIRE(s0.at("staked") == "20000000000000000000000");
  REQUIRE(s0.at("fromVesting") == "7500000000000000000000");
  json::object p0 = position(node, vip_id);
  INFO("VIP position before the revokes " << json::serialize(p0));
  REQUIRE(!milestone(p0, 0).at("metAt").is_null());
  CHECK(u64(milestone(p0, 0).at("metAt")) == met_expected);
  CHECK(milestone(p0, 1).at("metAt").is_null());

  auto check_unchanged = [&](const json::object& tx, const char* what) {
    INFO(what << ": " << json::serialize(tx));
    CHECK(events_of(tx, "staking.vesting_stake_removed").empty());
    json::value s = stake_of();
    CHECK(s.at("staked") == s0.at("staked"));
    CHECK(s.at("fromVesting") == s0.at("fromVesting"));
    CHECK(node.call("account_get", json::object{{"address", kDevAddr1}}).at("staked") == s0.at("staked"));
    json::object p = position(node, vip_id);
    INFO("VIP position after " << json::serialize(p));
    CHECK(milestone(p, 0).at("metAt") == milestone(p0, 0).at("metAt"));
    CHECK(amt(p.at("vested")) >= amt(p0.at("vested")));
    // The 90-day clock of the 20000 level has run since the stake, uninterrupted.
    CHECK(u64(milestone(p, 1).at("stakedSeconds")) == u64(p.at("time")) - std::max(anchor, stake_time));
  };
  // The attacker revokes its grant: the victim's stake and milestones stay.
  json::object rv = submit_ok(node, kDevKey2, vesting::kRevokeKind, vesting::Revoke{grant_id}.encode());
  REQUIRE(events_of(rv, "vesting.revoked").size() == 1);
  check_unchanged(rv, "the attacker's revoke");
  // The treasury revokes the referral reward: the same.
  json::object rr = submit_ok(node, treasury_key(), vesting::kRevokeKind, vesting::Revoke{ref_id}.encode());
  REQUIRE(events_of(rr, "vesting.revoked").size() == 1);
  CHECK(position(node, ref_id).at("revokedAt").is_number());
  check_unchanged(rr, "the treasury's revoke of the referral position");
}

// ---- 5. spam positions cost the victim nothing ----

TEST_CASE("rules: a hundred offered grants that never vest change nothing for their beneficiary",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet victim = import_wallet(dir, node, kDevKey1, kDevAddr1);
  json::object bought = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const uint64_t starter = created_id(bought);
  const uint64_t anchor = block_time(node, u64(bought.at("height")));
  advance(node, 40 * kDay);  // past Starter's 30-day cliff

  vesting::Schedule never;
  std::string error;
  REQUIRE(vesting::parse_schedule_json(
      json::parse(R"({"parts":[{"type":"tranche","bps":10000,"time":3155760000}]})"), never, error));
  std::vector<uint64_t> spam;
  for (int i = 0; i < 100; ++i)
    spam.push_back(created_id(
        submit_ok(node, kDevKey2, vesting::kGrantKind, grant_payload(kDevAddr1, 1 * kVest, never, false))));

  // Holdings: the Starter position alone, the spam only offered.
  auto check_holdings = [&](Amount extra_locked, Amount offered) {
    json::value acct = node.call("account_get", json::object{{"address", kDevAddr1}});
    json::object s = position(node, starter, u64(acct.at("height")));
    INFO("account_get " << json::serialize(acct) << "\nStarter " << json::serialize(s));
    CHECK(u64(s.at("time")) == u64(acct.at("time")));
    CHECK(str(acct.at("locked").at("VEST")) == dec(amt(s.at("locked")) + extra_locked));
    CHECK(acct.at("claimable").at("VEST") == s.at("claimable"));
    CHECK(str(acct.at("offered").at("VEST")) == dec(offered));
  };
  check_holdings(0, 100 * kVest);

  // `vest claim` of all: exactly the Starter claimable amount, nothing accepted.
  const Amount vest_before = balance(node, kDevAddr1, "VEST");
  Claimed c = claim(node, victim);
  auto claimed = events_of(c.tx, "vesting.claimed");
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].at("id") == json::value(std::to_string(starter)));
  CHECK(dec(c.amount) == dec(100 * kVest * (c.time - anchor) / 15552000));
  CHECK(events_of(c.tx, "vesting.accepted").empty());
  CHECK(dec(balance(node, kDevAddr1, "VEST")) == dec(vest_before + c.amount - kDevMinFee));
  CHECK(str(position(node, starter).at("released")) == dec(c.amount));
  check_holdings(0, 100 * kVest);
  for (uint64_t id : {spam.front(), spam.back()}) CHECK(position(node, id).at("accepted") == false);

  // `vest decline`: the funder gets its 1 VEST back.
  const Amount attacker = balance(node, kDevAddr2, "VEST");
  json::value declined = victim.run_json({"decline", std::to_string(spam[0])});
  INFO("vest decline " << json::serialize(declined));
  REQUIRE(declined.at("status") == "committed");
  auto dev = events_of(declined, "vesting.declined");
  REQUIRE(dev.size() == 1);
  CHECK(dev[0].at("returned") == "1000000000000000000");
  CHECK(dec(balance(node, kDevAddr2, "VEST")) == dec(attacker + 1 * kVest));
  CHECK(position(node, spam[0]).at("declinedAt").is_number());
  check_holdings(0, 99 * kVest);
  // `vest accept`: that one counts as locked from now on.
  json::value accepted = victim.run_json({"accept", std::to_string(spam[1])});
  REQUIRE(accepted.at("status") == "committed");
  CHECK(position(node, spam[1]).at("accepted") == true);
  check_holdings(1 * kVest, 98 * kVest);
}

// ---- 6. milestones are never lost, vested never decreases ----

TEST_CASE("rules: daily restaked reward claims and small top-ups keep the 30-day milestone and never lower vested",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey1, kDevAddr1);
  json::object vip = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  const uint64_t id = created_id(vip);
  const uint64_t anchor = block_time(node, u64(vip.at("height")));
  json::object st = submit_ok(node, kDevKey1, staking::kStakeKind, amount_payload(10000 * kVest));
  const uint64_t stake_time = block_time(node, u64(st.at("height")));
  const uint64_t met_expected = std::max(anchor, stake_time) + kMonth;

  Amount last = amt(position(node, id).at("vested"));
  auto step = [&](const char* what, int i) {
    json::object p = position(node, id);
    INFO(what << " " << i << ": " << json::serialize(p));
    Amount vested = amt(p.at("vested"));
    CHECK(vested >= last);
    last = std::max(last, vested);
    const json::value& met = milestone(p, 0).at("metAt");
    if (u64(p.at("time")) >= met_expected) {
      REQUIRE(met.is_number());
      CHECK(u64(met) == met_expected);
    } else {
      CHECK(met.is_null());
    }
  };
  for (int day = 1; day <= 31; ++day) {
    advance(node, kDay);
    json::object cr = submit_ok(node, kDevKey1, staking::kClaimRewardsKind, staking::ClaimRewards{true}.encode());
    auto paid = events_of(cr, "staking.rewards_claimed");
    REQUIRE(paid.size() == 1);
    CHECK(paid[0].at("restaked") == "true");
    auto restaked = events_of(cr, "staking.staked");
    REQUIRE(restaked.size() == 1);
    CHECK(restaked[0].at("amount") == paid[0].at("amount"));
    CHECK(restaked[0].at("fromVesting") == "0");
    step("restake on day", day);
  }
  json::object p = position(node, id);
  REQUIRE(milestone(p, 0).at("metAt").is_number());
  CHECK(u64(milestone(p, 0).at("metAt")) == met_expected);
  CHECK(amt(p.at("vested")) >= 2250 * kVest);

  for (int i = 1; i <= 20; ++i) {
    submit_ok(node, kDevKey1, staking::kStakeKind, amount_payload(1 * kVest));
    step("top-up", i);
  }
  // Day 31: only the milestone part (30% of 7500) has vested; the linear part's cliff is day 90.
  const Amount staked = amt(node.call("staking_get", json::object{{"address", kDevAddr1}}).at("staked"));
  Claimed c = claim(node, w);
  CHECK(dec(c.amount) == dec(2250 * kVest));
  step("after the claim", 0);
  CHECK(dec(amt(node.call("staking_get", json::object{{"address", kDevAddr1}}).at("staked"))) == dec(staked));
}

// ---- 7. one answer ----

TEST_CASE("rules: account_get claimable is the sum of vesting_list claimable with a milestone met but not claimed",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  // Growth first: 500 USDV keeps the buyer below Advocate, so neither position has a tier bonus.
  submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(2, 1, 500 * kUsd));
  submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  submit_ok(node, kDevKey1, staking::kStakeKind, amount_payload(10000 * kVest));
  advance(node, 31 * kDay);  // the VIP milestone is met by the stake; nothing has been claimed

  json::value acct = node.call("account_get", json::object{{"address", kDevAddr1}});
  json::value list = node.call("vesting_list", json::object{{"address", kDevAddr1}});
  INFO("account_get " << json::serialize(acct) << "\nvesting_list " << json::serialize(list));
  REQUIRE(acct.at("height") == list.at("height"));
  REQUIRE(list.at("positions").as_array().size() == 2);
  Amount claimable = 0, locked = 0, now_claimable = 0;
  for (const auto& p : list.at("positions").as_array()) {
    CHECK(p.at("released") == "0");
    claimable += amt(p.at("claimable"));
    locked += amt(p.at("locked"));
    json::object one = position(node, u64(p.at("id")));
    CHECK(one.at("claimable") == p.at("claimable"));
    now_claimable += amt(one.at("now").at("claimable"));
    CHECK(u64(one.at("now").at("time")) >= u64(one.at("time")));
  }
  // 2250 from the VIP milestone + 250 from Growth's day-30 tranche.
  CHECK(dec(claimable) == dec(2500 * kVest));
  CHECK(str(acct.at("claimable").at("VEST")) == dec(claimable));
  CHECK(str(acct.at("locked").at("VEST")) == dec(locked));
  CHECK(str(acct.at("now").at("claimable").at("VEST")) == dec(now_claimable));
  CHECK(dec(now_claimable) == dec(2500 * kVest));
  json::value vip = list.at("positions").at(1);
  CHECK(vip.at("milestones").at(0).at("metAt").is_number());
}

// ---- 8. time moves on an idle chain ----

TEST_CASE("rules: matured unbonding is spendable at the next block's time before any block seals it",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});  // no timed blocks: dev_mine seals
  const PrivateKey dev1 = key_hex(kDevKey1);
  const uint64_t starter = created_id(mined(node, dev1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd)));
  json::object st = mined(node, dev1, staking::kStakeKind, amount_payload(1000 * kVest));
  CHECK(events_of(st, "staking.staked").at(0).at("fromVesting") == "100000000000000000000");  // Starter's bonus
  mined(node, dev1, staking::kUnstakeKind, amount_payload(400 * kVest));  // liquid-backed stake first
  json::value sg = node.call("staking_get", json::object{{"address", kDevAddr1}});
  REQUIRE(sg.at("unbonding").as_array().size() == 1);
  const json::value& entry = sg.at("unbonding").at(0);
  CHECK(entry.at("amount") == "400000000000000000000");
  CHECK(entry.at("fromVesting") == "0");
  const uint64_t maturity = u64(entry.at("maturity"));
  const uint64_t h = head_height(node), t = head_time(node);
  CHECK(maturity == t + kUnbonding);

  // Past maturity, without sealing a block.
  node.call("dev_increaseTime", json::object{{"seconds", maturity - t + 60}});
  CHECK(head_height(node) == h);
  json::value acct = node.call("account_get", json::object{{"address", kDevAddr1}});
  INFO("account_get " << json::serialize(acct));
  const Amount liquid = amt(acct.at("balances").at("VEST"));
  CHECK(u64(acct.at("height")) == h);
  CHECK(u64(acct.at("time")) == t);
  CHECK(u64(acct.at("now").at("time")) >= maturity);
  CHECK(acct.at("now").at("unbondingMatured") == "400000000000000000000");
  CHECK(str(acct.at("now").at("spendable").at("VEST")) == dec(liquid + 400 * kVest));
  CHECK(str(acct.at("spendable").at("VEST")) == dec(liquid));
  CHECK(acct.at("unbonding") == "400000000000000000000");  // no block has returned it yet
  json::object pos = position(node, starter);
  CHECK(u64(pos.at("time")) == t);
  CHECK(u64(pos.at("now").at("time")) >= t);
  CHECK(u64(pos.at("now").at("time")) >= maturity);

  // A transfer that needs the returned tokens is admitted, and commits.
  const Amount amount = liquid + 300 * kVest - kDevMinFee;
  const Amount dev2_before = balance(node, kDevAddr2, "VEST");
  json::object tx = mined(node, dev1, bank::kTransferKind, transfer_payload(kDevAddr2, "VEST", amount));
  CHECK(dec(balance(node, kDevAddr2, "VEST")) == dec(dev2_before + amount));
  CHECK(dec(balance(node, kDevAddr1, "VEST")) == dec(100 * kVest));
  json::value after = node.call("account_get", json::object{{"address", kDevAddr1}});
  CHECK(after.at("unbonding") == "0");
  bool unbonded = false;
  json::value block_events = node.call("chain_getEvents", json::object{{"height", tx.at("height")}});
  for (const auto& e : block_events.at("events").as_array())
    unbonded = unbonded || e.at("type") == "staking.unbonded";
  CHECK(unbonded);
}

// ---- 9. long schedules ----

TEST_CASE("rules: a 48-month periodic grant made with vest grant --schedule vests one 48th a month",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet funder = import_wallet(dir, node, kDevKey0, kDevAddr0);
  Wallet holder = import_wallet(dir, node, kDevKey1, kDevAddr1);
  fs::path file = dir.path() / "monthly.json";
  write_file(file, R"({"parts":[{"type":"periodic","bps":10000,"period":2592000,"count":48}]})");
  const Amount total = 100 * kVest;
  const Amount step = total / 48;  // 2.083333333333333333 VEST; the last month takes the remainder

  json::value granted = funder.run_json({"grant", "--to", kDevAddr1, "--amount", "100", "--schedule", file.string()});
  INFO("vest grant " << json::serialize(granted));
  REQUIRE(granted.at("status") == "committed");
  const uint64_t id = created_id(granted);
  const uint64_t anchor = block_time(node, u64(granted.at("height")));
  CHECK(position(node, id).at("accepted") == false);
  json::value accepted = holder.run_json({"accept", std::to_string(id)});
  REQUIRE(accepted.at("status") == "committed");

  json::object pos = position(node, id);
  INFO("position " << json::serialize(pos));
  CHECK(pos.at("accepted") == true);
  CHECK(pos.at("schedule").at("parts").at(0).at("type") == "periodic");
  CHECK(u64(pos.at("schedule").at("parts").at(0).at("count")) == 48);
  const json::array& next = pos.at("nextUnlocks").as_array();
  REQUIRE(next.size() == 8);  // vesting_get shows up to 8
  for (size_t k = 0; k < next.size(); ++k) {
    CHECK(u64(next[k].at("time")) == anchor + (k + 1) * kMonth);
    CHECK(str(next[k].at("amount")) == dec(step));
  }

  uint64_t t = advance(node, 3 * kMonth);
  REQUIRE(t - anchor < 4 * kMonth);
  pos = position(node, id);
  CHECK(str(pos.at("claimable")) == dec(3 * step));
  CHECK(str(pos.at("locked")) == dec(total - 3 * step));
  CHECK(u64(pos.at("nextUnlocks").at(0).at("time")) == anchor + 4 * kMonth);
  CHECK(str(node.call("account_get", json::object{{"address", kDevAddr1}}).at("claimable").at("VEST")) ==
        dec(3 * step));

  t = advance(node, 41 * kMonth);  // month 44: four steps left, the last one the remainder
  REQUIRE(t - anchor < 45 * kMonth);
  pos = position(node, id);
  const json::array& last = pos.at("nextUnlocks").as_array();
  REQUIRE(last.size() == 4);
  CHECK(str(last[3].at("amount")) == dec(total - 47 * step));
  CHECK(u64(last[3].at("time")) == anchor + 48 * kMonth);

  t = advance(node, 4 * kMonth);
  REQUIRE(t - anchor >= 48 * kMonth);
  pos = position(node, id);
  CHECK(str(pos.at("vested")) == dec(total));
  CHECK(str(pos.at("claimable")) == dec(total));
  CHECK(pos.at("locked") == "0");
  CHECK(pos.at("nextUnlocks").as_array().empty());
  Claimed c = claim(node, holder);
  CHECK(dec(c.amount) == dec(total));
}

// ---- 10. every balance movement emits an event ----

TEST_CASE("rules: balances, stake and unbonding rebuilt from genesis and the events equal the node's",
          "[integration][rules]") {
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});  // dev_mine seals, so two claims can share a block
  const PrivateKey dev0 = key_hex(kDevKey0), dev1 = key_hex(kDevKey1), dev2 = key_hex(kDevKey2),
                   dev3 = key_hex(kDevKey3);
  const PrivateKey dev4 = *PrivateKey::from(*from_hex("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"));
  const std::string addr4 = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
  REQUIRE(to_checksum(address_of(dev4)) == addr4);
  vesting::Schedule linear100{{vesting::Part::linear(10000, 0, 100 * kDay)}};

  // Every kind of transaction.
  mined(node, dev0, bank::kTransferKind, transfer_payload(addr4, "VEST", 5 * kVest));
  json::object starter = mined(node, dev0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  json::object growth = mined(node, dev1, sale::kPurchaseKind, purchase_payload(2, 1, 500 * kUsd, kDevAddr0));
  const uint64_t referral = std::stoull(str(events_of(growth, "sale.referral").at(0).at("position")));
  const uint64_t g1 = created_id(mined(node, dev2, vesting::kGrantKind, grant_payload(kDevAddr3, 10 * kVest, linear100, true)));
  mined(node, dev3, vesting::kAcceptKind, vesting::Accept{{g1}}.encode());
  const uint64_t g2 = created_id(mined(node, dev2, vesting::kGrantKind, grant_payload(kDevAddr3, 5 * kVest, linear100, false)));
  mined(node, dev3, vesting::kDeclineKind, vesting::Decline{g2}.encode());
  mined(node, dev1, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  // Trial (7) has a 14-day refund window: its payments wait in the sale escrow.
  // dev2's first Trial names dev0 and is refunded after a claim (the claimed
  // bonus is repaid); the second is released to revenue when its window closes.
  json::object trial1 = mined(node, dev2, sale::kPurchaseKind, purchase_payload(7, 1, 100 * kUsd, kDevAddr0));
  const uint64_t refunded = std::stoull(str(events_of(trial1, "sale.purchase").at(0).at("id")));
  mined(node, dev2, sale::kPurchaseKind, purchase_payload(7, 1, 100 * kUsd));
  advance(node, 60);
  mined(node, dev2, vesting::kClaimKind, vesting::Claim{}.encode());
  json::object back = mined(node, dev2, sale::kRefundKind, sale::Refund{refunded}.encode());
  CHECK(amt(events_of(back, "sale.refunded").at(0).at("bonusRepaid")) > 0);
  // dev0 upgrades its Starter to Growth.
  mined(node, dev0, sale::kUpgradeKind,
        sale::Upgrade{std::stoull(str(events_of(starter, "sale.purchase").at(0).at("id"))), 2, 400 * kUsd}.encode());
  json::object s1 = mined(node, dev1, staking::kStakeKind, amount_payload(15000 * kVest));  // vesting and liquid
  CHECK(events_of(s1, "staking.staked").at(0).at("fromVesting") == "8500000000000000000000");  // Growth + VIP
  // dev4 grants itself a revocable position (it backs dev4's stake) and stakes it.
  const uint64_t self = created_id(mined(node, dev4, vesting::kGrantKind, grant_payload(addr4, 100 * kVest, linear100, true)));
  mined(node, dev4, staking::kStakeKind, amount_payload(100 * kVest));
  json::object s3 = mined(node, dev3, staking::kStakeKind, amount_payload(50 * kVest));  // from liquid only
  CHECK(events_of(s3, "staking.staked").at(0).at("fromVesting") == "0");
  advance(node, 40 * kDay);
  mined(node, dev2, vesting::kRevokeKind, vesting::Revoke{g1}.encode());
  json::object self_revoke = mined(node, dev4, vesting::kRevokeKind, vesting::Revoke{self}.encode());
  // What had vested and is not claimed stays in escrow for dev4 and still backs its stake:
  // only the part returned to the funder (itself) leaves the stake.
  REQUIRE(events_of(self_revoke, "staking.vesting_stake_removed").size() == 1);
  CHECK(amt(events_of(self_revoke, "staking.vesting_stake_removed").at(0).at("amount")) ==
        amt(events_of(self_revoke, "vesting.revoked").at(0).at("returned")));
  CHECK(amt(events_of(self_revoke, "vesting.revoked").at(0).at("vested")) > 0);
  mined(node, treasury_key(), vesting::kRevokeKind, vesting::Revoke{referral}.encode());
  mined(node, dev0, vesting::kClaimKind, vesting::Claim{}.encode());
  json::object c1 = mined(node, dev1, vesting::kClaimKind, vesting::Claim{}.encode());  // milestone met: bonded tokens
  CHECK(events_of(c1, "staking.vesting_stake_converted").size() == 1);
  mined(node, dev3, vesting::kClaimKind, vesting::Claim{{g1}}.encode());
  mined(node, dev1, staking::kUnstakeKind, amount_payload(1000 * kVest));
  // Two claims in one block: the second has nothing left and fails, paying its fee.
  advance(node, kDay);
  json::object first = submit_msg(node, dev0, vesting::kClaimKind, vesting::Claim{}.encode(), false);
  json::object second = submit_msg(node, dev0, vesting::kClaimKind, vesting::Claim{}.encode(), false);
  REQUIRE(first.contains("result"));
  REQUIRE(second.contains("result"));
  node.call("dev_mine");
  json::value failed = node.call("chain_getTransaction", json::object{{"hash", second.at("result").at("hash")}});
  INFO("second claim " << json::serialize(failed));
  REQUIRE(failed.at("status") == "failed");
  CHECK(failed.at("error").at("reason") == "nothing_to_claim");
  CHECK_FALSE(failed.at("events").as_array().empty());
  advance(node, kUnbonding + kDay);  // the unbonding entries return in this block
  mined(node, dev1, staking::kClaimRewardsKind, staking::ClaimRewards{false}.encode());
  mined(node, dev3, staking::kClaimRewardsKind, staking::ClaimRewards{true}.encode());
  mined(node, dev1, bank::kTransferKind, transfer_payload(kDevAddr2, "USDV", 7 * kUsd));

  // Genesis balances, and the reward pool minted at genesis.
  json::value genesis = json::parse(read_file(source_path("genesis/devnet.json")));
  std::map<std::string, std::map<std::string, Amount>> bal;
  for (const auto& b : genesis.at("bank").at("balances").as_array())
    for (const auto& kv : b.at("amounts").as_object()) bal[str(b.at("address"))][std::string(kv.key())] += amt(kv.value());
  bal[reward_pool()]["VEST"] += amt(genesis.at("staking").at("reward_pool"));
  Ledger ledger;
  ledger.balances = std::move(bal);
  const uint64_t head = head_height(node);
  for (uint64_t h = 1; h <= head; ++h) {
    json::value evs = node.call("chain_getEvents", json::object{{"height", h}});
    for (const auto& ev : evs.at("events").as_array()) {
      INFO("block " << h);
      ledger.apply(ev);
    }
  }
  // Every kind of movement happened.
  for (const char* r : {"transfer", "fee", "sale_payment", "sale_delivery", "escrow_deposit",
                        "escrow_release", "revoke_return", "decline_return", "stake_bond", "unbond_return",
                        "reward_payment", "sale_escrow", "sale_release", "refund_return", "refund_repay",
                        "refund_payment", "refund_cancel"})
    CHECK(ledger.reasons.count(r) == 1);
  for (const char* t : {"staking.staked", "staking.unstaked", "staking.unbonded", "staking.vesting_stake_removed",
                        "staking.vesting_stake_converted", "staking.rewards_claimed", "vesting.accepted",
                        "vesting.declined", "vesting.revoked", "vesting.claimed", "sale.referral",
                        "sale.upgraded", "sale.refunded", "sale.payment_released", "vesting.cancelled",
                        "vesting.count_lowered"})
    CHECK(ledger.types.count(t) == 1);
  for (const std::string& a : {escrow(), bonded_pool(), reward_pool(), to_checksum(module_address(kSaleEscrowModule)),
                               std::string(kValidator),
                               std::string(kTreasury), std::string(kRevenue)})
    CHECK(ledger.balances.count(a) == 1);

  // The node agrees for every account seen.
  Amount supply = 0;
  for (const auto& [a, assets] : ledger.balances) {
    json::value acct = node.call("account_get", json::object{{"address", a}});
    INFO("account " << a << ": " << json::serialize(acct));
    for (const char* asset : {"VEST", "USDV"}) {
      auto it = assets.find(asset);
      const Amount expected = it == assets.end() ? 0 : it->second;
      CHECK(str(acct.at("balances").at(asset)) == dec(expected));
    }
    CHECK(str(acct.at("staked")) == dec(ledger.staked[a]));
    CHECK(str(acct.at("unbonding")) == dec(ledger.unbonding[a]));
    auto it = assets.find("VEST");
    if (it != assets.end()) supply += it->second;
  }
  CHECK(dec(supply) == "60100000000000000000000000");  // docs/genesis.md
  CHECK(ledger.staked[kDevAddr1] > 0);
  CHECK(ledger.staked[kDevAddr3] > 50 * kVest);  // restaked rewards
}
