// Messages of the roles contract and their encodings (docs/protocol.md,
// "Messages"). Wallets build these; only contracts/roles executes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chain/address.h"
#include "chain/bytes.h"
#include "chain/status.h"

namespace vest::roles {

// The accounts a chain gives authority to, each handed over by a two-step
// transfer. By name: "sale.admin", "sale.treasury", "sale.revenue",
// "vesting.reporter:<metric>" and "validators.admin".
enum class Kind : uint8_t { kSaleAdmin = 1, kTreasury = 2, kRevenue = 3, kReporter = 4, kValidatorAdmin = 5 };

struct Role {
  Kind kind = Kind::kSaleAdmin;
  std::string metric;  // kReporter only

  // The role's name, as above.
  std::string name() const;
  // nullopt for a name that is none of the above (a reporter's metric must be
  // a well-formed metric name).
  static std::optional<Role> parse(std::string_view name);
  friend bool operator==(const Role&, const Role&) = default;
};

// The role's holder proposes `to` as the next holder (for the sale's treasury,
// revenue and reporters, the sale admin may too); a proposal replaces the
// pending one. payload = RLP[role, to]
constexpr uint64_t kProposeKind = 50;
// The proposed account takes the role. payload = RLP[role]
constexpr uint64_t kAcceptKind = 51;
// Whoever may propose withdraws the pending proposal. payload = RLP[role]
constexpr uint64_t kCancelKind = 52;

struct Propose {
  std::string role;
  Address to;

  Bytes encode() const;
  // Strict decode; the role must parse (stateless).
  static Status decode(ByteView payload, Propose& out);
};

// The payload of accept and cancel.
struct RoleRef {
  std::string role;

  Bytes encode() const;
  static Status decode(ByteView payload, RoleRef& out);
};

// Rejection codes of the roles contract (600..699).
enum class Code : uint32_t {
  kUnknownRole = 600,       // not a role name, or a role this chain does not have
  kNotAuthorized = 601,     // the sender may not propose (or cancel) for the role
  kBadSuccessor = 602,      // the zero address, a module account or the current holder
  kNoPendingTransfer = 603, // nothing proposed for the role (or it was cancelled)
  kNotProposed = 604,       // the sender is not the proposed account
  kProposalLapsed = 605,    // its proposer no longer may propose for the role
  kMalformedPayload = 606,
};

const char* reason_of(Code code);
Status reject(Code code, std::string message);

}  // namespace vest::roles
