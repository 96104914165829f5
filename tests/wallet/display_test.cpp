// Exact shares, durations, offsets and event amounts (wallet/display.h).
#include "wallet/display.h"

#include <catch2/catch.hpp>

using namespace vest::wallet;
namespace json = boost::json;

TEST_CASE("display: basis points are exact percentages", "[wallet]") {
  CHECK(bps_text(3333) == "33.33 %");
  CHECK(bps_text(10000) == "100.00 %");
  CHECK(bps_text(5) == "0.05 %");
  CHECK(bps_text(0) == "0.00 %");
  CHECK(bps_text(2510) == "25.10 %");
}

TEST_CASE("display: durations and offsets are exact", "[wallet]") {
  CHECK(duration_text(0) == "0 s");
  CHECK(duration_text(86400) == "1 day");
  CHECK(duration_text(2592000) == "30 days");
  CHECK(duration_text(43200) == "12 h");
  CHECK(duration_text(129600) == "1 day 12 h");
  CHECK(duration_text(5400) == "1 h 30 min");
  CHECK(duration_text(90) == "1 min 30 s");
  CHECK(duration_text(86401) == "1 day 1 s");
  CHECK(offset_text(0) == "day 0");
  CHECK(offset_text(15552000) == "day 180");
  CHECK(offset_text(43200) == "12 h");
  CHECK(offset_text(108000) == "day 1 + 6 h");
}

TEST_CASE("display: which event fields are amounts, of which asset", "[wallet]") {
  EventAssets assets{"VEST", "TOK", "USDV"};
  json::object transfer{{"asset", "USDV"}, {"amount", "5"}};
  CHECK(event_amount_asset("bank.transfer", "amount", transfer, assets) == "USDV");
  CHECK_FALSE(event_amount_asset("bank.transfer", "to", transfer, assets));
  json::object purchase{{"priceAsset", "USDX"}, {"cost", "1"}};
  CHECK(event_amount_asset("sale.purchase", "cost", purchase, assets) == "USDX");
  CHECK(event_amount_asset("sale.purchase", "base", purchase, assets) == "TOK");
  CHECK_FALSE(event_amount_asset("sale.purchase", "quantity", purchase, assets));
  CHECK(event_amount_asset("sale.tier_changed", "spend", {}, assets) == "USDV");
  CHECK(event_amount_asset("staking.unbonded", "amount", {}, assets) == "VEST");
  CHECK_FALSE(event_amount_asset("staking.unstaked", "maturity", {}, assets));
  CHECK(event_amount_asset("vesting.claimed", "released", json::object{{"asset", "TOK"}}, assets) == "TOK");
  CHECK_FALSE(event_amount_asset("vesting.created", "id", json::object{{"asset", "TOK"}}, assets));
}
