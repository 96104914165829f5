// Purchases, referrals and usage milestones over a real chain, driven by
// signed transactions. The test sale (tests/util/chain_fixture.h) plus:
//   5 Loyal       100 USDV, 100 VEST base, 100 VEST bonus: half once 2 more units are
//                 bought, half once 300 USDV more are spent
//   6 Ambassador   10 USDV, 10 VEST base, 10 VEST bonus: all once 2 new buyers name the holder
//   7 Learner      10 USDV, 10 VEST base, 10 VEST bonus: 40% once courses_completed grows
//                 by 10, 60% at 1000 s
//   8 Bulk          1 USDV, 1 VEST base, 1 VEST bonus: all once 100 more units are bought
// and the usage metric courses_completed, reported by account 2.
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

constexpr size_t kReporter = 2;

js::object package(uint32_t id, const char* name, Amount usd, Amount vest, js::array parts) {
  return js::object{{"id", id},
                    {"name", name},
                    {"price", js::object{{"asset", "USDV"}, {"amount", to_decimal(usd * kUsd)}}},
                    {"base", to_decimal(vest * kVest)},
                    {"bonus", js::object{{"amount", to_decimal(vest * kVest)}}},
                    {"schedule", js::object{{"parts", std::move(parts)}}}};
}

TestChain milestone_chain(size_t accounts = 7) {
  return TestChain(accounts, [](js::object& g) {
    const Address reporter = address_of(test_key("account " + std::to_string(kReporter)));
    g["vesting"].as_object()["metrics"] =
        js::array{js::object{{"name", "courses_completed"}, {"reporter", to_checksum(reporter)}}};
    auto& pkgs = g["sale"].as_object()["packages"].as_array();
    pkgs.push_back(package(5, "Loyal", 100, 100,
                           js::array{js::object{{"type", "purchases"}, {"bps", 5000}, {"units", 2}},
                                     js::object{{"type", "purchases"}, {"bps", 5000},
                                                {"spend", to_decimal(300 * kUsd)}}}));
    pkgs.push_back(package(6, "Ambassador", 10, 10,
                           js::array{js::object{{"type", "referrals"}, {"bps", 10000}, {"buyers", 2}}}));
    pkgs.push_back(package(7, "Learner", 10, 10,
                           js::array{js::object{{"type", "usage"}, {"bps", 4000}, {"metric", "courses_completed"},
                                                {"target", 10}},
                                     js::object{{"type", "tranche"}, {"bps", 6000}, {"time", 1000}}}));
    pkgs.push_back(package(8, "Bulk", 1, 1,
                           js::array{js::object{{"type", "purchases"}, {"bps", 10000}, {"units", 100}}}));
  });
}

VerifiedTx buy(TestChain& t, size_t who, uint32_t package, uint64_t qty = 1,
               std::optional<Address> referrer = std::nullopt) {
  sale::Purchase p{package, qty, kU128Max, referrer};
  return t.sign(who, sale::kPurchaseKind, p.encode());
}

VerifiedTx report(TestChain& t, size_t who, const Address& holder, uint64_t value,
                  std::string metric = "courses_completed") {
  return t.sign(who, vesting::kReportUsageKind, vesting::ReportUsage{std::move(metric), holder, value}.encode());
}

std::vector<const Event*> events_of(const Receipt& r, const std::string& type) {
  std::vector<const Event*> out;
  for (const Event& e : r.events)
    if (e.type == type) out.push_back(&e);
  return out;
}

std::string field(const Event& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name) return v;
  return "";
}

// The bonus position the purchase with receipt `r` created.
uint64_t bought_position(const Receipt& r) {
  for (const Event& e : r.events)
    if (e.type == "vesting.created" && field(e, "origin") == "purchase") return std::stoull(field(e, "id"));
  FAIL("no purchase position");
  return 0;
}

vesting::Position pos(TestChain& t, uint64_t id) {
  auto p = vesting::get_position(t.chain->store(), id);
  REQUIRE(p);
  return *p;
}

staking::PositionStatus status(TestChain& t, uint64_t id) {
  return staking::position_status(t.chain->store(), pos(t, id), t.chain->head().time, 8);
}

vesting::CountProgress progress(TestChain& t, uint64_t id, size_t k) {
  auto st = status(t, id);
  REQUIRE(st.counts.size() > k);
  return st.counts[k];
}

Amount count(TestChain& t, size_t who, vesting::Count c, std::string metric = "") {
  return vesting::count_value(t.chain->store(), t.addrs[who], {c, std::move(metric)});
}

}  // namespace

TEST_CASE("milestones: a purchases part vests at the block the holder's later purchases reach it, once",
          "[vesting][milestones]") {
  TestChain t = milestone_chain();
  // Purchases before the position exist do not count toward it.
  REQUIRE(t.run(buy(t, 0, 2)).ok());
  const Receipt created = t.run(buy(t, 0, 5));
  REQUIRE(created.ok());
  const uint64_t id = bought_position(created);
  CHECK(pos(t, id).counted_from == std::vector<Amount>{2, 150 * kUsd});  // this purchase included
  CHECK(progress(t, id, 0).done == 0);
  CHECK(progress(t, id, 0).target == 2);
  CHECK(progress(t, id, 1).done == 0);
  CHECK(status(t, id).vested == 0);

  // One more unit: 1 of 2.
  Receipt r1 = t.run(buy(t, 0, 2));
  REQUIRE(r1.ok());
  CHECK(events_of(r1, "vesting.milestone_met").empty());
  CHECK(progress(t, id, 0).done == 1);
  CHECK(progress(t, id, 1).done == 50 * kUsd);

  // The second: the units half vests in this block, with its event.
  Receipt r2 = t.run(buy(t, 0, 1));
  REQUIRE(r2.ok());
  const uint64_t met_time = t.chain->head().time;
  auto met = events_of(r2, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(field(*met[0], "id") == std::to_string(id));
  CHECK(field(*met[0], "part") == "0");
  CHECK(field(*met[0], "type") == "purchases");
  CHECK(field(*met[0], "amount") == to_decimal(50 * kVest));
  CHECK(field(*met[0], "metAt") == std::to_string(met_time));
  CHECK(pos(t, id).milestones_met[0] == met_time);
  CHECK(status(t, id).vested == 50 * kVest);
  CHECK(progress(t, id, 1).done == 150 * kUsd);  // 50 + 100 USDV of 300

  // More purchases never meet it again; the spend half follows at 300 USDV.
  Receipt r3 = t.run(buy(t, 0, 1, 1));
  REQUIRE(r3.ok());
  CHECK(events_of(r3, "vesting.milestone_met").empty());
  CHECK(progress(t, id, 1).done == 250 * kUsd);
  Receipt r4 = t.run(buy(t, 0, 1));
  met = events_of(r4, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(field(*met[0], "part") == "1");
  CHECK(pos(t, id).milestones_met == std::vector<std::optional<uint64_t>>{met_time, t.chain->head().time});
  CHECK(status(t, id).vested == 100 * kVest);
  CHECK(pos(t, id).milestones_met[0] == met_time);  // never moved

  // The holder claims it all.
  REQUIRE(t.run(t.sign(0, vesting::kClaimKind, vesting::Claim{{id}}.encode())).ok());
  CHECK(pos(t, id).released == 100 * kVest);
  CHECK(bank::check_supply(t.chain->store()) == "");
}

TEST_CASE("milestones: a referrals part counts distinct new buyers naming the holder after it was created",
          "[vesting][milestones]") {
  TestChain t = milestone_chain();
  REQUIRE(t.run(buy(t, 0, 2)).ok());                 // account 0 can refer from now on
  REQUIRE(t.run(buy(t, 4, 2)).ok());                 // account 4 is a buyer already
  REQUIRE(t.run(buy(t, 1, 2, 1, t.addrs[0])).ok());  // a new buyer before the position: not counted for it
  CHECK(count(t, 0, vesting::Count::kReferrals) == 1);
  const Receipt created = t.run(buy(t, 0, 6));
  const uint64_t id = bought_position(created);
  CHECK(pos(t, id).counted_from == std::vector<Amount>{1});
  CHECK(progress(t, id, 0).done == 0);

  // Account 1 again: counted once, ever.
  Receipt again = t.run(buy(t, 1, 1, 1, t.addrs[0]));
  REQUIRE(again.ok());
  CHECK(events_of(again, "vesting.counted").size() == 2);  // its own units and spend, no referral
  CHECK(count(t, 0, vesting::Count::kReferrals) == 1);
  // Account 4 had bought before: not a new buyer.
  REQUIRE(t.run(buy(t, 4, 1, 1, t.addrs[0])).ok());
  CHECK(count(t, 0, vesting::Count::kReferrals) == 1);
  // Account 0 naming itself is refused and counts nothing.
  Receipt self = t.run(buy(t, 0, 1, 1, t.addrs[0]));
  CHECK(self.reason == "self_referral");
  // A module account cannot refer.
  Receipt module = t.run(buy(t, 5, 1, 1, vesting::escrow_address()));
  CHECK(module.reason == "module_account");
  CHECK(count(t, 0, vesting::Count::kReferrals) == 1);
  CHECK(count(t, 5, vesting::Count::kUnits) == 0);  // the refused purchase counted nothing
  CHECK(progress(t, id, 0).done == 0);

  // Two new buyers: 1 of 2, then met at the second's block.
  Receipt first = t.run(buy(t, 3, 1, 1, t.addrs[0]));
  REQUIRE(first.ok());
  CHECK(progress(t, id, 0).done == 1);
  CHECK(events_of(first, "vesting.milestone_met").empty());
  Receipt second = t.run(buy(t, 5, 1, 1, t.addrs[0]));
  REQUIRE(second.ok());
  auto met = events_of(second, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(field(*met[0], "type") == "referrals");
  CHECK(pos(t, id).milestones_met[0] == t.chain->head().time);
  CHECK(status(t, id).vested == 10 * kVest);
  CHECK(bank::check_supply(t.chain->store()) == "");
}

TEST_CASE("milestones: only a metric's reporter records usage, values only grow, the admin rotates the reporter",
          "[vesting][milestones]") {
  TestChain t = milestone_chain();
  const uint64_t id = bought_position(t.run(buy(t, 0, 7)));
  CHECK(progress(t, id, 0).target == 10);

  // A stranger: refused, nothing recorded.
  Receipt stranger = t.run(report(t, 1, t.addrs[0], 10));
  CHECK(stranger.code == 313);
  CHECK(stranger.reason == "not_reporter");
  CHECK(stranger.message == "only " + to_checksum(t.addrs[kReporter]) + " reports courses_completed");
  CHECK(count(t, 0, vesting::Count::kUsage, "courses_completed") == 0);
  CHECK(vesting::count_reached_at(t.chain->store(), t.addrs[0], {vesting::Count::kUsage, "courses_completed"}, 1) ==
        std::nullopt);

  // The reporter: 4 of 10.
  Receipt four = t.run(report(t, kReporter, t.addrs[0], 4));
  REQUIRE(four.ok());
  auto counted = events_of(four, "vesting.counted");
  REQUIRE(counted.size() == 1);
  CHECK(field(*counted[0], "metric") == "courses_completed");
  CHECK(field(*counted[0], "value") == "4");
  CHECK(field(*counted[0], "previous") == "0");
  CHECK(field(*counted[0], "reporter") == to_checksum(t.addrs[kReporter]));
  CHECK(progress(t, id, 0).done == 4);
  CHECK(status(t, id).vested == 0);

  // Lower or equal values, unknown metrics, module accounts: refused, state unchanged.
  CHECK(t.run(report(t, kReporter, t.addrs[0], 4)).reason == "usage_not_increased");
  CHECK(t.run(report(t, kReporter, t.addrs[0], 3)).reason == "usage_not_increased");
  CHECK(t.run(report(t, kReporter, t.addrs[0], 50, "months_subscribed")).reason == "unknown_metric");
  CHECK(t.run(report(t, kReporter, vesting::escrow_address(), 5)).reason == "module_account");
  CHECK(count(t, 0, vesting::Count::kUsage, "courses_completed") == 4);

  // Only the sale admin rotates the reporter.
  const sale::SetReporter to3{"courses_completed", t.addrs[3]};
  Receipt not_admin = t.run(t.sign(kReporter, sale::kSetReporterKind, to3.encode()));
  CHECK(not_admin.reason == "not_sale_admin");
  Receipt rotated = t.run(t.sign_key(test_key("admin"), sale::kSetReporterKind, to3.encode()));
  REQUIRE(rotated.ok());
  auto changed = events_of(rotated, "vesting.reporter_changed");
  REQUIRE(changed.size() == 1);
  CHECK(field(*changed[0], "from") == to_checksum(t.addrs[kReporter]));
  CHECK(field(*changed[0], "to") == to_checksum(t.addrs[3]));
  CHECK(vesting::metric_reporter(t.chain->store(), "courses_completed") == t.addrs[3]);
  CHECK(t.run(t.sign_key(test_key("admin"), sale::kSetReporterKind, to3.encode())).reason == "bad_reporter");
  CHECK(t.run(t.sign_key(test_key("admin"), sale::kSetReporterKind,
                         sale::SetReporter{"courses_completed", vesting::escrow_address()}.encode()))
            .reason == "bad_reporter");

  // The rotated-out key is refused; the new one reaches 10 more than when the position was created.
  Receipt old_key = t.run(report(t, kReporter, t.addrs[0], 12));
  CHECK(old_key.reason == "not_reporter");
  CHECK(count(t, 0, vesting::Count::kUsage, "courses_completed") == 4);
  REQUIRE(t.run(report(t, 3, t.addrs[0], 9)).ok());
  CHECK(status(t, id).vested == 0);
  Receipt ten = t.run(report(t, 3, t.addrs[0], 10));
  auto met = events_of(ten, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(field(*met[0], "type") == "usage");
  CHECK(field(*met[0], "amount") == to_decimal(4 * kVest));
  CHECK(status(t, id).vested == 4 * kVest);
  CHECK(t.run(report(t, 3, t.addrs[0], 30)).ok());
  CHECK(pos(t, id).milestones_met[0] == t.chain->head().time - 10);  // met once, at 10
}

TEST_CASE("milestones: offered grants wait for no count until accepted, and their counts start there",
          "[vesting][milestones]") {
  TestChain t = milestone_chain();
  // Account 1 offers account 0 twenty grants that vest on account 0's purchases.
  vesting::Schedule s{{vesting::Part::purchase_units(10000, 1)}};
  std::vector<VerifiedTx> grants;
  for (int i = 0; i < 20; ++i)
    grants.push_back(
        t.sign(1, vesting::kGrantKind, vesting::Grant{t.addrs[0], "VEST", 10 * kVest, vesting::encode(s), false, 0}.encode()));
  auto out = t.produce(grants);
  REQUIRE(out.receipts.size() == 20);
  for (const Receipt& r : out.receipts) REQUIRE(r.ok());
  const uint64_t first = std::stoull(field(*events_of(out.receipts[0], "vesting.created")[0], "id"));

  // Account 0 buys: its purchase walks none of them.
  Receipt bought = t.run(buy(t, 0, 2));
  REQUIRE(bought.ok());
  CHECK(events_of(bought, "vesting.milestone_met").empty());
  CHECK(status(t, first).vested == 0);

  // Accepting one starts its count at account 0's units now (1): the next unit meets it.
  REQUIRE(t.run(t.sign(0, vesting::kAcceptKind, vesting::Accept{{first}}.encode())).ok());
  CHECK(pos(t, first).counted_from == std::vector<Amount>{1});
  Receipt next = t.run(buy(t, 0, 2));
  auto met = events_of(next, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(field(*met[0], "id") == std::to_string(first));
  CHECK(status(t, first).vested == 10 * kVest);
  CHECK(status(t, first + 1).vested == 0);
}

TEST_CASE("milestones: one raise settles at most 64 waiting parts, the rest count as met and settle later",
          "[vesting][milestones]") {
  TestChain t = milestone_chain(2);
  // 70 Bulk positions, each waiting for 100 more units than when it was bought.
  std::vector<VerifiedTx> buys;
  for (int i = 0; i < 70; ++i) buys.push_back(buy(t, 0, 8));
  auto out = t.produce(buys);
  std::vector<uint64_t> ids;
  for (const Receipt& r : out.receipts) {
    REQUIRE(r.ok());
    ids.push_back(bought_position(r));
  }
  CHECK(count(t, 0, vesting::Count::kUnits) == 70);

  // 200 units at once reach every threshold (101 .. 170).
  Receipt bulk = t.run(buy(t, 0, 1, 200));
  REQUIRE(bulk.ok());
  const uint64_t met_time = t.chain->head().time;
  CHECK(events_of(bulk, "vesting.milestone_met").size() == vesting::kMaxSettledPerRaise);
  size_t recorded = 0;
  for (uint64_t id : ids) {
    recorded += pos(t, id).milestones_met[0].has_value();
    // Every one reads as met at the block that met it, recorded or not.
    auto st = status(t, id);
    CHECK(st.position.milestones_met[0] == met_time);
    CHECK(st.vested == 1 * kVest);
  }
  CHECK(recorded == vesting::kMaxSettledPerRaise);

  // A claim of everything settles the rest, with their events and the same met time.
  Receipt claim = t.run(t.sign(0, vesting::kClaimKind, vesting::Claim{}.encode()));
  REQUIRE(claim.ok());
  auto late = events_of(claim, "vesting.milestone_met");
  CHECK(late.size() == 70 - vesting::kMaxSettledPerRaise);
  for (const Event* e : late) CHECK(field(*e, "metAt") == std::to_string(met_time));
  for (uint64_t id : ids) {
    CHECK(pos(t, id).milestones_met[0] == met_time);
    CHECK(pos(t, id).released == 1 * kVest);
  }
  CHECK(bank::check_supply(t.chain->store()) == "");
}

TEST_CASE("milestones: a revoked position stops waiting, and usage parts need a known metric", "[vesting][milestones]") {
  TestChain t = milestone_chain();
  // A revocable grant to oneself with a usage part, revoked before the metric moves.
  vesting::Schedule s{{vesting::Part::usage(10000, "courses_completed", 1)}};
  Receipt g = t.run(
      t.sign(0, vesting::kGrantKind, vesting::Grant{t.addrs[0], "VEST", 10 * kVest, vesting::encode(s), true, 0}.encode()));
  REQUIRE(g.ok());
  const uint64_t id = std::stoull(field(*events_of(g, "vesting.created")[0], "id"));
  REQUIRE(t.run(t.sign(0, vesting::kRevokeKind, vesting::Revoke{id}.encode())).ok());
  Receipt later = t.run(report(t, kReporter, t.addrs[0], 5));
  REQUIRE(later.ok());
  CHECK(events_of(later, "vesting.milestone_met").empty());
  CHECK(status(t, id).vested == 0);

  // A grant or a package naming a metric the chain does not have is refused.
  vesting::Schedule unknown{{vesting::Part::usage(10000, "months_subscribed", 1)}};
  Receipt bad = t.run(t.sign(
      0, vesting::kGrantKind, vesting::Grant{t.addrs[1], "VEST", 10 * kVest, vesting::encode(unknown), false, 0}.encode()));
  CHECK(bad.reason == "unknown_metric");
  CHECK(bad.message == "parts[0].metric: no usage metric months_subscribed on this chain");
  sale::Package p = *sale::package(t.chain->store(), 7);
  p.id = 9;
  p.schedule = unknown;
  Receipt pkg = t.run(t.sign_key(test_key("admin"), sale::kCreatePackageKind, p.encode()));
  CHECK(pkg.reason == "bad_package");
  CHECK_FALSE(sale::package(t.chain->store(), 9));
}
