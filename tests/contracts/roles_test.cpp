// Two-step role handovers over a real chain, driven by signed transactions:
// the sale admin, treasury, revenue account, a usage metric's reporter and the
// validator admin each move only when the proposed key accepts; strangers,
// replaced or cancelled proposals and rotated-out holders are refused with no
// change to the state.
#include <catch2/catch.hpp>

#include "chain/executor.h"
#include "contracts/bank/bank.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/roles/roles.h"
#include "contracts/sale/sale.h"
#include "contracts/validators/validators.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;
namespace js = boost::json;

namespace {

constexpr size_t kReporter = 2;

// The test chain with account 0 as validator admin and courses_completed
// reported by account 2.
std::unique_ptr<TestChain> roles_chain() {
  return std::make_unique<TestChain>(5, [](js::object& g) {
    g["validator_admin"] = to_checksum(address_of(test_key("account 0")));
    g["vesting"].as_object()["metrics"] = js::array{js::object{
        {"name", "courses_completed"}, {"reporter", to_checksum(address_of(test_key("account 2")))}}};
  });
}

VerifiedTx propose(TestChain& t, const PrivateKey& key, const std::string& role, const Address& to) {
  return t.sign_key(key, roles::kProposeKind, roles::Propose{role, to}.encode());
}
VerifiedTx accept(TestChain& t, const PrivateKey& key, const std::string& role) {
  return t.sign_key(key, roles::kAcceptKind, roles::RoleRef{role}.encode());
}
VerifiedTx cancel(TestChain& t, const PrivateKey& key, const std::string& role) {
  return t.sign_key(key, roles::kCancelKind, roles::RoleRef{role}.encode());
}

const Event* event_of(const Receipt& r, const std::string& type) {
  for (const Event& e : r.events)
    if (e.type == type) return &e;
  return nullptr;
}

std::string field(const Event& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name) return v;
  return "";
}

std::optional<Address> holder_of(TestChain& t, const std::string& role) {
  return roles::holder(t.chain->store(), *roles::Role::parse(role));
}
std::optional<roles::Pending> pending_of(TestChain& t, const std::string& role) {
  return roles::pending(t.chain->store(), *roles::Role::parse(role));
}

VerifiedTx pause(TestChain& t, const PrivateKey& key, bool paused) {
  sale::PackageUpdate u{1, 100 * kUsd, 0, 0, 0, 0, paused};
  return t.sign_key(key, sale::kUpdatePackageKind, u.encode());
}

VerifiedTx buy(TestChain& t, size_t who, uint32_t package) {
  return t.sign(who, sale::kPurchaseKind, sale::Purchase{package, 1, kU128Max, std::nullopt}.encode());
}

// A key that holds `vest` VEST (for fees) and nothing else.
PrivateKey funded_key(TestChain& t, const std::string& name, Amount vest) {
  PrivateKey k = test_key(name);
  REQUIRE(t.run(t.transfer(0, address_of(k), vest)).ok());
  return k;
}

}  // namespace

TEST_CASE("roles: the sale admin hands its role over in two steps", "[roles]") {
  auto t = roles_chain();
  const PrivateKey admin = test_key("admin");
  const PrivateKey& next = t->keys[1];

  Receipt proposed = t->run(propose(*t, admin, "sale.admin", t->addrs[1]));
  INFO(proposed.message);
  REQUIRE(proposed.ok());
  const Event* e = event_of(proposed, "roles.proposed");
  REQUIRE(e);
  CHECK(field(*e, "role") == "sale.admin");
  CHECK(field(*e, "holder") == to_checksum(admin_address()));
  CHECK(field(*e, "to") == to_checksum(t->addrs[1]));
  CHECK(field(*e, "replaces") == "");
  // Proposed is not handed over: the admin still manages packages, the proposed key does not.
  CHECK(holder_of(*t, "sale.admin") == admin_address());
  REQUIRE(pending_of(*t, "sale.admin"));
  CHECK(pending_of(*t, "sale.admin")->by == admin_address());
  CHECK(t->run(pause(*t, next, true)).reason == "not_sale_admin");
  CHECK(t->run(pause(*t, admin, true)).ok());

  Receipt accepted = t->run(accept(*t, next, "sale.admin"));
  INFO(accepted.message);
  REQUIRE(accepted.ok());
  e = event_of(accepted, "roles.accepted");
  REQUIRE(e);
  CHECK(field(*e, "from") == to_checksum(admin_address()));
  CHECK(field(*e, "to") == to_checksum(t->addrs[1]));
  CHECK(field(*e, "proposedBy") == to_checksum(admin_address()));
  CHECK(sale::config(t->chain->store())->admin == t->addrs[1]);
  CHECK_FALSE(pending_of(*t, "sale.admin"));

  // The old key lost every power of the role at once; the new one has them.
  CHECK(t->run(pause(*t, admin, false)).reason == "not_sale_admin");
  CHECK(t->run(propose(*t, admin, "sale.admin", admin_address())).reason == "not_role_holder");
  CHECK(t->run(propose(*t, admin, "sale.treasury", t->addrs[3])).reason == "not_role_holder");
  CHECK(t->run(pause(*t, next, false)).ok());
  CHECK_FALSE(sale::package(t->chain->store(), 1)->paused);
  CHECK(sale::config(t->chain->store())->admin == t->addrs[1]);
  // Defining badges goes with the role: the old key is refused, the new one defines.
  loyalty::Badge badge{1, "Referrer", {}};
  badge.rule.kind = loyalty::Rule::Kind::kReferrals;
  badge.rule.count = 1;
  CHECK(t->run(t->sign_key(admin, sale::kDefineBadgeKind, badge.encode())).reason == "not_sale_admin");
  CHECK_FALSE(loyalty::badge(t->chain->store(), 1));
  Receipt defined = t->run(t->sign_key(next, sale::kDefineBadgeKind, badge.encode()));
  INFO(defined.message);
  CHECK(defined.ok());
  CHECK(loyalty::badge(t->chain->store(), 1));
}

TEST_CASE("roles: strangers, replaced and cancelled proposals are refused with no change", "[roles]") {
  auto t = roles_chain();
  const PrivateKey admin = test_key("admin");
  const Bytes config_before = *t->chain->store().get(as_bytes("sale/config"));

  // A stranger proposing, for itself or another.
  CHECK(t->run(propose(*t, t->keys[2], "sale.admin", t->addrs[2])).reason == "not_role_holder");
  CHECK(t->run(propose(*t, t->keys[2], "sale.treasury", t->addrs[2])).reason == "not_role_holder");
  CHECK_FALSE(pending_of(*t, "sale.admin"));
  CHECK_FALSE(pending_of(*t, "sale.treasury"));

  // Accepting with nothing proposed.
  CHECK(t->run(accept(*t, t->keys[1], "sale.admin")).reason == "no_pending_transfer");

  // A stranger accepting someone else's proposal.
  REQUIRE(t->run(propose(*t, admin, "sale.admin", t->addrs[1])).ok());
  Receipt stranger = t->run(accept(*t, t->keys[2], "sale.admin"));
  CHECK(stranger.reason == "not_proposed_account");
  CHECK(stranger.message.find(to_checksum(t->addrs[1])) != std::string::npos);
  // A stranger cancelling it.
  CHECK(t->run(cancel(*t, t->keys[2], "sale.admin")).reason == "not_role_holder");
  CHECK(pending_of(*t, "sale.admin")->to == t->addrs[1]);

  // Proposing again replaces the proposal: the first account can no longer accept.
  Receipt replaced = t->run(propose(*t, admin, "sale.admin", t->addrs[3]));
  REQUIRE(replaced.ok());
  CHECK(field(*event_of(replaced, "roles.proposed"), "replaces") == to_checksum(t->addrs[1]));
  CHECK(t->run(accept(*t, t->keys[1], "sale.admin")).reason == "not_proposed_account");

  // Cancelled: nobody can accept.
  Receipt cancelled = t->run(cancel(*t, admin, "sale.admin"));
  REQUIRE(cancelled.ok());
  const Event* e = event_of(cancelled, "roles.cancelled");
  REQUIRE(e);
  CHECK(field(*e, "to") == to_checksum(t->addrs[3]));
  CHECK(field(*e, "by") == to_checksum(admin_address()));
  CHECK(t->run(accept(*t, t->keys[3], "sale.admin")).reason == "no_pending_transfer");
  CHECK(t->run(cancel(*t, admin, "sale.admin")).reason == "no_pending_transfer");

  // Successors no key controls, or the holder itself.
  CHECK(t->run(propose(*t, admin, "sale.admin", vesting::escrow_address())).reason == "bad_successor");
  CHECK(t->run(propose(*t, admin, "sale.revenue", vesting::escrow_address())).reason == "bad_successor");
  CHECK(t->run(propose(*t, admin, "sale.admin", admin_address())).reason == "bad_successor");
  // The zero address and a name that is no role are refused before a block can hold them.
  // (Signed with a nonce of their own: they never reach a block.)
  auto unsent = [&](uint64_t kind, Bytes payload) { return t->sign_key(admin, kind, std::move(payload), 1000); };
  CHECK(t->executor->check_stateless(unsent(roles::kProposeKind, roles::Propose{"sale.admin", Address{}}.encode()))
            .reason == "bad_successor");
  CHECK(t->executor->check_stateless(unsent(roles::kProposeKind, roles::Propose{"sale.owner", t->addrs[1]}.encode()))
            .reason == "unknown_role");
  CHECK(t->executor->check_stateless(unsent(roles::kAcceptKind, roles::RoleRef{"vesting.reporter:Bad Name"}.encode()))
            .reason == "unknown_role");
  CHECK(t->executor->check_stateless(unsent(roles::kCancelKind, Bytes{0xc0})).reason == "malformed_payload");
  // A metric the chain does not have.
  CHECK(t->run(propose(*t, admin, "vesting.reporter:months", t->addrs[1])).reason == "unknown_role");

  CHECK(*t->chain->store().get(as_bytes("sale/config")) == config_before);
  CHECK_FALSE(pending_of(*t, "sale.admin"));
}

TEST_CASE("roles: a rotated-out admin's proposals lapse", "[roles]") {
  auto t = roles_chain();
  const PrivateKey admin = test_key("admin");
  // The leaked admin key names the attacker's account as revenue, then the
  // business moves the admin role to a fresh key before the attacker accepts.
  REQUIRE(t->run(propose(*t, admin, "sale.revenue", t->addrs[4])).ok());
  REQUIRE(t->run(propose(*t, admin, "sale.admin", t->addrs[1])).ok());
  REQUIRE(t->run(accept(*t, t->keys[1], "sale.admin")).ok());
  Receipt lapsed = t->run(accept(*t, t->keys[4], "sale.revenue"));
  CHECK(lapsed.reason == "proposal_lapsed");
  CHECK(holder_of(*t, "sale.revenue") == revenue_address());
  // The new admin clears it.
  REQUIRE(t->run(cancel(*t, t->keys[1], "sale.revenue")).ok());
  CHECK_FALSE(pending_of(*t, "sale.revenue"));
}

TEST_CASE("roles: a new treasury takes the role, not the tokens", "[roles]") {
  auto t = roles_chain();
  const PrivateKey treasury = test_key("treasury");
  const PrivateKey fresh = funded_key(*t, "treasury 2", kVest);

  // A purchase before the handover: its bonus position was funded by the old treasury.
  Receipt before = t->run(buy(*t, 0, 1));
  REQUIRE(before.ok());
  const uint64_t position = sale::purchase(t->chain->store(), 1)->position_id;
  REQUIRE(position != 0);

  REQUIRE(t->run(propose(*t, treasury, "sale.treasury", address_of(fresh))).ok());
  const Amount old_inventory = t->balance_of(treasury_address());
  Receipt accepted = t->run(accept(*t, fresh, "sale.treasury"));
  INFO(accepted.message);
  REQUIRE(accepted.ok());
  CHECK(sale::config(t->chain->store())->treasury == address_of(fresh));
  // No token moved with the role.
  CHECK(t->balance_of(treasury_address()) == old_inventory);
  CHECK(t->balance_of(address_of(fresh)) == kVest - kMinFee);

  // Purchases now draw on the new treasury, which holds almost nothing.
  Receipt empty = t->run(buy(*t, 0, 1));
  CHECK(empty.reason == "inventory_exhausted");
  // The old treasury is an ordinary account again: proposing for the role is refused.
  CHECK(t->run(propose(*t, treasury, "sale.treasury", treasury_address())).reason == "not_role_holder");
  // Its inventory moves by an ordinary transfer, signed by its own key.
  REQUIRE(t->run(t->sign_key(treasury, bank::kTransferKind,
                              bank::Transfer{address_of(fresh), "VEST", 10000 * kVest}.encode()))
              .ok());
  REQUIRE(t->run(buy(*t, 0, 1)).ok());
  auto after = sale::purchase(t->chain->store(), 2);
  REQUIRE(after);
  CHECK(vesting::get_position(t->chain->store(), after->position_id)->funder == address_of(fresh));

  // The position created before the handover keeps vesting and can be claimed.
  auto pos = vesting::get_position(t->chain->store(), position);
  CHECK(pos->funder == treasury_address());
  t->produce({}, 2000);
  const Amount before_claim = t->balance(0);
  Receipt claimed = t->run(t->sign(0, vesting::kClaimKind, vesting::Claim{{position}}.encode()));
  REQUIRE(claimed.ok());
  CHECK(t->balance(0) == before_claim + pos->total - kMinFee);
}

TEST_CASE("roles: the sale admin moves the revenue account and payments follow it", "[roles]") {
  auto t = roles_chain();
  const PrivateKey admin = test_key("admin");
  const PrivateKey fresh = funded_key(*t, "revenue 2", kVest);
  REQUIRE(t->run(buy(*t, 0, 1)).ok());
  const Amount old_revenue = t->balance_of(revenue_address(), "USDV");
  CHECK(old_revenue == 100 * kUsd);

  // The revenue key is lost: the admin proposes, the new key accepts.
  REQUIRE(t->run(propose(*t, admin, "sale.revenue", address_of(fresh))).ok());
  Receipt accepted = t->run(accept(*t, fresh, "sale.revenue"));
  REQUIRE(accepted.ok());
  CHECK(field(*event_of(accepted, "roles.accepted"), "proposedBy") == to_checksum(admin_address()));

  REQUIRE(t->run(buy(*t, 0, 1)).ok());
  CHECK(t->balance_of(revenue_address(), "USDV") == old_revenue);
  CHECK(t->balance_of(address_of(fresh), "USDV") == 100 * kUsd);
  // The new revenue account may hand its role on itself.
  REQUIRE(t->run(propose(*t, fresh, "sale.revenue", t->addrs[3])).ok());
  CHECK(pending_of(*t, "sale.revenue")->by == address_of(fresh));
}

TEST_CASE("roles: a reporter's key is rotated through the same two steps", "[roles]") {
  auto t = roles_chain();
  const PrivateKey admin = test_key("admin");
  const std::string role = "vesting.reporter:courses_completed";
  auto report = [&](size_t who, uint64_t value) {
    return t->run(t->sign(who, vesting::kReportUsageKind,
                          vesting::ReportUsage{"courses_completed", t->addrs[0], value}.encode()));
  };
  REQUIRE(report(kReporter, 3).ok());

  // A stranger cannot name a reporter; the admin can.
  CHECK(t->run(propose(*t, t->keys[4], role, t->addrs[4])).reason == "not_role_holder");
  REQUIRE(t->run(propose(*t, admin, role, t->addrs[3])).ok());
  CHECK(report(3, 4).reason == "not_reporter");
  Receipt accepted = t->run(accept(*t, t->keys[3], role));
  INFO(accepted.message);
  REQUIRE(accepted.ok());
  REQUIRE(event_of(accepted, "roles.accepted"));
  const Event* changed = event_of(accepted, "vesting.reporter_changed");
  REQUIRE(changed);
  CHECK(field(*changed, "to") == to_checksum(t->addrs[3]));
  CHECK(vesting::metric_reporter(t->chain->store(), "courses_completed") == t->addrs[3]);

  // The old reporter is refused; usage recorded before stays.
  CHECK(report(kReporter, 5).reason == "not_reporter");
  CHECK(vesting::count_value(t->chain->store(), t->addrs[0], {vesting::Count::kUsage, "courses_completed"}) == 3);
  REQUIRE(report(3, 5).ok());

  // The reporter itself may propose its successor; the old one may not.
  CHECK(t->run(propose(*t, t->keys[kReporter], role, t->addrs[kReporter])).reason == "not_role_holder");
  REQUIRE(t->run(propose(*t, t->keys[3], role, t->addrs[4])).ok());
  REQUIRE(t->run(accept(*t, t->keys[4], role)).ok());
  CHECK(vesting::metric_reporter(t->chain->store(), "courses_completed") == t->addrs[4]);
}

TEST_CASE("roles: the validator admin is handed over in two steps", "[roles]") {
  auto t = roles_chain();
  const Address v = address_of(t->validator);
  auto set_power = [&](size_t who, uint64_t power) {
    return t->run(t->sign(who, validators::kSetPowerKind, validators::SetPower{v, power}.encode()));
  };
  CHECK(t->run(propose(*t, test_key("admin"), "validators.admin", t->addrs[1])).reason == "not_role_holder");
  REQUIRE(t->run(propose(*t, t->keys[0], "validators.admin", t->addrs[1])).ok());
  CHECK(set_power(1, 2).reason == "not_validator_admin");
  REQUIRE(t->run(accept(*t, t->keys[1], "validators.admin")).ok());
  CHECK(read_params(t->chain->store())->validator_admin == t->addrs[1]);
  CHECK(set_power(0, 2).reason == "not_validator_admin");
  Receipt changed = set_power(1, 2);
  INFO(changed.message);
  CHECK(changed.ok());
  // The other chain parameters are untouched.
  auto params = read_params(t->chain->store());
  CHECK(params->min_fee == kMinFee);
  CHECK(params->chain_id == kTestChainId);
}

TEST_CASE("roles: a chain without a validator admin has no such role", "[roles]") {
  TestChain t(2);
  CHECK(t.run(propose(t, t.keys[0], "validators.admin", t.addrs[1])).reason == "unknown_role");
  CHECK(t.run(accept(t, t.keys[1], "validators.admin")).reason == "unknown_role");
  std::vector<std::string> names;
  for (const auto& r : roles::all_roles(t.chain->store())) names.push_back(r.role.name());
  CHECK(names == std::vector<std::string>{"sale.admin", "sale.treasury", "sale.revenue"});
}

TEST_CASE("roles: every role and its pending handover, as of a height", "[roles]") {
  auto t = roles_chain();
  REQUIRE(t->run(propose(*t, test_key("treasury"), "sale.treasury", t->addrs[3])).ok());
  auto all = roles::all_roles(t->chain->store());
  REQUIRE(all.size() == 5);
  CHECK(all[0].role.name() == "sale.admin");
  CHECK(all[1].role.name() == "sale.treasury");
  REQUIRE(all[1].pending);
  CHECK(all[1].pending->to == t->addrs[3]);
  CHECK(all[1].pending->height == t->chain->head().height);
  CHECK(all[3].role.name() == "vesting.reporter:courses_completed");
  CHECK(all[3].holder == t->addrs[kReporter]);
  CHECK(all[4].role.name() == "validators.admin");
  CHECK(all[4].holder == t->addrs[0]);
}
