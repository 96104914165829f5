// The vesting contract over a real chain: claims, grants, revokes, and the
// supply invariant over random sequences of every message.
#include <catch2/catch.hpp>
#include <random>

#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;

namespace {

VerifiedTx claim(TestChain& t, size_t who, std::vector<uint64_t> ids = {}) {
  return t.sign(who, vesting::kClaimKind, vesting::Claim{std::move(ids)}.encode());
}

vesting::Schedule linear_schedule(uint64_t cliff, uint64_t end) {
  return vesting::Schedule{{vesting::Part::linear(10000, 0, end, cliff)}};
}

VerifiedTx grant(TestChain& t, size_t from, const Address& to, Amount amount, bool revocable,
                 const vesting::Schedule& s, std::string asset = "VEST") {
  vesting::Grant g{to, std::move(asset), amount, vesting::encode(s), revocable, 0};
  return t.sign(from, vesting::kGrantKind, g.encode());
}

}  // namespace

TEST_CASE("vesting: nothing before the cliff, the linear share after it, all at the end", "[vesting]") {
  TestChain t;
  // Linear package: 100 VEST bonus, cliff 100 s, end 1000 s after the purchase.
  REQUIRE(t.run(t.sign(0, sale::kPurchaseKind, sale::Purchase{1, 1, kU128Max, {}}.encode())).ok());
  uint64_t start = t.chain->head().time;
  auto pos = *vesting::get_position(t.chain->store(), 1);
  CHECK(pos.vested_at(start + 99) == 0);
  CHECK(pos.vested_at(start + 100) == 10 * kVest);

  Amount before = t.balance(0);
  Receipt early = t.run(claim(t, 0), 50);  // t = start + 50
  CHECK(early.reason == "nothing_to_claim");
  CHECK(t.balance(0) == before - kMinFee);

  Receipt at_cliff = t.run(claim(t, 0), 50);  // t = start + 100
  REQUIRE(at_cliff.ok());
  CHECK(t.balance(0) == before - 2 * kMinFee + 10 * kVest);
  CHECK(vesting::get_position(t.chain->store(), 1)->released == 10 * kVest);

  Receipt later = t.run(claim(t, 0, {1}), 400);  // t = start + 500
  REQUIRE(later.ok());
  CHECK(vesting::get_position(t.chain->store(), 1)->released == 50 * kVest);

  Receipt end = t.run(claim(t, 0), 5000);
  REQUIRE(end.ok());
  auto done = *vesting::get_position(t.chain->store(), 1);
  CHECK(done.released == 100 * kVest);
  CHECK(t.balance_of(vesting::escrow_address()) == 0);
  CHECK(t.run(claim(t, 0), 10).reason == "nothing_to_claim");
}

TEST_CASE("vesting: tranches unlock exactly at their time", "[vesting]") {
  TestChain t;
  // Tranche package: 7 VEST bonus, 30% at 100 s, 70% at 200 s.
  REQUIRE(t.run(t.sign(0, sale::kPurchaseKind, sale::Purchase{2, 1, kU128Max, {}}.encode())).ok());
  uint64_t start = t.chain->head().time;
  auto pos = *vesting::get_position(t.chain->store(), 1);
  CHECK(pos.vested_at(start + 99) == 0);
  CHECK(pos.vested_at(start + 100) == 7 * kVest * 3 / 10);
  CHECK(pos.vested_at(start + 199) == 7 * kVest * 3 / 10);
  CHECK(pos.vested_at(start + 200) == 7 * kVest);
}

TEST_CASE("vesting: claiming someone else's position is refused", "[vesting]") {
  TestChain t;
  REQUIRE(t.run(t.sign(0, sale::kPurchaseKind, sale::Purchase{1, 1, kU128Max, {}}.encode())).ok());
  Amount before = t.balance(1);
  Receipt r = t.run(claim(t, 1, {1}), 2000);
  CHECK(r.reason == "not_beneficiary");
  CHECK(t.balance(1) == before - kMinFee);
  CHECK(vesting::get_position(t.chain->store(), 1)->released == 0);
  CHECK(t.run(claim(t, 1, {42}), 10).reason == "position_not_found");
}

TEST_CASE("vesting: grants, minimums and revokes", "[vesting]") {
  TestChain t;
  auto s = linear_schedule(0, 1000);
  SECTION("below the minimum") {
    Amount before = t.balance(0);
    CHECK(t.run(grant(t, 0, t.addrs[1], 10 * kVest - 1, true, s)).reason == "below_minimum");
    CHECK(t.balance(0) == before - kMinFee);
  }
  SECTION("an asset without a minimum cannot be granted") {
    CHECK(t.run(grant(t, 0, t.addrs[1], 100 * kUsd, true, s, "USDV")).reason == "asset_not_grantable");
  }
  SECTION("more than the funder holds") {
    CHECK(t.run(grant(t, 0, t.addrs[1], kStartVest, true, s)).reason == "insufficient_funds");
  }
  SECTION("revoke returns the unvested part and leaves the vested part claimable") {
    Amount funder_before = t.balance(0);
    REQUIRE(t.run(grant(t, 0, t.addrs[1], 1000 * kVest, true, s)).ok());
    CHECK(t.balance(0) == funder_before - 1000 * kVest - kMinFee);
    uint64_t start = t.chain->head().time;
    // Only the funder may revoke.
    CHECK(t.run(t.sign(1, vesting::kRevokeKind, vesting::Revoke{1}.encode()), 100).reason == "not_funder");
    Receipt r = t.run(t.sign(0, vesting::kRevokeKind, vesting::Revoke{1}.encode()), 150);  // t = start + 250
    REQUIRE(r.ok());
    CHECK(t.chain->head().time == start + 250);
    CHECK(t.balance(0) == funder_before - 250 * kVest - 2 * kMinFee);
    auto pos = *vesting::get_position(t.chain->store(), 1);
    CHECK(pos.effective_total() == 250 * kVest);
    CHECK(pos.vested_at(start + 900) == 250 * kVest);
    // The beneficiary claims the vested part, later, all of it and no more
    // (naming the offered grant accepts it).
    Amount b_before = t.balance(1);
    REQUIRE(t.run(claim(t, 1, {1}), 5000).ok());
    CHECK(t.balance(1) == b_before + 250 * kVest - kMinFee);
    CHECK(t.balance_of(vesting::escrow_address()) == 0);
    // A revoked position cannot be revoked again.
    CHECK(t.run(t.sign(0, vesting::kRevokeKind, vesting::Revoke{1}.encode())).reason == "not_revocable");
  }
  SECTION("a non-revocable grant cannot be revoked") {
    REQUIRE(t.run(grant(t, 0, t.addrs[1], 100 * kVest, false, s)).ok());
    CHECK(t.run(t.sign(0, vesting::kRevokeKind, vesting::Revoke{1}.encode())).reason == "not_revocable");
  }
  SECTION("a grant with a start in the past vests from that start") {
    uint64_t now = t.chain->head().time;
    vesting::Grant g{t.addrs[1], "VEST", 1000 * kVest, vesting::encode(s), false, now - 500};
    REQUIRE(t.run(t.sign(0, vesting::kGrantKind, g.encode()), 10).ok());
    auto pos = *vesting::get_position(t.chain->store(), 1);
    CHECK(pos.vested_at(t.chain->head().time) == 510 * kVest);
  }
}

TEST_CASE("vesting: finished positions leave the active list, so claiming all finds new ones", "[vesting]") {
  TestChain t;
  const vesting::Schedule at_once{{vesting::Part::tranche(10000, 0)}};
  std::vector<VerifiedTx> grants;
  for (int i = 0; i < 100; ++i) grants.push_back(grant(t, 0, t.addrs[1], 10 * kVest, false, at_once));
  REQUIRE(t.produce(grants).included.size() == 100);
  std::vector<uint64_t> ids;
  for (uint64_t id = 1; id <= 100; ++id) ids.push_back(id);
  REQUIRE(t.run(t.sign(1, vesting::kAcceptKind, vesting::Accept{ids}.encode())).ok());
  REQUIRE(t.run(claim(t, 1)).ok());
  CHECK(t.balance_of(vesting::escrow_address()) == 0);
  CHECK(vesting::active_position_ids(t.chain->store(), t.addrs[1], 0, 200).empty());

  // One more: an empty claim reaches it although 100 older positions exist.
  REQUIRE(t.run(grant(t, 0, t.addrs[1], 10 * kVest, false, at_once)).ok());
  REQUIRE(t.run(t.sign(1, vesting::kAcceptKind, vesting::Accept{{101}}.encode())).ok());
  CHECK(vesting::active_position_ids(t.chain->store(), t.addrs[1], 0, 200) == std::vector<uint64_t>{101});
  Amount before = t.balance(1);
  REQUIRE(t.run(claim(t, 1)).ok());
  CHECK(t.balance(1) == before + 10 * kVest - kMinFee);
  // The full list still names every position, for explorers.
  CHECK(vesting::position_ids(t.chain->store(), t.addrs[1], 0, 200).size() == 101);
  CHECK(vesting::active_position_ids(t.chain->store(), t.addrs[1], 0, 200).empty());
}

TEST_CASE("vesting: a revoked position leaves the active list once its vested part is claimed", "[vesting]") {
  TestChain t;
  REQUIRE(t.run(grant(t, 0, t.addrs[1], 1000 * kVest, true, linear_schedule(0, 1000))).ok());
  REQUIRE(t.run(t.sign(0, vesting::kRevokeKind, vesting::Revoke{1}.encode()), 100).ok());
  CHECK(vesting::offered_position_ids(t.chain->store(), t.addrs[1], 0, 10) == std::vector<uint64_t>{1});
  REQUIRE(t.run(claim(t, 1, {1})).ok());
  CHECK(vesting::active_position_ids(t.chain->store(), t.addrs[1], 0, 10).empty());
  CHECK(vesting::offered_position_ids(t.chain->store(), t.addrs[1], 0, 10).empty());
}

TEST_CASE("vesting: stake milestones are refused for a position in another asset", "[vesting]") {
  TestChain t(3, [](boost::json::object& g) {
    g["vesting"].as_object()["min_grant"].as_object()["USDV"] = to_decimal(kUsd);
  });
  const vesting::Schedule staked{{vesting::Part::stake(10000, 100 * kVest, 300)}};
  Amount usd = t.balance(0, "USDV");
  Receipt r = t.run(grant(t, 0, t.addrs[1], 10 * kUsd, false, staked, "USDV"));
  CHECK(r.reason == "bad_schedule");
  CHECK(r.message.find("native token VEST") != std::string::npos);
  CHECK(t.balance(0, "USDV") == usd);
  CHECK_FALSE(vesting::get_position(t.chain->store(), 1));
  // The same schedule in the native token is fine.
  CHECK(t.run(grant(t, 0, t.addrs[1], 10 * kVest, false, staked)).ok());
}

TEST_CASE("vesting: holdings sum locked and claimable per asset", "[vesting]") {
  TestChain t;
  REQUIRE(t.run(grant(t, 0, t.addrs[1], 1000 * kVest, false, linear_schedule(0, 1000))).ok());
  REQUIRE(t.run(grant(t, 2, t.addrs[1], 500 * kVest, false, linear_schedule(0, 1000))).ok());
  // Offered grants are counted apart until accepted.
  auto offered = vesting::holdings(t.chain->store(), t.addrs[1], t.chain->head().time);
  CHECK(offered["VEST"].offered == 1500 * kVest);
  CHECK(offered["VEST"].locked == 0);
  REQUIRE(t.produce({t.sign(1, vesting::kAcceptKind, vesting::Accept{{1, 2}}.encode())}, 0).included.size() == 1);
  uint64_t now = t.chain->head().time;
  auto h = vesting::holdings(t.chain->store(), t.addrs[1], now);
  // The first grant is 10 s older than the second.
  CHECK(h["VEST"].claimable == 10 * kVest);
  CHECK(h["VEST"].locked == 1490 * kVest);
  CHECK(h["VEST"].offered == 0);
  CHECK(vesting::position_ids(t.chain->store(), t.addrs[1], 0, 10) == std::vector<uint64_t>{1, 2});
}

// Supply conservation: whatever happens, each asset's balances add up to its
// genesis supply, and the escrow holds exactly what positions still owe.
TEST_CASE("property: supply is conserved over random purchases, claims, grants, revokes, transfers and staking",
          "[vesting][staking][property]") {
  TestChain t(4);
  std::mt19937_64 rng(20261122);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const Amount vest_supply = bank::supply(t.chain->store(), "VEST");
  const Amount usd_supply = bank::supply(t.chain->store(), "USDV");
  size_t ok = 0, failed = 0;
  for (int block = 0; block < 60; ++block) {
    std::vector<VerifiedTx> txs;
    for (int i = 0; i < 6; ++i) {
      size_t who = pick(4);
      switch (pick(8)) {
        case 0:
          txs.push_back(t.sign(who, sale::kPurchaseKind,
                               sale::Purchase{static_cast<uint32_t>(1 + pick(4)), 1 + pick(3), kU128Max,
                                              pick(2) ? std::optional<Address>(t.addrs[pick(4)]) : std::nullopt}
                                   .encode()));
          break;
        case 1: txs.push_back(claim(t, who)); break;
        case 2:
          txs.push_back(grant(t, who, t.addrs[pick(4)], (10 + pick(1000)) * kVest, pick(2) == 0,
                              linear_schedule(pick(50), 50 + pick(500))));
          break;
        case 3:
          txs.push_back(t.sign(who, vesting::kRevokeKind, vesting::Revoke{1 + pick(20)}.encode()));
          break;
        case 4:
          txs.push_back(t.transfer(who, t.addrs[pick(4)], 1 + pick(1000000), pick(2) ? "VEST" : "USDV"));
          break;
        case 5:
          txs.push_back(t.sign(who, staking::kStakeKind, staking::AmountMsg{(1 + pick(2000)) * kVest}.encode()));
          break;
        case 6:
          txs.push_back(t.sign(who, staking::kUnstakeKind, staking::AmountMsg{(1 + pick(500)) * kVest}.encode()));
          break;
        case 7:
          txs.push_back(t.sign(who, staking::kClaimRewardsKind, staking::ClaimRewards{pick(2) == 0}.encode()));
          break;
      }
    }
    auto out = t.produce(txs, 1 + pick(200));
    for (const Receipt& r : out.receipts) (r.ok() ? ok : failed)++;

    const StateReader& s = t.chain->store();
    Amount vest_sum = 0, usd_sum = 0;
    s.scan(as_bytes("bank/bal/"), {}, [&](ByteView key, ByteView value) {
      std::string asset(as_string(key.subspan(9 + 20)));
      (asset == "VEST" ? vest_sum : usd_sum) += *decode_uint(value);
      return true;
    });
    REQUIRE(vest_sum == vest_supply);
    REQUIRE(usd_sum == usd_supply);
    Amount owed = 0;
    for (uint64_t id = 1;; ++id) {
      auto p = vesting::get_position(s, id);
      if (!p) break;
      REQUIRE(p->released <= p->effective_total());
      owed += p->effective_total() - p->released;
    }
    REQUIRE(bank::balance(s, vesting::escrow_address(), "VEST") == owed);
    // Staking: the pool holds exactly the liquid-backed and unbonding stake,
    // bonded vesting tokens never exceed what the escrow holds for the account,
    // and the total is the sum of the stakes.
    Amount pool_owed = 0, total = 0;
    for (const Address& a : t.addrs) {
      auto acct = staking::account(s, a);
      pool_owed += acct.free + acct.unbonding_free;
      total += acct.staked();
      auto h = vesting::holdings(s, a, t.chain->head().time);
      REQUIRE(acct.vesting + acct.unbonding_vesting <= h["VEST"].locked + h["VEST"].claimable);
    }
    REQUIRE(bank::balance(s, staking::bonded_pool_address(), "VEST") == pool_owed);
    REQUIRE(staking::global(s).total == total);
    REQUIRE(bank::balance(s, staking::reward_pool_address(), "VEST") >= staking::global(s).owed);
  }
  // The sequence exercised both outcomes.
  CHECK(ok > 50);
  CHECK(failed > 10);
}
