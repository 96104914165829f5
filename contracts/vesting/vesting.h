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
//   vesting/metric/<name>              RLP[reporter]: a usage metric and who reports it
//   vesting/count/<address><count>     the holder's count (units, spend, referrals, a metric's usage)
//   vesting/log/<address><count><value u128>            block time the count reached value
//   vesting/await/<address><count><threshold u128><id u64><part u8>
//                                      (empty): a milestone part waiting for the count to reach threshold
// where <count> is [kind u8, len u8, metric bytes] (len 0 but for usage).
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
  std::vector<std::optional<uint64_t>> milestones_met;  // per milestone part (is_milestone), in part order
  // Per milestone part: for a count part (is_count), the holder's count when
  // the position was accepted, from which its progress counts; 0 for stake
  // parts, and for every part until the position is accepted.
  std::vector<Amount> counted_from;
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

// ---- counts: what purchases, referrals and usage milestone parts count ----
//
// Each holder has monotonic counts, raised only by the chain: units bought and
// payment-asset spend (by the sale at each purchase), new buyers referred (by
// the sale), and each usage metric (by the metric's reporter). A count part of
// a position is met once the count reaches counted_from + the part's target;
// when, is read from the count's log (the block time it first reached a
// value), so it never depends on when the position is next touched.

enum class Count : uint8_t { kUnits = 1, kSpend = 2, kReferrals = 3, kUsage = 4 };
struct CountId {
  Count count = Count::kUnits;
  std::string metric;  // kUsage only
  friend bool operator==(const CountId&, const CountId&) = default;
};
// "units", "spend", "referrals" or "usage".
const char* count_name(Count count);
// The count a count part (is_count) follows, and how much it must grow.
CountId count_of(const Part& part);
Amount count_target(const Part& part);

// At most this many waiting parts are settled (recorded as met, with their
// event) when a count is raised; the rest are settled by the holder's next
// raise of that count, claim or revoke, with the same met time. Reads count
// them as met from the block they were met in either way.
constexpr size_t kMaxSettledPerRaise = 64;
constexpr size_t kMaxMetrics = 64;

Amount count_value(const StateReader& state, const Address& holder, const CountId& id);
// The block time `holder`'s count first reached `value` (nullopt: not yet).
std::optional<uint64_t> count_reached_at(const StateReader& state, const Address& holder, const CountId& id,
                                         Amount value);
// Raises `holder`'s count by `delta` (> 0), at the block's time; emits
// "vesting.counted" and settles the parts now met (kMaxSettledPerRaise).
// The sale raises units, spend and referrals; usage is raised by its
// reporter's vesting.report_usage.
Status add_count(Context& ctx, const Address& holder, const CountId& id, Amount delta);

// Lowers `holder`'s count by `delta` (at most to 0) when what raised it is
// undone (a refunded purchase): values above the new one are no longer
// reached (their log entries go), and waiting parts that counted from above
// it count from it. Refused (kCountInUse, state unchanged) when a met part of
// one of the holder's live positions would not be met without the lowered
// amount. Emits "vesting.count_lowered".
Status lower_count(Context& ctx, const Address& holder, const CountId& id, Amount delta);

// Ends position `id` for the contract that created it (a refunded purchase):
// what it still holds (effective total - released) returns to its funder
// (transfer reason "refund_cancel"), nothing more vests, and what was released
// stays released. With `clock`, stake its tokens backed is removed as after a
// revoke. Emits "vesting.cancelled"; `returned` is what went back.
Status cancel_position(Context& ctx, uint64_t id, const StakeClock* clock, Amount& returned);

// The reporter of usage metric `name` (nullopt: no such metric).
std::optional<Address> metric_reporter(const StateReader& state, std::string_view name);
// Every metric with its reporter, by name.
std::vector<std::pair<std::string, Address>> metrics(const StateReader& state);
// Makes `reporter` the reporter of `metric`; for the contract that holds the
// authority to rotate reporters (the sale's admin). Emits
// "vesting.reporter_changed". unknown_metric, or bad_reporter for a module
// account or the current reporter; state unchanged on failure.
Status set_reporter(Context& ctx, std::string_view metric, const Address& reporter);

// The milestone met-times of `p` at `t`: the recorded ones, plus the count
// parts its holder's counts meet by `t`, plus (with `clock`) the stake parts
// its stake meets by `t`.
std::vector<std::optional<uint64_t>> milestones_at(const StateReader& state, const Position& p, uint64_t t,
                                                   const StakeClock* clock);

// Progress of each count part of a position, for the reads.
struct CountProgress {
  size_t part = 0;  // index into the schedule's parts
  Part::Kind kind = Part::Kind::kPurchases;
  CountId id;
  Amount amount = 0;  // the part's share of the position
  Amount target = 0;  // how much the count must grow
  Amount done = 0;    // how much it has grown since counted_from, capped at target
  std::optional<uint64_t> met_at;
};
// `met` as milestones_at() answers it for `p` at `t`.
std::vector<CountProgress> count_progress(const StateReader& state, const Position& p,
                                          const std::vector<std::optional<uint64_t>>& met);

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
    return {kClaimKind, kGrantKind, kRevokeKind, kAcceptKind, kDeclineKind, kReportUsageKind};
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
  Status report_usage(Context& ctx, const ReportUsage& r);
  // The clock's hooks, when there is one.
  void settle(Context& ctx, const Address& a) const;
  Status escrow_changed(Context& ctx, const Address& a, bool revoked) const;

  const StakeClock* clock_ = nullptr;
};

// The smallest grant of `asset` (nullopt: the asset cannot be granted).
std::optional<Amount> min_grant(const StateReader& state, std::string_view asset);

}  // namespace vest::vesting
