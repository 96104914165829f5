// Integration: the two-step handover of every role against a real vestd
// (docs/sale-and-vesting.md, "Roles"): a leaked sale admin key rotated with
// `vest role`, the treasury and revenue moved without their tokens, a
// reporter and the validator admin rotated; strangers, cancelled proposals,
// keyless successors and rotated-out keys refused with their codes; roles_get
// as of a height.
#include <catch2/catch.hpp>

#include "chain/address.h"
#include "contracts/roles/messages.h"
#include "contracts/sale/messages.h"
#include "contracts/validators/messages.h"
#include "contracts/vesting/messages.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

// Development accounts 7 and 8 of the test mnemonic; 8 reports courses_completed in devnet's genesis.
constexpr const char* kDevKey7 = "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
constexpr const char* kDevAddr7 = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
constexpr const char* kDevKey8 = "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
constexpr const char* kReporterRole = "vesting.reporter:courses_completed";

Bytes propose(const std::string& role, const std::string& to) { return roles::Propose{role, *parse_address(to)}.encode(); }
Bytes role_ref(const std::string& role) { return roles::RoleRef{role}.encode(); }

void refused(Vestd& node, const PrivateKey& key, uint64_t kind, Bytes payload, const char* reason, int code) {
  json::object r = submit_msg(node, key, kind, std::move(payload));
  INFO(json::serialize(r));
  REQUIRE(r.contains("error"));
  CHECK(error_reason(r) == reason);
  CHECK(error_code(r) == code);
}
void refused(Vestd& node, const char* key, uint64_t kind, Bytes payload, const char* reason, int code) {
  refused(node, key_hex(key), kind, std::move(payload), reason, code);
}

// roles_get's entry for `role`.
json::object role_at(Vestd& node, const std::string& role, std::optional<uint64_t> height = std::nullopt) {
  json::object params;
  if (height) params["atHeight"] = *height;
  json::value r = node.call("roles_get", params);
  for (const auto& v : r.at("roles").as_array())
    if (str(v.at("role")) == role) return v.as_object();
  FAIL("no role " << role << " in " << json::serialize(r));
  return {};
}

}  // namespace

TEST_CASE("roles: a leaked sale admin key is rotated with vest role, and loses its powers at once",
          "[integration][roles]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet old_admin = import_wallet(dir, node, kDevKey9, kDevAddr9);
  Wallet fresh = import_wallet(dir, node, kDevKey1, kDevAddr1);

  RunResult shown = old_admin.run({"role", "show"});
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out.find("sale.admin") != std::string::npos);
  CHECK(shown.out.find(kDevAddr9) != std::string::npos);

  // A stranger cannot propose itself.
  refused(node, kDevKey2, roles::kProposeKind, propose("sale.admin", kDevAddr2), "not_role_holder", 1601);

  json::value proposed = old_admin.run_json({"role", "propose", "sale.admin", kDevAddr1});
  INFO(json::serialize(proposed));
  REQUIRE(events_of(proposed, "roles.proposed").size() == 1);
  const uint64_t proposed_at = u64(proposed.at("height"));
  json::object pending = role_at(node, "sale.admin");
  CHECK(str(pending.at("holder")) == kDevAddr9);
  CHECK(str(pending.at("pending").at("to")) == kDevAddr1);
  CHECK(u64(pending.at("pending").at("height")) == proposed_at);
  RunResult listed = old_admin.run({"role", "show"});
  CHECK(listed.out.find(std::string("proposed: ") + kDevAddr1) != std::string::npos);

  // A stranger accepting it, and the key before it accepts: no change.
  refused(node, kDevKey2, roles::kAcceptKind, role_ref("sale.admin"), "not_proposed_account", 1604);
  // Successors nobody holds a key for.
  refused(node, kDevKey9, roles::kProposeKind, propose("sale.revenue", escrow()), "bad_successor", 1602);
  refused(node, kDevKey9, roles::kProposeKind, propose("sale.admin", "0x0000000000000000000000000000000000000000"),
          "bad_successor", 1602);
  refused(node, kDevKey9, roles::kProposeKind, propose("sale.owner", kDevAddr1), "unknown_role", 1600);
  // The wallet refuses a role name before signing.
  RunResult bad_name = fresh.run({"role", "accept", "sale.owner"});
  CHECK(bad_name.exit_code == 1);
  CHECK(bad_name.err.find("no role 'sale.owner'") != std::string::npos);

  json::value accepted = fresh.run_json({"role", "accept", "sale.admin"});
  auto ev = events_of(accepted, "roles.accepted");
  REQUIRE(ev.size() == 1);
  CHECK(str(ev[0].at("from")) == kDevAddr9);
  CHECK(str(ev[0].at("to")) == kDevAddr1);
  const uint64_t accepted_at = u64(accepted.at("height"));

  // As of the block before the acceptance, the old key held the role with a proposal pending.
  json::object before = role_at(node, "sale.admin", accepted_at - 1);
  CHECK(str(before.at("holder")) == kDevAddr9);
  CHECK(str(before.at("pending").at("to")) == kDevAddr1);
  json::object now = role_at(node, "sale.admin");
  CHECK(str(now.at("holder")) == kDevAddr1);
  CHECK(now.at("pending").is_null());

  // The leaked key can no longer manage packages or name anyone.
  sale::PackageUpdate pause{1, 100 * kUsd, 0, 0, 0, 0, true};
  refused(node, kDevKey9, sale::kUpdatePackageKind, pause.encode(), "not_sale_admin", 1211);
  refused(node, kDevKey9, roles::kProposeKind, propose("sale.admin", kDevAddr9), "not_role_holder", 1601);
  refused(node, kDevKey9, roles::kProposeKind, propose("sale.revenue", kDevAddr2), "not_role_holder", 1601);
  // The new admin can.
  submit_ok(node, kDevKey1, roles::kProposeKind, propose("sale.revenue", kDevAddr2));
  CHECK(str(role_at(node, "sale.revenue").at("pending").at("by")) == kDevAddr1);
}

TEST_CASE("roles: treasury and revenue move without their tokens, and purchases follow the new accounts",
          "[integration][roles]") {
  TempDir dir;
  Vestd node(dir.path());
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  const Amount treasury_vest = balance(node, kTreasury, "VEST");
  const Amount revenue_usd = balance(node, kRevenue, "USDV");

  // The treasury hands its role on itself; the admin names a new revenue account.
  submit_ok(node, treasury_key(), roles::kProposeKind, propose("sale.treasury", kDevAddr3));
  submit_ok(node, kDevKey9, roles::kProposeKind, propose("sale.revenue", kDevAddr2));
  json::object t = submit_ok(node, kDevKey3, roles::kAcceptKind, role_ref("sale.treasury"));
  submit_ok(node, kDevKey2, roles::kAcceptKind, role_ref("sale.revenue"));
  CHECK(events_of(t, "roles.accepted").size() == 1);
  // The role moved, the tokens did not (the old treasury paid one fee).
  CHECK(balance(node, kTreasury, "VEST") <= treasury_vest);
  CHECK(balance(node, kTreasury, "VEST") + kVest > treasury_vest);
  CHECK(balance(node, kRevenue, "USDV") == revenue_usd);

  const Amount dev3_vest = balance(node, kDevAddr3, "VEST");
  const Amount dev2_usd = balance(node, kDevAddr2, "USDV");
  json::object bought = submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 100 * kUsd));
  CHECK(balance(node, kRevenue, "USDV") == revenue_usd);
  CHECK(balance(node, kDevAddr2, "USDV") == dev2_usd + 100 * kUsd);
  CHECK(balance(node, kDevAddr3, "VEST") < dev3_vest);
  for (const auto& e : events_of(bought, "vesting.created")) CHECK(str(e.at("funder")) == kDevAddr3);
  // The old treasury is an ordinary account again.
  refused(node, treasury_key(), roles::kProposeKind, propose("sale.treasury", kTreasury), "not_role_holder", 1601);
}

TEST_CASE("roles: a reporter is rotated by the admin, and a cancelled proposal cannot be accepted",
          "[integration][roles]") {
  TempDir dir;
  Vestd node(dir.path());
  submit_ok(node, kDevKey9, roles::kProposeKind, propose(kReporterRole, kDevAddr7));
  json::object cancelled = submit_ok(node, kDevKey9, roles::kCancelKind, role_ref(kReporterRole));
  CHECK(events_of(cancelled, "roles.cancelled").size() == 1);
  refused(node, kDevKey7, roles::kAcceptKind, role_ref(kReporterRole), "no_pending_transfer", 1603);

  // Replaced: the first proposed account is refused, the second takes it.
  submit_ok(node, kDevKey9, roles::kProposeKind, propose(kReporterRole, kDevAddr2));
  submit_ok(node, kDevKey9, roles::kProposeKind, propose(kReporterRole, kDevAddr7));
  refused(node, kDevKey2, roles::kAcceptKind, role_ref(kReporterRole), "not_proposed_account", 1604);
  json::object accepted = submit_ok(node, kDevKey7, roles::kAcceptKind, role_ref(kReporterRole));
  CHECK(events_of(accepted, "vesting.reporter_changed").size() == 1);
  CHECK(str(node.call("vesting_metrics").at("metrics").at(0).at("reporter")) == kDevAddr7);

  const Bytes usage = vesting::ReportUsage{"courses_completed", *parse_address(kDevAddr0), 3}.encode();
  refused(node, kDevKey8, vesting::kReportUsageKind, usage, "not_reporter", 1313);
  submit_ok(node, kDevKey7, vesting::kReportUsageKind, usage);
}

TEST_CASE("roles: the validator admin is handed over, and the old key cannot change the set", "[integration][roles]") {
  TempDir dir;
  Vestd node(dir.path());
  submit_ok(node, kDevKey9, roles::kProposeKind, propose("validators.admin", kDevAddr1));
  submit_ok(node, kDevKey1, roles::kAcceptKind, role_ref("validators.admin"));
  CHECK(str(node.call("chain_getValidators").at("admin")) == kDevAddr1);
  const Bytes power = validators::SetPower{*parse_address(kValidator), 2}.encode();
  refused(node, kDevKey9, validators::kSetPowerKind, power, "not_validator_admin", 1500);
  json::object set = submit_ok(node, kDevKey1, validators::kSetPowerKind, power);
  CHECK(events_of(set, "validators.power_set").size() == 1);
}
