// Vesting schedules: pure, deterministic math over block time. A schedule is a
// sum of parts; each part holds a share of a position's total in basis points
// and releases it linearly, at a dated tranche, periodically, or when a
// milestone is met: a stake kept for a time, purchases, referrals or a usage
// metric reaching a target (the milestone parts; when each is met is told to
// vested() by the caller, who reads it from state).
//
// Offsets are seconds relative to the position's anchor (its start time), so one
// package schedule serves every purchase. Nothing here reads state or a clock.
//
// Rounding: part i gets floor(total * bps_i / 10000), except the last part,
// which gets total minus the others (nothing lost, nothing created). A linear
// part vests floor(part * (t - start) / (end - start)) between its cliff and its
// end, nothing before the cliff and the whole part from its end on.
//
// Canonical encoding (RLP, strict, integers minimal big-endian, 0 = empty string):
//   schedule = RLP[part, ...]                       1..16 parts, in order
//   linear   = [1, bps, start, cliff, end]          cliff == start: no cliff
//   tranche  = [2, bps, time]
//   stake    = [3, bps, min_stake, duration]
//   periodic = [4, bps, start, period, count]
//   purchases = [5, bps, units, spend]              exactly one of units, spend above 0
//   referrals = [6, bps, buyers]
//   usage    = [7, bps, metric, target]             metric: 1..32 bytes of a-z, 0-9, _ (a letter first)
//
// A periodic part releases equal shares at the end of each of `count` periods
// of `period` seconds from `start`: floor(part / count) per period, the last
// period the remainder; its cost does not grow with the count.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/status.h"
#include "contracts/vesting/codes.h"

namespace vest::vesting {

constexpr uint32_t kBpsTotal = 10'000;
constexpr size_t kMaxParts = 16;
// Largest offset or duration: 100 Julian years of 365.25 days, in seconds.
constexpr uint64_t kMaxOffset = 36'525ull * 86'400ull;
constexpr size_t kMaxMetricName = 32;

// One part of a schedule. Fields that do not belong to the part's kind are 0.
struct Part {
  enum class Kind : uint8_t {
    kLinear = 1,
    kTranche = 2,
    kStakeMilestone = 3,
    kPeriodic = 4,
    kPurchases = 5,  // the holder buys `units` more units, or spends `spend` more of the payment asset
    kReferrals = 6,  // `buyers` new buyers name the holder as referrer
    kUsage = 7,      // the holder's usage `metric` grows by `target`
  };

  Kind kind = Kind::kTranche;
  uint32_t bps = 0;       // share of the total, 1..10000
  uint64_t start = 0;     // linear: offset where accrual begins; periodic: where the first period begins
  uint64_t cliff = 0;     // linear: offset before which nothing vests; start <= cliff <= end
  uint64_t end = 0;       // linear: offset from which the whole part is vested; end > start
  uint64_t time = 0;      // tranche: offset at which the whole part vests
  Amount min_stake = 0;   // stake milestone: tokens to keep staked, > 0
  uint64_t duration = 0;  // stake milestone: seconds to keep them staked, > 0
  uint64_t period = 0;    // periodic: seconds per period, > 0
  uint64_t count = 0;     // periodic: number of periods, > 0; start + period * count <= kMaxOffset
  uint64_t units = 0;     // purchases: units of any package to buy after the position is accepted
  Amount spend = 0;       // purchases: payment-asset base units to spend after it; exactly one of units, spend > 0
  uint64_t buyers = 0;    // referrals: new buyers naming the holder after it, > 0
  std::string metric;     // usage: the metric's name (valid_metric_name)
  uint64_t target = 0;    // usage: how much the metric must grow after it, > 0

  // A linear part; without `cliff` the cliff is the start (no cliff).
  static Part linear(uint32_t bps, uint64_t start, uint64_t end, std::optional<uint64_t> cliff = std::nullopt);
  static Part tranche(uint32_t bps, uint64_t time);
  static Part stake(uint32_t bps, Amount min_stake, uint64_t duration);
  static Part periodic(uint32_t bps, uint64_t start, uint64_t period, uint64_t count);
  static Part purchase_units(uint32_t bps, uint64_t units);
  static Part purchase_spend(uint32_t bps, Amount spend);
  static Part referrals(uint32_t bps, uint64_t buyers);
  static Part usage(uint32_t bps, std::string metric, uint64_t target);

  friend bool operator==(const Part&, const Part&) = default;
};

// Whether a part vests when a condition is met (a milestone part), rather
// than at a time: stake, purchases, referrals and usage parts.
bool is_milestone(Part::Kind kind);
// Whether a milestone part counts something of the holder's (purchases,
// referrals, usage) rather than its stake.
bool is_count(Part::Kind kind);
// The part kind's name in JSON: "linear", "tranche", "stake", "periodic",
// "purchases", "referrals", "usage".
const char* kind_name(Part::Kind kind);
// 1..32 bytes of a-z, 0-9 and _, starting with a letter.
bool valid_metric_name(std::string_view name);

struct Schedule {
  std::vector<Part> parts;

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// Ok when the schedule has 1..16 parts, every bps is 1..10000 and they add up
// to 10000, every offset and duration is at most kMaxOffset, linear parts have
// start <= cliff <= end and start < end, stake milestones have min_stake > 0
// and duration > 0, purchases parts exactly one of units and spend above 0,
// referrals parts buyers > 0, usage parts a valid metric name and target > 0,
// and fields foreign to a part's kind are 0. Otherwise
// kBadSchedule with a message naming the field, e.g. "parts[2].end: must be after start".
Status validate(const Schedule& schedule);

// validate(), plus: anchor + every offset fits in 64 bits, so every unlock of a
// position anchored there has a representable time.
Status validate_at(const Schedule& schedule, uint64_t anchor);

// The canonical encoding (see the top of this file). `schedule` should validate.
Bytes encode(const Schedule& schedule);

// Strict decode of `encode`'s bytes followed by validate(); on failure `out` is
// untouched and the status is kBadSchedule.
Status decode(ByteView encoded, Schedule& out);

// The amount of each part, in part order; they add up to `total` exactly.
// Requires a valid schedule.
std::vector<Amount> part_amounts(const Schedule& schedule, Amount total);

// How much of `total` has vested at block time `t` for a position anchored at
// `anchor`. milestone_met_at[k] is when the k-th milestone part (counting
// only milestone parts, is_milestone, in part order) was met, or nullopt if it is not met;
// missing entries count as not met and extra entries are ignored. A milestone
// part is vested at t when met_at <= t. The result is in [0, total],
// non-decreasing in t, and equal to total once every part is reached.
// Requires a valid schedule.
Amount vested(const Schedule& schedule, Amount total, uint64_t anchor, uint64_t t,
              const std::vector<std::optional<uint64_t>>& milestone_met_at);

// One step of "next unlocks": by `time`, `amount` more is vested than at the
// previous step (or at the query time, for the first step).
struct Unlock {
  uint64_t time = 0;
  Amount amount = 0;

  friend bool operator==(const Unlock&, const Unlock&) = default;
};

// The next known unlocks strictly after `t`, ascending, at most `limit` of them.
// The step times are the tranche times, linear cliffs and ends, and met
// milestone times, all after t; steps whose amount is 0 are left out. Each
// step's amount is vested(time) - vested(previous step time, or t), so a linear
// stretch shows as its cliff jump plus the rest by its end (split at any other
// step inside it), and vested(t) + the amounts up to a step == vested(step time).
// Unmet milestones have no time and are not listed, nor are times past 2^64 - 1
// (see validate_at). Requires a valid schedule.
std::vector<Unlock> upcoming_unlocks(const Schedule& schedule, Amount total, uint64_t anchor, uint64_t t,
                                     const std::vector<std::optional<uint64_t>>& milestone_met_at,
                                     size_t limit);

// What makes a step of a schedule at a time: a linear part's cliff (when it
// has one) or end, a tranche, the end of a period, a met stake milestone.
enum class StepKind : uint8_t { kCliff, kLinearEnd, kTranche, kPeriod, kMilestone };
// "cliff", "linearEnd", "tranche", "period", "milestone".
const char* step_kind_name(StepKind k);

struct PartStep {
  size_t part = 0;  // index into the schedule's parts
  StepKind kind = StepKind::kTranche;

  friend bool operator==(const PartStep&, const PartStep&) = default;
};

// The parts of `schedule` with a step at block time `time` for a position
// anchored at `anchor` (the times upcoming_unlocks lists), in part order.
// Requires a valid schedule.
std::vector<PartStep> steps_at(const Schedule& schedule, uint64_t anchor, uint64_t time,
                               const std::vector<std::optional<uint64_t>>& milestone_met_at);

// Parses {"parts":[{"type":"linear","bps":5000,"start":0,"cliff":2592000,"end":31536000},
// {"type":"tranche","bps":2500,"time":7776000},{"type":"stake","bps":2500,
// "min_stake":"1000000000000000000000","duration":2592000}]}; milestone parts on
// counts read {"type":"purchases","bps":B,"units":N} (or "spend":"X" instead of
// units), {"type":"referrals","bps":B,"buyers":K} and
// {"type":"usage","bps":B,"metric":"courses_completed","target":N} ("cliff"
// optional, defaults to start; min_stake and spend decimal strings; unknown
// fields refused) and
// validates it. On failure returns false, leaves `out` untouched and sets
// `error` to a message naming the field, e.g. "parts[1].time: missing".
bool parse_schedule_json(const boost::json::value& json, Schedule& out, std::string& error);

// The JSON form parse_schedule_json reads (cliff always present).
boost::json::object schedule_json(const Schedule& schedule);

}  // namespace vest::vesting
