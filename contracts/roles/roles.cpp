#include "contracts/roles/roles.h"

#include <cassert>

#include "chain/executor.h"
#include "chain/rlp.h"
#include "contracts/modules.h"
#include "contracts/sale/sale.h"
#include "contracts/vesting/vesting.h"

namespace vest::roles {

namespace {

constexpr std::string_view kPendingPrefix = "roles/pending/";

Bytes pending_key(const Role& role) { return make_key(kPendingPrefix, as_bytes(role.name())); }

Bytes encode_pending(const Pending& p) {
  rlp::Encoder e;
  e.begin_list().fixed(p.to).fixed(p.by).uint(p.height).uint(p.time).end_list();
  return e.finish();
}

// Writes `to` where the role's contract keeps its holder.
Status set_holder(Context& ctx, const Role& role, const Address& to) {
  switch (role.kind) {
    case Kind::kSaleAdmin:
    case Kind::kTreasury:
    case Kind::kRevenue: {
      auto cfg = sale::config(ctx.state);
      assert(cfg && "holder() found the sale");
      if (role.kind == Kind::kSaleAdmin) cfg->admin = to;
      if (role.kind == Kind::kTreasury) cfg->treasury = to;
      if (role.kind == Kind::kRevenue) cfg->revenue = to;
      sale::save_config(ctx.state, *cfg);
      return Status::success();
    }
    case Kind::kReporter: return vesting::set_reporter(ctx, role.metric, to);
    case Kind::kValidatorAdmin: set_validator_admin(ctx.state, to); return Status::success();
  }
  return reject(Code::kUnknownRole, "no role " + role.name());
}

Status unknown(const Role& role) {
  switch (role.kind) {
    case Kind::kReporter: return reject(Code::kUnknownRole, "no usage metric " + role.metric + " on this chain");
    case Kind::kValidatorAdmin:
      return reject(Code::kUnknownRole,
                    "the genesis names no validator_admin: this chain's validator set never changes");
    default: return reject(Code::kUnknownRole, "this chain has no sale");
  }
}

std::string who_may(const StateReader& state, const Role& role) {
  std::string text = to_checksum(*holder(state, role));
  if (role.kind == Kind::kTreasury || role.kind == Kind::kRevenue || role.kind == Kind::kReporter)
    text += " (the holder) or the sale admin " + to_checksum(sale::config(state)->admin);
  return text;
}

}  // namespace

std::optional<Address> holder(const StateReader& state, const Role& role) {
  switch (role.kind) {
    case Kind::kSaleAdmin:
    case Kind::kTreasury:
    case Kind::kRevenue: {
      auto cfg = sale::config(state);
      if (!cfg) return std::nullopt;
      return role.kind == Kind::kSaleAdmin ? cfg->admin : role.kind == Kind::kTreasury ? cfg->treasury : cfg->revenue;
    }
    case Kind::kReporter: return vesting::metric_reporter(state, role.metric);
    case Kind::kValidatorAdmin: {
      auto params = read_params(state);
      return params ? params->validator_admin : std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<Pending> pending(const StateReader& state, const Role& role) {
  auto v = state.get(pending_key(role));
  if (!v) return std::nullopt;
  rlp::ListReader r(*v);
  Pending p;
  p.to = r.fixed<20>();
  p.by = r.fixed<20>();
  p.height = r.u64();
  p.time = r.u64();
  assert(r.done() && "corrupt stored role proposal");
  return p;
}

bool may_propose(const StateReader& state, const Role& role, const Address& account) {
  auto current = holder(state, role);
  if (!current) return false;
  if (*current == account) return true;
  if (role.kind == Kind::kTreasury || role.kind == Kind::kRevenue || role.kind == Kind::kReporter)
    return sale::config(state) && sale::config(state)->admin == account;
  return false;
}

std::vector<RoleStatus> all_roles(const StateReader& state) {
  std::vector<Role> roles;
  if (sale::config(state)) roles = {{Kind::kSaleAdmin, ""}, {Kind::kTreasury, ""}, {Kind::kRevenue, ""}};
  for (const auto& [metric, reporter] : vesting::metrics(state)) roles.push_back({Kind::kReporter, metric});
  roles.push_back({Kind::kValidatorAdmin, ""});
  std::vector<RoleStatus> out;
  for (const Role& r : roles) {
    auto h = holder(state, r);
    if (h) out.push_back(RoleStatus{r, *h, pending(state, r)});
  }
  return out;
}

Status Roles::init_genesis(State& state, const boost::json::object& genesis) {
  (void)state;
  (void)genesis;
  return Status::success();
}

Status Roles::check(uint64_t kind, ByteView payload) const {
  if (kind == kProposeKind) {
    Propose m;
    if (Status s = Propose::decode(payload, m); !s.ok()) return s;
    if (m.to.is_zero()) return reject(Code::kBadSuccessor, "the zero address cannot hold a role");
    return Status::success();
  }
  if (kind == kAcceptKind || kind == kCancelKind) {
    RoleRef m;
    return RoleRef::decode(payload, m);
  }
  return reject(ChainCode::kUnknownKind, "not a roles message");
}

Status Roles::apply(Context& ctx, uint64_t kind, ByteView payload) {
  if (Status s = check(kind, payload); !s.ok()) return s;
  if (kind == kProposeKind) {
    Propose m;
    (void)Propose::decode(payload, m);
    return propose(ctx, m);
  }
  RoleRef m;
  (void)RoleRef::decode(payload, m);
  const Role role = *Role::parse(m.role);
  return kind == kAcceptKind ? accept(ctx, role) : cancel(ctx, role);
}

Status Roles::propose(Context& ctx, const Propose& m) {
  const Role role = *Role::parse(m.role);
  auto current = holder(ctx.state, role);
  if (!current) return unknown(role);
  if (!may_propose(ctx.state, role, ctx.sender))
    return reject(Code::kNotAuthorized, "only " + who_may(ctx.state, role) + " proposes who takes " + role.name());
  if (auto module = module_account_name(m.to))
    return reject(Code::kBadSuccessor, to_checksum(m.to) + " is " + std::string(*module) +
                                           ", a module account whose key nobody holds");
  if (m.to == *current) return reject(Code::kBadSuccessor, to_checksum(m.to) + " already holds " + role.name());
  auto before = pending(ctx.state, role);
  ctx.state.put(pending_key(role), encode_pending(Pending{m.to, ctx.sender, ctx.block.height, ctx.block.time}));
  std::vector<Address> named{*current, m.to};
  if (ctx.sender != *current) named.push_back(ctx.sender);
  ctx.emit(Event{"roles.proposed",
                 named,
                 {{"role", role.name()},
                  {"holder", to_checksum(*current)},
                  {"to", to_checksum(m.to)},
                  {"by", to_checksum(ctx.sender)},
                  {"replaces", before ? to_checksum(before->to) : ""}}});
  return Status::success();
}

Status Roles::accept(Context& ctx, const Role& role) {
  auto current = holder(ctx.state, role);
  if (!current) return unknown(role);
  auto p = pending(ctx.state, role);
  if (!p) return reject(Code::kNoPendingTransfer, "nobody is proposed for " + role.name());
  if (p->to != ctx.sender)
    return reject(Code::kNotProposed, to_checksum(p->to) + " is proposed for " + role.name() + ", not " +
                                          to_checksum(ctx.sender));
  if (!may_propose(ctx.state, role, p->by))
    return reject(Code::kProposalLapsed, "the proposal for " + role.name() + " was made by " + to_checksum(p->by) +
                                             ", who may no longer propose for it");
  if (*current == ctx.sender) return reject(Code::kBadSuccessor, to_checksum(ctx.sender) + " already holds " + role.name());
  if (Status s = set_holder(ctx, role, ctx.sender); !s.ok()) return s;
  ctx.state.erase(pending_key(role));
  std::vector<Address> named{*current, ctx.sender};
  if (p->by != *current) named.push_back(p->by);
  ctx.emit(Event{"roles.accepted",
                 named,
                 {{"role", role.name()},
                  {"from", to_checksum(*current)},
                  {"to", to_checksum(ctx.sender)},
                  {"proposedBy", to_checksum(p->by)}}});
  return Status::success();
}

Status Roles::cancel(Context& ctx, const Role& role) {
  if (!holder(ctx.state, role)) return unknown(role);
  auto p = pending(ctx.state, role);
  if (!p) return reject(Code::kNoPendingTransfer, "nobody is proposed for " + role.name());
  if (!may_propose(ctx.state, role, ctx.sender))
    return reject(Code::kNotAuthorized, "only " + who_may(ctx.state, role) + " cancels a proposal for " + role.name());
  ctx.state.erase(pending_key(role));
  ctx.emit(Event{"roles.cancelled",
                 {p->to, ctx.sender},
                 {{"role", role.name()}, {"to", to_checksum(p->to)}, {"by", to_checksum(ctx.sender)}}});
  return Status::success();
}

}  // namespace vest::roles
