// Integration: upgrades and refunds of the devnet catalogue (Starter upgrades
// to Growth; Trial has a 14-day refund window; docs/sale-and-vesting.md)
// through signed transactions and `vest` against a real vestd, read back with
// sale_quote, sale_getPurchases and vesting_get.
#include <catch2/catch.hpp>

#include "chain/address.h"
#include "contracts/sale/messages.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

constexpr uint32_t kStarter = 1, kGrowth = 2, kTrial = 7;

uint64_t purchase_id(const json::object& tx) { return std::stoull(str(events_of(tx, "sale.purchase").at(0).at("id"))); }

// sale_getPurchases: the record with `id`.
json::object purchase_record(Vestd& node, const char* addr, uint64_t id) {
  json::value r = node.call("sale_getPurchases", json::object{{"address", addr}, {"limit", 100}});
  for (const auto& p : r.at("purchases").as_array())
    if (u64(p.at("id")) == id) return p.as_object();
  FAIL("no purchase " << id << " in " << json::serialize(r));
  return {};
}

}  // namespace

TEST_CASE("upgrade: Starter to Growth 40 days on, quoted exactly, with time served counting",
          "[integration][upgrade]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  const json::object bought = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(kStarter, 1, 100 * kUsd));
  const uint64_t from = purchase_id(bought);
  const uint64_t t0 = block_time(node, u64(bought.at("height")));
  land_at(node, t0 + 40 * kDay);

  // The quote: 500 - 100 USDV, 5,500 - 1,000 VEST base, 1,000 - 100 VEST bonus on
  // Growth's tranches (25% at 30 days, 25% at 90, 50% at 180) counted from t0.
  json::value q = w.run_json({"upgrade", std::to_string(from), std::to_string(kGrowth), "--quote"});
  INFO(json::serialize(q));
  CHECK(str(q.at("cost")) == dec(400 * kUsd));
  CHECK(str(q.at("paid")) == dec(100 * kUsd));
  CHECK(str(q.at("base")) == dec(4500 * kVest));
  CHECK(str(q.at("bonus")) == dec(900 * kVest));
  CHECK(u64(q.at("anchor")) == t0);
  CHECK(str(q.at("vestedAtOnce")) == dec(225 * kVest));
  const auto& unlocks = q.at("unlocks").as_array();
  REQUIRE(unlocks.size() == 2);
  CHECK(u64(unlocks[0].at("time")) == t0 + 90 * kDay);
  CHECK(str(unlocks[0].at("amount")) == dec(225 * kVest));
  CHECK(u64(unlocks[1].at("time")) == t0 + 180 * kDay);
  CHECK(str(unlocks[1].at("amount")) == dec(450 * kVest));

  // A signed maximum below the cost is refused, with nothing changed but the fee.
  const Amount usd = balance(node, kDevAddr0, "USDV");
  json::object low = submit_msg(node, kDevKey0, sale::kUpgradeKind, sale::Upgrade{from, kGrowth, 399 * kUsd}.encode());
  CHECK(error_reason(low) == "above_max_price");
  CHECK(balance(node, kDevAddr0, "USDV") == usd);
  CHECK(str(purchase_record(node, kDevAddr0, from).at("status")) == "active");

  json::value tx = w.run_json({"upgrade", std::to_string(from), std::to_string(kGrowth)});
  INFO(json::serialize(tx));
  auto up = events_of(tx.as_object(), "sale.upgraded");
  REQUIRE(up.size() == 1);
  const uint64_t id = std::stoull(str(up[0].at("id")));
  CHECK(balance(node, kDevAddr0, "USDV") == usd - 400 * kUsd);
  const json::object old_rec = purchase_record(node, kDevAddr0, from);
  CHECK(str(old_rec.at("status")) == "upgraded");
  CHECK(u64(old_rec.at("upgradedBy")) == id);
  const json::object rec = purchase_record(node, kDevAddr0, id);
  CHECK(u64(rec.at("upgradeOf")) == from);
  const json::object pos = position(node, u64(rec.at("positionId")));
  CHECK(u64(pos.at("anchor")) == t0);
  CHECK(str(pos.at("vested")) == dec(225 * kVest));
  CHECK(str(pos.at("claimable")) == dec(225 * kVest));

  // The same purchase cannot be upgraded twice, nor returned (Starter has no window anyway).
  json::object again = submit_msg(node, kDevKey0, sale::kUpgradeKind, sale::Upgrade{from, kGrowth, kU128Max}.encode());
  CHECK(error_reason(again) == "not_upgradable");
  RunResult r = w.run({"refund", std::to_string(from)});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("not_refundable") != std::string::npos);
}

TEST_CASE("refund: a Trial returned within 14 days, another released to revenue at the close",
          "[integration][refund]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey1, kDevAddr1);
  const std::string revenue = "0xFC95Bb2eFB9218fDD87dF8Ae6e20FC6e31db109F";
  const Amount usd = balance(node, kDevAddr1, "USDV");
  const Amount revenue_usd = balance(node, revenue.c_str(), "USDV");
  RunResult pk = w.run({"packages"});
  INFO(pk.out);
  CHECK(pk.out.find("#7 Trial (open)") != std::string::npos);
  CHECK(pk.out.find("refund within 14 days of purchase") != std::string::npos);
  CHECK(pk.out.find("upgrades to #2") != std::string::npos);
  const json::object first = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(kTrial, 1, 100 * kUsd));
  const uint64_t a = purchase_id(first);
  json::object rec = purchase_record(node, kDevAddr1, a);
  const uint64_t t0 = block_time(node, u64(first.at("height")));
  CHECK(str(rec.at("escrow").at("amount")) == dec(100 * kUsd));
  CHECK(u64(rec.at("escrow").at("releaseAt")) == t0 + 14 * kDay);
  CHECK(balance(node, revenue.c_str(), "USDV") == revenue_usd);

  json::value tx = w.run_json({"refund", std::to_string(a)});
  INFO(json::serialize(tx));
  auto refunded = events_of(tx.as_object(), "sale.refunded");
  REQUIRE(refunded.size() == 1);
  CHECK(str(refunded[0].at("baseReturned")) == dec(1000 * kVest));
  CHECK(str(refunded[0].at("bonusCancelled")) == dec(100 * kVest));
  CHECK(balance(node, kDevAddr1, "USDV") == usd);
  CHECK(str(purchase_record(node, kDevAddr1, a).at("status")) == "refunded");

  // The second stays until the window closes: then a block event moves it to revenue.
  const json::object second = submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(kTrial, 1, 100 * kUsd));
  const uint64_t b = purchase_id(second);
  const uint64_t release_at = u64(purchase_record(node, kDevAddr1, b).at("escrow").at("releaseAt"));
  land_at(node, release_at);
  bool released = false;
  for (uint64_t h = u64(second.at("height")) + 1; h <= head_height(node); ++h) {
    json::value evs = node.call("chain_getEvents", json::object{{"height", h}});
    for (const auto& ev : evs.at("events").as_array())
      if (str(ev.at("type")) == "sale.payment_released" && str(ev.at("fields").at("purchase")) == std::to_string(b))
        released = true;
  }
  CHECK(released);
  CHECK(balance(node, revenue.c_str(), "USDV") == revenue_usd + 100 * kUsd);
  CHECK(purchase_record(node, kDevAddr1, b).at("escrow").at("released") == true);
  RunResult r = w.run({"refund", std::to_string(b)});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("refund_window_closed") != std::string::npos);
  CHECK(str(purchase_record(node, kDevAddr1, b).at("status")) == "active");
}
