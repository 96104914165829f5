// Integration: the sale and vesting contracts of genesis/devnet.json over a
// real vestd, driven with the real `vest` command line and raw JSON-RPC.
//
// devnet sale (genesis/devnet.json): payment USDV (6 decimals), token VEST (18).
//   1 Starter  100 USDV,  1000 VEST base, bonus 10% of base, linear 100% cliff 30 d, end 180 d, referral 3%
//   2 Growth   500 USDV,  5500 VEST base, bonus 1000 VEST, tranches 25% 30 d, 25% 90 d, 50% 180 d,
//              supply cap 10000, referral 4%
//   3 VIP     2500 USDV, 30000 VEST base, bonus 25% of base, linear 40% cliff 90 d, end 365 d,
//              two stake milestones of 30%; account cap 5, referral 5%
// Tiers by USDV spent in the last 365 days: Enthusiast 0, Advocate 1000 (+2% of base), VIP 10000 (+5%).
// vesting.min_grant: 1 VEST, 1 USDV.
//
// Block times are wall clock + the dev offset, so expectations are computed
// from the block times the node reports, never from assumed seconds.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "chain/address.h"
#include "chain/secp256k1.h"
#include "chain/transaction.h"
#include "contracts/sale/messages.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/vesting.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Starter's schedule offsets.
constexpr uint64_t kStarterCliff = 2592000;
constexpr uint64_t kStarterEnd = 15552000;

// ---- the documented vesting math (contracts/vesting/schedule.h), written again ----

// Part amounts: floor(total * bps / 10000), the last part the remainder.
std::vector<Amount> part_amounts(const json::array& parts, Amount total) {
  std::vector<Amount> out;
  Amount assigned = 0;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Amount a = total * u64(parts[i].at("bps")) / 10000;
    out.push_back(a);
    assigned += a;
  }
  out.push_back(total - assigned);
  return out;
}

// Vested at `elapsed` seconds after the anchor; stake milestones are never met here.
Amount expected_vested(const json::value& schedule, Amount total, uint64_t elapsed) {
  const json::array& parts = schedule.at("parts").as_array();
  std::vector<Amount> amounts = part_amounts(parts, total);
  Amount sum = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const json::value& p = parts[i];
    std::string type = str(p.at("type"));
    if (type == "tranche") {
      if (elapsed >= u64(p.at("time"))) sum += amounts[i];
    } else if (type == "linear") {
      uint64_t start = u64(p.at("start")), cliff = u64(p.at("cliff")), end = u64(p.at("end"));
      if (elapsed >= end) {
        sum += amounts[i];
      } else if (elapsed >= cliff) {
        sum += amounts[i] * (elapsed - start) / (end - start);
      }
    }
  }
  return sum;
}

// The unlock steps after `elapsed`: {offset from the anchor, amount}.
std::vector<std::pair<uint64_t, Amount>> expected_unlocks(const json::value& schedule, Amount total, uint64_t elapsed) {
  std::vector<uint64_t> times;
  for (const auto& p : schedule.at("parts").as_array()) {
    std::string type = str(p.at("type"));
    if (type == "tranche") times.push_back(u64(p.at("time")));
    if (type == "linear") {
      times.push_back(u64(p.at("cliff")));
      times.push_back(u64(p.at("end")));
    }
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  std::vector<std::pair<uint64_t, Amount>> out;
  Amount before = expected_vested(schedule, total, elapsed);
  for (uint64_t t : times) {
    if (t <= elapsed) continue;
    Amount now = expected_vested(schedule, total, t);
    if (now > before) out.emplace_back(t, now - before);
    before = now;
  }
  return out;
}

// A position's view matches the schedule math at its echoed time (vesting_get),
// or at `time` (the time a vesting_list answer echoes for all its positions).
void check_position_math(const json::object& pos, std::optional<uint64_t> time = std::nullopt) {
  INFO("position " << json::serialize(pos));
  Amount total = amt(pos.at("total"));
  uint64_t t = time ? *time : u64(pos.at("time")), anchor = u64(pos.at("anchor"));
  REQUIRE(t >= anchor);
  Amount vested = expected_vested(pos.at("schedule"), total, t - anchor);
  Amount released = amt(pos.at("released"));
  CHECK(str(pos.at("vested")) == dec(vested));
  CHECK(str(pos.at("claimable")) == dec(vested - released));
  CHECK(str(pos.at("locked")) == dec(total - vested));
  Amount hundredths = total == 0 ? 0 : vested * 10000 / total;
  std::string frac = std::to_string(static_cast<unsigned>(hundredths % 100));
  CHECK(str(pos.at("percentVested")) == dec(hundredths / 100) + "." + (frac.size() < 2 ? "0" : "") + frac);
  auto next = expected_unlocks(pos.at("schedule"), total, t - anchor);
  const json::array& shown = pos.at("nextUnlocks").as_array();
  REQUIRE(shown.size() == next.size());
  for (size_t i = 0; i < next.size(); ++i) {
    CHECK(u64(shown[i].at("time")) == anchor + next[i].first);
    CHECK(str(shown[i].at("amount")) == dec(next[i].second));
  }
}

// ---- purchases ----

struct Balances {
  Amount buyer_usd, buyer_vest, revenue_usd, treasury_vest, escrow_vest, validator_vest;
};

Balances balances(Vestd& node, const std::string& buyer) {
  return {balance(node, buyer, "USDV"),     balance(node, buyer, "VEST"),    balance(node, kRevenue, "USDV"),
          balance(node, kTreasury, "VEST"), balance(node, escrow(), "VEST"), balance(node, kValidator, "VEST")};
}

struct Bought {
  json::object quote;
  json::object tx;
  json::object purchase;
  uint64_t purchase_id = 0;
  uint64_t position_id = 0;
  uint64_t referral_position_id = 0;
  uint64_t time = 0;    // the purchase block's time: the positions' anchor
  uint64_t height = 0;  // the purchase block
  Amount locked = 0;
};

// Buys with `vest buy` and checks every figure against the sale_quote taken
// just before it and against the package terms, the buyer's tier and the
// documented rules:
//   cost = price x quantity, base = base x quantity, bonus = bps of base or
//   amount x quantity, tier bonus = tier bps of base, locked = bonus + tier
//   bonus, referral reward = referral bps of base; base delivered at once, the
//   locked part in a position for the buyer anchored at the purchase block,
//   the referral reward in a revocable position for the referrer.
Bought buy_and_check(Vestd& node, const Wallet& w, uint32_t package, uint64_t quantity = 1,
                     const std::string& referrer = "") {
  const std::string& buyer = w.address;
  json::value pkg = node.call("sale_getPackage", json::object{{"id", package}, {"address", buyer}});
  json::value tier = node.call("sale_getTier", json::object{{"address", buyer}});
  Balances before = balances(node, buyer);
  size_t referrer_positions = referrer.empty() ? 0 : positions(node, referrer).size();

  json::object qp{{"packageId", package}, {"quantity", quantity}, {"buyer", buyer}};
  if (!referrer.empty()) qp["referrer"] = referrer;
  json::object quote = node.call("sale_quote", qp).as_object();
  INFO("package " << json::serialize(pkg) << "\ntier " << json::serialize(tier) << "\nquote "
                  << json::serialize(quote));

  // The quote against the terms and the rules.
  Amount cost = amt(pkg.at("price").at("amount")) * quantity;
  Amount base = amt(pkg.at("base")) * quantity;
  Amount bonus = pkg.at("bonus").as_object().contains("bps") ? base * u64(pkg.at("bonus").at("bps")) / 10000
                                                             : amt(pkg.at("bonus").at("amount")) * quantity;
  Amount tier_bonus = base * u64(tier.at("bonusBps")) / 10000;
  Amount locked = bonus + tier_bonus;
  Amount referral = referrer.empty() ? 0 : base * u64(pkg.at("referral_bps")) / 10000;
  CHECK(u64(quote.at("packageId")) == package);
  CHECK(quote.at("package") == pkg.at("name"));
  CHECK(u64(quote.at("quantity")) == quantity);
  CHECK(quote.at("buyer") == json::value(buyer));
  CHECK(quote.at("priceAsset") == "USDV");
  CHECK(quote.at("tokenAsset") == "VEST");
  CHECK(quote.at("unitPrice") == pkg.at("price").at("amount"));
  CHECK(str(quote.at("cost")) == dec(cost));
  CHECK(str(quote.at("base")) == dec(base));
  CHECK(str(quote.at("bonus")) == dec(bonus));
  CHECK(quote.at("tier") == tier.at("tier"));
  CHECK(str(quote.at("tierBonus")) == dec(tier_bonus));
  CHECK(str(quote.at("locked")) == dec(locked));
  CHECK(str(quote.at("referralReward")) == dec(referral));
  CHECK(quote.at("schedule") == pkg.at("schedule"));
  auto unlocks = expected_unlocks(quote.at("schedule"), locked, 0);
  const json::array& qu = quote.at("unlocks").as_array();
  REQUIRE(qu.size() == unlocks.size());
  for (size_t i = 0; i < unlocks.size(); ++i) {
    CHECK(u64(qu[i].at("time")) == u64(quote.at("time")) + unlocks[i].first);
    CHECK(str(qu[i].at("amount")) == dec(unlocks[i].second));
  }

  std::vector<std::string> args = {"buy", std::to_string(package), "--quantity", std::to_string(quantity)};
  if (!referrer.empty()) {
    args.push_back("--referrer");
    args.push_back(referrer);
  }
  json::object tx = w.run_json(args).as_object();
  INFO("vest buy -> " << json::serialize(tx));
  REQUIRE(tx.at("status") == "committed");
  CHECK(tx.at("kind") == "sale.purchase");
  CHECK(tx.at("message").at("maxPrice") == quote.at("cost"));  // vest signs exactly the quoted price
  Amount fee = amt(tx.at("fee"));
  uint64_t height = u64(tx.at("height"));
  uint64_t time = block_time(node, height);

  // Events.
  auto purchases = events_of(tx, "sale.purchase");
  REQUIRE(purchases.size() == 1);
  const json::object& ev = purchases[0];
  CHECK(ev.at("buyer") == json::value(buyer));
  CHECK(ev.at("package") == json::value(std::to_string(package)));
  CHECK(ev.at("quantity") == json::value(std::to_string(quantity)));
  CHECK(ev.at("cost") == quote.at("cost"));
  CHECK(ev.at("priceAsset") == "USDV");
  CHECK(ev.at("base") == quote.at("base"));
  CHECK(ev.at("bonus") == quote.at("bonus"));
  CHECK(ev.at("tierBonus") == quote.at("tierBonus"));
  uint64_t purchase_id = std::stoull(str(ev.at("id")));
  auto created = events_of(tx, "vesting.created");
  REQUIRE(created.size() == (locked > 0 ? 1u : 0u) + (referral > 0 ? 1u : 0u));
  if (locked > 0) {
    CHECK(created[0].at("beneficiary") == json::value(buyer));
    CHECK(created[0].at("funder") == kTreasury);
    CHECK(created[0].at("asset") == "VEST");
    CHECK(created[0].at("total") == quote.at("locked"));
    CHECK(created[0].at("origin") == "purchase");
    CHECK(created[0].at("revocable") == "false");
    CHECK(created[0].at("anchor") == json::value(std::to_string(time)));
  }

  // Balances: USDV down by exactly the cost, base delivered, bonus in escrow.
  Balances after = balances(node, buyer);
  CHECK(dec(after.buyer_usd) == dec(before.buyer_usd - cost));
  CHECK(dec(after.buyer_vest) == dec(before.buyer_vest + base - fee));
  CHECK(dec(after.revenue_usd) == dec(before.revenue_usd + cost));
  CHECK(dec(after.treasury_vest) == dec(before.treasury_vest - base - locked - referral));
  CHECK(dec(after.escrow_vest) == dec(before.escrow_vest + locked + referral));
  // devnet sends fee_pool_bps = 20% of each fee to the staking reward pool.
  CHECK(dec(after.validator_vest) == dec(before.validator_vest + fee - fee / 5));

  // The purchase record.
  json::value list = node.call("sale_getPurchases", json::object{{"address", buyer}, {"limit", 1}});
  REQUIRE(!list.at("purchases").as_array().empty());
  json::object rec = list.at("purchases").at(0).as_object();
  INFO("purchase " << json::serialize(rec));
  CHECK(u64(rec.at("id")) == purchase_id);
  CHECK(rec.at("buyer") == json::value(buyer));
  CHECK(u64(rec.at("packageId")) == package);
  CHECK(u64(rec.at("quantity")) == quantity);
  CHECK(rec.at("priceAsset") == "USDV");
  CHECK(rec.at("cost") == quote.at("cost"));
  CHECK(rec.at("base") == quote.at("base"));
  CHECK(rec.at("bonus") == quote.at("bonus"));
  CHECK(rec.at("tierBonus") == quote.at("tierBonus"));
  CHECK(rec.at("tier") == quote.at("tier"));
  CHECK(rec.at("referralReward") == quote.at("referralReward"));
  CHECK(rec.at("referrer") == (referrer.empty() ? json::value(nullptr) : json::value(referrer)));
  CHECK(u64(rec.at("time")) == time);
  CHECK(u64(rec.at("height")) == height);

  Bought b;
  b.quote = quote;
  b.tx = tx;
  b.purchase = rec;
  b.purchase_id = purchase_id;
  b.time = time;
  b.height = height;
  b.locked = locked;

  // The buyer's position.
  if (locked > 0) {
    REQUIRE(rec.at("positionId").is_number());
    b.position_id = u64(rec.at("positionId"));
    CHECK(created[0].at("id") == json::value(std::to_string(b.position_id)));
    json::object pos = position(node, b.position_id);
    INFO("position " << json::serialize(pos));
    CHECK(pos.at("beneficiary") == json::value(buyer));
    CHECK(pos.at("asset") == "VEST");
    CHECK(pos.at("total") == quote.at("locked"));
    CHECK(pos.at("originalTotal") == quote.at("locked"));
    CHECK(pos.at("released") == "0");
    CHECK(pos.at("funder") == kTreasury);
    CHECK(pos.at("revocable") == false);
    CHECK(pos.at("revokedAt").is_null());
    CHECK(pos.at("origin") == "purchase");
    CHECK(u64(pos.at("originRef")) == purchase_id);
    CHECK(u64(pos.at("anchor")) == time);
    CHECK(u64(pos.at("createdHeight")) == height);
    CHECK(pos.at("schedule") == quote.at("schedule"));
    // The same unlock amounts as quoted, counted from the purchase block.
    const json::array& next = pos.at("nextUnlocks").as_array();
    REQUIRE(next.size() == qu.size());
    for (size_t i = 0; i < next.size(); ++i) {
      CHECK(u64(next[i].at("time")) - time == u64(qu[i].at("time")) - u64(quote.at("time")));
      CHECK(next[i].at("amount") == qu[i].at("amount"));
    }
    check_position_math(pos);
  } else {
    CHECK(rec.at("positionId").is_null());
  }

  // The referrer's position.
  if (referral > 0) {
    auto refs = events_of(tx, "sale.referral");
    REQUIRE(refs.size() == 1);
    CHECK(refs[0].at("referrer") == json::value(referrer));
    CHECK(refs[0].at("buyer") == json::value(buyer));
    CHECK(refs[0].at("reward") == quote.at("referralReward"));
    CHECK(refs[0].at("purchase") == json::value(std::to_string(purchase_id)));
    REQUIRE(rec.at("referralPositionId").is_number());
    b.referral_position_id = u64(rec.at("referralPositionId"));
    CHECK(refs[0].at("position") == json::value(std::to_string(b.referral_position_id)));
    json::array mine = positions(node, referrer);
    REQUIRE(mine.size() == referrer_positions + 1);
    json::object pos = mine.back().as_object();
    INFO("referral position " << json::serialize(pos));
    CHECK(u64(pos.at("id")) == b.referral_position_id);
    CHECK(pos.at("beneficiary") == json::value(referrer));
    CHECK(pos.at("total") == quote.at("referralReward"));
    CHECK(pos.at("funder") == kTreasury);
    CHECK(pos.at("revocable") == true);
    CHECK(pos.at("origin") == "referral");
    CHECK(u64(pos.at("originRef")) == purchase_id);
    CHECK(u64(pos.at("anchor")) == time);
    CHECK(pos.at("schedule") == pkg.at("schedule"));
  } else {
    CHECK(rec.at("referralPositionId").is_null());
  }

  // Units sold, to everyone and to this buyer.
  json::value pkg_after = node.call("sale_getPackage", json::object{{"id", package}, {"address", buyer}});
  CHECK(u64(pkg_after.at("sold")) == u64(pkg.at("sold")) + quantity);
  CHECK(u64(pkg_after.at("bought")) == u64(pkg.at("bought")) + quantity);
  if (!pkg.at("remaining").is_null()) CHECK(u64(pkg_after.at("remaining")) == u64(pkg.at("remaining")) - quantity);
  if (!pkg.at("remainingForAccount").is_null())
    CHECK(u64(pkg_after.at("remainingForAccount")) == u64(pkg.at("remainingForAccount")) - quantity);
  return b;
}

std::string utc(uint64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// The 20-character bar `vest vesting` draws for a percentage text.
std::string bar(const std::string& percent) {
  unsigned whole = static_cast<unsigned>(std::stoul(percent.substr(0, percent.find('.'))));
  unsigned filled = std::min(20u, whole / 5);
  return "[" + std::string(filled, '#') + std::string(20 - filled, '.') + "] " + percent + "%";
}

}  // namespace

TEST_CASE("harness: the development keys derive their addresses", "[integration][sale]") {
  const std::pair<const char*, const char*> keys[] = {{kDevKey0, kDevAddr0},
                                                      {kDevKey1, kDevAddr1},
                                                      {kDevKey2, kDevAddr2},
                                                      {kDevKey3, kDevAddr3},
                                                      {kDevKey9, kDevAddr9}};
  for (const auto& [key, addr] : keys) CHECK(to_checksum(address_of(key_hex(key))) == addr);
}

TEST_CASE("sale: vest buy of each package delivers exactly what sale_quote said", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);

  // The packages on sale are genesis/devnet.json's.
  json::value genesis = json::parse(read_file(source_path("genesis/devnet.json")));
  const json::array& terms = genesis.at("sale").at("packages").as_array();
  json::value listed = node.call("sale_listPackages", json::object{{"address", kDevAddr0}});
  REQUIRE(listed.at("packages").as_array().size() == terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    const json::value& g = terms[i];
    const json::value& p = listed.at("packages").at(i);
    INFO("genesis " << json::serialize(g) << "\nlisted " << json::serialize(p));
    CHECK(p.at("id") == g.at("id"));
    CHECK(p.at("name") == g.at("name"));
    CHECK(p.at("price") == g.at("price"));
    CHECK(p.at("base") == g.at("base"));
    CHECK(p.at("bonus") == g.at("bonus"));
    CHECK(p.at("schedule") == g.at("schedule"));
    CHECK(p.at("status") == "open");
    CHECK(u64(p.at("sold")) == 0);
    CHECK(u64(p.at("bought")) == 0);
  }
  RunResult text = w.run({"packages"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("#1 Starter (open)") != std::string::npos);
  CHECK(text.out.find("price  500 USDV") != std::string::npos);
  CHECK(text.out.find("bonus  1000 VEST, vesting: 25.00 % at day 30; 25.00 % at day 90; 50.00 % at day 180;") !=
        std::string::npos);
  CHECK(text.out.find("10000 left") != std::string::npos);

  // Starter, Growth, VIP in turn: 100 + 500 USDV before VIP keeps the buyer
  // under Advocate's 1000 USDV, so no tier bonus yet.
  Bought starter = buy_and_check(node, w, 1);
  CHECK(starter.quote.at("bonus") == "100000000000000000000");  // 10% of 1000 VEST
  CHECK(starter.quote.at("tierBonus") == "0");
  Bought growth = buy_and_check(node, w, 2);
  CHECK(growth.quote.at("bonus") == "1000000000000000000000");  // a fixed 1000 VEST
  CHECK(growth.quote.at("unlocks").as_array().size() == 3);
  Bought vip = buy_and_check(node, w, 3);
  CHECK(vip.quote.at("bonus") == "7500000000000000000000");  // 25% of 30000 VEST
  CHECK(vip.quote.at("tier") == "Enthusiast");
  // VIP: only its linear 40% has dates; the stake milestones are listed apart, unmet.
  json::object pos = position(node, vip.position_id);
  const json::array& ms = pos.at("milestones").as_array();
  REQUIRE(ms.size() == 2);
  CHECK(u64(ms[0].at("part")) == 1);
  CHECK(ms[0].at("amount") == "2250000000000000000000");
  CHECK(ms[0].at("minStake") == "10000000000000000000000");
  CHECK(u64(ms[0].at("duration")) == 30 * kDay);
  CHECK(ms[0].at("metAt").is_null());
  CHECK(u64(ms[1].at("part")) == 2);
  CHECK(ms[1].at("amount") == "2250000000000000000000");
  CHECK(ms[1].at("metAt").is_null());
  Amount dated = 0;
  for (const auto& u : pos.at("nextUnlocks").as_array()) dated += amt(u.at("amount"));
  CHECK(dec(dated) == "3000000000000000000000");  // 40% of 7500 VEST

  // The three purchases, newest first, and three positions of the buyer.
  json::value all = node.call("sale_getPurchases", json::object{{"address", kDevAddr0}});
  REQUIRE(all.at("purchases").as_array().size() == 3);
  CHECK(u64(all.at("purchases").at(0).at("id")) == vip.purchase_id);
  CHECK(u64(all.at("purchases").at(2).at("id")) == starter.purchase_id);
  CHECK(positions(node, kDevAddr0).size() == 3);
  // One per page: purchases newest first, positions oldest first, each once.
  std::vector<uint64_t> ids;
  json::value cursor = nullptr;
  for (int pages = 0; pages < 10; ++pages) {
    json::object p{{"address", kDevAddr0}, {"limit", 1}};
    if (!cursor.is_null()) p["cursor"] = cursor;
    json::value page = node.call("sale_getPurchases", p);
    for (const auto& r : page.at("purchases").as_array()) ids.push_back(u64(r.at("id")));
    cursor = page.at("nextCursor");
    if (cursor.is_null()) break;
  }
  CHECK(ids == std::vector<uint64_t>{vip.purchase_id, growth.purchase_id, starter.purchase_id});
  ids.clear();
  cursor = nullptr;
  for (int pages = 0; pages < 10; ++pages) {
    json::object p{{"address", kDevAddr0}, {"limit", 1}};
    if (!cursor.is_null()) p["cursor"] = cursor;
    json::value page = node.call("vesting_list", p);
    for (const auto& r : page.at("positions").as_array()) ids.push_back(u64(r.at("id")));
    cursor = page.at("nextCursor");
    if (cursor.is_null()) break;
  }
  CHECK(ids == std::vector<uint64_t>{starter.position_id, growth.position_id, vip.position_id});
}

TEST_CASE("vesting: Starter's bonus vests linearly from its 30-day cliff and vest claim releases it",
          "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  Bought b = buy_and_check(node, w, 1);
  const uint64_t id = b.position_id, anchor = b.time;
  const Amount total = 100 * kVest;
  REQUIRE(dec(b.locked) == dec(total));

  auto refused_claim = [&](const char* when) {
    INFO(when);
    Amount vest_before = balance(node, kDevAddr0, "VEST");
    uint64_t nonce_before = nonce(node, kDevAddr0);
    json::value released_before = position(node, id).at("released");
    RunResult r = w.run({"claim"});
    INFO("vest claim: exit " << r.exit_code << "\n" << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nothing_to_claim") != std::string::npos);
    node.call("dev_mine");
    // Refused before any block: not even a fee is charged.
    CHECK(nonce(node, kDevAddr0) == nonce_before);
    CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest_before));
    CHECK(position(node, id).at("released") == released_before);
  };

  // Nothing before the cliff.
  refused_claim("right after the purchase");
  uint64_t t = land_at(node, anchor + kStarterCliff - 60);
  json::object pos = position(node, id);
  CHECK(u64(pos.at("time")) == t);
  CHECK(pos.at("vested") == "0");
  CHECK(pos.at("claimable") == "0");
  CHECK(pos.at("locked") == json::value(dec(total)));
  check_position_math(pos);
  refused_claim("a minute before the cliff");

  // The cliff, to the second.
  t = land_at(node, anchor + kStarterCliff - 1);
  CHECK(t == anchor + kStarterCliff - 1);
  check_position_math(position(node, id));
  if (t < anchor + kStarterCliff) CHECK(position(node, id).at("vested") == "0");
  t = land_at(node, anchor + kStarterCliff);
  CHECK(t == anchor + kStarterCliff);
  pos = position(node, id);
  check_position_math(pos);
  CHECK(str(pos.at("vested")) == dec(total * (t - anchor) / kStarterEnd));
  if (t == anchor + kStarterCliff) CHECK(pos.at("vested") == "16666666666666666666");  // 100 VEST x 30 / 180

  // Mid-way: the linear formula at the block time vesting_get echoes.
  t = advance(node, 45 * kDay + 12345);
  pos = position(node, id);
  CHECK(u64(pos.at("time")) == t);
  Amount vested = total * (t - anchor) / kStarterEnd;
  CHECK(str(pos.at("vested")) == dec(vested));
  CHECK(str(pos.at("claimable")) == dec(vested));
  check_position_math(pos);

  // `vest vesting`: a progress bar and the next unlock (the end of the schedule).
  RunResult text = w.run({"vesting"});
  INFO(text.out << text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("#" + std::to_string(id) + " purchase  " + bar(str(pos.at("percentVested")))) !=
        std::string::npos);
  CHECK(text.out.find("next unlock " + utc(anchor + kStarterEnd) + ": +" + format_units(total - vested, 18)) !=
        std::string::npos);
  CHECK(text.out.find("claimable " + format_units(vested, 18) + "\n") != std::string::npos);

  // `vest claim` releases exactly what has vested at its block's time.
  Amount vest_before = balance(node, kDevAddr0, "VEST");
  Claimed c = claim(node, w);
  Amount released = total * (c.time - anchor) / kStarterEnd;
  CHECK(dec(c.amount) == dec(released));
  auto claimed = events_of(c.tx, "vesting.claimed");
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].at("id") == json::value(std::to_string(id)));
  CHECK(claimed[0].at("released") == json::value(dec(released)));
  CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest_before + released - kDevMinFee));
  pos = position(node, id);
  CHECK(str(pos.at("released")) == dec(released));
  CHECK(pos.at("claimable") == "0");  // the head is the claim's block
  check_position_math(pos);

  // After the end: everything vested, the rest claimable, then claimed.
  t = advance(node, 200 * kDay);
  REQUIRE(t >= anchor + kStarterEnd);
  pos = position(node, id);
  CHECK(pos.at("vested") == json::value(dec(total)));
  CHECK(str(pos.at("claimable")) == dec(total - released));
  CHECK(pos.at("locked") == "0");
  CHECK(pos.at("percentVested") == "100.00");
  CHECK(pos.at("nextUnlocks").as_array().empty());
  vest_before = balance(node, kDevAddr0, "VEST");
  c = claim(node, w, {std::to_string(id)});
  CHECK(dec(c.amount) == dec(total - released));
  CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest_before + total - released - kDevMinFee));
  pos = position(node, id);
  CHECK(pos.at("released") == json::value(dec(total)));
  CHECK(pos.at("claimable") == "0");
  text = w.run({"vesting"});
  CHECK(text.out.find(bar("100.00")) != std::string::npos);
  CHECK(text.out.find("next unlock") == std::string::npos);
  refused_claim("after everything was claimed");
}

TEST_CASE("vesting: Growth's tranches unlock exactly at 30, 90 and 180 days", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey1, kDevAddr1);
  Bought b = buy_and_check(node, w, 2);
  const uint64_t id = b.position_id, anchor = b.time;
  REQUIRE(dec(b.locked) == dec(1000 * kVest));
  json::object pos = position(node, id);
  const json::array& next = pos.at("nextUnlocks").as_array();
  REQUIRE(next.size() == 3);
  CHECK(u64(next[0].at("time")) == anchor + 30 * kDay);
  CHECK(next[0].at("amount") == "250000000000000000000");
  CHECK(u64(next[1].at("time")) == anchor + 90 * kDay);
  CHECK(next[1].at("amount") == "250000000000000000000");
  CHECK(u64(next[2].at("time")) == anchor + 180 * kDay);
  CHECK(next[2].at("amount") == "500000000000000000000");

  struct Step {
    uint64_t offset;
    Amount before, after;
  };
  const Step steps[] = {
      {30 * kDay, 0, 250 * kVest}, {90 * kDay, 250 * kVest, 500 * kVest}, {180 * kDay, 500 * kVest, 1000 * kVest}};
  Amount released = 0;
  for (const Step& s : steps) {
    INFO("tranche at day " << s.offset / kDay);
    uint64_t t = land_at(node, anchor + s.offset - 1);
    CHECK(t == anchor + s.offset - 1);
    pos = position(node, id);
    check_position_math(pos);
    if (t < anchor + s.offset) CHECK(str(pos.at("vested")) == dec(s.before));
    t = land_at(node, anchor + s.offset);
    CHECK(t == anchor + s.offset);
    pos = position(node, id);
    check_position_math(pos);
    CHECK(str(pos.at("vested")) == dec(s.after));
    CHECK(str(pos.at("claimable")) == dec(s.after - released));
    if (s.offset == 30 * kDay) {
      // Claim the first tranche by id: exactly 250 VEST.
      Claimed c = claim(node, w, {std::to_string(id)});
      CHECK(dec(c.amount) == dec(250 * kVest));
      released = 250 * kVest;
    }
  }
  Claimed c = claim(node, w);
  CHECK(dec(c.amount) == dec(750 * kVest));
  pos = position(node, id);
  CHECK(pos.at("released") == "1000000000000000000000");
  CHECK(pos.at("locked") == "0");
  CHECK(pos.at("nextUnlocks").as_array().empty());
}

TEST_CASE("sale: tiers follow spend, referral rewards vest for the referrer, self-referral is refused",
          "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w0 = import_wallet(dir, node, kDevKey0, kDevAddr0);
  Wallet w1 = import_wallet(dir, node, kDevKey1, kDevAddr1);

  auto tier = [&](const char* addr) { return node.call("sale_getTier", json::object{{"address", addr}}); };
  json::value t = tier(kDevAddr0);
  INFO("tier " << json::serialize(t));
  CHECK(t.at("tier") == "Enthusiast");
  CHECK(u64(t.at("index")) == 0);
  CHECK(t.at("spend") == "0");
  CHECK(t.at("next").at("tier") == "Advocate");
  CHECK(t.at("next").at("remaining") == "1000000000");
  CHECK(t.at("next").at("progress") == "0.00");

  // 2500 USDV: Advocate, 1500 of the 9000 USDV between Advocate and VIP.
  Bought first = buy_and_check(node, w0, 3);
  CHECK(first.quote.at("tierBonus") == "0");
  auto changed = events_of(first.tx, "sale.tier_changed");
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].at("from") == "Enthusiast");
  CHECK(changed[0].at("to") == "Advocate");
  CHECK(changed[0].at("spend") == "2500000000");
  t = tier(kDevAddr0);
  INFO("tier " << json::serialize(t));
  CHECK(t.at("tier") == "Advocate");
  CHECK(u64(t.at("index")) == 1);
  CHECK(u64(t.at("bonusBps")) == 200);
  CHECK(t.at("spend") == "2500000000");
  CHECK(t.at("next").at("tier") == "VIP");
  CHECK(t.at("next").at("remaining") == "7500000000");
  CHECK(t.at("next").at("progress") == "16.66");

  // The next purchase carries Advocate's 2% of base: 600 VEST more, locked.
  Bought second = buy_and_check(node, w0, 3);
  CHECK(second.quote.at("tier") == "Advocate");
  CHECK(second.quote.at("tierBonus") == "600000000000000000000");
  CHECK(second.quote.at("locked") == "8100000000000000000000");
  CHECK(second.purchase.at("tier") == "Advocate");
  CHECK(events_of(second.tx, "sale.tier_changed").empty());  // 5000 USDV: still Advocate
  t = tier(kDevAddr0);
  CHECK(t.at("spend") == "5000000000");
  CHECK(t.at("next").at("progress") == "44.44");

  // Two units at once: 10000 USDV reaches VIP; both units get Advocate's bonus.
  Bought third = buy_and_check(node, w0, 3, 2);
  CHECK(third.quote.at("cost") == "5000000000");
  CHECK(third.quote.at("tierBonus") == "1200000000000000000000");
  changed = events_of(third.tx, "sale.tier_changed");
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].at("to") == "VIP");
  t = tier(kDevAddr0);
  INFO("tier " << json::serialize(t));
  CHECK(t.at("tier") == "VIP");
  CHECK(u64(t.at("bonusBps")) == 500);
  CHECK(t.at("spend") == "10000000000");
  CHECK(t.at("next").is_null());
  json::value q = node.call("sale_quote", json::object{{"packageId", 1}, {"buyer", kDevAddr0}});
  CHECK(q.at("tier") == "VIP");
  CHECK(q.at("tierBonus") == "50000000000000000000");  // 5% of 1000 VEST
  // VIP's account cap is 5: four bought, two more refused.
  json::object capped = node.rpc("sale_quote", json::object{{"packageId", 3}, {"quantity", 2}, {"buyer", kDevAddr0}});
  INFO(json::serialize(capped));
  CHECK(error_reason(capped) == "account_cap_reached");
  CHECK(error_code(capped) == 1205);

  // Referrals: the referrer must have bought, and may not be the buyer.
  json::object not_buyer =
      node.rpc("sale_quote", json::object{{"packageId", 1}, {"buyer", kDevAddr1}, {"referrer", kDevAddr2}});
  CHECK(error_reason(not_buyer) == "referrer_not_buyer");
  json::object self =
      node.rpc("sale_quote", json::object{{"packageId", 1}, {"buyer", kDevAddr0}, {"referrer", kDevAddr0}});
  CHECK(error_reason(self) == "self_referral");
  CHECK(error_code(self) == 1209);
  uint64_t nonce0 = nonce(node, kDevAddr0);
  Amount usd0 = balance(node, kDevAddr0, "USDV");
  RunResult r = w0.run({"buy", "1", "--referrer", kDevAddr0});
  INFO("vest buy with itself as referrer: " << r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("self_referral") != std::string::npos);
  // Signed anyway, bypassing the quote: refused with the same reason.
  json::object signed_self =
      submit_msg(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr0));
  CHECK(error_reason(signed_self) == "self_referral");
  node.call("dev_mine");
  CHECK(nonce(node, kDevAddr0) == nonce0);
  CHECK(dec(balance(node, kDevAddr0, "USDV")) == dec(usd0));

  // Account 1 buys Starter referred by account 0: 3% of 1000 VEST for account 0,
  // vesting on Starter's schedule (buy_and_check checks the referral position).
  size_t before = positions(node, kDevAddr0).size();
  Bought referred = buy_and_check(node, w1, 1, 1, kDevAddr0);
  CHECK(referred.quote.at("referralReward") == "30000000000000000000");
  json::array mine = positions(node, kDevAddr0);
  REQUIRE(mine.size() == before + 1);
  CHECK(mine.back().at("total") == "30000000000000000000");
  // Account 1's own tier counts only its own 100 USDV.
  CHECK(tier(kDevAddr1).at("spend") == "100000000");

  // A year later the spend has left the window.
  advance(node, 365 * kDay + 10);
  t = tier(kDevAddr0);
  CHECK(t.at("tier") == "Enthusiast");
  CHECK(t.at("spend") == "0");
}

TEST_CASE("vesting: vest grant with a schedule file, vest revoke, and the beneficiary claims the vested part",
          "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet funder = import_wallet(dir, node, kDevKey0, kDevAddr0);
  Wallet holder = import_wallet(dir, node, kDevKey1, kDevAddr1);
  // 60% linear over 100 days with a 10-day cliff, 40% at day 50.
  fs::path schedule = dir.path() / "schedule.json";
  write_file(schedule, R"({"parts":[{"type":"linear","bps":6000,"start":0,"cliff":864000,"end":8640000},)"
                       R"({"type":"tranche","bps":4000,"time":4320000}]})");
  const Amount total = 100 * kVest;

  // Below the minimum grant (1 VEST, 1 USDV): refused, nothing moves.
  Amount vest0 = balance(node, kDevAddr0, "VEST");
  for (std::vector<std::string> args : {std::vector<std::string>{"--amount", "0.999999999999999999"},
                                        std::vector<std::string>{"--amount", "0.999999", "--asset", "USDV"}}) {
    args.insert(args.begin(), {"grant", "--to", kDevAddr1, "--schedule", schedule.string(), "--revocable"});
    RunResult r = funder.run(args);
    INFO("vest grant below the minimum: " << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("below_minimum") != std::string::npos);
  }
  CHECK(nonce(node, kDevAddr0) == 0);
  CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest0));
  CHECK(positions(node, kDevAddr1).empty());
  // A bad schedule file is refused before anything is signed.
  fs::path bad = dir.path() / "bad.json";
  write_file(bad, R"({"parts":[{"type":"tranche","bps":5000,"time":100}]})");
  RunResult r = funder.run({"grant", "--to", kDevAddr1, "--amount", "5", "--schedule", bad.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("10000") != std::string::npos);

  // Exactly the minimum is fine (not revocable, to account 2).
  json::value min_grant =
      funder.run_json({"grant", "--to", kDevAddr2, "--amount", "1", "--schedule", schedule.string()});
  CHECK(min_grant.at("status") == "committed");
  uint64_t fixed_id = std::stoull(str(events_of(min_grant, "vesting.created").at(0).at("id")));

  Amount escrow_before = balance(node, escrow(), "VEST");
  vest0 = balance(node, kDevAddr0, "VEST");
  json::value granted =
      funder.run_json({"grant", "--to", kDevAddr1, "--amount", "100", "--schedule", schedule.string(), "--revocable"});
  INFO("grant " << json::serialize(granted));
  REQUIRE(granted.at("status") == "committed");
  CHECK(granted.at("kind") == "vesting.grant");
  auto created = events_of(granted, "vesting.created");
  REQUIRE(created.size() == 1);
  uint64_t id = std::stoull(str(created[0].at("id")));
  uint64_t anchor = block_time(node, u64(granted.at("height")));
  CHECK(created[0].at("origin") == "grant");
  CHECK(created[0].at("revocable") == "true");
  CHECK(created[0].at("anchor") == json::value(std::to_string(anchor)));
  CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest0 - total - kDevMinFee));
  CHECK(dec(balance(node, escrow(), "VEST")) == dec(escrow_before + total));
  json::object pos = position(node, id);
  CHECK(pos.at("beneficiary") == kDevAddr1);
  CHECK(pos.at("funder") == kDevAddr0);
  CHECK(pos.at("total") == "100000000000000000000");
  CHECK(pos.at("revocable") == true);
  CHECK(pos.at("origin") == "grant");
  CHECK(u64(pos.at("anchor")) == anchor);
  CHECK(pos.at("schedule") == json::parse(read_file(schedule)));
  check_position_math(pos);

  // Only the funder revokes, only revocable positions.
  r = holder.run({"revoke", std::to_string(id)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not_funder") != std::string::npos);
  r = funder.run({"revoke", std::to_string(fixed_id)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not_revocable") != std::string::npos);

  // 60 days on: the tranche and 60% of the linear part have vested.
  uint64_t t = advance(node, 60 * kDay);
  pos = position(node, id);
  check_position_math(pos);
  CHECK(str(pos.at("vested")) == dec(40 * kVest + 60 * kVest * (t - anchor) / 8640000));

  // Revoke: the funder gets the unvested part back at the revoke's block time.
  vest0 = balance(node, kDevAddr0, "VEST");
  escrow_before = balance(node, escrow(), "VEST");
  json::value revoked = funder.run_json({"revoke", std::to_string(id)});
  INFO("revoke " << json::serialize(revoked));
  REQUIRE(revoked.at("status") == "committed");
  uint64_t tr = block_time(node, u64(revoked.at("height")));
  Amount vested_at_revoke = 40 * kVest + 60 * kVest * (tr - anchor) / 8640000;
  Amount returned = total - vested_at_revoke;
  auto ev = events_of(revoked, "vesting.revoked");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].at("returned") == json::value(dec(returned)));
  CHECK(ev[0].at("vested") == json::value(dec(vested_at_revoke)));
  CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest0 + returned - kDevMinFee));
  CHECK(dec(balance(node, escrow(), "VEST")) == dec(escrow_before - returned));
  pos = position(node, id);
  INFO("revoked position " << json::serialize(pos));
  CHECK(u64(pos.at("revokedAt")) == tr);
  CHECK(str(pos.at("total")) == dec(vested_at_revoke));
  CHECK(pos.at("originalTotal") == "100000000000000000000");
  CHECK(str(pos.at("vested")) == dec(vested_at_revoke));
  CHECK(str(pos.at("claimable")) == dec(vested_at_revoke));
  CHECK(pos.at("locked") == "0");
  CHECK(pos.at("revocable") == false);
  CHECK(pos.at("nextUnlocks").as_array().empty());
  r = funder.run({"revoke", std::to_string(id)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not_revocable") != std::string::npos);

  // Time passes; nothing more vests. The beneficiary claims exactly the vested part.
  advance(node, 100 * kDay);
  CHECK(str(position(node, id).at("vested")) == dec(vested_at_revoke));
  Amount vest1 = balance(node, kDevAddr1, "VEST");
  // A grant from another account is offered: claiming all leaves it alone,
  // naming it accepts and claims it.
  r = holder.run({"claim"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("nothing_to_claim") != std::string::npos);
  Claimed c = claim(node, holder, {std::to_string(id)});
  CHECK(dec(c.amount) == dec(vested_at_revoke));
  CHECK(dec(balance(node, kDevAddr1, "VEST")) == dec(vest1 + vested_at_revoke - kDevMinFee));
  pos = position(node, id);
  CHECK(str(pos.at("released")) == dec(vested_at_revoke));
  CHECK(pos.at("claimable") == "0");
  // The escrow holds only what account 2 has not claimed of its 1 VEST.
  CHECK(dec(balance(node, escrow(), "VEST")) == dec(1 * kVest));
}

TEST_CASE("rpc: refused purchases and claims leave the state unchanged", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  // Accounts 0 and 1 each own a Starter position.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  uint64_t pos0 = u64(positions(node, kDevAddr0).at(0).at("id"));
  uint64_t pos1 = u64(positions(node, kDevAddr1).at(0).at("id"));
  advance(node, 60 * kDay);  // past the cliff: both have something to claim

  // Everything a refused transaction could have touched.
  auto fingerprint = [&] {
    json::object f;
    for (const char* a : {kDevAddr0, kDevAddr1, kTreasury, kRevenue, kValidator}) {
      json::value acct = node.call("account_get", json::object{{"address", a}});
      f[a] = json::object{{"nonce", acct.at("nonce")}, {"balances", acct.at("balances")}};
    }
    f["escrow"] = node.call("account_get", json::object{{"address", escrow()}}).at("balances");
    json::array sold;
    json::value listed = node.call("sale_listPackages");
    for (const auto& p : listed.at("packages").as_array()) sold.push_back(p.at("sold"));
    f["sold"] = sold;
    for (const char* a : {kDevAddr0, kDevAddr1}) {
      json::array ps;
      for (const auto& p : positions(node, a)) ps.push_back(json::array{p.at("id"), p.at("total"), p.at("released")});
      f[std::string("positions ") + a] = ps;
      f[std::string("purchases ") + a] =
          node.call("sale_getPurchases", json::object{{"address", a}}).at("purchases").as_array().size();
    }
    return f;
  };
  json::object before = fingerprint();
  uint64_t height = head_height(node);

  auto refused = [&](const char* what, const char* key, uint64_t kind, Bytes payload, const char* reason, int code) {
    json::object r = submit_msg(node, key, kind, std::move(payload));
    INFO(what << ": " << json::serialize(r));
    REQUIRE(r.contains("error"));
    CHECK(error_reason(r) == reason);
    CHECK(error_code(r) == code);
    return std::string(r.at("error").at("message").as_string());
  };
  // Above the signed maximum price: one base unit less than the 100 USDV price.
  std::string msg = refused("max price", kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd - 1),
                            "above_max_price", 1206);
  CHECK(msg.find("the price is 100 USDV") != std::string::npos);
  CHECK(msg.find("maximum 99.999999 USDV") != std::string::npos);
  refused("max price for two", kDevKey1, sale::kPurchaseKind, purchase_payload(2, 2, 500 * kUsd), "above_max_price",
          1206);
  refused("unknown package", kDevKey1, sale::kPurchaseKind, purchase_payload(99, 1, kU128Max), "package_not_found",
          1200);
  refused("zero quantity", kDevKey1, sale::kPurchaseKind, purchase_payload(1, 0, kU128Max), "zero_quantity", 1213);
  // Claiming another account's position, alone or with one's own: nothing is released.
  msg = refused("claim of account 0's position by account 1", kDevKey1, vesting::kClaimKind,
                vesting::Claim{{pos0}}.encode(), "not_beneficiary", 1302);
  CHECK(msg.find(kDevAddr0) != std::string::npos);
  refused("claim of its own and account 1's position by account 0", kDevKey0, vesting::kClaimKind,
          vesting::Claim{{pos0, pos1}}.encode(), "not_beneficiary", 1302);
  refused("claim of a position that does not exist", kDevKey1, vesting::kClaimKind,
          vesting::Claim{{pos1, 999}}.encode(), "position_not_found", 1301);
  refused("revoke of a purchase position by its buyer", kDevKey0, vesting::kRevokeKind, vesting::Revoke{pos0}.encode(),
          "not_funder", 1303);
  // The same over the read methods and the wallet.
  CHECK(node.call("sale_getPackage", json::object{{"id", 99}}).is_null());
  json::object q = node.rpc("sale_quote", json::object{{"packageId", 99}, {"buyer", kDevAddr1}});
  CHECK(error_reason(q) == "package_not_found");
  CHECK(node.call("vesting_get", json::object{{"id", 999}}).is_null());
  Wallet w1 = import_wallet(dir, node, kDevKey1, kDevAddr1);
  RunResult r = w1.run({"buy", "1", "--max-price", "99.999999"});
  INFO("vest buy --max-price: " << r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("above_max_price") != std::string::npos);
  r = w1.run({"claim", std::to_string(pos0)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not_beneficiary") != std::string::npos);

  node.call("dev_mine");
  json::object after = fingerprint();
  INFO("before " << json::serialize(before) << "\nafter  " << json::serialize(after));
  CHECK(after == before);
  json::value status = node.call("node_status");
  CHECK(u64(status.at("height")) == height + 1);  // only the empty block dev_mine sealed
  CHECK(u64(status.at("mempool").at("transactions")) == 0);
  // Account 0 can still claim its own position.
  submit_ok(node, kDevKey0, vesting::kClaimKind, vesting::Claim{{pos0}}.encode());
  CHECK(position(node, pos0).at("released") != "0");
  CHECK(position(node, pos1).at("released") == "0");
}

TEST_CASE("rpc: account_get agrees with vesting_list, and chain_getEvents finds purchase and vesting events by kind",
          "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  json::object p1 = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  json::object p2 = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(2, 1, 500 * kUsd));
  // A USDV grant from account 1, vesting over 10 days: positions in both assets.
  vesting::Schedule linear10{{vesting::Part::linear(10000, 0, 10 * kDay)}};
  json::object g = submit_ok(
      node, kDevKey1, vesting::kGrantKind,
      vesting::Grant{*parse_address(kDevAddr0), "USDV", 50 * kUsd, vesting::encode(linear10), true, 0}.encode());
  // Account 0 accepts it, so it counts in its holdings and its claim of all.
  uint64_t grant_id = std::stoull(str(events_of(g, "vesting.created").at(0).at("id")));
  submit_ok(node, kDevKey0, vesting::kAcceptKind, vesting::Accept{{grant_id}}.encode());
  advance(node, 40 * kDay);
  json::object c1 = submit_ok(node, kDevKey0, vesting::kClaimKind, vesting::Claim{}.encode());
  advance(node, 7 * kDay);

  auto check_sums = [&](std::optional<uint64_t> at) {
    json::object ap{{"address", kDevAddr0}}, lp{{"address", kDevAddr0}};
    if (at) {
      ap["atHeight"] = *at;
      lp["atHeight"] = *at;
    }
    json::value acct = node.call("account_get", ap);
    json::value list = node.call("vesting_list", lp);
    INFO("account_get " << json::serialize(acct) << "\nvesting_list " << json::serialize(list));
    CHECK(acct.at("height") == list.at("height"));
    CHECK(acct.at("time") == list.at("time"));
    std::map<std::string, Amount> locked, claimable;
    for (const auto& p : list.at("positions").as_array()) {
      locked[str(p.at("asset"))] += amt(p.at("locked"));
      claimable[str(p.at("asset"))] += amt(p.at("claimable"));
      check_position_math(p.as_object(), u64(list.at("time")));
    }
    for (const char* asset : {"VEST", "USDV"}) {
      INFO(asset);
      CHECK(str(acct.at("locked").at(asset)) == dec(locked[asset]));
      CHECK(str(acct.at("claimable").at(asset)) == dec(claimable[asset]));
      CHECK(acct.at("spendable").at(asset) == acct.at("balances").at(asset));
    }
    return list;
  };
  json::value list = check_sums(std::nullopt);
  REQUIRE(list.at("positions").as_array().size() == 3);
  // Mid-vesting in VEST, fully vested in USDV: both kinds of figure are non-trivial.
  json::value acct = node.call("account_get", json::object{{"address", kDevAddr0}});
  CHECK(acct.at("locked").at("VEST") != "0");
  CHECK(acct.at("claimable").at("VEST") != "0");
  CHECK(acct.at("locked").at("USDV") == "0");
  check_sums(u64(p2.at("height")));
  check_sums(u64(c1.at("height")));
  // The escrow holds exactly what the positions have not released.
  std::map<std::string, Amount> unreleased;
  for (const auto& p : list.at("positions").as_array())
    unreleased[str(p.at("asset"))] += amt(p.at("total")) - amt(p.at("released"));
  CHECK(dec(balance(node, escrow(), "VEST")) == dec(unreleased["VEST"]));
  CHECK(dec(balance(node, escrow(), "USDV")) == dec(unreleased["USDV"]));

  // One call looks at 4 x limit of the account's indexed events: 400 cover all of them here.
  auto events = [&](const char* kind, std::optional<std::string> cursor = std::nullopt, uint64_t limit = 100) {
    json::object p{{"address", kDevAddr0}, {"kind", kind}, {"limit", limit}};
    if (cursor) p["cursor"] = *cursor;
    return node.call("chain_getEvents", p);
  };
  // Purchases, newest first, each with its transaction.
  json::value purchases = events("sale.purchase");
  INFO("sale.purchase events " << json::serialize(purchases));
  REQUIRE(purchases.at("events").as_array().size() == 2);
  CHECK(purchases.at("nextCursor").is_null());
  const json::value& e0 = purchases.at("events").at(0);
  CHECK(e0.at("type") == "sale.purchase");
  CHECK(e0.at("txHash") == p2.at("hash"));
  CHECK(e0.at("height") == p2.at("height"));
  CHECK(e0.at("fields").at("package") == "2");
  CHECK(e0.at("fields").at("cost") == "500000000");
  CHECK(e0.at("fields").at("buyer") == kDevAddr0);
  CHECK(purchases.at("events").at(1).at("txHash") == p1.at("hash"));
  CHECK(purchases.at("events").at(1).at("fields").at("package") == "1");
  // One event per page. A filtered page may come back short (the node scans
  // a bounded part of the index per call), so follow the cursors to the end.
  auto one_per_page = [&](const char* kind) {
    std::vector<json::value> paged;
    std::optional<std::string> cursor;
    for (int pages = 0; pages < 30; ++pages) {
      json::value page = events(kind, cursor, 1);
      INFO(kind << " page " << pages << ": " << json::serialize(page));
      CHECK(page.at("events").as_array().size() <= 1);
      for (const auto& e : page.at("events").as_array()) paged.push_back(e);
      if (page.at("nextCursor").is_null()) break;
      cursor = str(page.at("nextCursor"));
    }
    return paged;
  };
  std::vector<json::value> paged = one_per_page("sale.purchase");
  REQUIRE(paged.size() == 2);
  CHECK(paged[0] == purchases.at("events").at(0));
  CHECK(paged[1] == purchases.at("events").at(1));
  // Every event of a block, by height.
  json::value block_events = node.call("chain_getEvents", json::object{{"height", p1.at("height")}});
  std::vector<std::string> types;
  for (const auto& e : block_events.at("events").as_array()) {
    std::string type = str(e.at("type"));
    if (type == "bank.transfer") type += ":" + str(e.at("fields").at("reason"));
    types.push_back(type);
  }
  // The devnet's First Steps badge for the buyer's first purchase comes last.
  CHECK(types == std::vector<std::string>{"bank.fee", "bank.transfer:sale_payment",
                                          "bank.transfer:sale_delivery", "sale.purchase", "vesting.counted",
                                          "vesting.counted", "bank.transfer:escrow_deposit", "vesting.created",
                                          "loyalty.badge_awarded"});

  // Positions created for account 0: two purchases and the grant.
  json::value created = events("vesting.created");
  INFO("vesting.created events " << json::serialize(created));
  REQUIRE(created.at("events").as_array().size() == 3);
  CHECK(created.at("events").at(0).at("txHash") == g.at("hash"));
  CHECK(created.at("events").at(0).at("fields").at("origin") == "grant");
  CHECK(created.at("events").at(0).at("fields").at("asset") == "USDV");
  CHECK(created.at("events").at(1).at("txHash") == p2.at("hash"));
  CHECK(created.at("events").at(1).at("fields").at("total") == "1000000000000000000000");
  CHECK(created.at("events").at(2).at("txHash") == p1.at("hash"));
  CHECK(created.at("events").at(2).at("fields").at("total") == "100000000000000000000");
  for (const auto& e : created.at("events").as_array()) CHECK(e.at("type") == "vesting.created");

  // The claim of all positions: one event per position that released something.
  json::value claimed = events("vesting.claimed");
  INFO("vesting.claimed events " << json::serialize(claimed));
  Amount claimed_vest = 0, claimed_usd = 0;
  for (const auto& e : claimed.at("events").as_array()) {
    CHECK(e.at("txHash") == c1.at("hash"));
    (e.at("fields").at("asset") == "USDV" ? claimed_usd : claimed_vest) += amt(e.at("fields").at("amount"));
  }
  CHECK(claimed.at("events").as_array().size() == 3);
  // Three events of one transaction, one per page: each once, in the same order.
  paged = one_per_page("vesting.claimed");
  REQUIRE(paged.size() == 3);
  for (size_t i = 0; i < paged.size(); ++i) CHECK(paged[i] == claimed.at("events").at(i));
  Amount released_vest = 0, released_usd = 0;
  for (const auto& p : list.at("positions").as_array())
    (p.at("asset") == "USDV" ? released_usd : released_vest) += amt(p.at("released"));
  CHECK(dec(claimed_vest) == dec(released_vest));
  CHECK(dec(claimed_usd) == dec(released_usd));
  CHECK(dec(claimed_usd) == dec(50 * kUsd));
  // A kind no event has: empty, last page.
  json::value none = events("sale.referral");
  CHECK(none.at("events").as_array().empty());
  CHECK(none.at("nextCursor").is_null());
}

TEST_CASE("rpc: atHeight answers vesting reads as of an older block", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  uint64_t before_purchase = head_height(node);
  Bought b = buy_and_check(node, w, 1);
  uint64_t t1 = advance(node, 60 * kDay);
  uint64_t h1 = head_height(node);
  json::object then = position(node, b.position_id);
  CHECK(then.at("released") == "0");
  Amount claimable_then = amt(then.at("claimable"));
  REQUIRE(claimable_then > 0);
  Amount vest_then = balance(node, kDevAddr0, "VEST");

  Claimed c = claim(node, w);
  advance(node, kDay);
  json::object now = position(node, b.position_id);
  CHECK(str(now.at("released")) == dec(c.amount));

  // As of h1: nothing released, the same claimable, at h1's block time.
  json::object old = position(node, b.position_id, h1);
  INFO("as of " << h1 << ": " << json::serialize(old));
  CHECK(u64(old.at("height")) == h1);
  CHECK(u64(old.at("time")) == t1);
  CHECK(old.at("released") == "0");
  CHECK(str(old.at("claimable")) == dec(claimable_then));
  check_position_math(old);
  json::value old_acct = node.call("account_get", json::object{{"address", kDevAddr0}, {"atHeight", h1}});
  CHECK(str(old_acct.at("balances").at("VEST")) == dec(vest_then));
  CHECK(str(old_acct.at("claimable").at("VEST")) == dec(claimable_then));
  CHECK(!old_acct.as_object().contains("pendingCount"));
  json::value old_list = node.call("vesting_list", json::object{{"address", kDevAddr0}, {"atHeight", h1}});
  REQUIRE(old_list.at("positions").as_array().size() == 1);
  CHECK(old_list.at("positions").at(0).at("released") == "0");
  // As of the claim's block: released, nothing claimable.
  json::object at_claim = position(node, b.position_id, u64(c.tx.at("height")));
  CHECK(str(at_claim.at("released")) == dec(c.amount));
  CHECK(at_claim.at("claimable") == "0");
  // Before the purchase the position did not exist.
  CHECK(node.call("vesting_get", json::object{{"id", b.position_id}, {"atHeight", before_purchase}}).is_null());
  CHECK(node.call("vesting_list", json::object{{"address", kDevAddr0}, {"atHeight", before_purchase}})
            .at("positions")
            .as_array()
            .empty());
  // A block that does not exist yet.
  json::object future = node.rpc("vesting_get", json::object{{"id", b.position_id}, {"atHeight", 1000000}});
  CHECK(error_code(future) == -32602);
}

TEST_CASE("vesting: a claim left with nothing in its block fails there and costs only the fee", "[integration][sale]") {
  TempDir dir;
  // No timed blocks during the test: only dev_mine seals, so two claims share a block.
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  json::object r = submit_msg(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd), false);
  REQUIRE(r.contains("result"));
  node.call("dev_mine");
  uint64_t id = u64(positions(node, kDevAddr0).at(0).at("id"));
  advance(node, 60 * kDay);
  Amount vest_before = balance(node, kDevAddr0, "VEST");
  uint64_t nonce_before = nonce(node, kDevAddr0);

  // Both claims pass admission (each alone would release something) ...
  json::value first = w.run_json({"--no-wait", "claim"});
  std::string first_hash = str(first.at("hash"));
  BackgroundVest second(w.with_globals({"claim"}));
  bool pending = false;
  for (int i = 0; i < 500 && !pending; ++i) {
    pending = u64(node.call("node_status").at("mempool").at("transactions")) == 2;
    if (!pending) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(pending);
  // ... but in the block the first releases everything and the second fails.
  node.call("dev_mine");
  RunResult out = second.finish();
  INFO("second vest claim: exit " << out.exit_code << "\n" << out.out << out.err);
  CHECK(out.exit_code == 1);
  CHECK(out.out.find("nothing_to_claim") != std::string::npos);
  CHECK(out.err.find("the transaction failed in block") != std::string::npos);
  CHECK(out.err.find("[nothing_to_claim]") != std::string::npos);  // with the node's message

  json::value ok = node.call("chain_getTransaction", json::object{{"hash", first_hash}});
  INFO("first claim " << json::serialize(ok));
  REQUIRE(ok.at("status") == "committed");
  Amount claimed = 0;
  for (const auto& e : events_of(ok, "vesting.claimed")) claimed += amt(e.at("amount"));
  uint64_t t = block_time(node, u64(ok.at("height")));
  CHECK(dec(claimed) == dec(100 * kVest * (t - block_time(node, 1)) / kStarterEnd));
  json::value txs = node.call("account_getTransactions", json::object{{"address", kDevAddr0}, {"limit", 1}});
  const json::value& failed = txs.at("transactions").at(0);
  INFO("second claim " << json::serialize(failed));
  CHECK(failed.at("status") == "failed");
  CHECK(failed.at("height") == ok.at("height"));
  CHECK(failed.at("error").at("reason") == "nothing_to_claim");
  CHECK(u64(failed.at("error").at("code")) == 307);
  // Its only event is the fee's.
  REQUIRE(failed.at("events").as_array().size() == 1);
  CHECK(failed.at("events").at(0).at("type") == "bank.fee");
  // Balances: the claim, and two fees.
  CHECK(nonce(node, kDevAddr0) == nonce_before + 2);
  CHECK(dec(balance(node, kDevAddr0, "VEST")) == dec(vest_before + claimed - 2 * kDevMinFee));
  CHECK(str(position(node, id).at("released")) == dec(claimed));
}

TEST_CASE("sale: spend counts toward the tier for the 365-day window, to the second", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  json::object bought = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  uint64_t t0 = block_time(node, u64(bought.at("height")));
  json::value tier = node.call("sale_getTier", json::object{{"address", kDevAddr0}});
  uint64_t window = u64(tier.at("windowSeconds"));
  CHECK(window == 365 * kDay);
  CHECK(tier.at("tier") == "Advocate");

  uint64_t t = land_at(node, t0 + window - 1);
  CHECK(t == t0 + window - 1);
  tier = node.call("sale_getTier", json::object{{"address", kDevAddr0}});
  INFO("one second before the window ends: " << json::serialize(tier));
  CHECK(u64(tier.at("time")) == t);
  if (t < t0 + window) {
    CHECK(tier.at("spend") == "2500000000");
    CHECK(tier.at("tier") == "Advocate");
  }
  t = land_at(node, t0 + window);
  CHECK(t == t0 + window);
  tier = node.call("sale_getTier", json::object{{"address", kDevAddr0}});
  INFO("when the window ends: " << json::serialize(tier));
  CHECK(tier.at("spend") == "0");
  CHECK(tier.at("tier") == "Enthusiast");
}

// A read "as of" an older block must see keys that later blocks deleted: the
// sale prunes spend entries older than the tier window on each purchase, and
// sale_getTier {atHeight} for a block inside the old window still counts them.
TEST_CASE("sale: sale_getTier atHeight still counts spend pruned after that block", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(3, 1, 2500 * kUsd));
  uint64_t h = head_height(node);
  json::value then = node.call("sale_getTier", json::object{{"address", kDevAddr0}, {"atHeight", h}});
  CHECK(then.at("spend") == "2500000000");
  CHECK(then.at("tier") == "Advocate");
  // More than a tier window later another purchase prunes the old spend entry.
  advance(node, 366 * kDay);
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  CHECK(node.call("sale_getTier", json::object{{"address", kDevAddr0}}).at("spend") == "100000000");
  // As of block h nothing has changed: the same answer as before.
  json::value again = node.call("sale_getTier", json::object{{"address", kDevAddr0}, {"atHeight", h}});
  INFO("sale_getTier as of " << h << " before the pruning: " << json::serialize(then)
                             << "\nafter the pruning: " << json::serialize(again));
  CHECK(again.at("spend") == then.at("spend"));
  CHECK(again.at("tier") == then.at("tier"));
}

// Text output prints plain values, never JSON-quoted strings.
TEST_CASE("vest: buy and claim print transaction fields without JSON quotes", "[integration][sale]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  RunResult r = w.run({"buy", "1"});
  INFO("vest buy 1:\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("Quote: 1 x Starter for 100 USDV") != std::string::npos);
  CHECK(r.out.find("  packageId 1\n") != std::string::npos);  // message fields: plain
  CHECK(r.out.find("  status  committed in block 1\n") != std::string::npos);
  CHECK(r.out.find("  kind    sale.purchase\n") != std::string::npos);
  CHECK(r.out.find("\"committed\"") == std::string::npos);
  CHECK(r.out.find("\"0x") == std::string::npos);
  // The purchase's events, then a claim's released amount, in base units.
  CHECK(r.out.find("  event   sale.purchase ") != std::string::npos);
  CHECK(r.out.find("  event   vesting.created ") != std::string::npos);
  node.call("dev_increaseTime", json::object{{"seconds", 31 * 86400}});
  RunResult c = w.run({"claim"});
  INFO("vest claim:\n" << c.out << c.err);
  REQUIRE(c.exit_code == 0);
  auto at = c.out.find("  event   vesting.claimed ");
  REQUIRE(at != std::string::npos);
  CHECK(c.out.find(" amount=", at) != std::string::npos);
}
