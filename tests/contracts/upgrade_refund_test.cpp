// Upgrades and refunds over a real chain, driven by signed transactions. The
// test sale (tests/util/chain_fixture.h) plus:
//   11 Basic   100 USDV, 100 VEST base, 10 VEST bonus linear over 0..1000 s;
//              upgrades to 12, 13 and 15; refund window 500 s; referral 10% of base
//   12 Plus    300 USDV, 250 VEST base, 50 VEST bonus linear over 0..1000 s, cliff 200 s;
//              account cap 2
//   13 Capped  200 USDV, 150 VEST base, 20 VEST bonus (as Basic's schedule); supply cap 1
//   15 Paused  as Plus, paused
//   16 Loyal   10 USDV, 10 VEST base, 10 VEST bonus: all once 1 more unit is bought
#include <catch2/catch.hpp>

#include "contracts/bank/bank.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;
namespace js = boost::json;

namespace {

js::object linear(uint64_t cliff) {
  return js::object{{"parts", js::array{js::object{
                                  {"type", "linear"}, {"bps", 10000}, {"start", 0}, {"cliff", cliff}, {"end", 1000}}}}};
}

js::object pkg(uint32_t id, const char* name, Amount usd, Amount base, Amount bonus, uint64_t cliff) {
  return js::object{{"id", id},
                    {"name", name},
                    {"price", js::object{{"asset", "USDV"}, {"amount", to_decimal(usd * kUsd)}}},
                    {"base", to_decimal(base * kVest)},
                    {"bonus", js::object{{"amount", to_decimal(bonus * kVest)}}},
                    {"schedule", linear(cliff)}};
}

TestChain upgrade_chain() {
  return TestChain(5, [](js::object& g) {
    auto& pkgs = g["sale"].as_object()["packages"].as_array();
    js::object basic = pkg(11, "Basic", 100, 100, 10, 0);
    basic["upgrades_to"] = js::array{12, 13, 15};
    basic["refund_window"] = 500;
    basic["referral_bps"] = 1000;
    pkgs.push_back(basic);
    js::object plus = pkg(12, "Plus", 300, 250, 50, 200);
    plus["account_cap"] = 2;
    pkgs.push_back(plus);
    js::object capped = pkg(13, "Capped", 200, 150, 20, 0);
    capped["supply_cap"] = 1;
    pkgs.push_back(capped);
    js::object paused = pkg(15, "Paused", 300, 250, 50, 200);
    paused["paused"] = true;
    pkgs.push_back(paused);
    js::object loyal = pkg(16, "Loyal", 10, 10, 10, 0);
    loyal["schedule"] = js::object{{"parts", js::array{js::object{{"type", "purchases"}, {"bps", 10000}, {"units", 1}}}}};
    pkgs.push_back(loyal);
  });
}

VerifiedTx buy(TestChain& t, size_t who, uint32_t package, uint64_t qty = 1,
               std::optional<Address> referrer = std::nullopt) {
  return t.sign(who, sale::kPurchaseKind, sale::Purchase{package, qty, kU128Max, referrer}.encode());
}
VerifiedTx upgrade(TestChain& t, size_t who, uint64_t from, uint32_t to, Amount max = kU128Max) {
  return t.sign(who, sale::kUpgradeKind, sale::Upgrade{from, to, max}.encode());
}
VerifiedTx refund(TestChain& t, size_t who, uint64_t id) {
  return t.sign(who, sale::kRefundKind, sale::Refund{id}.encode());
}

std::string field(const Event& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name) return v;
  return "";
}
const Event* event_of(const std::vector<Event>& events, const std::string& type) {
  for (const Event& e : events)
    if (e.type == type) return &e;
  return nullptr;
}

uint64_t purchase_id(const Receipt& r) {
  const Event* e = event_of(r.events, "sale.purchase");
  REQUIRE(e);
  return std::stoull(field(*e, "id"));
}

sale::PurchaseRecord record(TestChain& t, uint64_t id) {
  auto r = sale::purchase(t.chain->store(), id);
  REQUIRE(r);
  return *r;
}
vesting::Position position(TestChain& t, uint64_t id) {
  auto p = vesting::get_position(t.chain->store(), id);
  REQUIRE(p);
  return *p;
}

// What a refused upgrade or refund must leave as it was (the fee aside).
struct Snapshot {
  std::vector<Amount> balances;
  std::vector<std::string> records;
  std::vector<uint64_t> sold;
  std::vector<Amount> counts;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};
Snapshot snapshot(TestChain& t, size_t payer) {
  const StateReader& s = t.chain->store();
  Snapshot out;
  std::vector<Address> who = t.addrs;
  for (Address a : {treasury_address(), revenue_address(), vesting::escrow_address(), sale::sale_escrow_address()})
    who.push_back(a);
  for (size_t i = 0; i < who.size(); ++i)
    for (const char* asset : {"VEST", "USDV"})
      if (!(i == payer && std::string(asset) == "VEST")) out.balances.push_back(bank::balance(s, who[i], asset));
  sale::for_each_purchase(s, 1, [&](const sale::PurchaseRecord& r) {
    out.records.push_back(std::to_string(r.id) + r.status() + std::to_string(r.upgraded_by) +
                          std::to_string(r.position_id));
    return true;
  });
  for (uint32_t id : {11u, 12u, 13u, 15u}) out.sold.push_back(sale::sold(s, id));
  for (const Address& a : t.addrs)
    for (auto c : {vesting::Count::kUnits, vesting::Count::kSpend, vesting::Count::kReferrals})
      out.counts.push_back(vesting::count_value(s, a, {c, ""}));
  return out;
}

// Runs `tx`, which must be refused with `reason`, leaving everything but its fee as it was.
void refused(TestChain& t, size_t who, const VerifiedTx& tx, const std::string& reason) {
  const Snapshot before = snapshot(t, who);
  const Receipt r = t.run(tx);
  INFO(r.message);
  CHECK(r.reason == reason);
  CHECK_FALSE(r.message.empty());
  CHECK(snapshot(t, who) == before);
}

void check_supply(TestChain& t, Amount vest_supply) {
  CHECK(bank::check_supply(t.chain->store()).empty());
  CHECK(bank::supply(t.chain->store(), "VEST") == vest_supply);
  CHECK(t.contracts.sale.check_invariants(t.chain->store()).empty());
}

}  // namespace

TEST_CASE("upgrade: the bonus difference vests on the new schedule from the original purchase",
          "[sale][upgrade]") {
  TestChain t = upgrade_chain();
  const Amount supply = bank::supply(t.chain->store(), "VEST");
  const Receipt bought = t.run(buy(t, 0, 11));
  REQUIRE(bought.ok());
  const uint64_t from = purchase_id(bought);
  const uint64_t t0 = t.chain->head().time;
  const Amount usd_before = t.balance(0, "USDV");
  const Amount vest_before = t.balance(0);
  const Amount revenue_before = t.balance_of(revenue_address(), "USDV");

  // 400 s later: 200 USDV more, 150 VEST at once, 40 VEST locked from t0.
  const Receipt up = t.run(upgrade(t, 0, from, 12), 400);
  INFO(up.message);
  REQUIRE(up.ok());
  const uint64_t t1 = t.chain->head().time;
  REQUIRE(t1 == t0 + 400);
  const Event* e = event_of(up.events, "sale.upgraded");
  REQUIRE(e);
  CHECK(field(*e, "from") == std::to_string(from));
  CHECK(field(*e, "cost") == to_decimal(200 * kUsd));
  CHECK(field(*e, "base") == to_decimal(150 * kVest));
  CHECK(field(*e, "bonus") == to_decimal(40 * kVest));
  CHECK(field(*e, "anchor") == std::to_string(t0));
  CHECK(t.balance(0, "USDV") == usd_before - 200 * kUsd);
  CHECK(t.balance(0) == vest_before + 150 * kVest - kMinFee);
  CHECK(t.balance_of(revenue_address(), "USDV") == revenue_before + 200 * kUsd);

  const sale::PurchaseRecord old_rec = record(t, from);
  CHECK(std::string(old_rec.status()) == "upgraded");
  const sale::PurchaseRecord rec = record(t, old_rec.upgraded_by);
  CHECK(rec.upgrade_of == from);
  CHECK(rec.package_id == 12);
  const vesting::Position p = position(t, rec.position_id);
  CHECK(p.anchor == t0);
  CHECK(p.total == 40 * kVest);
  // Linear 0..1000 s with a 200 s cliff, from t0: served time counts.
  CHECK(p.vested_at(t0 + 199) == 0);
  CHECK(p.vested_at(t1) == 16 * kVest);        // 40 x 400 / 1000
  CHECK(p.vested_at(t0 + 750) == 30 * kVest);  // 40 x 750 / 1000
  CHECK(p.vested_at(t0 + 1000) == 40 * kVest);
  // The original bonus keeps vesting as it did.
  CHECK(position(t, record(t, from).position_id).vested_at(t1) == 4 * kVest);  // 10 x 400 / 1000
  // Claimable at once: what the served time vested.
  const Receipt claimed = t.run(t.sign(0, vesting::kClaimKind, vesting::Claim{{rec.position_id}}.encode()), 100);
  REQUIRE(claimed.ok());
  CHECK(field(*event_of(claimed.events, "vesting.claimed"), "amount") == to_decimal(20 * kVest));  // at t0 + 500
  CHECK(sale::sold(t.chain->store(), 12) == 1);
  CHECK(sale::bought(t.chain->store(), 12, t.addrs[0]) == 1);
  // Spend milestones count the difference paid; units milestones count no new units.
  CHECK(vesting::count_value(t.chain->store(), t.addrs[0], {vesting::Count::kSpend, ""}) == 300 * kUsd);
  CHECK(vesting::count_value(t.chain->store(), t.addrs[0], {vesting::Count::kUnits, ""}) == 1);
  check_supply(t, supply);

  // An upgraded purchase, and an upgrade, are final.
  refused(t, 0, upgrade(t, 0, from, 13), "not_upgradable");
  refused(t, 0, upgrade(t, 0, rec.id, 13), "not_upgradable");
  refused(t, 0, refund(t, 0, from), "not_refundable");
  refused(t, 0, refund(t, 0, rec.id), "not_refundable");
}

TEST_CASE("upgrade: caps, window, pause, price and ownership rules refuse with state unchanged",
          "[sale][upgrade]") {
  TestChain t = upgrade_chain();
  const uint64_t a = purchase_id(t.run(buy(t, 0, 11)));
  const uint64_t three = purchase_id(t.run(buy(t, 1, 11, 3)));
  refused(t, 1, upgrade(t, 1, a, 12), "not_buyer");
  refused(t, 0, upgrade(t, 0, 999, 12), "purchase_not_found");
  refused(t, 0, upgrade(t, 0, a, 1), "not_upgradable");       // Basic does not name Linear
  refused(t, 0, upgrade(t, 0, a, 99), "package_not_found");
  refused(t, 0, upgrade(t, 0, a, 15), "package_paused");
  refused(t, 0, upgrade(t, 0, a, 12, 200 * kUsd - 1), "above_max_price");
  // Skipping a cap: 3 units into Plus (account cap 2), and Capped once sold out.
  refused(t, 1, upgrade(t, 1, three, 12), "account_cap_reached");
  REQUIRE(t.run(buy(t, 2, 13)).ok());
  refused(t, 0, upgrade(t, 0, a, 13), "sold_out");
  // The window: Plus ends, and an upgrade is refused like a purchase.
  sale::PackageUpdate end{12, 300 * kUsd, 0, t.chain->head().time + 11, 0, 2, false};
  REQUIRE(t.run(t.sign_key(test_key("admin"), sale::kUpdatePackageKind, end.encode())).ok());
  refused(t, 0, upgrade(t, 0, a, 12), "sale_ended");
  CHECK(std::string(record(t, a).status()) == "active");
}

TEST_CASE("refund: within the window the payment comes back from escrow and everything it created is undone",
          "[sale][refund]") {
  TestChain t = upgrade_chain();
  const Amount supply = bank::supply(t.chain->store(), "VEST");
  REQUIRE(t.run(buy(t, 1, 1)).ok());  // the referrer has bought
  const Amount treasury_before = t.balance_of(treasury_address());
  const Amount usd_before = t.balance(0, "USDV");
  const Amount revenue_before = t.balance_of(revenue_address(), "USDV");
  const Receipt bought = t.run(buy(t, 0, 11, 1, t.addrs[1]));
  REQUIRE(bought.ok());
  const uint64_t id = purchase_id(bought);
  const sale::PurchaseRecord rec = record(t, id);
  CHECK(rec.release_at == rec.time + 500);
  CHECK(rec.counted_referral);
  // The payment waits in the sale escrow, not in revenue.
  CHECK(t.balance_of(sale::sale_escrow_address(), "USDV") == 100 * kUsd);
  CHECK(t.balance_of(revenue_address(), "USDV") == revenue_before);
  CHECK(vesting::count_value(t.chain->store(), t.addrs[1], {vesting::Count::kReferrals, ""}) == 1);
  check_supply(t, supply);

  refused(t, 1, refund(t, 1, id), "not_buyer");
  const Receipt r = t.run(refund(t, 0, id), 100);
  INFO(r.message);
  REQUIRE(r.ok());
  const Event* e = event_of(r.events, "sale.refunded");
  REQUIRE(e);
  CHECK(field(*e, "payment") == to_decimal(100 * kUsd));
  CHECK(field(*e, "baseReturned") == to_decimal(100 * kVest));
  CHECK(field(*e, "bonusRepaid") == "0");
  CHECK(field(*e, "bonusCancelled") == to_decimal(10 * kVest));
  CHECK(field(*e, "referralCancelled") == to_decimal(10 * kVest));
  CHECK(t.balance(0, "USDV") == usd_before);
  CHECK(t.balance_of(sale::sale_escrow_address(), "USDV") == 0);
  CHECK(t.balance_of(treasury_address()) == treasury_before);  // base, bonus and referral all back
  CHECK(std::string(record(t, id).status()) == "refunded");
  CHECK(position(t, rec.position_id).revoked_at != 0);
  CHECK(position(t, rec.referral_position_id).effective_total() == 0);
  CHECK(sale::sold(t.chain->store(), 11) == 0);
  CHECK(vesting::count_value(t.chain->store(), t.addrs[0], {vesting::Count::kUnits, ""}) == 0);
  CHECK(vesting::count_value(t.chain->store(), t.addrs[1], {vesting::Count::kReferrals, ""}) == 0);
  check_supply(t, supply);

  // Once refunded, nothing more.
  refused(t, 0, refund(t, 0, id), "not_refundable");
  refused(t, 0, upgrade(t, 0, id, 12), "not_upgradable");
  // Nothing is queued any more: later blocks release nothing.
  auto later = t.produce({}, 600);
  CHECK_FALSE(event_of(later.block_events, "sale.payment_released"));
  CHECK(t.balance_of(revenue_address(), "USDV") == revenue_before);
  check_supply(t, supply);
}

TEST_CASE("refund: the window closes at release, with its event, and a refund then is refused", "[sale][refund]") {
  TestChain t = upgrade_chain();
  const Amount revenue_before = t.balance_of(revenue_address(), "USDV");
  const uint64_t id = purchase_id(t.run(buy(t, 0, 11)));
  const uint64_t release_at = record(t, id).release_at;
  // A purchase without a window cannot be returned.
  const uint64_t plain = purchase_id(t.run(buy(t, 0, 1)));
  refused(t, 0, refund(t, 0, plain), "not_refundable");
  auto before = t.produce({}, release_at - t.chain->head().time - 1);
  CHECK_FALSE(event_of(before.block_events, "sale.payment_released"));
  auto at = t.produce({}, 1);
  REQUIRE(at.block.header.time == release_at);
  const Event* e = event_of(at.block_events, "sale.payment_released");
  REQUIRE(e);
  CHECK(field(*e, "purchase") == std::to_string(id));
  CHECK(field(*e, "amount") == to_decimal(100 * kUsd));
  CHECK(t.balance_of(revenue_address(), "USDV") == revenue_before + 200 * kUsd);  // with the plain purchase
  CHECK(t.balance_of(sale::sale_escrow_address(), "USDV") == 0);
  CHECK(record(t, id).released);
  refused(t, 0, refund(t, 0, id), "refund_window_closed");
  CHECK(t.contracts.sale.check_invariants(t.chain->store()).empty());
}

TEST_CASE("refund: claimed bonus is repaid with the base, or the refund is refused", "[sale][refund]") {
  TestChain t = upgrade_chain();
  const Amount supply = bank::supply(t.chain->store(), "VEST");
  const uint64_t id = purchase_id(t.run(buy(t, 0, 11)));
  const sale::PurchaseRecord rec = record(t, id);
  // 100 s later the buyer claims 1 VEST of its 10 VEST bonus.
  REQUIRE(t.run(t.sign(0, vesting::kClaimKind, vesting::Claim{{rec.position_id}}.encode()), 100).ok());
  CHECK(position(t, rec.position_id).released == 1 * kVest);

  // Account 2 buys too, claims, then keeps only 50 VEST liquid: it cannot return 100 VEST base + claimed.
  const uint64_t other = purchase_id(t.run(buy(t, 2, 11)));
  REQUIRE(t.run(t.sign(2, vesting::kClaimKind, vesting::Claim{{record(t, other).position_id}}.encode()), 100).ok());
  const Amount keep = 50 * kVest;
  REQUIRE(t.run(t.transfer(2, t.addrs[3], t.balance(2) - keep - 2 * kMinFee)).ok());
  refused(t, 2, refund(t, 2, other), "refund_needs_tokens");

  const Amount treasury_before = t.balance_of(treasury_address());
  const Amount vest_before = t.balance(0);
  const Receipt r = t.run(refund(t, 0, id));
  INFO(r.message);
  REQUIRE(r.ok());
  const Event* e = event_of(r.events, "sale.refunded");
  CHECK(field(*e, "bonusRepaid") == to_decimal(1 * kVest));
  CHECK(field(*e, "bonusCancelled") == to_decimal(9 * kVest));
  CHECK(t.balance(0) == vest_before - 101 * kVest - kMinFee);
  CHECK(t.balance_of(treasury_address()) == treasury_before + 110 * kVest);
  check_supply(t, supply);
}

TEST_CASE("refund: refused when its units met a milestone, otherwise waiting parts count from the lowered count",
          "[sale][refund]") {
  TestChain t = upgrade_chain();
  const vesting::CountId units{vesting::Count::kUnits, ""};
  // Loyal first: a Basic bought after it meets its part; returning that Basic is refused.
  const Receipt loyal = t.run(buy(t, 0, 16));
  const uint64_t p = record(t, purchase_id(loyal)).position_id;
  const uint64_t basic = purchase_id(t.run(buy(t, 0, 11)));
  CHECK(position(t, p).milestones_met[0].has_value());
  refused(t, 0, refund(t, 0, basic), "refund_blocked");

  // Basic first, then Loyal (counting from 2 units): returning the Basic lowers the count
  // to 1 and Loyal's part to 1 + 1, so one more unit meets it, as it would have.
  const uint64_t basic2 = purchase_id(t.run(buy(t, 1, 11)));
  const uint64_t p2 = record(t, purchase_id(t.run(buy(t, 1, 16)))).position_id;
  CHECK(position(t, p2).counted_from[0] == 2);
  const Receipt r = t.run(refund(t, 1, basic2));
  INFO(r.message);
  REQUIRE(r.ok());
  CHECK(vesting::count_value(t.chain->store(), t.addrs[1], units) == 1);
  CHECK(position(t, p2).counted_from[0] == 1);
  CHECK(!vesting::count_reached_at(t.chain->store(), t.addrs[1], units, 2));
  const Receipt again = t.run(buy(t, 1, 1));
  REQUIRE(again.ok());
  CHECK(event_of(again.events, "vesting.milestone_met"));
  CHECK(position(t, p2).milestones_met[0] == t.chain->head().time);
}

TEST_CASE("refund: stake backed by the refunded bonus is removed as after a revoke", "[sale][refund]") {
  TestChain t = upgrade_chain();
  const Amount supply = bank::supply(t.chain->store(), "VEST");
  const uint64_t id = purchase_id(t.run(buy(t, 0, 11)));
  const Receipt staked = t.run(t.sign(0, staking::kStakeKind, staking::AmountMsg{5 * kVest}.encode()));
  REQUIRE(staked.ok());
  CHECK(staking::account(t.chain->store(), t.addrs[0]).vesting == 5 * kVest);
  const Receipt r = t.run(refund(t, 0, id));
  INFO(r.message);
  REQUIRE(r.ok());
  CHECK(event_of(r.events, "staking.vesting_stake_removed"));
  CHECK(staking::account(t.chain->store(), t.addrs[0]).staked() == 0);
  check_supply(t, supply);
}
