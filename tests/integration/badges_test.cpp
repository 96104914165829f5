// Integration: the devnet's badges (genesis/devnet.json, sale.badges) earned
// through signed transactions against a real vestd and read back with
// loyalty_getBadges, loyalty_badgeHolders (now and as of a block) and
// `vest badges`; the attacks: a stranger defining a badge, a rule that would
// need every account, self-referral, a badge defined twice.
//   1 First Steps first_purchase    2 Advocate tier 1 (1,000 USDV)   3 Upgrader upgraded
//   4 Connector 3 new buyers        5 Committed 10,000 VEST staked 30 days
//   6 Scholar courses_completed reaches 5 (reported by development account 8)
#include <catch2/catch.hpp>

#include "chain/address.h"
#include "contracts/loyalty/messages.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

constexpr const char* kDevKey8 = "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
constexpr uint64_t kThirtyDays = 30 * 86400;

json::object badges_of(Vestd& node, const char* addr, std::optional<uint64_t> at = std::nullopt) {
  json::object p{{"address", addr}};
  if (at) p["atHeight"] = *at;
  return node.call("loyalty_getBadges", p).as_object();
}

// The held badge `id` in a loyalty_getBadges answer, if held.
std::optional<json::object> held(const json::object& r, uint64_t id) {
  for (const auto& b : r.at("held").as_array())
    if (u64(b.at("id")) == id) return b.as_object();
  return std::nullopt;
}

json::object progress(const json::object& r, uint64_t id) {
  for (const auto& b : r.at("progress").as_array())
    if (u64(b.at("id")) == id) return b.as_object();
  FAIL("badge " << id << " not in progress: " << json::serialize(r));
  return {};
}

std::vector<std::string> awarded(const json::object& tx) {
  std::vector<std::string> out;
  for (const auto& e : events_of(tx, "loyalty.badge_awarded")) out.push_back(str(e.at("badge")) + "->" + str(e.at("account")));
  return out;
}

using Awards = std::vector<std::string>;

}  // namespace

TEST_CASE("badges: each devnet badge is awarded at the block its rule first holds, once", "[integration][badges]") {
  TempDir dir;
  Vestd node(dir.path());
  const std::string a0 = kDevAddr0;

  // First Steps at the first purchase (Starter, 100 USDV), with its event.
  const json::object first = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const uint64_t h1 = u64(first.at("height"));
  CHECK(awarded(first) == Awards{"1->" + a0});
  auto fs = held(badges_of(node, kDevAddr0), 1);
  REQUIRE(fs);
  CHECK(u64(fs->at("awardedHeight")) == h1);
  CHECK(u64(fs->at("awardedTime")) == block_time(node, h1));
  // As of the block before, not held, and shown as progress.
  const json::object before = badges_of(node, kDevAddr0, h1 - 1);
  CHECK_FALSE(held(before, 1));
  CHECK(str(progress(before, 1).at("progressText")) == "no purchase yet");
  // Advocate: two Growth (500 USDV each) bring the spend to 1,100 USDV.
  CHECK(str(progress(badges_of(node, kDevAddr0), 2).at("ruleText")) == "reach the Advocate tier");
  const json::object growth = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(2, 2, 1000 * kUsd));
  CHECK(awarded(growth) == Awards{"2->" + a0});
  // Another purchase awards nothing.
  const json::object again = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  CHECK(awarded(again).empty());

  // Scholar: courses_completed 4, then 5.
  CHECK(awarded(submit_ok(node, kDevKey8, vesting::kReportUsageKind,
                          vesting::ReportUsage{"courses_completed", *parse_address(kDevAddr0), 4}.encode()))
            .empty());
  CHECK(str(progress(badges_of(node, kDevAddr0), 6).at("progressText")) == "4 of 5 courses_completed");
  const json::object five = submit_ok(node, kDevKey8, vesting::kReportUsageKind,
                                      vesting::ReportUsage{"courses_completed", *parse_address(kDevAddr0), 5}.encode());
  CHECK(awarded(five) == Awards{"6->" + a0});

  // Connector: three new buyers name account 0.
  CHECK(awarded(submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0))) ==
        Awards{"1->" + std::string(kDevAddr1)});
  CHECK(awarded(submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0))) ==
        Awards{"1->" + std::string(kDevAddr2)});
  // Account 1 naming 0 again is not a new buyer.
  CHECK(awarded(submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0))).empty());
  CHECK(str(progress(badges_of(node, kDevAddr0), 4).at("progressText")) == "2 of 3 new buyers referred");
  const json::object third = submit_ok(node, kDevKey3, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0));
  CHECK(awarded(third) == Awards{"4->" + a0, "1->" + std::string(kDevAddr3)});

  // Committed: 10,000 VEST staked for 30 days, awarded by the first block at or after.
  const json::object staked = submit_ok(node, kDevKey0, staking::kStakeKind, staking::AmountMsg{10000 * kVest}.encode());
  const uint64_t since = block_time(node, u64(staked.at("height")));
  json::object p5 = progress(badges_of(node, kDevAddr0), 5);
  CHECK(u64(p5.at("dueAt")) == since + kThirtyDays);
  land_at(node, since + kThirtyDays - 5);
  CHECK_FALSE(held(badges_of(node, kDevAddr0), 5));
  CHECK(str(progress(badges_of(node, kDevAddr0), 5).at("progress")) == std::to_string(kThirtyDays - 5));
  const uint64_t t = land_at(node, since + kThirtyDays);
  auto c = held(badges_of(node, kDevAddr0), 5);
  REQUIRE(c);
  CHECK(u64(c->at("metAt")) == since + kThirtyDays);
  CHECK(u64(c->at("awardedTime")) == t);
  const uint64_t award_height = u64(c->at("awardedHeight"));
  CHECK(award_height == head_height(node));
  // The award's event is among that block's events.
  json::value ev = node.call("chain_getEvents", json::object{{"height", award_height}});
  bool found = false;
  for (const auto& e : ev.at("events").as_array())
    found = found || (str(e.at("type")) == "loyalty.badge_awarded" && str(e.at("fields").at("badge")) == "5");
  CHECK(found);
  // Upgrader: the first Starter purchase upgraded to Growth (a real sale.upgrade)
  // earns it in that transaction, its event right after sale.upgraded.
  CHECK(str(progress(badges_of(node, kDevAddr0), 3).at("progressText")) == "no upgrade yet");
  const uint64_t first_id = std::stoull(str(events_of(first, "sale.purchase").at(0).at("id")));
  const json::object upgraded =
      submit_ok(node, kDevKey0, sale::kUpgradeKind, sale::Upgrade{first_id, 2, 400 * kUsd}.encode());
  const uint64_t hu = u64(upgraded.at("height"));
  CHECK(events_of(upgraded, "sale.upgraded").size() == 1);
  CHECK(awarded(upgraded) == Awards{"3->" + a0});
  const auto& ev_list = upgraded.at("events").as_array();
  for (size_t i = 0; i < ev_list.size(); ++i)
    if (str(ev_list[i].at("type")) == "sale.upgraded") {
      REQUIRE(i + 1 < ev_list.size());
      CHECK(str(ev_list[i + 1].at("type")) == "loyalty.badge_awarded");
      CHECK(str(ev_list[i + 1].at("fields").at("badge")) == "3");
    }
  auto up = held(badges_of(node, kDevAddr0), 3);
  REQUIRE(up);
  CHECK(u64(up->at("awardedHeight")) == hu);
  CHECK_FALSE(held(badges_of(node, kDevAddr0, hu - 1), 3));
  // A second upgrade (the other Starter purchase) awards it no second time.
  const uint64_t again_id = std::stoull(str(events_of(again, "sale.purchase").at(0).at("id")));
  const json::object second =
      submit_ok(node, kDevKey0, sale::kUpgradeKind, sale::Upgrade{again_id, 2, 400 * kUsd}.encode());
  CHECK(events_of(second, "sale.upgraded").size() == 1);
  CHECK(awarded(second).empty());
  CHECK(u64(held(badges_of(node, kDevAddr0), 3)->at("awardedHeight")) == hu);
  CHECK(u64(node.call("loyalty_badgeHolders", json::object{{"badgeId", 3}}).at("badge").at("holders")) == 1);
  CHECK(badges_of(node, kDevAddr0).at("held").as_array().size() == 6);

  // Holders of First Steps in award order, two a page.
  json::value page = node.call("loyalty_badgeHolders", json::object{{"badgeId", 1}, {"limit", 2}});
  REQUIRE(page.at("holders").as_array().size() == 2);
  CHECK(str(page.at("holders").at(0).at("address")) == a0);
  CHECK(str(page.at("holders").at(1).at("address")) == kDevAddr1);
  CHECK(u64(page.at("badge").at("holders")) == 4);
  json::value page2 = node.call("loyalty_badgeHolders",
                                json::object{{"badgeId", 1}, {"limit", 2}, {"cursor", page.at("nextCursor")}});
  REQUIRE(page2.at("holders").as_array().size() == 2);
  CHECK(str(page2.at("holders").at(1).at("address")) == kDevAddr3);
  CHECK(page2.at("nextCursor").is_null());
  // As of the first purchase's block: one holder.
  json::value then = node.call("loyalty_badgeHolders", json::object{{"badgeId", 1}, {"atHeight", h1}});
  CHECK(then.at("holders").as_array().size() == 1);
  json::object unknown = node.rpc("loyalty_badgeHolders", json::object{{"badgeId", 99}});
  CHECK(unknown.contains("error"));

  // `vest badges`.
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  RunResult r = w.run({"badges", kDevAddr0});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("#1 First Steps  awarded at block " + std::to_string(h1)) != std::string::npos);
  CHECK(r.out.find("#5 Committed  awarded at block " + std::to_string(award_height)) != std::string::npos);
  CHECK(r.out.find("#3 Upgrader  awarded at block " + std::to_string(hu)) != std::string::npos);
}

TEST_CASE("badges: strangers cannot define badges, bad rules and duplicates are refused, self-referral earns nothing",
          "[integration][badges]") {
  TempDir dir;
  Vestd node(dir.path());
  loyalty::Badge b{10, "Super Connector", {}};
  b.rule.kind = loyalty::Rule::Kind::kReferrals;
  b.rule.count = 1;
  // A stranger.
  json::object r = submit_msg(node, kDevKey0, sale::kDefineBadgeKind, b.encode());
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == "not_sale_admin");
  CHECK(node.call("loyalty_badges").at("badges").as_array().size() == 6);
  // The admin, with a rule every account would meet at once.
  loyalty::Badge zero = b;
  zero.rule.count = 0;
  r = submit_msg(node, kDevKey9, sale::kDefineBadgeKind, zero.encode());
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == "bad_badge");
  CHECK(error_code(r) == 1700);
  // An existing id.
  loyalty::Badge dup = b;
  dup.id = 4;
  r = submit_msg(node, kDevKey9, sale::kDefineBadgeKind, dup.encode());
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == "badge_exists");
  // The admin defines it.
  json::object ok = submit_ok(node, kDevKey9, sale::kDefineBadgeKind, b.encode());
  CHECK(events_of(ok, "loyalty.badge_defined").size() == 1);
  CHECK(node.call("loyalty_badges").at("badges").as_array().size() == 7);
  // Account 0 buys, then names itself: refused, no referral, no badge.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  r = submit_msg(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0));
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == "self_referral");
  CHECK_FALSE(held(badges_of(node, kDevAddr0), 10));
  // A real new buyer naming it earns it.
  json::object by1 = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0));
  CHECK(awarded(by1) == Awards{"10->" + std::string(kDevAddr0), "1->" + std::string(kDevAddr1)});
}
