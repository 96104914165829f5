#include "contracts/vesting/schedule.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "chain/rlp.h"

namespace vest::vesting {

namespace json = boost::json;

namespace {

using MetTimes = std::vector<std::optional<uint64_t>>;

std::string field(size_t index, std::string_view name) {
  std::string s = "parts[" + std::to_string(index) + "]";
  if (!name.empty()) {
    s += '.';
    s += name;
  }
  return s;
}

Status bad(std::string message) { return reject(Code::kBadSchedule, std::move(message)); }

// The fields a part of each kind uses; every other field must be 0 (empty).
struct FieldUse {
  bool start, cliff, end, time, min_stake, duration, period, count, units, spend, buyers, metric, target;
};

FieldUse field_use(Part::Kind kind) {
  FieldUse u{};
  switch (kind) {
    case Part::Kind::kLinear: u.start = u.cliff = u.end = true; break;
    case Part::Kind::kTranche: u.time = true; break;
    case Part::Kind::kStakeMilestone: u.min_stake = u.duration = true; break;
    case Part::Kind::kPeriodic: u.start = u.period = u.count = true; break;
    case Part::Kind::kPurchases: u.units = u.spend = true; break;
    case Part::Kind::kReferrals: u.buyers = true; break;
    case Part::Kind::kUsage: u.metric = u.target = true; break;
  }
  return u;
}

bool known_kind(uint64_t kind) { return kind >= 1 && kind <= 7; }

Status validate_part(const Part& p, size_t i) {
  // Messages are built only on failure: vested() validates on every call.
  auto fail = [i](const char* name, const std::string& what) { return bad(field(i, name) + ": " + what); };
  auto too_far = [&](const char* name) {
    return fail(name, "must be at most " + std::to_string(kMaxOffset) + " seconds");
  };
  if (!known_kind(static_cast<uint64_t>(p.kind)))
    return fail("kind", "unknown kind " + std::to_string(static_cast<unsigned>(p.kind)));
  if (p.bps < 1 || p.bps > kBpsTotal) return fail("bps", "must be 1 to 10000");

  const FieldUse use = field_use(p.kind);
  const struct {
    const char* name;
    bool used;
    bool zero;
  } fields[] = {{"start", use.start, p.start == 0},
                {"cliff", use.cliff, p.cliff == 0},
                {"end", use.end, p.end == 0},
                {"time", use.time, p.time == 0},
                {"min_stake", use.min_stake, p.min_stake == 0},
                {"duration", use.duration, p.duration == 0},
                {"period", use.period, p.period == 0},
                {"count", use.count, p.count == 0},
                {"units", use.units, p.units == 0},
                {"spend", use.spend, p.spend == 0},
                {"buyers", use.buyers, p.buyers == 0},
                {"metric", use.metric, p.metric.empty()},
                {"target", use.target, p.target == 0}};
  for (const auto& f : fields)
    if (!f.used && !f.zero) return fail(f.name, std::string("must be 0 in a ") + kind_name(p.kind) + " part");

  switch (p.kind) {
    case Part::Kind::kLinear:
      if (p.start > kMaxOffset) return too_far("start");
      if (p.cliff > kMaxOffset) return too_far("cliff");
      if (p.end > kMaxOffset) return too_far("end");
      if (p.end <= p.start) return fail("end", "must be after start");
      if (p.cliff < p.start) return fail("cliff", "must not be before start");
      if (p.cliff > p.end) return fail("cliff", "must not be after end");
      break;
    case Part::Kind::kTranche:
      if (p.time > kMaxOffset) return too_far("time");
      break;
    case Part::Kind::kStakeMilestone:
      if (p.min_stake == 0) return fail("min_stake", "must be above 0");
      if (p.duration == 0) return fail("duration", "must be above 0");
      if (p.duration > kMaxOffset) return too_far("duration");
      break;
    case Part::Kind::kPeriodic:
      if (p.start > kMaxOffset) return too_far("start");
      if (p.period == 0) return fail("period", "must be above 0");
      if (p.count == 0) return fail("count", "must be above 0");
      // start + period * count <= kMaxOffset, without overflow.
      if (p.period > kMaxOffset || p.count > (kMaxOffset - p.start) / p.period)
        return fail("count", "the last period must end at most " + std::to_string(kMaxOffset) + " seconds in");
      break;
    case Part::Kind::kPurchases:
      if ((p.units == 0) == (p.spend == 0)) return fail("units", "give exactly one of units or spend, above 0");
      break;
    case Part::Kind::kReferrals:
      if (p.buyers == 0) return fail("buyers", "must be above 0");
      break;
    case Part::Kind::kUsage:
      if (!valid_metric_name(p.metric))
        return fail("metric", "must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter");
      if (p.target == 0) return fail("target", "must be above 0");
      break;
  }
  return Status::success();
}

// The vested amount of part `p` (whose amount is `amount`) at time t.
// `met_index` counts the milestone parts seen so far.
Amount part_vested(const Part& p, Amount amount, uint64_t anchor, uint64_t t, const MetTimes& met,
                   size_t& met_index) {
  if (is_milestone(p.kind)) {
    const size_t k = met_index++;
    return k < met.size() && met[k] && *met[k] <= t ? amount : 0;
  }
  // Offsets are compared with the time elapsed since the anchor, which cannot
  // overflow: an offset whose absolute time would not fit in 64 bits is never reached.
  if (t < anchor) return 0;
  const uint64_t elapsed = t - anchor;
  if (p.kind == Part::Kind::kTranche) return elapsed >= p.time ? amount : 0;
  if (p.kind == Part::Kind::kPeriodic) {
    // Periods ended by `elapsed`, in constant time whatever the count.
    const uint64_t ended = elapsed < p.start ? 0 : std::min(p.count, (elapsed - p.start) / p.period);
    return ended == p.count ? amount : amount / p.count * ended;
  }
  if (elapsed < p.cliff) return 0;
  if (elapsed >= p.end) return amount;
  // start <= cliff <= elapsed < end, so the quotient is at most `amount`.
  std::optional<Amount> accrued = mul_div(amount, elapsed - p.start, p.end - p.start);
  assert(accrued && *accrued <= amount);
  return *accrued;
}

Amount vested_with(const Schedule& s, const std::vector<Amount>& amounts, Amount total, uint64_t anchor, uint64_t t,
                   const MetTimes& met) {
  Amount sum = 0;
  size_t met_index = 0;
  for (size_t i = 0; i < s.parts.size(); ++i) {
    std::optional<Amount> next = checked_add(sum, part_vested(s.parts[i], amounts[i], anchor, t, met, met_index));
    assert(next);  // the parts add up to total
    sum = *next;
  }
  return std::min(sum, total);
}

// JSON helpers: each returns false and sets `error` naming the field.

bool json_u64(const json::object& o, const std::string& where, std::string_view key, bool required,
              uint64_t& out, std::string& error) {
  const json::value* v = o.if_contains(key);
  const std::string name = where + "." + std::string(key);
  if (!v) {
    if (!required) return true;
    error = name + ": missing";
    return false;
  }
  if (v->is_uint64()) {
    out = v->get_uint64();
    return true;
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    out = static_cast<uint64_t>(v->get_int64());
    return true;
  }
  error = name + ": must be a non-negative integer";
  return false;
}

bool json_amount(const json::object& o, const std::string& where, std::string_view key, Amount& out,
                 std::string& error) {
  const json::value* v = o.if_contains(key);
  const std::string name = where + "." + std::string(key);
  if (!v) {
    error = name + ": missing";
    return false;
  }
  const json::string* s = v->if_string();
  std::optional<Amount> a = s ? parse_decimal(*s) : std::nullopt;
  if (!a) {
    error = name + ": must be a decimal string of base units";
    return false;
  }
  out = *a;
  return true;
}

bool json_part(const json::value& v, size_t i, Part& out, std::string& error) {
  const std::string where = field(i, "");
  const json::object* o = v.if_object();
  if (!o) {
    error = where + ": must be an object";
    return false;
  }
  const json::value* type = o->if_contains("type");
  if (!type) {
    error = where + ".type: missing";
    return false;
  }
  const json::string* type_s = type->if_string();
  Part p;
  if (type_s && *type_s == "linear") {
    p.kind = Part::Kind::kLinear;
  } else if (type_s && *type_s == "tranche") {
    p.kind = Part::Kind::kTranche;
  } else if (type_s && *type_s == "stake") {
    p.kind = Part::Kind::kStakeMilestone;
  } else if (type_s && *type_s == "periodic") {
    p.kind = Part::Kind::kPeriodic;
  } else if (type_s && *type_s == "purchases") {
    p.kind = Part::Kind::kPurchases;
  } else if (type_s && *type_s == "referrals") {
    p.kind = Part::Kind::kReferrals;
  } else if (type_s && *type_s == "usage") {
    p.kind = Part::Kind::kUsage;
  } else {
    error = where +
            ".type: must be \"linear\", \"tranche\", \"periodic\", \"stake\", \"purchases\", \"referrals\" or "
            "\"usage\"";
    return false;
  }
  const FieldUse use = field_use(p.kind);
  for (const auto& kv : *o) {
    const std::string_view k = kv.key();
    const bool known = k == "type" || k == "bps" || (k == "start" && use.start) || (k == "cliff" && use.cliff) ||
                       (k == "end" && use.end) || (k == "time" && use.time) ||
                       (k == "min_stake" && use.min_stake) || (k == "duration" && use.duration) ||
                       (k == "period" && use.period) || (k == "count" && use.count) ||
                       (k == "units" && use.units) || (k == "spend" && use.spend) ||
                       (k == "buyers" && use.buyers) || (k == "metric" && use.metric) ||
                       (k == "target" && use.target);
    if (!known) {
      error = where + "." + std::string(k) + ": not a field of a " + kind_name(p.kind) + " part";
      return false;
    }
  }
  uint64_t bps = 0;
  if (!json_u64(*o, where, "bps", true, bps, error)) return false;
  if (bps < 1 || bps > kBpsTotal) {
    error = where + ".bps: must be 1 to 10000";
    return false;
  }
  p.bps = static_cast<uint32_t>(bps);
  switch (p.kind) {
    case Part::Kind::kLinear:
      if (!json_u64(*o, where, "start", true, p.start, error)) return false;
      p.cliff = p.start;
      if (!json_u64(*o, where, "cliff", false, p.cliff, error)) return false;
      if (!json_u64(*o, where, "end", true, p.end, error)) return false;
      break;
    case Part::Kind::kTranche:
      if (!json_u64(*o, where, "time", true, p.time, error)) return false;
      break;
    case Part::Kind::kStakeMilestone:
      if (!json_amount(*o, where, "min_stake", p.min_stake, error)) return false;
      if (!json_u64(*o, where, "duration", true, p.duration, error)) return false;
      break;
    case Part::Kind::kPeriodic:
      if (!json_u64(*o, where, "start", false, p.start, error)) return false;
      if (!json_u64(*o, where, "period", true, p.period, error)) return false;
      if (!json_u64(*o, where, "count", true, p.count, error)) return false;
      break;
    case Part::Kind::kPurchases:
      if (o->contains("units") == o->contains("spend")) {
        error = where + ".units: give exactly one of units or spend";
        return false;
      }
      if (!json_u64(*o, where, "units", false, p.units, error)) return false;
      if (o->contains("spend") && !json_amount(*o, where, "spend", p.spend, error)) return false;
      break;
    case Part::Kind::kReferrals:
      if (!json_u64(*o, where, "buyers", true, p.buyers, error)) return false;
      break;
    case Part::Kind::kUsage: {
      const json::value* m = o->if_contains("metric");
      if (!m || !m->is_string()) {
        error = where + ".metric: " + (m ? "must be a string" : "missing");
        return false;
      }
      p.metric = std::string(m->as_string());
      if (!json_u64(*o, where, "target", true, p.target, error)) return false;
      break;
    }
  }
  out = p;
  return true;
}

}  // namespace

Part Part::linear(uint32_t bps, uint64_t start, uint64_t end, std::optional<uint64_t> cliff) {
  Part p;
  p.kind = Kind::kLinear;
  p.bps = bps;
  p.start = start;
  p.cliff = cliff.value_or(start);
  p.end = end;
  return p;
}

Part Part::tranche(uint32_t bps, uint64_t time) {
  Part p;
  p.kind = Kind::kTranche;
  p.bps = bps;
  p.time = time;
  return p;
}

Part Part::stake(uint32_t bps, Amount min_stake, uint64_t duration) {
  Part p;
  p.kind = Kind::kStakeMilestone;
  p.bps = bps;
  p.min_stake = min_stake;
  p.duration = duration;
  return p;
}

Part Part::periodic(uint32_t bps, uint64_t start, uint64_t period, uint64_t count) {
  Part p;
  p.kind = Kind::kPeriodic;
  p.bps = bps;
  p.start = start;
  p.period = period;
  p.count = count;
  return p;
}

Part Part::purchase_units(uint32_t bps, uint64_t units) {
  Part p;
  p.kind = Kind::kPurchases;
  p.bps = bps;
  p.units = units;
  return p;
}

Part Part::purchase_spend(uint32_t bps, Amount spend) {
  Part p;
  p.kind = Kind::kPurchases;
  p.bps = bps;
  p.spend = spend;
  return p;
}

Part Part::referrals(uint32_t bps, uint64_t buyers) {
  Part p;
  p.kind = Kind::kReferrals;
  p.bps = bps;
  p.buyers = buyers;
  return p;
}

Part Part::usage(uint32_t bps, std::string metric, uint64_t target) {
  Part p;
  p.kind = Kind::kUsage;
  p.bps = bps;
  p.metric = std::move(metric);
  p.target = target;
  return p;
}

bool is_milestone(Part::Kind kind) { return kind == Part::Kind::kStakeMilestone || is_count(kind); }

bool is_count(Part::Kind kind) {
  return kind == Part::Kind::kPurchases || kind == Part::Kind::kReferrals || kind == Part::Kind::kUsage;
}

const char* kind_name(Part::Kind kind) {
  switch (kind) {
    case Part::Kind::kLinear: return "linear";
    case Part::Kind::kTranche: return "tranche";
    case Part::Kind::kStakeMilestone: return "stake";
    case Part::Kind::kPeriodic: return "periodic";
    case Part::Kind::kPurchases: return "purchases";
    case Part::Kind::kReferrals: return "referrals";
    case Part::Kind::kUsage: return "usage";
  }
  return "unknown";
}

bool valid_metric_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxMetricName || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

Status validate(const Schedule& schedule) {
  const auto& parts = schedule.parts;
  if (parts.empty() || parts.size() > kMaxParts) return bad("parts: must have 1 to 16 parts");
  uint64_t bps_sum = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (Status st = validate_part(parts[i], i); !st.ok()) return st;
    bps_sum += parts[i].bps;
  }
  if (bps_sum != kBpsTotal) return bad("parts: bps add up to " + std::to_string(bps_sum) + ", must be 10000");
  return Status::success();
}

Status validate_at(const Schedule& schedule, uint64_t anchor) {
  if (Status st = validate(schedule); !st.ok()) return st;
  const uint64_t room = std::numeric_limits<uint64_t>::max() - anchor;
  for (size_t i = 0; i < schedule.parts.size(); ++i) {
    const Part& p = schedule.parts[i];
    // end >= cliff >= start, so end is the largest offset of a linear part;
    // validate() bounds a periodic part's last period end by kMaxOffset.
    const uint64_t offset = p.kind == Part::Kind::kLinear     ? p.end
                            : p.kind == Part::Kind::kPeriodic ? p.start + p.period * p.count
                                                              : p.time;
    const char* name = p.kind == Part::Kind::kLinear ? "end" : p.kind == Part::Kind::kPeriodic ? "count" : "time";
    if (offset > room) return bad(field(i, name) + ": anchor " + std::to_string(anchor) + " + offset overflows");
  }
  return Status::success();
}

Bytes encode(const Schedule& schedule) {
  rlp::Encoder e;
  e.begin_list();
  for (const Part& p : schedule.parts) {
    e.begin_list().uint(static_cast<uint8_t>(p.kind)).uint(p.bps);
    switch (p.kind) {
      case Part::Kind::kLinear: e.uint(p.start).uint(p.cliff).uint(p.end); break;
      case Part::Kind::kTranche: e.uint(p.time); break;
      case Part::Kind::kStakeMilestone: e.uint(p.min_stake).uint(p.duration); break;
      case Part::Kind::kPeriodic: e.uint(p.start).uint(p.period).uint(p.count); break;
      case Part::Kind::kPurchases: e.uint(p.units).uint(p.spend); break;
      case Part::Kind::kReferrals: e.uint(p.buyers); break;
      case Part::Kind::kUsage: e.str(p.metric).uint(p.target); break;
    }
    e.end_list();
  }
  e.end_list();
  return e.finish();
}

Status decode(ByteView encoded, Schedule& out) {
  rlp::ListReader r(encoded);
  Schedule s;
  while (r.ok() && !r.at_end()) {
    const size_t i = s.parts.size();
    if (i == kMaxParts) return bad("parts: must have 1 to 16 parts");
    rlp::ListReader pr = r.list();
    Part p;
    const uint64_t kind = pr.u64();
    const uint64_t bps = pr.u64();
    if (!pr.ok()) return bad(field(i, "") + ": " + rlp::to_string(pr.error()));
    if (bps > kBpsTotal) return bad(field(i, "bps") + ": must be 1 to 10000");
    p.bps = static_cast<uint32_t>(bps);
    switch (kind) {
      case static_cast<uint64_t>(Part::Kind::kLinear):
        p.kind = Part::Kind::kLinear;
        p.start = pr.u64();
        p.cliff = pr.u64();
        p.end = pr.u64();
        break;
      case static_cast<uint64_t>(Part::Kind::kTranche):
        p.kind = Part::Kind::kTranche;
        p.time = pr.u64();
        break;
      case static_cast<uint64_t>(Part::Kind::kStakeMilestone):
        p.kind = Part::Kind::kStakeMilestone;
        p.min_stake = pr.u128v();
        p.duration = pr.u64();
        break;
      case static_cast<uint64_t>(Part::Kind::kPeriodic):
        p.kind = Part::Kind::kPeriodic;
        p.start = pr.u64();
        p.period = pr.u64();
        p.count = pr.u64();
        break;
      case static_cast<uint64_t>(Part::Kind::kPurchases):
        p.kind = Part::Kind::kPurchases;
        p.units = pr.u64();
        p.spend = pr.u128v();
        break;
      case static_cast<uint64_t>(Part::Kind::kReferrals):
        p.kind = Part::Kind::kReferrals;
        p.buyers = pr.u64();
        break;
      case static_cast<uint64_t>(Part::Kind::kUsage):
        p.kind = Part::Kind::kUsage;
        p.metric = pr.str();
        p.target = pr.u64();
        break;
      default: return bad(field(i, "kind") + ": unknown kind " + std::to_string(kind));
    }
    if (!pr.done()) return bad(field(i, "") + ": " + rlp::to_string(pr.error()));
    s.parts.push_back(p);
  }
  if (!r.done()) return bad(std::string("schedule: ") + rlp::to_string(r.error()));
  if (Status st = validate(s); !st.ok()) return st;
  out = std::move(s);
  return Status::success();
}

std::vector<Amount> part_amounts(const Schedule& schedule, Amount total) {
  assert(validate(schedule).ok());
  std::vector<Amount> amounts;
  amounts.reserve(schedule.parts.size());
  Amount assigned = 0;
  for (size_t i = 0; i + 1 < schedule.parts.size(); ++i) {
    // floor(total * bps / 10000) <= total, so neither this nor the sum overflows.
    const Amount a = *mul_div(total, schedule.parts[i].bps, kBpsTotal);
    amounts.push_back(a);
    assigned += a;
  }
  amounts.push_back(total - assigned);  // bps of the others < 10000, so assigned <= total
  return amounts;
}

Amount vested(const Schedule& schedule, Amount total, uint64_t anchor, uint64_t t, const MetTimes& milestone_met_at) {
  return vested_with(schedule, part_amounts(schedule, total), total, anchor, t, milestone_met_at);
}

std::vector<Unlock> upcoming_unlocks(const Schedule& schedule, Amount total, uint64_t anchor, uint64_t t,
                                     const MetTimes& milestone_met_at, size_t limit) {
  const std::vector<Amount> amounts = part_amounts(schedule, total);
  std::vector<uint64_t> times;
  auto add_offset = [&](uint64_t offset) {
    if (offset <= std::numeric_limits<uint64_t>::max() - anchor && anchor + offset > t) times.push_back(anchor + offset);
  };
  size_t met_index = 0;
  for (size_t i = 0; i < schedule.parts.size(); ++i) {
    const Part& p = schedule.parts[i];
    switch (p.kind) {
      case Part::Kind::kLinear:
        add_offset(p.cliff);
        add_offset(p.end);
        break;
      case Part::Kind::kTranche: add_offset(p.time); break;
      case Part::Kind::kPeriodic: {
        // The next `limit` period ends after t (at most `limit` steps are
        // shown); when a share rounds to 0, only the last period releases.
        const uint64_t elapsed = t < anchor ? 0 : t - anchor;
        uint64_t first = elapsed < p.start ? 1 : (elapsed - p.start) / p.period + 1;
        if (amounts[i] / p.count == 0) first = p.count;
        for (uint64_t k = first; k <= p.count && k - first < limit; ++k) add_offset(p.start + k * p.period);
        break;
      }
      case Part::Kind::kStakeMilestone:
      case Part::Kind::kPurchases:
      case Part::Kind::kReferrals:
      case Part::Kind::kUsage: {
        const size_t k = met_index++;
        if (k < milestone_met_at.size() && milestone_met_at[k] && *milestone_met_at[k] > t)
          times.push_back(*milestone_met_at[k]);
        break;
      }
    }
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());

  std::vector<Unlock> unlocks;
  Amount before = vested_with(schedule, amounts, total, anchor, t, milestone_met_at);
  for (uint64_t time : times) {
    if (unlocks.size() >= limit) break;
    const Amount now = vested_with(schedule, amounts, total, anchor, time, milestone_met_at);
    assert(now >= before);
    if (now > before) unlocks.push_back({time, now - before});
    before = now;
  }
  return unlocks;
}

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::kCliff: return "cliff";
    case StepKind::kLinearEnd: return "linearEnd";
    case StepKind::kTranche: return "tranche";
    case StepKind::kPeriod: return "period";
    case StepKind::kMilestone: return "milestone";
  }
  return "unknown";
}

std::vector<PartStep> steps_at(const Schedule& schedule, uint64_t anchor, uint64_t time, const MetTimes& milestone_met_at) {
  std::vector<PartStep> out;
  if (time < anchor) return out;
  const uint64_t offset = time - anchor;
  size_t met_index = 0;
  for (size_t i = 0; i < schedule.parts.size(); ++i) {
    const Part& p = schedule.parts[i];
    switch (p.kind) {
      case Part::Kind::kLinear:
        if (p.cliff > p.start && offset == p.cliff) out.push_back({i, StepKind::kCliff});
        if (offset == p.end) out.push_back({i, StepKind::kLinearEnd});
        break;
      case Part::Kind::kTranche:
        if (offset == p.time) out.push_back({i, StepKind::kTranche});
        break;
      case Part::Kind::kPeriodic:
        // validate() keeps start + period * count within kMaxOffset: no overflow.
        if (offset > p.start && (offset - p.start) % p.period == 0 && (offset - p.start) / p.period <= p.count)
          out.push_back({i, StepKind::kPeriod});
        break;
      case Part::Kind::kStakeMilestone:
      case Part::Kind::kPurchases:
      case Part::Kind::kReferrals:
      case Part::Kind::kUsage: {
        const size_t k = met_index++;
        if (k < milestone_met_at.size() && milestone_met_at[k] == time) out.push_back({i, StepKind::kMilestone});
        break;
      }
    }
  }
  return out;
}

bool parse_schedule_json(const json::value& value, Schedule& out, std::string& error) {
  const json::object* o = value.if_object();
  if (!o) {
    error = "schedule: must be an object";
    return false;
  }
  for (const auto& kv : *o) {
    if (kv.key() != "parts") {
      error = std::string(kv.key()) + ": unknown field";
      return false;
    }
  }
  const json::value* parts = o->if_contains("parts");
  if (!parts) {
    error = "parts: missing";
    return false;
  }
  const json::array* list = parts->if_array();
  if (!list) {
    error = "parts: must be an array";
    return false;
  }
  if (list->empty() || list->size() > kMaxParts) {
    error = "parts: must have 1 to 16 parts";
    return false;
  }
  Schedule s;
  s.parts.resize(list->size());
  for (size_t i = 0; i < list->size(); ++i)
    if (!json_part((*list)[i], i, s.parts[i], error)) return false;
  if (Status st = validate(s); !st.ok()) {
    error = st.message;
    return false;
  }
  out = std::move(s);
  return true;
}

json::object schedule_json(const Schedule& schedule) {
  json::array parts;
  for (const Part& p : schedule.parts) {
    json::object o;
    o["type"] = kind_name(p.kind);
    o["bps"] = p.bps;
    switch (p.kind) {
      case Part::Kind::kLinear:
        o["start"] = p.start;
        o["cliff"] = p.cliff;
        o["end"] = p.end;
        break;
      case Part::Kind::kTranche: o["time"] = p.time; break;
      case Part::Kind::kStakeMilestone:
        o["min_stake"] = to_decimal(p.min_stake);
        o["duration"] = p.duration;
        break;
      case Part::Kind::kPeriodic:
        o["start"] = p.start;
        o["period"] = p.period;
        o["count"] = p.count;
        break;
      case Part::Kind::kPurchases:
        if (p.units) {
          o["units"] = p.units;
        } else {
          o["spend"] = to_decimal(p.spend);
        }
        break;
      case Part::Kind::kReferrals: o["buyers"] = p.buyers; break;
      case Part::Kind::kUsage:
        o["metric"] = p.metric;
        o["target"] = p.target;
        break;
    }
    parts.push_back(std::move(o));
  }
  json::object root;
  root["parts"] = std::move(parts);
  return root;
}

}  // namespace vest::vesting
