// Vesting positions: tokens locked for a beneficiary and released by a
// schedule (contracts/vesting/schedule.h) over block time.
//
// A position's tokens sit in the vesting escrow account (escrow_address())
// from creation until claimed or revoked, so liquid balances never include
// locked tokens and a transfer never looks at positions.
//
// State layout (docs/protocol.md, "State"):
//   vesting/params                     RLP[[[symbol, min_grant], ...]]
//   vesting/next                       next position id (absent = 1)
//   vesting/pos/<id u64>               the position record (encode_position)
//   vesting/owner/<address><id u64>    (empty): the beneficiary's positions
//   vesting/active/<address><id u64>   (empty): accepted positions still holding tokens
//   vesting/offered/<address><id u64>  (empty): offered grants still holding tokens
// Invariant: the escrow's balance of each asset equals the sum over its
// positions of (effective total - released).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chain/contract.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/schedule.h"

namespace vest::vesting {

enum class Origin : uint8_t { kPurchase = 1, kReferral = 2, kGrant = 3 };
const char* origin_name(Origin o);

struct Position {
  uint64_t id = 0;
  Address beneficiary;
  std::string asset;
  Amount total = 0;     // as created
  Amount released = 0;  // claimed so far
  Address funder;       // who paid for it; receives the unvested part on revoke
  bool revocable = false;
  uint64_t anchor = 0;  // block time the schedule's offsets count from
  Schedule schedule;
  Origin origin = Origin::kGrant;
  uint64_t origin_ref = 0;  // purchase id for purchases and referrals
  uint64_t created_height = 0;
  uint64_t revoked_at = 0;    // block time of the revoke, 0 when not revoked
  Amount vested_at_revoke = 0;
  std::vector<std::optional<uint64_t>> milestones_met;  // per stake-milestone part
  // Block time the beneficiary accepted it: its creation for purchases,
  // referrals and one's own grants; 0 for a grant from another account until
  // its beneficiary accepts it. An offered position vests but is left out of
  // holdings, claim-all and stake, and its stake milestones count from its
  // acceptance.
  uint64_t accepted_at = 0;
  bool declined = false;  // the beneficiary declined it (revoked_at is the time)

  bool accepted() const { return accepted_at != 0; }

  // Whether the position may back its beneficiary's stake: accepted and not
  // revocable by anyone but the beneficiary, so that nobody else can make the
  // stake (and its milestones) smaller (docs/staking.md). After a revoke what
  // had vested and is not claimed yet still backs it.
  bool backs_stake() const { return accepted() && !declined && (!revocable || funder == beneficiary); }
  // The total after a revoke or decline (what had vested or been released then), else `total`.
  Amount effective_total() const { return revoked_at ? vested_at_revoke : total; }
  Amount vested_at(uint64_t t) const;
  Amount claimable_at(uint64_t t) const { return vested_at(t) - released; }
  Amount locked_at(uint64_t t) const { return effective_total() - vested_at(t); }
};

// The account that holds every position's tokens: the last 20 bytes of
// keccak256("vestchain/module/vesting").
Address escrow_address();

std::optional<Position> get_position(const StateReader& state, uint64_t id);
// Stores `p` over the record with its id.
void save_position(State& state, const Position& p);
// Ids of `owner`'s positions, ascending, starting at `from_id`, at most `limit`.
std::vector<uint64_t> position_ids(const StateReader& state, const Address& owner, uint64_t from_id, size_t limit);
// The same over the accepted positions still holding tokens for `owner`
// (locked or claimable); a position leaves this index once fully released.
std::vector<uint64_t> active_position_ids(const StateReader& state, const Address& owner, uint64_t from_id,
                                          size_t limit);
// The same over offered grants (not yet accepted) still holding tokens.
std::vector<uint64_t> offered_position_ids(const StateReader& state, const Address& owner, uint64_t from_id,
                                           size_t limit);
// Calls `fn` for every position of the chain in id order, starting at
// `from_id`; stops when it returns false (explorers' listing of all positions).
void for_each_position_by_id(const StateReader& state, uint64_t from_id,
                             const std::function<bool(const Position&)>& fn);
// Calls `fn` for each position of `owner`'s active (or offered) index in id
// order; stops when it returns false.
void for_each_position(const StateReader& state, const Address& owner, bool offered,
                       const std::function<bool(const Position&)>& fn);

// Per-asset sums over an account's positions at time t.
struct Holdings {
  Amount locked = 0;     // accepted positions: not yet vested
  Amount claimable = 0;  // accepted positions: vested, not yet released
  Amount offered = 0;    // offered grants: what they hold, vested or not
};
class StakeClock;
// With `clock`, stake milestones count as `clock` says they are met at t;
// without, as recorded (by a claim or a stake change).
std::map<std::string, Holdings> holdings(const StateReader& state, const Address& owner, uint64_t t,
                                         const StakeClock* clock = nullptr);

// `owner`'s tokens of `asset` in positions that back stake (Position::backs_stake):
// not yet vested at t, and still in the escrow (not yet released).
struct Backing {
  Amount unvested = 0;
  Amount escrowed = 0;
};
Backing stake_backing(const StateReader& state, const Address& owner, std::string_view asset, uint64_t t);

struct NewPosition {
  Address beneficiary;
  std::string asset;
  Amount total = 0;
  Address funder;         // whose balance pays `total` into escrow
  bool revocable = false;
  uint64_t anchor = 0;
  Schedule schedule;
  Origin origin = Origin::kGrant;
  uint64_t origin_ref = 0;
};

// Moves `p.total` from `p.funder` to the escrow and records the position; for
// other contracts (the sale) and for grants. Emits "vesting.created".
Status create_position(Context& ctx, const NewPosition& p, uint64_t& id);

// What the contract that bonds still-vesting tokens (staking) tells vesting,
// and what vesting tells it back. Vesting never includes staking: the native
// contract set hands it an implementation (contracts/native.h).
class StakeClock {
 public:
  virtual ~StakeClock() = default;
  // The milestone met-times of `p` at `t`: the recorded ones, plus those the
  // beneficiary's stake meets by `t`.
  virtual std::vector<std::optional<uint64_t>> milestones_at(const StateReader& state, const Position& p,
                                                             uint64_t t) const = 0;
  // After `a`'s escrowed tokens shrank (a claim paid some out, or a revoke or
  // decline gave some back): keeps the stake they backed consistent.
  virtual Status after_escrow_change(Context& ctx, const Address& a, bool revoked) const = 0;
};

// Records the milestones of `a`'s accepted positions that `clock` says are met
// by the block's time; returns the min_stake levels of those still unmet,
// ascending and distinct.
std::vector<Amount> record_milestones(Context& ctx, const Address& a, const StakeClock& clock);

class Vesting : public Contract {
 public:
  // Positions' stake milestones and bonded tokens follow `clock`; without one
  // milestones are never met.
  void set_stake_clock(const StakeClock* clock) { clock_ = clock; }

  std::string_view name() const override { return "vesting"; }
  std::vector<uint64_t> kinds() const override {
    return {kClaimKind, kGrantKind, kRevokeKind, kAcceptKind, kDeclineKind};
  }
  Status init_genesis(State& state, const boost::json::object& genesis) override;
  Status check(uint64_t kind, ByteView payload) const override;
  Status apply(Context& ctx, uint64_t kind, ByteView payload) override;

 private:
  Status claim(Context& ctx, const Claim& c);
  Status grant(Context& ctx, const Grant& g);
  Status revoke(Context& ctx, const Revoke& r);
  Status accept(Context& ctx, const Accept& a);
  Status decline(Context& ctx, const Decline& d);
  // The clock's hooks, when there is one.
  void settle(Context& ctx, const Address& a) const;
  Status escrow_changed(Context& ctx, const Address& a, bool revoked) const;

  const StakeClock* clock_ = nullptr;
};

// The smallest grant of `asset` (nullopt: the asset cannot be granted).
std::optional<Amount> min_grant(const StateReader& state, std::string_view asset);

}  // namespace vest::vesting
