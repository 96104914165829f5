// Two-step handover of the chain's roles: the sale's admin, treasury and
// revenue account, each usage metric's reporter, and the validator admin.
// Whoever may propose names the next holder; the named account accepts with
// its own key, and only then does the role move; until then the proposal can
// be cancelled or replaced (docs/sale-and-vesting.md, "Roles").
//
// Who may propose (and cancel) for a role: its holder; for the sale's
// treasury, revenue and reporters also the sale admin, which oversees them
// and so can replace a lost key. A proposal lapses when its proposer no
// longer may propose (a rotated-out admin's proposals cannot be accepted).
//
// The roles themselves stay where their contracts keep them (sale/config,
// vesting/metric/, chain/params); this contract keeps only the proposals:
//   roles/pending/<role name>     RLP[to, by, height, time]
//
// Events: roles.proposed {role, holder, to, by, replaces}, roles.accepted
// {role, from, to, proposedBy}, roles.cancelled {role, to, by}; each names
// the accounts involved.
#pragma once

#include <optional>
#include <vector>

#include "chain/contract.h"
#include "contracts/roles/messages.h"

namespace vest::roles {

struct Pending {
  Address to;
  Address by;           // who proposed it
  uint64_t height = 0;  // the block that recorded it
  uint64_t time = 0;
};

// The role's holder; nullopt when this chain does not have the role (no sale,
// no such metric, or no validator admin).
std::optional<Address> holder(const StateReader& state, const Role& role);
// The proposal waiting for its account's acceptance, if any.
std::optional<Pending> pending(const StateReader& state, const Role& role);
// Whether `account` may propose, and cancel, a handover of `role` (above).
bool may_propose(const StateReader& state, const Role& role, const Address& account);

struct RoleStatus {
  Role role;
  Address holder;
  std::optional<Pending> pending;
};
// Every role the chain has: sale.admin, sale.treasury, sale.revenue, the
// reporters by metric name, validators.admin.
std::vector<RoleStatus> all_roles(const StateReader& state);

class Roles : public Contract {
 public:
  std::string_view name() const override { return "roles"; }
  std::vector<uint64_t> kinds() const override { return {kProposeKind, kAcceptKind, kCancelKind}; }
  // Reads nothing: the roles are set by the sale, vesting and chain sections.
  Status init_genesis(State& state, const boost::json::object& genesis) override;
  Status check(uint64_t kind, ByteView payload) const override;
  Status apply(Context& ctx, uint64_t kind, ByteView payload) override;

 private:
  Status propose(Context& ctx, const Propose& m);
  Status accept(Context& ctx, const Role& role);
  Status cancel(Context& ctx, const Role& role);
};

}  // namespace vest::roles
