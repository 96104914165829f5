// Integration: purchases, referrals and usage milestones of the devnet
// catalogue (Loyalty, Ambassador, Academy; docs/sale-and-vesting.md), through
// signed transactions against a real vestd, read back with vesting_get and
// `vest vesting`, and the attacks on them: a stranger or a rotated-out key
// recording usage, self-referral, a module account as referrer, the same
// buyer counted twice, purchases before the position counting.
#include <catch2/catch.hpp>

#include "chain/address.h"
#include "contracts/sale/messages.h"
#include "contracts/vesting/messages.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

// Development accounts 4 to 8 of the test mnemonic; 8 reports courses_completed in devnet's genesis.
constexpr const char* kDevKey4 = "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
constexpr const char* kDevAddr4 = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
constexpr const char* kDevKey5 = "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
constexpr const char* kDevAddr5 = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
constexpr const char* kDevKey6 = "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
constexpr const char* kDevKey7 = "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
constexpr const char* kDevAddr7 = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
constexpr const char* kDevKey8 = "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
constexpr const char* kDevAddr8 = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";

constexpr uint32_t kLoyalty = 4, kAmbassador = 5, kAcademy = 6;

uint64_t bought_position(const json::object& tx) {
  for (const auto& e : events_of(tx, "vesting.created"))
    if (str(e.at("origin")) == "purchase") return std::stoull(str(e.at("id")));
  FAIL("no purchase position in " << json::serialize(tx));
  return 0;
}

// The milestone entry of part `part` in vesting_get.
json::object milestone(const json::object& pos, size_t part) {
  for (const auto& m : pos.at("milestones").as_array())
    if (u64(m.at("part")) == part) return m.as_object();
  FAIL("no milestone for part " << part << " in " << json::serialize(pos));
  return {};
}

json::object refused(Vestd& node, const char* key, uint64_t kind, Bytes payload, const char* reason, int code) {
  json::object r = submit_msg(node, key, kind, std::move(payload));
  INFO(json::serialize(r));
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == reason);
  CHECK(error_code(r) == code);
  return r;
}

Bytes usage_payload(const char* holder, uint64_t value, std::string metric = "courses_completed") {
  return vesting::ReportUsage{std::move(metric), *parse_address(holder), value}.encode();
}

}  // namespace

TEST_CASE("milestones: the development keys of accounts 4 to 8 derive their addresses", "[integration][milestones]") {
  CHECK(to_checksum(address_of(key_hex(kDevKey4))) == kDevAddr4);
  CHECK(to_checksum(address_of(key_hex(kDevKey5))) == kDevAddr5);
  CHECK(to_checksum(address_of(key_hex(kDevKey7))) == kDevAddr7);
  CHECK(to_checksum(address_of(key_hex(kDevKey8))) == kDevAddr8);
}

TEST_CASE("milestones: Loyalty's purchases parts vest at the block later purchases reach them", "[integration][milestones]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = import_wallet(dir, node, kDevKey0, kDevAddr0);
  // A Starter bought before Loyalty does not count toward it.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const json::object bought = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(kLoyalty, 1, 200 * kUsd));
  const uint64_t id = bought_position(bought);
  json::object p = position(node, id);
  CHECK(str(p.at("total")) == dec(400 * kVest));  // 20% of 2,000 VEST
  CHECK(str(milestone(p, 1).at("progressText")) == "0 of 2 units bought");
  CHECK(str(milestone(p, 2).at("progressText")) == "0 USDV of 1000 USDV spent");
  CHECK(milestone(p, 1).at("metAt").is_null());

  // One Starter: 1 of 2; a second: the units part is met in that block.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const uint64_t before_met = head_height(node);
  CHECK(str(milestone(position(node, id), 1).at("progressText")) == "1 of 2 units bought");
  const json::object second = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const uint64_t met_at = block_time(node, u64(second.at("height")));
  auto met = events_of(second, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(str(met[0].at("id")) == std::to_string(id));
  CHECK(str(met[0].at("type")) == "purchases");
  CHECK(str(met[0].at("amount")) == dec(100 * kVest));
  CHECK(str(met[0].at("metAt")) == std::to_string(met_at));
  p = position(node, id);
  CHECK(str(milestone(p, 1).at("progressText")) == "2 of 2 units bought");
  CHECK(u64(milestone(p, 1).at("metAt")) == met_at);
  CHECK(str(milestone(p, 2).at("progressText")) == "200 USDV of 1000 USDV spent");
  CHECK(str(milestone(p, 2).at("asset")) == "USDV");
  // As of the block before, it was not met.
  json::object earlier = position(node, id, before_met);
  CHECK(milestone(earlier, 1).at("metAt").is_null());
  CHECK(str(milestone(earlier, 1).at("progress")) == "1");
  // What it released: the 100 VEST part, and the linear half as accrued.
  CHECK(amt(p.at("vested")) >= 100 * kVest);
  CHECK(amt(earlier.at("vested")) < 100 * kVest);

  RunResult out = w.run({"vesting"});
  INFO(out.out);
  CHECK(out.out.find("purchases  [####################] 100.00% 2 of 2 units bought (met ") != std::string::npos);
  CHECK(out.out.find("purchases  [####................] 20.00% 200 USDV of 1000 USDV spent") != std::string::npos);
}

TEST_CASE("milestones: Ambassador counts three distinct new buyers, and self, module and repeat referrals do not count",
          "[integration][milestones]") {
  TempDir dir;
  Vestd node(dir.path());
  submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));  // dev1 may refer
  submit_ok(node, kDevKey3, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));  // dev3 has bought already
  const uint64_t id =
      bought_position(submit_ok(node, kDevKey1, sale::kPurchaseKind, purchase_payload(kAmbassador, 1, 100 * kUsd)));
  auto progress = [&] { return str(milestone(position(node, id), 1).at("progressText")); };
  CHECK(progress() == "0 of 3 new buyers referred");

  // dev2, new: 1 of 3. dev2 again, and dev3 (not new): still 1.
  submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  CHECK(progress() == "1 of 3 new buyers referred");
  submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  submit_ok(node, kDevKey3, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  CHECK(progress() == "1 of 3 new buyers referred");
  // dev1 naming itself, and a module account as referrer: refused, nothing counted.
  refused(node, kDevKey1, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1), "self_referral", 1209);
  refused(node, kDevKey4, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, escrow()), "module_account", 1218);
  CHECK(progress() == "1 of 3 new buyers referred");

  // dev4 and dev5, new: met at dev5's block, once.
  json::object fourth = submit_ok(node, kDevKey4, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  CHECK(events_of(fourth, "vesting.milestone_met").empty());
  json::object fifth = submit_ok(node, kDevKey5, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  auto met = events_of(fifth, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(str(met[0].at("type")) == "referrals");
  json::object p = position(node, id);
  CHECK(progress() == "3 of 3 new buyers referred");
  CHECK(u64(milestone(p, 1).at("metAt")) == block_time(node, u64(fifth.at("height"))));
  CHECK(str(p.at("vested")) == dec(100 * kVest));  // half of 200 VEST; the day-90 tranche later
  json::object sixth = submit_ok(node, kDevKey6, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd, kDevAddr1));
  CHECK(events_of(sixth, "vesting.milestone_met").empty());
}

TEST_CASE("milestones: Academy's usage part, reported only by the metric's reporter, rotated by the sale admin",
          "[integration][milestones]") {
  TempDir dir;
  Vestd node(dir.path());
  json::value metrics = node.call("vesting_metrics");
  REQUIRE(metrics.at("metrics").as_array().size() == 1);
  CHECK(str(metrics.at("metrics").at(0).at("name")) == "courses_completed");
  CHECK(str(metrics.at("metrics").at(0).at("reporter")) == kDevAddr8);

  const uint64_t id =
      bought_position(submit_ok(node, kDevKey5, sale::kPurchaseKind, purchase_payload(kAcademy, 1, 300 * kUsd)));
  auto part = [&] { return milestone(position(node, id), 1); };
  CHECK(str(part().at("progressText")) == "0 of 10 courses_completed");

  // A stranger records usage: refused with a clear error, state unchanged.
  const json::object before = position(node, id);
  json::object r = refused(node, kDevKey6, vesting::kReportUsageKind, usage_payload(kDevAddr5, 10), "not_reporter", 1313);
  CHECK(str(r.at("error").at("message")) == std::string("only ") + kDevAddr8 + " reports courses_completed");
  refused(node, kDevKey5, vesting::kReportUsageKind, usage_payload(kDevAddr5, 10), "not_reporter", 1313);
  CHECK(position(node, id).at("milestones") == before.at("milestones"));

  // The reporter: 4 of 10; a lower value and an unknown metric are refused.
  json::object four = submit_ok(node, kDevKey8, vesting::kReportUsageKind, usage_payload(kDevAddr5, 4));
  auto counted = events_of(four, "vesting.counted");
  REQUIRE(counted.size() == 1);
  CHECK(str(counted[0].at("value")) == "4");
  CHECK(str(counted[0].at("reporter")) == kDevAddr8);
  CHECK(str(part().at("progressText")) == "4 of 10 courses_completed");
  refused(node, kDevKey8, vesting::kReportUsageKind, usage_payload(kDevAddr5, 3), "usage_not_increased", 1314);
  refused(node, kDevKey8, vesting::kReportUsageKind, usage_payload(kDevAddr5, 7, "months_subscribed"),
          "unknown_metric", 1312);

  // Only the sale admin hands the metric to dev7; then dev8's key is refused.
  const Bytes rotate = sale::SetReporter{"courses_completed", *parse_address(kDevAddr7)}.encode();
  refused(node, kDevKey8, sale::kSetReporterKind, rotate, "not_sale_admin", 1211);
  json::object rotated = submit_ok(node, kDevKey9, sale::kSetReporterKind, rotate);
  auto changed = events_of(rotated, "vesting.reporter_changed");
  REQUIRE(changed.size() == 1);
  CHECK(str(changed[0].at("from")) == kDevAddr8);
  CHECK(str(changed[0].at("to")) == kDevAddr7);
  CHECK(str(node.call("vesting_metrics").at("metrics").at(0).at("reporter")) == kDevAddr7);
  refused(node, kDevKey8, vesting::kReportUsageKind, usage_payload(kDevAddr5, 10), "not_reporter", 1313);
  CHECK(str(part().at("progressText")) == "4 of 10 courses_completed");

  // dev7 reports with `vest report-usage`: 10 of 10, met in that block.
  Wallet reporter = import_wallet(dir, node, kDevKey7, kDevAddr7);
  json::value tx = reporter.run_json({"report-usage", "courses_completed", kDevAddr5, "10"});
  INFO(json::serialize(tx));
  REQUIRE(str(tx.at("status")) == "committed");
  auto met = events_of(tx, "vesting.milestone_met");
  REQUIRE(met.size() == 1);
  CHECK(str(met[0].at("type")) == "usage");
  CHECK(str(met[0].at("amount")) == dec(300 * kVest));
  json::object p = position(node, id);
  CHECK(u64(milestone(p, 1).at("metAt")) == block_time(node, u64(tx.at("height"))));
  CHECK(str(p.at("vested")) == dec(300 * kVest));
  Wallet holder = import_wallet(dir, node, kDevKey5, kDevAddr5);
  RunResult out = holder.run({"vesting"});
  INFO(out.out);
  CHECK(out.out.find("usage  [####################] 100.00% 10 of 10 courses_completed (met ") != std::string::npos);
  RunResult pk = holder.run({"packages"});
  CHECK(pk.out.find("50.00 % once courses_completed grows by 10;") != std::string::npos);
  CHECK(pk.out.find("25.00 % after buying 2 more units; 25.00 % after spending 1000 USDV more;") != std::string::npos);
  CHECK(pk.out.find("50.00 % after referring 3 new buyers;") != std::string::npos);
}
