// The staking contract over a real chain. Test parameters (chain_fixture.h):
// unbonding 100 s, at most 3 unbonding entries, 1 VEST per second of rewards,
// 20% of fees to the reward pool, which starts with 1,000,000 VEST.
#include <catch2/catch.hpp>
#include <random>

#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;

namespace {

VerifiedTx stake(TestChain& t, size_t who, Amount amount) {
  return t.sign(who, staking::kStakeKind, staking::AmountMsg{amount}.encode());
}
VerifiedTx unstake(TestChain& t, size_t who, Amount amount) {
  return t.sign(who, staking::kUnstakeKind, staking::AmountMsg{amount}.encode());
}
VerifiedTx claim_rewards(TestChain& t, size_t who, bool restake = false) {
  return t.sign(who, staking::kClaimRewardsKind, staking::ClaimRewards{restake}.encode());
}
VerifiedTx buy(TestChain& t, size_t who, uint32_t package) {
  return t.sign(who, sale::kPurchaseKind, sale::Purchase{package, 1, kU128Max, {}}.encode());
}
VerifiedTx claim(TestChain& t, size_t who) {
  return t.sign(who, vesting::kClaimKind, vesting::Claim{}.encode());
}

staking::Account acct(TestChain& t, size_t who) { return staking::account(t.chain->store(), t.addrs[who]); }

}  // namespace

TEST_CASE("staking: liquid tokens bond into the pool and unbond after the period", "[staking]") {
  TestChain t;
  Amount before = t.balance(0);
  REQUIRE(t.run(stake(t, 0, 500 * kVest)).ok());
  CHECK(t.balance(0) == before - 500 * kVest - kMinFee);
  CHECK(acct(t, 0).free == 500 * kVest);
  CHECK(t.balance_of(staking::bonded_pool_address()) == 500 * kVest);
  CHECK(staking::global(t.chain->store()).total == 500 * kVest);

  REQUIRE(t.run(unstake(t, 0, 200 * kVest), 10).ok());
  uint64_t unstaked_at = t.chain->head().time;
  CHECK(acct(t, 0).free == 300 * kVest);
  CHECK(acct(t, 0).unbonding_free == 200 * kVest);
  auto entries = staking::unbondings(t.chain->store(), t.addrs[0]);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].maturity == unstaked_at + 100);

  Amount mid = t.balance(0);
  t.produce({}, 99);  // one second before maturity
  CHECK(t.balance(0) == mid);
  t.produce({}, 1);  // at maturity: returned at the start of the block
  CHECK(t.balance(0) == mid + 200 * kVest);
  CHECK(acct(t, 0).unbonding_free == 0);
  CHECK(staking::unbondings(t.chain->store(), t.addrs[0]).empty());
}

TEST_CASE("staking: every refusal has its reason and moves nothing", "[staking]") {
  TestChain t;
  Amount before = t.balance(0);
  CHECK(t.run(stake(t, 0, kStartVest)).reason == "insufficient_stakeable");
  CHECK(t.run(unstake(t, 0, 1)).reason == "insufficient_stake");
  CHECK(t.run(claim_rewards(t, 0)).reason == "no_rewards");
  CHECK(t.balance(0) == before - 3 * kMinFee);
  CHECK(t.contracts.staking.check(staking::kStakeKind, staking::AmountMsg{0}.encode()).reason == "zero_amount");
  // Unbonding entries are bounded.
  REQUIRE(t.run(stake(t, 0, 10 * kVest)).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(t.run(unstake(t, 0, kVest)).ok());
  CHECK(t.run(unstake(t, 0, kVest)).reason == "too_many_unbonding");
  CHECK(acct(t, 0).free == 7 * kVest);
}

TEST_CASE("staking: still-vesting tokens are bonded first", "[staking]") {
  TestChain t;
  // Linear package: 1000 VEST base, 100 VEST bonus vesting linearly 0..1000 s, cliff 100 s.
  REQUIRE(t.run(buy(t, 0, 1)).ok());
  Amount liquid = t.balance(0);
  REQUIRE(t.run(stake(t, 0, 150 * kVest), 1).ok());
  // Before the cliff all 100 VEST are unvested: those bond first, the rest is liquid.
  Amount unvested = 100 * kVest;
  CHECK(acct(t, 0).vesting == unvested);
  CHECK(acct(t, 0).free == 150 * kVest - unvested);
  CHECK(t.balance(0) == liquid - (150 * kVest - unvested) - kMinFee);

  SECTION("claiming bonded vesting tokens keeps them bonded") {
    Amount bal = t.balance(0);
    REQUIRE(t.run(claim(t, 0), 2000).ok());  // all 100 VEST vested and claimed
    // The claimed tokens were bonded: they move to the pool, not to the balance.
    CHECK(acct(t, 0).vesting == 0);
    CHECK(acct(t, 0).free == 150 * kVest);
    CHECK(t.balance(0) == bal + (100 * kVest - unvested) - kMinFee);
    CHECK(staking::global(t.chain->store()).total == 150 * kVest);
  }
  SECTION("unstaking takes liquid-backed stake first") {
    REQUIRE(t.run(unstake(t, 0, 60 * kVest)).ok());
    auto a = acct(t, 0);
    CHECK(a.unbonding_free == 150 * kVest - unvested);
    CHECK(a.unbonding_vesting == 60 * kVest - (150 * kVest - unvested));
    CHECK(a.vesting == unvested - a.unbonding_vesting);
  }
}

TEST_CASE("staking: a revocable grant from another account never backs stake, so its revoke leaves the stake alone",
          "[staking]") {
  TestChain t;
  vesting::Schedule s{{vesting::Part::linear(10000, 0, 1000)}};
  vesting::Grant g{t.addrs[1], "VEST", 1000 * kVest, vesting::encode(s), true, 0};
  REQUIRE(t.run(t.sign(0, vesting::kGrantKind, g.encode())).ok());
  REQUIRE(t.run(t.sign(1, vesting::kAcceptKind, vesting::Accept{{1}}.encode())).ok());
  Amount liquid = t.balance(1);
  REQUIRE(t.run(stake(t, 1, 900 * kVest), 0).ok());  // all liquid: the grant could be taken back
  CHECK(acct(t, 1).vesting == 0);
  CHECK(acct(t, 1).free == 900 * kVest);
  CHECK(t.balance(1) == liquid - 900 * kVest - kMinFee);
  REQUIRE(t.run(t.sign(0, vesting::kRevokeKind, vesting::Revoke{1}.encode()), 500).ok());
  CHECK(acct(t, 1).staked() == 900 * kVest);
  CHECK(staking::global(t.chain->store()).total == 900 * kVest);
  // The vested half stays claimable by the beneficiary.
  REQUIRE(t.run(claim(t, 1), 10).ok());
  CHECK(acct(t, 1).staked() == 900 * kVest);
}

TEST_CASE("staking: an offered grant's stake milestone counts from its acceptance", "[staking]") {
  TestChain t;
  REQUIRE(t.run(stake(t, 1, 100 * kVest)).ok());
  const vesting::Schedule s{{vesting::Part::stake(10000, 100 * kVest, 300)}};
  vesting::Grant g{t.addrs[1], "VEST", 50 * kVest, vesting::encode(s), false, 0};
  REQUIRE(t.run(t.sign(0, vesting::kGrantKind, g.encode())).ok());
  auto met_now = [&] {
    auto pos = *vesting::get_position(t.chain->store(), 1);
    return staking::milestones_at(t.chain->store(), pos, t.chain->head().time).at(0);
  };
  t.produce({}, 1000);
  CHECK_FALSE(met_now());  // staked long enough, but not accepted
  REQUIRE(t.run(t.sign(1, vesting::kAcceptKind, vesting::Accept{{1}}.encode()), 10).ok());
  const uint64_t accepted_at = t.chain->head().time;
  t.produce({}, 299);
  CHECK_FALSE(met_now());
  t.produce({}, 1);
  CHECK(met_now() == accepted_at + 300);
}

TEST_CASE("staking: a non-revocable accepted grant backs stake, declining it removes that stake", "[staking]") {
  TestChain t;
  vesting::Schedule s{{vesting::Part::linear(10000, 0, 1000)}};
  vesting::Grant g{t.addrs[1], "VEST", 1000 * kVest, vesting::encode(s), false, 0};
  REQUIRE(t.run(t.sign(0, vesting::kGrantKind, g.encode())).ok());
  // Offered, not accepted: it backs nothing yet.
  REQUIRE(t.run(stake(t, 1, 100 * kVest), 0).ok());
  CHECK(acct(t, 1).vesting == 0);
  REQUIRE(t.run(t.sign(1, vesting::kAcceptKind, vesting::Accept{{1}}.encode()), 0).ok());
  REQUIRE(t.run(stake(t, 1, 900 * kVest), 0).ok());
  CHECK(acct(t, 1).vesting == 900 * kVest);
  // Declining is the beneficiary's own choice: the stake it backed goes with it.
  Amount funder = t.balance(0);
  REQUIRE(t.run(t.sign(1, vesting::kDeclineKind, vesting::Decline{1}.encode()), 0).ok());
  CHECK(acct(t, 1).vesting == 0);
  CHECK(acct(t, 1).staked() == 100 * kVest);
  CHECK(t.balance(0) == funder + 1000 * kVest);
}

TEST_CASE("staking: rewards accrue pro rata, exactly, and not while nobody stakes", "[staking]") {
  TestChain t;
  const Address pool = staking::reward_pool_address();
  Amount pool_start = t.balance_of(pool);
  // Nobody stakes for 1000 s: nothing is owed, the pool only gains fee shares.
  t.produce({}, 1000);
  CHECK(staking::global(t.chain->store()).owed == 0);

  REQUIRE(t.run(stake(t, 0, 300 * kVest), 10).ok());
  REQUIRE(t.run(stake(t, 1, 100 * kVest), 0).ok());  // same second
  uint64_t t0 = t.chain->head().time;
  t.produce({}, 400);
  // 400 s at 1 VEST/s: 3/4 to account 0, 1/4 to account 1.
  CHECK(staking::pending_rewards(t.chain->store(), t.addrs[0], t0 + 400) == 300 * kVest);
  CHECK(staking::pending_rewards(t.chain->store(), t.addrs[1], t0 + 400) == 100 * kVest);

  Amount bal0 = t.balance(0);
  REQUIRE(t.run(claim_rewards(t, 0), 0).ok());
  CHECK(t.balance(0) == bal0 + 300 * kVest - kMinFee);
  REQUIRE(t.run(claim_rewards(t, 1, true), 0).ok());
  CHECK(acct(t, 1).free == 200 * kVest);  // restaked
  // What left the pool is what was paid; fee shares came in.
  CHECK(t.balance_of(pool) <= pool_start + 10 * kMinFee);
  CHECK(t.balance_of(pool) + 400 * kVest >= pool_start);
}

TEST_CASE("staking: no reward is lost or invented over many small blocks", "[staking]") {
  TestChain t;
  Amount pool_start = t.balance_of(staking::reward_pool_address());
  REQUIRE(t.run(stake(t, 0, 3 * kVest), 1).ok());
  REQUIRE(t.run(stake(t, 1, 7 * kVest + 1), 0).ok());
  REQUIRE(t.run(stake(t, 2, 11), 0).ok());  // an awkward tiny stake
  uint64_t start = t.chain->head().time;
  std::mt19937_64 rng(7);
  Amount paid = 0;
  for (int i = 0; i < 200; ++i) {
    size_t who = rng() % 3;
    Amount before = t.balance(who);
    Receipt r = t.run(claim_rewards(t, who), 1 + rng() % 7);
    if (r.ok()) paid += t.balance(who) + kMinFee - before;
  }
  uint64_t now = t.chain->head().time;
  Amount pending = 0;
  for (size_t who = 0; who < 3; ++who) pending += staking::pending_rewards(t.chain->store(), t.addrs[who], now);
  Amount emitted = static_cast<Amount>(now - start) * kVest;  // 1 VEST per second while staked
  // Paid plus still owed is the emission less rounding dust: per accrual at most
  // total_stake / 10^18 + 1 base units in the accumulator plus one per staker.
  // The dust is never owed, so it stays in the pool: nothing invented, nothing lost.
  CHECK(paid + pending <= emitted);
  CHECK(paid + pending + 201 * (10 + 1 + 3) >= emitted);
  CHECK(paid > 100 * kVest);
  auto g = staking::global(t.chain->store());
  CHECK(t.balance_of(staking::reward_pool_address()) >= g.owed);
  // Tokens: the pool lost exactly what it paid and gained 20% of the 203 fees.
  CHECK(t.balance_of(staking::reward_pool_address()) == pool_start - paid + 203 * kMinFee / 5);
}

TEST_CASE("staking: milestones unlock after staking long enough, and reset below the level", "[staking]") {
  TestChain t;
  // Stake package: 1000 VEST base, 200 VEST bonus: half at 100 s, half once
  // 100 VEST stay staked for 300 s.
  REQUIRE(t.run(buy(t, 0, 4)).ok());
  uint64_t bought = t.chain->head().time;
  REQUIRE(t.run(stake(t, 0, 100 * kVest), 10).ok());  // 100 from vesting tokens
  auto pos = [&] { return *vesting::get_position(t.chain->store(), 1); };

  SECTION("met after 300 s of stake") {
    t.produce({}, 299);
    CHECK(staking::milestones_at(t.chain->store(), pos(), t.chain->head().time)[0] == std::nullopt);
    t.produce({}, 1);
    auto met = staking::milestones_at(t.chain->store(), pos(), t.chain->head().time);
    REQUIRE(met[0]);
    CHECK(*met[0] == bought + 10 + 300);
    Amount bal = t.balance(0);
    REQUIRE(t.run(claim(t, 0), 1).ok());
    // Everything vested: 100 from the tranche, 100 from the milestone; 100 of it was bonded.
    CHECK(pos().released == 200 * kVest);
    CHECK(t.balance(0) == bal + 100 * kVest - kMinFee);
    CHECK(acct(t, 0).free == 100 * kVest);
  }
  SECTION("falling below the level restarts the clock") {
    t.produce({}, 200);
    REQUIRE(t.run(unstake(t, 0, kVest), 0).ok());  // 99 VEST staked: below 100
    REQUIRE(t.run(stake(t, 0, kVest), 50).ok());   // back to 100, the clock restarts here
    uint64_t restarted = t.chain->head().time;
    t.produce({}, 299);
    CHECK_FALSE(staking::milestones_at(t.chain->store(), pos(), t.chain->head().time)[0]);
    t.produce({}, 1);
    auto met = staking::milestones_at(t.chain->store(), pos(), t.chain->head().time);
    REQUIRE(met[0]);
    CHECK(*met[0] == restarted + 300);
  }
  SECTION("a met milestone stays met after unstaking") {
    t.produce({}, 300);
    REQUIRE(t.run(unstake(t, 0, 100 * kVest), 0).ok());  // settles milestones first
    REQUIRE(pos().milestones_met[0]);
    t.produce({}, 500);
    REQUIRE(t.run(claim(t, 0), 0).ok());
    CHECK(pos().released == 200 * kVest);
  }
}
