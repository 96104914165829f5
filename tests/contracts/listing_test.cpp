// The read models explorers list the whole chain with: every purchase and
// every position by id, every balance in key order (also as of an older
// block), and the message kinds by name.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "contracts/bank/bank.h"
#include "contracts/catalog.h"
#include "contracts/roles/messages.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/messages.h"
#include "contracts/validators/messages.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;

TEST_CASE("listing: every purchase and every position by id, from any id, stopping when told", "[listing]") {
  TestChain t;
  REQUIRE(t.run(t.sign(0, sale::kPurchaseKind, sale::Purchase{1, 1, kU128Max, {}}.encode())).ok());
  REQUIRE(t.run(t.sign(1, sale::kPurchaseKind, sale::Purchase{2, 1, kU128Max, {}}.encode())).ok());
  REQUIRE(t.run(t.sign(2, sale::kPurchaseKind, sale::Purchase{1, 2, kU128Max, t.addrs[0]}.encode())).ok());
  const uint64_t before_third = t.chain->store().head()->height - 1;

  std::vector<uint64_t> ids;
  std::vector<Address> buyers;
  sale::for_each_purchase(t.chain->store(), 0, [&](const sale::PurchaseRecord& r) {
    ids.push_back(r.id);
    buyers.push_back(r.buyer);
    CHECK(sale::purchase(t.chain->store(), r.id)->cost == r.cost);
    return true;
  });
  CHECK(ids == std::vector<uint64_t>{1, 2, 3});
  CHECK(buyers == std::vector<Address>{t.addrs[0], t.addrs[1], t.addrs[2]});
  ids.clear();
  sale::for_each_purchase(t.chain->store(), 2, [&](const sale::PurchaseRecord& r) {
    ids.push_back(r.id);
    return false;  // stop after the first
  });
  CHECK(ids == std::vector<uint64_t>{2});

  // Positions: the two bonuses, then the third purchase's bonus and its referral reward.
  std::vector<std::pair<uint64_t, vesting::Origin>> positions;
  vesting::for_each_position_by_id(t.chain->store(), 0, [&](const vesting::Position& p) {
    positions.emplace_back(p.id, p.origin);
    return true;
  });
  REQUIRE(positions.size() == 4);
  for (size_t i = 0; i < positions.size(); ++i) CHECK(positions[i].first == i + 1);
  CHECK(positions[3].second == vesting::Origin::kReferral);
  positions.clear();
  vesting::for_each_position_by_id(t.chain->store(), 4, [&](const vesting::Position& p) {
    positions.emplace_back(p.id, p.origin);
    return true;
  });
  CHECK(positions.size() == 1);

  // As of the block before the third purchase: two of each.
  auto snap = t.chain->store().snapshot();
  HistoricalState older(snap, before_third);
  size_t purchases = 0, older_positions = 0;
  sale::for_each_purchase(older, 0, [&](const sale::PurchaseRecord&) { return ++purchases, true; });
  vesting::for_each_position_by_id(older, 0, [&](const vesting::Position&) { return ++older_positions, true; });
  CHECK(purchases == 2);
  CHECK(older_positions == 2);
}

TEST_CASE("listing: every balance in account and symbol order adds up to the supply, now and at genesis",
          "[listing]") {
  TestChain t;
  const Address fresh = address_of(test_key("fresh"));
  REQUIRE(t.run(t.transfer(0, fresh, 5 * kVest)).ok());
  auto sums = [](const StateReader& s, const Address& from, std::string_view symbol) {
    std::map<std::string, Amount> total;
    std::vector<std::pair<Address, std::string>> keys;
    bank::for_each_balance(s, from, symbol, [&](const bank::BalanceEntry& e) {
      CHECK(e.amount > 0);
      total[e.symbol] += e.amount;
      keys.emplace_back(e.account, e.symbol);
      return true;
    });
    CHECK(std::is_sorted(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return std::pair(to_hex(a.first.view()), a.second) < std::pair(to_hex(b.first.view()), b.second);
    }));
    return std::make_pair(total, keys);
  };
  const ChainStore& store = t.chain->store();
  auto [now, now_keys] = sums(store, Address{}, "");
  CHECK(now["VEST"] == bank::supply(store, "VEST"));
  CHECK(now["USDV"] == bank::supply(store, "USDV"));
  CHECK(std::find(now_keys.begin(), now_keys.end(), std::make_pair(fresh, std::string("VEST"))) != now_keys.end());
  // At genesis the fresh account held nothing.
  HistoricalState genesis(store.snapshot(), 0);
  auto [then, then_keys] = sums(genesis, Address{}, "");
  CHECK(then["VEST"] == bank::supply(genesis, "VEST"));
  CHECK(std::find(then_keys.begin(), then_keys.end(), std::make_pair(fresh, std::string("VEST"))) == then_keys.end());
  // Starting at an entry lists it and what follows.
  auto [rest, rest_keys] = sums(store, now_keys[2].first, now_keys[2].second);
  CHECK(rest_keys == std::vector<std::pair<Address, std::string>>(now_keys.begin() + 2, now_keys.end()));
}

TEST_CASE("listing: message kinds by the names describe_message gives them", "[listing]") {
  const std::vector<std::pair<uint64_t, Bytes>> samples = {
      {bank::kTransferKind, bank::Transfer{Address{}, "VEST", 1}.encode()},
      {sale::kPurchaseKind, sale::Purchase{1, 1, 1, {}}.encode()},
      {vesting::kClaimKind, vesting::Claim{}.encode()},
      {vesting::kAcceptKind, vesting::Accept{{1}}.encode()},
      {vesting::kRevokeKind, vesting::Revoke{1}.encode()},
      {vesting::kDeclineKind, vesting::Decline{1}.encode()},
      {staking::kStakeKind, staking::AmountMsg{1}.encode()},
      {staking::kUnstakeKind, staking::AmountMsg{1}.encode()},
      {staking::kClaimRewardsKind, staking::ClaimRewards{true}.encode()},
      {validators::kSetPowerKind, validators::SetPower{Address{}, 1}.encode()},
      {sale::kSetReporterKind, sale::SetReporter{"courses", Address{}}.encode()},
      {vesting::kReportUsageKind, vesting::ReportUsage{"courses", Address{}, 1}.encode()},
      {roles::kProposeKind, roles::Propose{"sale.admin", Address{}}.encode()},
      {roles::kAcceptKind, roles::RoleRef{"sale.treasury"}.encode()},
      {roles::kCancelKind, roles::RoleRef{"vesting.reporter:courses"}.encode()},
  };
  for (const auto& [kind, payload] : samples) {
    auto info = describe_message(kind, payload);
    REQUIRE(info);
    INFO(info->name);
    CHECK(message_kind(info->name) == kind);
  }
  CHECK(message_kind("vesting.grant") == vesting::kGrantKind);
  CHECK(message_kind("sale.create_package") == sale::kCreatePackageKind);
  CHECK(message_kind("sale.update_package") == sale::kUpdatePackageKind);
  CHECK_FALSE(message_kind("sale.buy"));
  CHECK_FALSE(message_kind(""));
  CHECK_FALSE(message_kind("unknown"));
}
