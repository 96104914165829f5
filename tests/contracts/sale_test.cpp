// The sale contract over a real chain. The test sale (tests/util/chain_fixture.h):
//   1 Linear    100 USDV, 1000 VEST base, 10% bonus, linear 0..1000 s, cliff 100 s, referral 5%
//   2 Tranche    50 USDV,  100 VEST base, 7 VEST bonus, 30% at 100 s, 70% at 200 s; caps 3 / 2 per account
//   3 Windowed   10 USDV, on sale from genesis + 1000 s to genesis + 2000 s
//   4 Stake    1000 USDV, 1000 VEST base, 20% bonus, half at 100 s, half on a stake milestone
// Tiers: Enthusiast 0, Advocate 1000 USDV (+2%), VIP 5000 USDV (+5%), window 1000 s.
#include <catch2/catch.hpp>

#include "contracts/sale/sale.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;

namespace {

VerifiedTx buy(TestChain& t, size_t who, uint32_t package, uint64_t qty, Amount max_price,
               std::optional<Address> referrer = std::nullopt) {
  sale::Purchase p{package, qty, max_price, referrer};
  return t.sign(who, sale::kPurchaseKind, p.encode());
}

struct Snapshot {
  Amount buyer_usd, buyer_vest, revenue_usd, treasury_vest, escrow_vest;
};

Snapshot snap(TestChain& t, size_t who) {
  return {t.balance(who, "USDV"), t.balance(who), t.balance_of(revenue_address(), "USDV"),
          t.balance_of(treasury_address()), t.balance_of(vesting::escrow_address())};
}

// Everything but the buyer's fee is as before.
void check_unchanged(TestChain& t, size_t who, const Snapshot& before) {
  Snapshot after = snap(t, who);
  CHECK(after.buyer_usd == before.buyer_usd);
  CHECK(after.buyer_vest == before.buyer_vest - kMinFee);
  CHECK(after.revenue_usd == before.revenue_usd);
  CHECK(after.treasury_vest == before.treasury_vest);
  CHECK(after.escrow_vest == before.escrow_vest);
}

}  // namespace

TEST_CASE("sale: a purchase pays, delivers base tokens and locks the bonus", "[sale]") {
  TestChain t;
  Snapshot before = snap(t, 0);
  Receipt r = t.run(buy(t, 0, 1, 2, 200 * kUsd));
  REQUIRE(r.ok());
  Snapshot after = snap(t, 0);
  CHECK(after.buyer_usd == before.buyer_usd - 200 * kUsd);
  CHECK(after.revenue_usd == before.revenue_usd + 200 * kUsd);
  CHECK(after.buyer_vest == before.buyer_vest + 2000 * kVest - kMinFee);
  CHECK(after.escrow_vest == 200 * kVest);
  CHECK(after.treasury_vest == before.treasury_vest - 2200 * kVest);

  auto rec = sale::purchase(t.chain->store(), 1);
  REQUIRE(rec);
  CHECK(rec->buyer == t.addrs[0]);
  CHECK(rec->cost == 200 * kUsd);
  CHECK(rec->base == 2000 * kVest);
  CHECK(rec->bonus == 200 * kVest);
  CHECK(rec->tier_bonus == 0);
  auto pos = vesting::get_position(t.chain->store(), rec->position_id);
  REQUIRE(pos);
  CHECK(pos->beneficiary == t.addrs[0]);
  CHECK(pos->total == 200 * kVest);
  CHECK(pos->anchor == t.chain->head().time);
  CHECK_FALSE(pos->revocable);
  CHECK(pos->origin == vesting::Origin::kPurchase);
  CHECK(sale::sold(t.chain->store(), 1) == 2);
  CHECK(sale::bought(t.chain->store(), 1, t.addrs[0]) == 2);

  // Every balance movement has its event: fee (pool share, proposer), payment,
  // delivery of the base, and the bonus into escrow.
  std::vector<std::string> types;
  for (const Event& e : r.events) {
    std::string reason;
    for (const auto& [k, v] : e.fields)
      if (k == "reason") reason = ":" + v;
    types.push_back(e.type + reason);
  }
  // The buyer's counts for purchases milestones: units, then payment-asset spend.
  CHECK(types == std::vector<std::string>{"bank.fee", "bank.transfer:sale_payment",
                                          "bank.transfer:sale_delivery", "sale.purchase", "vesting.counted",
                                          "vesting.counted", "bank.transfer:escrow_deposit", "vesting.created"});
}

TEST_CASE("sale: every purchase rule refuses with its reason and moves nothing", "[sale]") {
  TestChain t;
  auto expect_refused = [&](const VerifiedTx& tx, const std::string& reason, size_t who = 0) {
    Snapshot before = snap(t, who);
    Receipt r = t.run(tx);
    CHECK(r.reason == reason);
    check_unchanged(t, who, before);
  };
  SECTION("unknown package") { expect_refused(buy(t, 0, 99, 1, kU128Max), "package_not_found"); }
  SECTION("above the signed maximum price") { expect_refused(buy(t, 0, 1, 2, 200 * kUsd - 1), "above_max_price"); }
  SECTION("before the window") { expect_refused(buy(t, 0, 3, 1, kU128Max), "sale_not_started"); }
  SECTION("after the window") {
    t.produce({}, 2500);
    expect_refused(buy(t, 0, 3, 1, kU128Max), "sale_ended");
  }
  SECTION("inside the window") {
    t.produce({}, 1200);
    CHECK(t.run(buy(t, 0, 3, 1, kU128Max)).ok());
  }
  SECTION("per-account cap") {
    CHECK(t.run(buy(t, 0, 2, 2, kU128Max)).ok());
    expect_refused(buy(t, 0, 2, 1, kU128Max), "account_cap_reached");
  }
  SECTION("supply cap") {
    CHECK(t.run(buy(t, 0, 2, 2, kU128Max)).ok());
    expect_refused(buy(t, 1, 2, 2, kU128Max), "sold_out", 1);
    CHECK(t.run(buy(t, 1, 2, 1, kU128Max)).ok());
    expect_refused(buy(t, 2, 2, 1, kU128Max), "sold_out", 2);
  }
  SECTION("payment balance") {
    // kStartUsd is 50,000 USDV: 501 Linear packages cost 50,100.
    expect_refused(buy(t, 0, 1, 501, kU128Max), "insufficient_payment");
  }
  SECTION("self-referral") { expect_refused(buy(t, 0, 1, 1, kU128Max, t.addrs[0]), "self_referral"); }
  SECTION("referrer who never bought") {
    expect_refused(buy(t, 0, 1, 1, kU128Max, t.addrs[1]), "referrer_not_buyer");
  }
  SECTION("zero quantity is refused before a block") {
    Status s = t.contracts.sale.check(sale::kPurchaseKind, sale::Purchase{1, 0, kU128Max, {}}.encode());
    CHECK(s.reason == "zero_quantity");
  }
  SECTION("paused by the admin") {
    auto pkg = *sale::package(t.chain->store(), 1);
    sale::PackageUpdate u{1, pkg.price, pkg.start, pkg.end, pkg.supply_cap, pkg.account_cap, true};
    CHECK(t.run(t.sign_key(test_key("admin"), sale::kUpdatePackageKind, u.encode())).ok());
    expect_refused(buy(t, 0, 1, 1, kU128Max), "package_paused");
  }
}

TEST_CASE("sale: inventory exhausted", "[sale]") {
  TestChain t;
  // Move all but 1000 VEST out of the treasury (the treasury pays its own fee).
  Amount keep = 1000 * kVest;
  auto drain = t.sign_key(test_key("treasury"), bank::kTransferKind,
                          bank::Transfer{t.addrs[2], "VEST", kTreasuryVest - keep - kMinFee}.encode());
  REQUIRE(t.run(drain).ok());
  CHECK(t.balance_of(treasury_address()) == keep);
  Snapshot before = snap(t, 0);
  Receipt r = t.run(buy(t, 0, 1, 1, kU128Max));
  CHECK(r.reason == "inventory_exhausted");
  check_unchanged(t, 0, before);
}

TEST_CASE("sale: admin rules", "[sale]") {
  TestChain t;
  auto pkg = *sale::package(t.chain->store(), 1);
  sale::PackageUpdate u{1, 1 * kUsd, pkg.start, pkg.end, pkg.supply_cap, pkg.account_cap, false};
  CHECK(t.run(t.sign(0, sale::kUpdatePackageKind, u.encode())).reason == "not_sale_admin");
  CHECK(sale::package(t.chain->store(), 1)->price == pkg.price);

  sale::Package fresh = pkg;
  fresh.id = 7;
  fresh.name = "Flash";
  CHECK(t.run(t.sign(0, sale::kCreatePackageKind, fresh.encode())).reason == "not_sale_admin");
  CHECK(t.run(t.sign_key(test_key("admin"), sale::kCreatePackageKind, fresh.encode())).ok());
  CHECK(sale::package(t.chain->store(), 7)->name == "Flash");
  CHECK(t.run(t.sign_key(test_key("admin"), sale::kCreatePackageKind, fresh.encode())).reason == "package_exists");

  // A price change applies to later purchases, never to positions already made.
  REQUIRE(t.run(buy(t, 0, 1, 1, kU128Max)).ok());
  auto first = sale::purchase(t.chain->store(), 1);
  CHECK(t.run(t.sign_key(test_key("admin"), sale::kUpdatePackageKind, u.encode())).ok());
  REQUIRE(t.run(buy(t, 1, 1, 1, kU128Max)).ok());
  CHECK(sale::purchase(t.chain->store(), 1)->cost == first->cost);
  CHECK(sale::purchase(t.chain->store(), 2)->cost == 1 * kUsd);
  // An invalid update is refused.
  sale::PackageUpdate bad{1, 0, pkg.start, pkg.end, 0, 0, false};
  CHECK(t.run(t.sign_key(test_key("admin"), sale::kUpdatePackageKind, bad.encode())).reason == "bad_package");
}

TEST_CASE("sale: tiers add bonus by trailing spend, and lapse", "[sale]") {
  TestChain t;
  // 10 Linear packages = 1000 USDV: Advocate from the next purchase on.
  Receipt r = t.run(buy(t, 0, 1, 10, kU128Max));
  REQUIRE(r.ok());
  bool tier_event = false;
  for (const Event& e : r.events) tier_event = tier_event || e.type == "sale.tier_changed";
  CHECK(tier_event);
  auto cfg = *sale::config(t.chain->store());
  CHECK(sale::tier_for(cfg, sale::spend_in_window(t.chain->store(), cfg, t.addrs[0], t.chain->head().time)) == 1);

  REQUIRE(t.run(buy(t, 0, 1, 1, kU128Max)).ok());
  auto rec = *sale::purchase(t.chain->store(), 2);
  CHECK(rec.tier == 1);
  CHECK(rec.tier_bonus == 20 * kVest);  // 2% of 1000 VEST
  auto pos = *vesting::get_position(t.chain->store(), rec.position_id);
  CHECK(pos.total == 120 * kVest);  // 10% package bonus + 2% tier bonus

  // 1000 s later the first spend has left the window: back to Enthusiast.
  t.produce({}, 1000);
  REQUIRE(t.run(buy(t, 0, 1, 1, kU128Max)).ok());
  CHECK(sale::purchase(t.chain->store(), 3)->tier == 0);
}

TEST_CASE("sale: referral rewards vest for the referrer", "[sale]") {
  TestChain t;
  REQUIRE(t.run(buy(t, 1, 1, 1, kU128Max)).ok());  // account 1 becomes a buyer
  Receipt r = t.run(buy(t, 0, 1, 2, kU128Max, t.addrs[1]));
  REQUIRE(r.ok());
  auto rec = *sale::purchase(t.chain->store(), 2);
  CHECK(rec.referral_reward == 100 * kVest);  // 5% of 2000 VEST base
  auto pos = *vesting::get_position(t.chain->store(), rec.referral_position_id);
  CHECK(pos.beneficiary == t.addrs[1]);
  CHECK(pos.origin == vesting::Origin::kReferral);
  CHECK(pos.revocable);
  CHECK(pos.funder == treasury_address());
  bool referral_event = false;
  for (const Event& e : r.events) referral_event = referral_event || e.type == "sale.referral";
  CHECK(referral_event);
}

TEST_CASE("sale: a quote is exactly what the purchase does", "[sale]") {
  TestChain t;
  REQUIRE(t.run(buy(t, 1, 1, 1, kU128Max)).ok());
  REQUIRE(t.run(buy(t, 0, 1, 10, kU128Max)).ok());  // reach Advocate
  Head h = t.chain->head();
  BlockEnv env{kTestChainId, h.height + 1, h.time + 10, address_of(t.validator)};
  sale::Purchase p{1, 3, kU128Max, t.addrs[1]};
  sale::Plan plan;
  REQUIRE(sale::plan_purchase(t.chain->store(), env, t.addrs[0], p, plan).ok());
  REQUIRE(t.run(t.sign(0, sale::kPurchaseKind, p.encode()), 10).ok());
  auto rec = *sale::purchase(t.chain->store(), 3);
  CHECK(rec.cost == plan.cost);
  CHECK(rec.base == plan.base);
  CHECK(rec.bonus == plan.bonus);
  CHECK(rec.tier_bonus == plan.tier_bonus);
  CHECK(rec.tier == plan.tier);
  CHECK(rec.referral_reward == plan.referral_reward);
}
