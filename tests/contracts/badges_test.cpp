// Badges over a real chain, driven by signed transactions. The test sale
// (tests/util/chain_fixture.h: tiers Enthusiast, Advocate at 1000 USDV, VIP at
// 5000 USDV of spend) plus the usage metric courses_completed, reported by
// account 2, and the genesis badges:
//   1 First steps  first_purchase
//   2 Advocate     tier 1
//   3 Connector    referrals: 2 new buyers
//   4 Committed    stake: 100 VEST for 300 s
//   5 Scholar      usage: courses_completed reaches 3
//   6 Upgrader     upgraded (to any package)
#include <catch2/catch.hpp>

#include "chain/keccak.h"
#include "contracts/bank/bank.h"
#include "contracts/catalog.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/modules.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;
namespace js = boost::json;

namespace {

constexpr size_t kReporter = 2;

js::object badge_json(uint32_t id, const char* name, js::object rule) {
  return js::object{{"id", id}, {"name", name}, {"rule", std::move(rule)}};
}

TestChain badge_chain(size_t accounts = 5, const std::function<void(js::object&)>& more = {}) {
  return TestChain(accounts, [&more](js::object& g) {
    const Address reporter = address_of(test_key("account " + std::to_string(kReporter)));
    g["vesting"].as_object()["metrics"] =
        js::array{js::object{{"name", "courses_completed"}, {"reporter", to_checksum(reporter)}}};
    g["sale"].as_object()["badges"] = js::array{
        badge_json(1, "First steps", {{"kind", "first_purchase"}}),
        badge_json(2, "Advocate", {{"kind", "tier"}, {"tier", 1}}),
        badge_json(3, "Connector", {{"kind", "referrals"}, {"buyers", 2}}),
        badge_json(4, "Committed", {{"kind", "stake"}, {"min_stake", to_decimal(100 * kVest)}, {"duration", 300}}),
        badge_json(5, "Scholar", {{"kind", "usage"}, {"metric", "courses_completed"}, {"target", 3}}),
        badge_json(6, "Upgrader", {{"kind", "upgraded"}})};
    if (more) more(g);
  });
}

VerifiedTx buy(TestChain& t, size_t who, uint32_t package, uint64_t qty = 1,
               std::optional<Address> referrer = std::nullopt) {
  return t.sign(who, sale::kPurchaseKind, sale::Purchase{package, qty, kU128Max, referrer}.encode());
}

VerifiedTx stake(TestChain& t, size_t who, Amount amount, uint64_t kind = staking::kStakeKind) {
  return t.sign(who, kind, staking::AmountMsg{amount}.encode());
}

VerifiedTx define(TestChain& t, const loyalty::Badge& b, std::optional<PrivateKey> key = std::nullopt) {
  return t.sign_key(key ? *key : test_key("admin"), sale::kDefineBadgeKind, b.encode());
}

std::string field(const Event& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name) return v;
  return "";
}

// The badge ids awarded by these events, in order, as "badge->account index".
std::vector<std::string> awarded(const TestChain& t, const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) {
    if (e.type != "loyalty.badge_awarded") continue;
    std::string who = field(e, "account");
    for (size_t i = 0; i < t.addrs.size(); ++i)
      if (to_checksum(t.addrs[i]) == who) who = std::to_string(i);
    out.push_back(field(e, "badge") + "->" + who);
  }
  return out;
}

using Awards = std::vector<std::string>;

std::optional<loyalty::Award> held(TestChain& t, size_t who, uint32_t badge) {
  return loyalty::award(t.chain->store(), t.addrs[who], badge);
}

loyalty::Badge referrals_badge(uint32_t id, uint64_t buyers) {
  loyalty::Badge b{id, "Referrer " + std::to_string(id), {}};
  b.rule.kind = loyalty::Rule::Kind::kReferrals;
  b.rule.count = buyers;
  return b;
}

loyalty::Badge stake_badge(uint32_t id, Amount min_stake, uint64_t duration) {
  loyalty::Badge b{id, "Staker " + std::to_string(id), {}};
  b.rule.kind = loyalty::Rule::Kind::kStake;
  b.rule.min_stake = min_stake;
  b.rule.duration = duration;
  return b;
}

}  // namespace

TEST_CASE("badges: genesis defines them with their rules, holders none", "[loyalty]") {
  TestChain t = badge_chain();
  auto all = loyalty::badges(t.chain->store());
  REQUIRE(all.size() == 6);
  CHECK(all[0].badge.name == "First steps");
  CHECK(all[3].badge.rule.kind == loyalty::Rule::Kind::kStake);
  CHECK(all[3].badge.rule.min_stake == 100 * kVest);
  CHECK(all[4].badge.rule.metric == "courses_completed");
  for (const auto& b : all) CHECK(b.holders == 0);
  CHECK(loyalty::Loyalty().check_invariants(t.chain->store()).empty());
}

TEST_CASE("badges: a genesis badge that names nothing on the chain, or needs every account, is refused", "[loyalty]") {
  auto refused = [](js::object rule, const std::string& expect) {
    TestChain ok = badge_chain();  // for the keys
    std::string text = test_genesis_json(ok.addrs, address_of(ok.validator));
    auto doc = js::parse(text);
    doc.as_object()["sale"].as_object()["badges"] = js::array{badge_json(9, "Bad", std::move(rule))};
    Genesis g;
    std::string error;
    REQUIRE(parse_genesis(js::serialize(doc), g, error));
    Executor ex(g.params);
    NativeContracts c;
    c.register_with(ex);
    EmptyState empty;
    Overlay s2(empty);
    Status st = ex.init_genesis(g.doc, s2);
    INFO(st.message);
    CHECK_FALSE(st.ok());
    CHECK(st.message.find(expect) != std::string::npos);
  };
  refused({{"kind", "tier"}, {"tier", 3}}, "sale.badges[0]: rule.tier: the sale has tiers 0 to 2");
  refused({{"kind", "tier"}, {"tier", 0}}, "rule.tier: every account is at tier 0");
  refused({{"kind", "usage"}, {"metric", "nope"}, {"target", 1}}, "rule.metric: no usage metric nope");
  refused({{"kind", "referrals"}, {"buyers", 0}}, "rule.count: must be positive");
  refused({{"kind", "stake"}, {"min_stake", "0"}, {"duration", 10}}, "rule.min_stake: must be positive");
  refused({{"kind", "stake"}, {"min_stake", "1"}, {"duration", 0}}, "rule.duration");
  refused({{"kind", "upgraded"}, {"package", 77}}, "rule.package: no package 77");
  refused({{"kind", "gift"}}, "sale.badges[0].rule.kind");
}

TEST_CASE("badges: first purchase and tier are awarded in the block the purchase reaches them, once", "[loyalty]") {
  TestChain t = badge_chain();
  // 9 units of Linear (100 USDV each): 900 USDV, tier 0. First steps only.
  Receipt r1 = t.run(buy(t, 0, 1, 9));
  REQUIRE(r1.ok());
  CHECK(awarded(t, r1.events) == Awards{"1->0"});
  const uint64_t h1 = t.chain->head().height;
  auto a1 = held(t, 0, 1);
  REQUIRE(a1);
  CHECK(a1->height == h1);
  CHECK(a1->time == t.chain->head().time);
  CHECK(a1->met_at == t.chain->head().time);
  CHECK_FALSE(held(t, 0, 2));
  // The 10th unit reaches Advocate (1000 USDV): the tier badge, not First steps again.
  Receipt r2 = t.run(buy(t, 0, 1, 1));
  REQUIRE(r2.ok());
  CHECK(awarded(t, r2.events) == Awards{"2->0"});
  CHECK(held(t, 0, 2)->height == h1 + 1);
  // More purchases award nothing more, and the first award stays as it was.
  Receipt r3 = t.run(buy(t, 0, 1, 1));
  CHECK(awarded(t, r3.events).empty());
  CHECK(held(t, 0, 1)->height == h1);
  CHECK(loyalty::badge(t.chain->store(), 1)->holders == 1);
  CHECK(loyalty::badge(t.chain->store(), 2)->holders == 1);
  // The event sits after the purchase's own.
  std::vector<std::string> types;
  for (const Event& e : r1.events) types.push_back(e.type);
  CHECK(types.back() == "loyalty.badge_awarded");
}

TEST_CASE("badges: referrals count new buyers only, and self-referral and module accounts are refused", "[loyalty]") {
  TestChain t = badge_chain();
  REQUIRE(t.run(buy(t, 0, 2)).ok());  // account 0 becomes a buyer, so it can be named
  // Account 0 names itself: refused, its count and badges unchanged.
  Receipt self = t.run(buy(t, 0, 2, 1, t.addrs[0]));
  CHECK(self.reason == "self_referral");
  CHECK(vesting::count_value(t.chain->store(), t.addrs[0], {vesting::Count::kReferrals, ""}) == 0);
  // A module account as referrer: refused.
  Receipt module = t.run(buy(t, 1, 2, 1, vesting::escrow_address()));
  CHECK(module.reason == "module_account");
  // Account 1 names 0: one new buyer.
  Receipt r1 = t.run(buy(t, 1, 2, 1, t.addrs[0]));
  REQUIRE(r1.ok());
  CHECK(awarded(t, r1.events) == Awards{"1->1"});
  // Account 1 names 0 again: not a new buyer, nothing counts.
  Receipt again = t.run(buy(t, 1, 1, 1, t.addrs[0]));
  REQUIRE(again.ok());
  CHECK(awarded(t, again.events).empty());
  CHECK_FALSE(held(t, 0, 3));
  // Account 3, a second new buyer: Connector for account 0 in this block.
  Receipt r2 = t.run(buy(t, 3, 1, 1, t.addrs[0]));
  REQUIRE(r2.ok());
  CHECK(awarded(t, r2.events) == Awards{"3->0", "1->3"});
  CHECK(held(t, 0, 3)->height == t.chain->head().height);
  // A third awards nothing more.
  Receipt r3 = t.run(buy(t, 4, 1, 1, t.addrs[0]));
  CHECK(awarded(t, r3.events) == Awards{"1->4"});
}

TEST_CASE("badges: usage reaches its badge at the report that reaches it, and a stranger's report is refused", "[loyalty]") {
  TestChain t = badge_chain();
  auto report = [&](size_t who, uint64_t value) {
    return t.run(t.sign(who, vesting::kReportUsageKind,
                        vesting::ReportUsage{"courses_completed", t.addrs[0], value}.encode()));
  };
  Receipt stranger = report(1, 5);
  CHECK(stranger.reason == "not_reporter");
  CHECK_FALSE(held(t, 0, 5));
  CHECK(awarded(t, report(kReporter, 2).events).empty());
  Receipt r = report(kReporter, 4);
  CHECK(awarded(t, r.events) == Awards{"5->0"});
  CHECK(held(t, 0, 5)->height == t.chain->head().height);
  CHECK(awarded(t, report(kReporter, 9).events).empty());
}

TEST_CASE("badges: a stake badge is awarded by the first block at or after its time, not before, once",
          "[loyalty]") {
  TestChain t = badge_chain();
  Receipt s = t.run(stake(t, 0, 150 * kVest));
  REQUIRE(s.ok());
  const uint64_t since = t.chain->head().time;
  CHECK(loyalty::stake_due(t.chain->store(), t.addrs[0], 4) == since + 300);
  // 290 s on: not yet.
  Produced before = t.produce({}, 290);
  CHECK(awarded(t, before.block_events).empty());
  CHECK_FALSE(held(t, 0, 4));
  // 310 s on: this block's begin_block awards it, met at since + 300.
  Produced at = t.produce({}, 20);
  CHECK(awarded(t, at.block_events) == Awards{"4->0"});
  auto a = held(t, 0, 4);
  REQUIRE(a);
  CHECK(a->height == t.chain->head().height);
  CHECK(a->met_at == since + 300);
  CHECK(a->time == since + 310);
  CHECK_FALSE(loyalty::stake_due(t.chain->store(), t.addrs[0], 4));
  // Unstaking and staking again awards nothing more.
  REQUIRE(t.run(stake(t, 0, 150 * kVest, staking::kUnstakeKind)).ok());
  REQUIRE(t.run(stake(t, 0, 200 * kVest)).ok());
  CHECK(awarded(t, t.produce({}, 400).block_events).empty());
  CHECK(loyalty::badge(t.chain->store(), 4)->holders == 1);
}

TEST_CASE("badges: stake that drops below the level before its time starts the clock again", "[loyalty]") {
  TestChain t = badge_chain();
  REQUIRE(t.run(stake(t, 1, 100 * kVest)).ok());
  const uint64_t first = t.chain->head().time;
  CHECK(loyalty::stake_due(t.chain->store(), t.addrs[1], 4) == first + 300);
  // 200 s later it unstakes half: below 100 VEST, the badge is no longer queued.
  REQUIRE(t.run(stake(t, 1, 50 * kVest, staking::kUnstakeKind), 200).ok());
  CHECK_FALSE(loyalty::stake_due(t.chain->store(), t.addrs[1], 4));
  CHECK(awarded(t, t.produce({}, 150).block_events).empty());
  CHECK_FALSE(held(t, 1, 4));
  // Back to 100 VEST: the 300 s count from now.
  REQUIRE(t.run(stake(t, 1, 50 * kVest)).ok());
  const uint64_t again = t.chain->head().time;
  CHECK(loyalty::stake_due(t.chain->store(), t.addrs[1], 4) == again + 300);
  CHECK(awarded(t, t.produce({}, 299).block_events).empty());
  Produced p = t.produce({}, 1);
  CHECK(awarded(t, p.block_events) == Awards{"4->1"});
  CHECK(held(t, 1, 4)->met_at == again + 300);
  // Raising the stake while queued keeps the original start.
  REQUIRE(t.run(stake(t, 2, 100 * kVest)).ok());
  const uint64_t s2 = t.chain->head().time;
  REQUIRE(t.run(stake(t, 2, 500 * kVest), 100).ok());
  CHECK(loyalty::stake_due(t.chain->store(), t.addrs[2], 4) == s2 + 300);
}

TEST_CASE("badges: the upgrade hook awards upgraded badges for their package, once", "[loyalty]") {
  TestChain t = badge_chain();
  // A second upgraded badge, for package 4 only.
  loyalty::Badge to4{7, "Stake upgrade", {}};
  to4.rule.kind = loyalty::Rule::Kind::kUpgraded;
  to4.rule.package = 4;
  REQUIRE(t.run(define(t, to4)).ok());
  // The upgrade code calls loyalty::upgraded(ctx, holder, to_package) in its message.
  Overlay state(t.chain->store());
  std::vector<Event> events;
  BlockEnv block{kTestChainId, t.chain->head().height + 1, t.chain->head().time + 10, {}};
  Context ctx{state, block, t.addrs[0], Hash{}, events};
  loyalty::upgraded(ctx, t.addrs[0], 2);
  CHECK(awarded(t, events) == Awards{"6->0"});
  events.clear();
  loyalty::upgraded(ctx, t.addrs[0], 4);
  CHECK(awarded(t, events) == Awards{"7->0"});
  events.clear();
  loyalty::upgraded(ctx, t.addrs[0], 4);
  CHECK(events.empty());
  CHECK(loyalty::award(state, t.addrs[0], 6)->height == block.height);
  // A module account never holds one.
  loyalty::upgraded(ctx, vesting::escrow_address(), 4);
  loyalty::purchased(ctx, staking::bonded_pool_address(), 2);
  CHECK(events.empty());
}

TEST_CASE("badges: a sale.upgrade earns Upgrader at its block once, and the tier its payment reaches", "[loyalty]") {
  // Linear (1, 100 USDV) upgrades to Plus (11, 200 USDV) and Premium (12, 1,100 USDV).
  TestChain t = badge_chain(5, [](js::object& g) {
    auto& pkgs = g["sale"].as_object()["packages"].as_array();
    js::object linear = pkgs[0].as_object();
    pkgs[0].as_object()["upgrades_to"] = js::array{11, 12};
    js::object plus = linear, premium = linear;
    plus["id"] = 11;
    plus["name"] = "Plus";
    plus["price"] = js::object{{"asset", "USDV"}, {"amount", to_decimal(200 * kUsd)}};
    plus["base"] = to_decimal(1100 * kVest);
    premium["id"] = 12;
    premium["name"] = "Premium";
    premium["price"] = js::object{{"asset", "USDV"}, {"amount", to_decimal(1100 * kUsd)}};
    premium["base"] = to_decimal(1100 * kVest);
    pkgs.push_back(plus);
    pkgs.push_back(premium);
  });
  // A second upgraded badge, for Premium only.
  loyalty::Badge premium{7, "Premium", {}};
  premium.rule.kind = loyalty::Rule::Kind::kUpgraded;
  premium.rule.package = 12;
  REQUIRE(t.run(define(t, premium)).ok());
  Receipt a = t.run(buy(t, 0, 1));
  Receipt b = t.run(buy(t, 0, 1));
  REQUIRE((a.ok() && b.ok()));
  CHECK(awarded(t, a.events) == Awards{"1->0"});
  auto purchase_id = [](const Receipt& r) {
    for (const Event& e : r.events)
      if (e.type == "sale.purchase") return std::stoull(field(e, "id"));
    return 0ull;
  };
  auto upgrade = [&](uint64_t from, uint32_t to) {
    return t.sign(0, sale::kUpgradeKind, sale::Upgrade{from, to, kU128Max}.encode());
  };

  // Upgrading to Plus: Upgrader (any package), not Premium, in the upgrade's
  // transaction right after sale.upgraded; 300 USDV spent, below Advocate.
  Produced up = t.produce({upgrade(purchase_id(a), 11)});
  REQUIRE(up.receipts.size() == 1);
  const Receipt& r1 = up.receipts[0];
  INFO(r1.message);
  REQUIRE(r1.ok());
  CHECK(awarded(t, r1.events) == Awards{"6->0"});
  size_t at = 0;
  while (at < r1.events.size() && r1.events[at].type != "sale.upgraded") ++at;
  REQUIRE(at + 1 < r1.events.size());
  CHECK(r1.events[at + 1].type == "loyalty.badge_awarded");
  CHECK(field(r1.events[at + 1], "badge") == "6");
  CHECK(field(r1.events[at + 1], "rule") == "upgraded");
  CHECK(held(t, 0, 6)->height == up.block.header.height);
  CHECK_FALSE(held(t, 0, 7));
  CHECK_FALSE(held(t, 0, 2));

  // Upgrading the other purchase to Premium pays 1,000 USDV: Premium, then
  // Advocate after sale.tier_changed; Upgrader is not awarded again.
  Receipt r2 = t.run(upgrade(purchase_id(b), 12));
  INFO(r2.message);
  REQUIRE(r2.ok());
  CHECK(awarded(t, r2.events) == Awards{"7->0", "2->0"});
  CHECK(held(t, 0, 6)->height == up.block.header.height);
  CHECK(loyalty::badge(t.chain->store(), 6)->holders == 1);
  CHECK(loyalty::Loyalty().check_invariants(t.chain->store()).empty());
  // A refused upgrade (already upgraded) awards nothing.
  Receipt r3 = t.run(upgrade(purchase_id(a), 12));
  CHECK(r3.reason == "not_upgradable");
  CHECK(awarded(t, r3.events).empty());
}

TEST_CASE("badges: only the sale admin defines badges, and bad rules are refused and change nothing", "[loyalty]") {
  TestChain t = badge_chain();
  // A stranger.
  Receipt stranger = t.run(t.sign(0, sale::kDefineBadgeKind, referrals_badge(10, 1).encode()));
  CHECK(stranger.reason == "not_sale_admin");
  CHECK_FALSE(loyalty::badge(t.chain->store(), 10));
  // Rules that would have to be awarded to every account at once never reach a block.
  for (const loyalty::Badge& b : {referrals_badge(10, 0), stake_badge(10, 0, 10), stake_badge(10, 1, 0),
                                  stake_badge(10, 1, loyalty::kMaxStakeDuration + 1)}) {
    Produced p = t.produce({define(t, b)});
    REQUIRE(p.dropped.size() == 1);
    CHECK(p.dropped[0].second.reason == "bad_badge");
    CHECK(p.dropped[0].second.code == 700);
  }
  // Names a tier, metric or package the chain lacks: refused in the block.
  loyalty::Badge tier{10, "Platinum", {}};
  tier.rule.kind = loyalty::Rule::Kind::kTier;
  tier.rule.tier = 3;
  Receipt bad_tier = t.run(define(t, tier));
  CHECK(bad_tier.reason == "bad_badge");
  CHECK(bad_tier.code == 700);
  loyalty::Badge usage{10, "Gamer", {}};
  usage.rule.kind = loyalty::Rule::Kind::kUsage;
  usage.rule.metric = "games_won";
  usage.rule.count = 1;
  CHECK(t.run(define(t, usage)).reason == "bad_badge");
  // An existing id.
  Receipt dup = t.run(define(t, referrals_badge(3, 1)));
  CHECK(dup.reason == "badge_exists");
  CHECK(dup.code == 701);
  CHECK(loyalty::badge(t.chain->store(), 3)->badge.rule.count == 2);
  CHECK(loyalty::badges(t.chain->store()).size() == 6);
  // The admin defines one: its event, and it exists from this block on.
  Receipt ok = t.run(define(t, referrals_badge(10, 1)));
  REQUIRE(ok.ok());
  REQUIRE(ok.events.size() == 2);  // the fee, then the definition
  CHECK(ok.events[1].type == "loyalty.badge_defined");
  CHECK(loyalty::badge(t.chain->store(), 10)->defined_height == t.chain->head().height);
}

TEST_CASE("badges: the number of badges and of stake badges is bounded", "[loyalty]") {
  TestChain t = badge_chain();
  // Genesis has one stake badge: 15 more fit, the 17th is refused.
  std::vector<VerifiedTx> txs;
  for (uint32_t i = 0; i < loyalty::kMaxStakeBadges - 1; ++i) txs.push_back(define(t, stake_badge(100 + i, kVest + i, 60)));
  Produced p = t.produce(txs);
  for (const Receipt& r : p.receipts) CHECK(r.ok());
  Receipt over = t.run(define(t, stake_badge(200, 7 * kVest, 60)));
  CHECK(over.reason == "too_many_badges");
  CHECK(over.code == 702);
  // Up to kMaxBadges in all.
  txs.clear();
  const size_t have = loyalty::badges(t.chain->store()).size();
  for (size_t i = have; i < loyalty::kMaxBadges; ++i) txs.push_back(define(t, referrals_badge(300 + i, 1 + i)));
  p = t.produce(txs);
  for (const Receipt& r : p.receipts) CHECK(r.ok());
  CHECK(loyalty::badges(t.chain->store()).size() == loyalty::kMaxBadges);
  CHECK(t.run(define(t, referrals_badge(999, 1))).reason == "too_many_badges");
}

TEST_CASE("badges: a badge defined later is awarded at the holder's next fact of its kind", "[loyalty]") {
  TestChain t = badge_chain();
  REQUIRE(t.run(buy(t, 0, 2)).ok());
  REQUIRE(t.run(buy(t, 1, 2, 1, t.addrs[0])).ok());  // account 0: 1 referral
  Receipt d = t.run(define(t, referrals_badge(10, 1)));
  REQUIRE(d.ok());
  CHECK(awarded(t, d.events).empty());  // no walk over the accounts whose rule holds
  Receipt next = t.run(buy(t, 3, 2, 1, t.addrs[0]));
  CHECK(awarded(t, next.events) == Awards{"3->0", "10->0", "1->3"});
  // A stake badge defined later counts stake from its definition.
  REQUIRE(t.run(stake(t, 4, 10 * kVest)).ok());
  Receipt sd = t.run(define(t, stake_badge(11, 10 * kVest, 100)), 50);
  REQUIRE(sd.ok());
  const uint64_t defined = t.chain->head().time;
  REQUIRE(t.run(stake(t, 4, kVest)).ok());
  CHECK(loyalty::stake_due(t.chain->store(), t.addrs[4], 11) == defined + 100);
}

TEST_CASE("badges: no message moves a badge", "[loyalty]") {
  TestChain t = badge_chain();
  REQUIRE(t.run(buy(t, 0, 2)).ok());
  REQUIRE(held(t, 0, 1));
  // Loyalty publishes no message kinds; nothing names one to transfer a badge.
  CHECK(loyalty::Loyalty().kinds().empty());
  CHECK_FALSE(message_kind("loyalty.transfer"));
  // A bank transfer of "the badge" is of no asset, and a transaction of a
  // kind nobody handles: neither reaches a block.
  Produced p = t.produce({t.sign(0, bank::kTransferKind, bank::Transfer{t.addrs[1], "First steps", 1}.encode())});
  REQUIRE(p.dropped.size() == 1);
  CHECK(p.dropped[0].second.message == "invalid asset symbol");
  p = t.produce({t.sign(0, 99, loyalty::Badge{1, "First steps", {}}.encode())});
  REQUIRE(p.dropped.size() == 1);
  CHECK(p.dropped[0].second.reason == "unknown_kind");
  CHECK(held(t, 0, 1));
  CHECK_FALSE(held(t, 1, 1));
  CHECK(loyalty::holders(t.chain->store(), 1, 0, 10).size() == 1);
}

TEST_CASE("badges: holders are listed in award order with a cursor", "[loyalty]") {
  TestChain t = badge_chain();
  for (size_t i : {3, 1, 4, 0}) REQUIRE(t.run(buy(t, i, 1)).ok());
  auto all = loyalty::holders(t.chain->store(), 1, 0, 10);
  REQUIRE(all.size() == 4);
  CHECK(all[0] == std::make_pair(uint64_t{1}, t.addrs[3]));
  CHECK(all[3] == std::make_pair(uint64_t{4}, t.addrs[0]));
  auto page = loyalty::holders(t.chain->store(), 1, 3, 1);
  REQUIRE(page.size() == 1);
  CHECK(page[0].second == t.addrs[4]);
  CHECK(loyalty::Loyalty().check_invariants(t.chain->store()).empty());
}

TEST_CASE("badges: the encoding is the one docs/protocol.md shows, and decodes strictly", "[loyalty]") {
  loyalty::Badge b = stake_badge(5, 10000 * kVest, 30 * 86400);
  b.name = "Committed";
  CHECK(to_hex_0x(b.encode()) == "0xdf0589436f6d6d6974746564058080808a021e19e0c9bab240000083278d0080");
  loyalty::Badge back;
  REQUIRE(loyalty::Badge::decode(b.encode(), back).ok());
  CHECK(back == b);
  // An unknown rule kind, and trailing bytes, are refused.
  Bytes bad = b.encode();
  bad[12] = 9;  // the kind, after the list header, id and the 10-byte name
  CHECK(loyalty::Badge::decode(bad, back).reason == "malformed_payload");
  Bytes longer = b.encode();
  longer.push_back(0);
  CHECK(loyalty::Badge::decode(longer, back).reason == "malformed_payload");
  CHECK(back == b);
}
