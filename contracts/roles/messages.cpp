#include "contracts/roles/messages.h"

#include "chain/rlp.h"
#include "contracts/vesting/schedule.h"

namespace vest::roles {

namespace {

constexpr std::string_view kReporterPrefix = "vesting.reporter:";

Status check_role(std::string_view name) {
  if (!Role::parse(name))
    return reject(Code::kUnknownRole, "no role '" + std::string(name.substr(0, 64)) +
                                          "': one of sale.admin, sale.treasury, sale.revenue, "
                                          "vesting.reporter:<metric>, validators.admin");
  return Status::success();
}

}  // namespace

std::string Role::name() const {
  switch (kind) {
    case Kind::kSaleAdmin: return "sale.admin";
    case Kind::kTreasury: return "sale.treasury";
    case Kind::kRevenue: return "sale.revenue";
    case Kind::kReporter: return std::string(kReporterPrefix) + metric;
    case Kind::kValidatorAdmin: return "validators.admin";
  }
  return "unknown";
}

std::optional<Role> Role::parse(std::string_view name) {
  if (name == "sale.admin") return Role{Kind::kSaleAdmin, ""};
  if (name == "sale.treasury") return Role{Kind::kTreasury, ""};
  if (name == "sale.revenue") return Role{Kind::kRevenue, ""};
  if (name == "validators.admin") return Role{Kind::kValidatorAdmin, ""};
  if (name.starts_with(kReporterPrefix)) {
    std::string_view metric = name.substr(kReporterPrefix.size());
    if (vesting::valid_metric_name(metric)) return Role{Kind::kReporter, std::string(metric)};
  }
  return std::nullopt;
}

const char* reason_of(Code code) {
  switch (code) {
    case Code::kUnknownRole: return "unknown_role";
    case Code::kNotAuthorized: return "not_role_holder";
    case Code::kBadSuccessor: return "bad_successor";
    case Code::kNoPendingTransfer: return "no_pending_transfer";
    case Code::kNotProposed: return "not_proposed_account";
    case Code::kProposalLapsed: return "proposal_lapsed";
    case Code::kMalformedPayload: return "malformed_payload";
  }
  return "unknown";
}

Status reject(Code code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

Bytes Propose::encode() const {
  rlp::Encoder e;
  e.begin_list().str(role).fixed(to).end_list();
  return e.finish();
}

Status Propose::decode(ByteView payload, Propose& out) {
  rlp::ListReader r(payload);
  Propose m;
  m.role = r.str();
  m.to = r.fixed<20>();
  if (!r.done())
    return reject(Code::kMalformedPayload, std::string("propose payload: ") + rlp::to_string(r.error()));
  if (Status s = check_role(m.role); !s.ok()) return s;
  out = std::move(m);
  return Status::success();
}

Bytes RoleRef::encode() const {
  rlp::Encoder e;
  e.begin_list().str(role).end_list();
  return e.finish();
}

Status RoleRef::decode(ByteView payload, RoleRef& out) {
  rlp::ListReader r(payload);
  RoleRef m;
  m.role = r.str();
  if (!r.done()) return reject(Code::kMalformedPayload, std::string("role payload: ") + rlp::to_string(r.error()));
  if (Status s = check_role(m.role); !s.ok()) return s;
  out = std::move(m);
  return Status::success();
}

}  // namespace vest::roles
