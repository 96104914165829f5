// The read models behind the account subscription's notices: the schedule
// parts with a step at a time, the steps of an account's positions reached
// in a stretch of block time, and when a tier lapses. The test sale is
// described in tests/contracts/sale_test.cpp.
#include <catch2/catch.hpp>

#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/schedule.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;
using vesting::Part;
using vesting::PartStep;
using vesting::StepKind;

namespace {

VerifiedTx buy(TestChain& t, size_t who, uint32_t package, uint64_t qty, Amount max_price) {
  return t.sign(who, sale::kPurchaseKind, sale::Purchase{package, qty, max_price, std::nullopt}.encode());
}

}  // namespace

TEST_CASE("schedule: steps_at names each part with a step at a time", "[vesting]") {
  vesting::Schedule s{{Part::linear(2000, 10, 110, 50), Part::tranche(2000, 50), Part::periodic(2000, 0, 25, 4),
                       Part::stake(2000, 100, 30), Part::linear(2000, 0, 50)}};
  REQUIRE(vesting::validate(s).ok());
  const uint64_t anchor = 1000;
  const std::vector<std::optional<uint64_t>> met{anchor + 50};
  CHECK(vesting::steps_at(s, anchor, anchor + 50, met) ==
        std::vector<PartStep>{{0, StepKind::kCliff}, {1, StepKind::kTranche}, {2, StepKind::kPeriod},
                              {3, StepKind::kMilestone}, {4, StepKind::kLinearEnd}});
  CHECK(vesting::steps_at(s, anchor, anchor + 110, met) == std::vector<PartStep>{{0, StepKind::kLinearEnd}});
  CHECK(vesting::steps_at(s, anchor, anchor + 100, met) == std::vector<PartStep>{{2, StepKind::kPeriod}});
  CHECK(vesting::steps_at(s, anchor, anchor + 125, met).empty());  // after the last period
  CHECK(vesting::steps_at(s, anchor, anchor + 0, met).empty());    // a linear part without a cliff has no step at its start
  CHECK(vesting::steps_at(s, anchor, anchor - 1, met).empty());
  CHECK(std::string(vesting::step_kind_name(StepKind::kLinearEnd)) == "linearEnd");
}

TEST_CASE("staking: unlocks_reached lists the steps of a stretch once, a new position's from its start",
          "[staking]") {
  TestChain t;
  // Tranche: 7 VEST of bonus, 30% at +100 s, 70% at +200 s.
  REQUIRE(t.run(buy(t, 0, 2, 1, 50 * kUsd)).ok());
  const uint64_t anchor = t.chain->head().time;
  const Address a = t.addrs[0];
  const auto& state = t.chain->store();
  CHECK(staking::unlocks_reached(state, a, anchor - 10, anchor, 8).empty());
  auto first = staking::unlocks_reached(state, a, anchor + 90, anchor + 105, 8);
  REQUIRE(first.size() == 1);
  CHECK(first[0].time == anchor + 100);
  CHECK(first[0].amount == 7 * kVest * 3 / 10);
  CHECK(first[0].asset == "VEST");
  CHECK(first[0].parts == std::vector<PartStep>{{0, StepKind::kTranche}});
  CHECK(first[0].claimable == 7 * kVest * 3 / 10);
  // Adjacent stretches split the steps between them: none twice, none lost.
  CHECK(staking::unlocks_reached(state, a, anchor + 100, anchor + 150, 8).empty());
  auto both = staking::unlocks_reached(state, a, anchor + 50, anchor + 250, 8);
  REQUIRE(both.size() == 2);
  CHECK(both[1].time == anchor + 200);
  CHECK(both[0].amount + both[1].amount == 7 * kVest);
  CHECK(staking::unlocks_reached(state, a, anchor + 50, anchor + 250, 1).size() == 1);
  CHECK(staking::unlocks_reached(state, t.addrs[1], anchor, anchor + 1000, 8).empty());
}

TEST_CASE("sale: tier_lapse is when spend leaving the window drops the tier, within the horizon", "[sale]") {
  TestChain t;  // tiers at 0, 1000 and 5000 USDV in a 1000-second window
  const Address a = t.addrs[0];
  auto cfg = *sale::config(t.chain->store());
  CHECK_FALSE(sale::tier_lapse(t.chain->store(), cfg, a, t.chain->head().time, 100000));  // tier 0 cannot fall

  REQUIRE(t.run(buy(t, 0, 4, 1, 1000 * kUsd)).ok());  // 1000 USDV: Advocate
  const uint64_t t1 = t.chain->head().time;
  REQUIRE(t.run(buy(t, 0, 2, 1, 50 * kUsd), 10).ok());  // 1050 USDV
  const uint64_t t2 = t.chain->head().time;
  REQUIRE(t2 == t1 + 10);
  const auto& state = t.chain->store();
  auto lapse = sale::tier_lapse(state, cfg, a, t2, 990);
  REQUIRE(lapse);
  CHECK(*lapse == sale::TierLapse{t1 + 1000, 1, 0, 50 * kUsd});
  // Just outside the horizon: none yet.
  CHECK_FALSE(sale::tier_lapse(state, cfg, a, t2, 989));
  // At the lapse itself the tier has fallen; from then on tier 0 cannot fall.
  CHECK(sale::tier_status(state, cfg, a, t1 + 1000).index == 0);
  CHECK_FALSE(sale::tier_lapse(state, cfg, a, t1 + 1000, 100000));

  // A later purchase keeps the tier when the first leaves: the lapse moves to
  // when the spend really drops below 1000.
  REQUIRE(t.run(buy(t, 0, 4, 1, 1000 * kUsd), 10).ok());
  const uint64_t t3 = t.chain->head().time;
  auto moved = sale::tier_lapse(t.chain->store(), cfg, a, t3, 5000);
  REQUIRE(moved);
  CHECK(moved->time == t3 + 1000);
  CHECK(moved->from == 1);
  CHECK(moved->to == 0);
  CHECK(moved->spend_after == 0);
}
