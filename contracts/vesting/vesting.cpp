#include "contracts/vesting/vesting.h"

#include <algorithm>
#include <cassert>

#include "chain/json_fields.h"
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "contracts/bank/bank.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/modules.h"

namespace vest::vesting {

namespace {

constexpr std::string_view kParamsKey = "vesting/params";
constexpr std::string_view kNextKey = "vesting/next";
constexpr std::string_view kPositionPrefix = "vesting/pos/";
constexpr std::string_view kOwnerPrefix = "vesting/owner/";
constexpr std::string_view kActivePrefix = "vesting/active/";
constexpr std::string_view kOfferedPrefix = "vesting/offered/";
constexpr std::string_view kMetricPrefix = "vesting/metric/";
constexpr std::string_view kCountPrefix = "vesting/count/";
constexpr std::string_view kLogPrefix = "vesting/log/";
constexpr std::string_view kAwaitPrefix = "vesting/await/";

Bytes id_bytes(uint64_t id) {
  Bytes b;
  put_u64_be(b, id);
  return b;
}

Bytes position_key(uint64_t id) { return make_key(kPositionPrefix, id_bytes(id)); }
Bytes owner_key(const Address& a, uint64_t id) { return make_key(kOwnerPrefix, a.view(), id_bytes(id)); }
Bytes active_key(const Address& a, uint64_t id) { return make_key(kActivePrefix, a.view(), id_bytes(id)); }
Bytes offered_key(const Address& a, uint64_t id) { return make_key(kOfferedPrefix, a.view(), id_bytes(id)); }
Bytes count_tag(const CountId& id) {
  Bytes b{static_cast<uint8_t>(id.count), static_cast<uint8_t>(id.metric.size())};
  append(b, as_bytes(id.metric));
  return b;
}
Bytes u128_bytes(Amount v) {
  Bytes b(16);
  for (int i = 15; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
    v >>= 8;
  }
  return b;
}
Bytes metric_key(std::string_view name) { return make_key(kMetricPrefix, as_bytes(name)); }
Bytes count_key(const Address& a, const CountId& id) { return make_key(kCountPrefix, a.view(), count_tag(id)); }
Bytes log_prefix(const Address& a, const CountId& id) { return make_key(kLogPrefix, a.view(), count_tag(id)); }
Bytes log_key(const Address& a, const CountId& id, Amount value) {
  Bytes k = log_prefix(a, id);
  append(k, u128_bytes(value));
  return k;
}
Bytes await_prefix(const Address& a, const CountId& id) { return make_key(kAwaitPrefix, a.view(), count_tag(id)); }
Bytes await_key(const Address& a, const CountId& id, Amount threshold, uint64_t pos, size_t part) {
  Bytes k = await_prefix(a, id);
  append(k, u128_bytes(threshold));
  append(k, id_bytes(pos));
  k.push_back(static_cast<uint8_t>(part));
  return k;
}

// The index a position holding tokens is listed in.
Bytes index_key(const Position& p) {
  return p.accepted() ? active_key(p.beneficiary, p.id) : offered_key(p.beneficiary, p.id);
}

std::vector<uint64_t> ids_under(const StateReader& state, std::string_view index, const Address& owner,
                                uint64_t from_id, size_t limit) {
  std::vector<uint64_t> ids;
  Bytes prefix = make_key(index, owner.view());
  Bytes start = make_key(index, owner.view(), id_bytes(from_id));
  state.scan(prefix, start, [&](ByteView key, ByteView) {
    ids.push_back(get_u64_be(key.data() + prefix.size()));
    return ids.size() < limit;
  });
  return ids;
}

// A position leaves its owner's active (or offered) index once everything it
// will ever release has been released.
void save_and_retire(State& state, const Position& p) {
  save_position(state, p);
  if (p.released == p.effective_total()) state.erase(index_key(p));
}

Bytes encode_position(const Position& p) {
  rlp::Encoder e;
  e.begin_list().fixed(p.beneficiary).str(p.asset).uint(p.total).uint(p.released).fixed(p.funder);
  e.uint(p.revocable ? 1 : 0).uint(p.anchor).bytes(encode(p.schedule)).uint(static_cast<uint8_t>(p.origin));
  e.uint(p.origin_ref).uint(p.created_height).uint(p.revoked_at).uint(p.vested_at_revoke).begin_list();
  // Milestone met times, 0 for not met (a milestone cannot be met at time 0).
  for (const auto& m : p.milestones_met) e.uint(m.value_or(0));
  e.end_list().uint(p.accepted_at).uint(p.declined ? 1 : 0).begin_list();
  for (const Amount& c : p.counted_from) e.uint(c);
  e.end_list().end_list();
  return e.finish();
}

std::optional<Position> decode_position(uint64_t id, ByteView v) {
  rlp::ListReader r(v);
  Position p;
  p.id = id;
  p.beneficiary = r.fixed<20>();
  p.asset = r.str();
  p.total = r.u128v();
  p.released = r.u128v();
  p.funder = r.fixed<20>();
  p.revocable = r.u64() != 0;
  p.anchor = r.u64();
  ByteView schedule = r.bytes();
  uint64_t origin = r.u64();
  p.origin_ref = r.u64();
  p.created_height = r.u64();
  p.revoked_at = r.u64();
  p.vested_at_revoke = r.u128v();
  rlp::ListReader met = r.list();
  while (met.ok() && !met.at_end()) {
    uint64_t t = met.u64();
    p.milestones_met.push_back(t ? std::optional<uint64_t>(t) : std::nullopt);
  }
  p.accepted_at = r.u64();
  uint64_t declined = r.u64();
  rlp::ListReader counted = r.list();
  while (counted.ok() && !counted.at_end()) p.counted_from.push_back(counted.u128v());
  if (!met.done() || !counted.done() || !r.done() || origin < 1 || origin > 3 || declined > 1) return std::nullopt;
  p.declined = declined == 1;
  if (!decode(schedule, p.schedule).ok()) return std::nullopt;
  p.origin = static_cast<Origin>(origin);
  return p;
}


Status malformed(const rlp::ListReader& r, const char* what) {
  return reject(Code::kMalformedPayload, std::string(what) + " payload: " + rlp::to_string(r.error()));
}

Event position_event(const char* type, const Position& p, std::vector<std::pair<std::string, std::string>> extra) {
  Event e{type, {p.beneficiary}, {{"id", std::to_string(p.id)}, {"beneficiary", to_checksum(p.beneficiary)},
                                  {"asset", p.asset}}};
  if (p.funder != p.beneficiary) e.addresses.push_back(p.funder);
  for (auto& kv : extra) e.fields.push_back(std::move(kv));
  return e;
}

}  // namespace

const char* origin_name(Origin o) {
  switch (o) {
    case Origin::kPurchase: return "purchase";
    case Origin::kReferral: return "referral";
    case Origin::kGrant: return "grant";
  }
  return "unknown";
}

Amount Position::vested_at(uint64_t t) const {
  if (revoked_at) return vested_at_revoke;
  return vested(schedule, total, anchor, t, milestones_met);
}

Address escrow_address() { return module_address(kVestingEscrowModule); }

// ---- messages ----

Bytes Claim::encode() const {
  rlp::Encoder e;
  e.begin_list().begin_list();
  for (uint64_t id : ids) e.uint(id);
  e.end_list().end_list();
  return e.finish();
}

Status Claim::decode(ByteView payload, Claim& out) {
  rlp::ListReader r(payload);
  rlp::ListReader ids = r.list();
  Claim c;
  while (ids.ok() && !ids.at_end()) c.ids.push_back(ids.u64());
  if (!ids.done() || !r.done()) return malformed(ids.ok() ? r : ids, "claim");
  out = std::move(c);
  return Status::success();
}

Bytes Grant::encode() const {
  rlp::Encoder e;
  e.begin_list().fixed(beneficiary).str(asset).uint(amount).bytes(schedule).uint(revocable ? 1 : 0).uint(start);
  e.end_list();
  return e.finish();
}

Status Grant::decode(ByteView payload, Grant& out) {
  rlp::ListReader r(payload);
  Grant g;
  g.beneficiary = r.fixed<20>();
  g.asset = r.str();
  g.amount = r.u128v();
  ByteView schedule = r.bytes();
  uint64_t revocable = r.u64();
  g.start = r.u64();
  if (!r.done()) return malformed(r, "grant");
  if (revocable > 1) return reject(Code::kMalformedPayload, "grant payload: revocable must be 0 or 1");
  g.schedule.assign(schedule.begin(), schedule.end());
  g.revocable = revocable == 1;
  out = std::move(g);
  return Status::success();
}

Bytes Revoke::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(id).end_list();
  return e.finish();
}

Status Revoke::decode(ByteView payload, Revoke& out) {
  rlp::ListReader r(payload);
  Revoke v;
  v.id = r.u64();
  if (!r.done()) return malformed(r, "revoke");
  out = v;
  return Status::success();
}

Bytes ReportUsage::encode() const {
  rlp::Encoder e;
  e.begin_list().str(metric).fixed(holder).uint(value).end_list();
  return e.finish();
}

Status ReportUsage::decode(ByteView payload, ReportUsage& out) {
  rlp::ListReader r(payload);
  ReportUsage u;
  u.metric = r.str();
  u.holder = r.fixed<20>();
  u.value = r.u64();
  if (!r.done()) return malformed(r, "report_usage");
  out = std::move(u);
  return Status::success();
}

// ---- reads ----

std::optional<Position> get_position(const StateReader& state, uint64_t id) {
  auto v = state.get(position_key(id));
  if (!v) return std::nullopt;
  auto p = decode_position(id, *v);
  assert(p && "corrupt stored position");
  return p;
}

void save_position(State& state, const Position& p) { state.put(position_key(p.id), encode_position(p)); }

void for_each_position_by_id(const StateReader& state, uint64_t from_id,
                             const std::function<bool(const Position&)>& fn) {
  const Bytes prefix(kPositionPrefix.begin(), kPositionPrefix.end());
  state.scan(prefix, position_key(from_id), [&](ByteView key, ByteView value) {
    if (key.size() != prefix.size() + 8) return true;
    const uint64_t id = get_u64_be(key.data() + prefix.size());
    auto p = decode_position(id, value);
    assert(p && "corrupt stored position");
    return fn(*p);
  });
}

std::vector<uint64_t> position_ids(const StateReader& state, const Address& owner, uint64_t from_id, size_t limit) {
  return ids_under(state, kOwnerPrefix, owner, from_id, limit);
}

std::vector<uint64_t> active_position_ids(const StateReader& state, const Address& owner, uint64_t from_id,
                                          size_t limit) {
  return ids_under(state, kActivePrefix, owner, from_id, limit);
}

std::vector<uint64_t> offered_position_ids(const StateReader& state, const Address& owner, uint64_t from_id,
                                           size_t limit) {
  return ids_under(state, kOfferedPrefix, owner, from_id, limit);
}

void for_each_position(const StateReader& state, const Address& owner, bool offered,
                       const std::function<bool(const Position&)>& fn) {
  constexpr size_t kBatch = 256;
  uint64_t from = 0;
  for (;;) {
    auto ids = ids_under(state, offered ? kOfferedPrefix : kActivePrefix, owner, from, kBatch);
    for (uint64_t id : ids) {
      auto p = get_position(state, id);
      if (p && !fn(*p)) return;
    }
    if (ids.size() < kBatch) return;
    from = ids.back() + 1;
  }
}

std::map<std::string, Holdings> holdings(const StateReader& state, const Address& owner, uint64_t t,
                                         const StakeClock* clock) {
  std::map<std::string, Holdings> out;
  for_each_position(state, owner, false, [&](const Position& stored) {
    Position p = stored;
    p.milestones_met = milestones_at(state, stored, t, clock);
    Holdings& h = out[p.asset];
    h.locked += p.locked_at(t);
    h.claimable += p.claimable_at(t);
    return true;
  });
  for_each_position(state, owner, true, [&](const Position& p) {
    out[p.asset].offered += p.effective_total() - p.released;
    return true;
  });
  return out;
}

Backing stake_backing(const StateReader& state, const Address& owner, std::string_view asset, uint64_t t) {
  Backing b;
  for_each_position(state, owner, false, [&](const Position& p) {
    if (p.asset == asset && p.backs_stake()) {
      Position q = p;
      q.milestones_met = milestones_at(state, p, t, nullptr);
      b.unvested += q.locked_at(t);
      b.escrowed += p.effective_total() - p.released;
    }
    return true;
  });
  return b;
}

std::optional<Amount> min_grant(const StateReader& state, std::string_view asset) {
  auto v = state.get(as_bytes(kParamsKey));
  if (!v) return std::nullopt;
  rlp::ListReader r(*v);
  rlp::ListReader mins = r.list();
  while (mins.ok() && !mins.at_end()) {
    rlp::ListReader kv = mins.list();
    std::string symbol = kv.str();
    Amount min = kv.u128v();
    if (!kv.done()) break;
    if (symbol == asset) return min;
  }
  return std::nullopt;
}

const char* count_name(Count count) {
  switch (count) {
    case Count::kUnits: return "units";
    case Count::kSpend: return "spend";
    case Count::kReferrals: return "referrals";
    case Count::kUsage: return "usage";
  }
  return "unknown";
}

CountId count_of(const Part& part) {
  assert(is_count(part.kind));
  if (part.kind == Part::Kind::kPurchases) return {part.units ? Count::kUnits : Count::kSpend, ""};
  if (part.kind == Part::Kind::kReferrals) return {Count::kReferrals, ""};
  return {Count::kUsage, part.metric};
}

Amount count_target(const Part& part) {
  assert(is_count(part.kind));
  if (part.kind == Part::Kind::kPurchases) return part.units ? Amount(part.units) : part.spend;
  if (part.kind == Part::Kind::kReferrals) return part.buyers;
  return part.target;
}

Amount count_value(const StateReader& state, const Address& holder, const CountId& id) {
  auto v = state.get(count_key(holder, id));
  if (!v) return 0;
  auto n = decode_uint(*v);
  assert(n && "corrupt stored count");
  return n.value_or(0);
}

std::optional<uint64_t> count_reached_at(const StateReader& state, const Address& holder, const CountId& id,
                                         Amount value) {
  std::optional<uint64_t> at;
  state.scan(log_prefix(holder, id), log_key(holder, id, value), [&](ByteView, ByteView v) {
    auto t = decode_uint(v);
    assert(t && *t <= UINT64_MAX && "corrupt count log");
    at = static_cast<uint64_t>(t.value_or(0));
    return false;
  });
  return at;
}

std::optional<Address> metric_reporter(const StateReader& state, std::string_view name) {
  auto v = state.get(metric_key(name));
  if (!v) return std::nullopt;
  rlp::ListReader r(*v);
  Address a = r.fixed<20>();
  assert(r.done() && "corrupt stored metric");
  return a;
}

std::vector<std::pair<std::string, Address>> metrics(const StateReader& state) {
  std::vector<std::pair<std::string, Address>> out;
  const Bytes prefix(kMetricPrefix.begin(), kMetricPrefix.end());
  state.scan(prefix, {}, [&](ByteView key, ByteView v) {
    rlp::ListReader r(v);
    Address a = r.fixed<20>();
    out.emplace_back(std::string(as_string(key.subspan(prefix.size()))), a);
    return out.size() < kMaxMetrics;
  });
  return out;
}

namespace {

// `met` with the count parts of `p` that its holder's counts meet by `t`.
void fill_counts(const StateReader& state, const Position& p, uint64_t t, std::vector<std::optional<uint64_t>>& met) {
  if (!p.accepted() || p.revoked_at) return;
  size_t k = 0;
  for (const Part& part : p.schedule.parts) {
    if (!is_milestone(part.kind)) continue;
    if (k >= met.size()) met.resize(k + 1);
    if (is_count(part.kind) && !met[k] && k < p.counted_from.size()) {
      if (auto threshold = checked_add(p.counted_from[k], count_target(part))) {
        auto reached = count_reached_at(state, p.beneficiary, count_of(part), *threshold);
        if (reached && *reached <= t) met[k] = reached;
      }
    }
    ++k;
  }
}

}  // namespace

std::vector<std::optional<uint64_t>> milestones_at(const StateReader& state, const Position& p, uint64_t t,
                                                   const StakeClock* clock) {
  std::vector<std::optional<uint64_t>> met = clock ? clock->milestones_at(state, p, t) : p.milestones_met;
  fill_counts(state, p, t, met);
  return met;
}

std::vector<CountProgress> count_progress(const StateReader& state, const Position& p,
                                          const std::vector<std::optional<uint64_t>>& met) {
  std::vector<CountProgress> out;
  const std::vector<Amount> amounts = part_amounts(p.schedule, p.total);
  size_t k = 0;
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const Part& part = p.schedule.parts[i];
    if (!is_milestone(part.kind)) continue;
    if (is_count(part.kind)) {
      CountProgress c{i, part.kind, count_of(part), amounts[i], count_target(part), 0, std::nullopt};
      if (k < met.size() && met[k]) {
        c.met_at = met[k];
        c.done = c.target;
      } else if (p.accepted() && !p.revoked_at && k < p.counted_from.size()) {
        const Amount now = count_value(state, p.beneficiary, c.id);
        c.done = now > p.counted_from[k] ? std::min(now - p.counted_from[k], c.target) : 0;
      }
      out.push_back(std::move(c));
    }
    ++k;
  }
  return out;
}

// ---- writes ----

namespace {

Event milestone_event(const Position& p, size_t part, uint64_t met_at, Amount amount) {
  return position_event("vesting.milestone_met", p,
                        {{"part", std::to_string(part)},
                         {"type", kind_name(p.schedule.parts[part].kind)},
                         {"amount", to_decimal(amount)},
                         {"metAt", std::to_string(met_at)}});
}

// Records the count parts of `p` that its holder's counts have met, each
// with its event, and drops their waiting entries; true when any was.
bool settle_counts(Context& ctx, Position& p) {
  if (!p.accepted() || p.revoked_at) return false;
  std::vector<std::optional<uint64_t>> met = p.milestones_met;
  fill_counts(ctx.state, p, ctx.block.time, met);
  if (met == p.milestones_met) return false;
  const std::vector<Amount> amounts = part_amounts(p.schedule, p.total);
  size_t k = 0;
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const Part& part = p.schedule.parts[i];
    if (!is_milestone(part.kind)) continue;
    if (is_count(part.kind) && met[k] && (k >= p.milestones_met.size() || !p.milestones_met[k])) {
      // fill_counts met it, so counted_from + target did not overflow.
      const Amount threshold = p.counted_from[k] + count_target(part);
      ctx.state.erase(await_key(p.beneficiary, count_of(part), threshold, p.id, i));
      ctx.emit(milestone_event(p, i, *met[k], amounts[i]));
    }
    ++k;
  }
  p.milestones_met = std::move(met);
  return true;
}

// The position was accepted now: its count parts count from the holder's
// counts as they are, and wait for them in the await index.
void start_counts(Context& ctx, Position& p) {
  size_t k = 0;
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const Part& part = p.schedule.parts[i];
    if (!is_milestone(part.kind)) continue;
    if (is_count(part.kind)) {
      const CountId id = count_of(part);
      p.counted_from[k] = count_value(ctx.state, p.beneficiary, id);
      // A threshold past 2^128 - 1 is never reached: nothing waits for it.
      if (auto threshold = checked_add(p.counted_from[k], count_target(part)))
        ctx.state.put(await_key(p.beneficiary, id, *threshold, p.id, i), {});
    }
    ++k;
  }
}

// The position stops vesting (revoked or declined): its unmet count parts stop waiting.
void stop_counts(Context& ctx, const Position& p) {
  if (!p.accepted()) return;
  size_t k = 0;
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const Part& part = p.schedule.parts[i];
    if (!is_milestone(part.kind)) continue;
    if (is_count(part.kind) && !p.milestones_met[k]) {
      if (auto threshold = checked_add(p.counted_from[k], count_target(part)))
        ctx.state.erase(await_key(p.beneficiary, count_of(part), *threshold, p.id, i));
    }
    ++k;
  }
}

// Sets `holder`'s count to `value` (above the current one) at the block's
// time and settles up to kMaxSettledPerRaise parts waiting for it.
void raise_count(Context& ctx, const Address& holder, const CountId& id, Amount value,
                 const std::optional<Address>& reporter) {
  const Amount previous = count_value(ctx.state, holder, id);
  assert(value > previous);
  ctx.state.put(count_key(holder, id), encode_uint(value));
  ctx.state.put(log_key(holder, id, value), encode_uint(ctx.block.time));
  Event e{"vesting.counted",
          {holder},
          {{"account", to_checksum(holder)},
           {"count", count_name(id.count)},
           {"value", to_decimal(value)},
           {"previous", to_decimal(previous)}}};
  if (id.count == Count::kUsage) e.fields.emplace_back("metric", id.metric);
  if (reporter) {
    e.addresses.push_back(*reporter);
    e.fields.emplace_back("reporter", to_checksum(*reporter));
  }
  ctx.emit(std::move(e));
  // Referrals and usage badges follow the same counts.
  if (id.count == Count::kReferrals) loyalty::counted(ctx, holder, loyalty::Rule::Kind::kReferrals, "", value);
  if (id.count == Count::kUsage) loyalty::counted(ctx, holder, loyalty::Rule::Kind::kUsage, id.metric, value);

  // Waiting entries sort by threshold: those at or below `value` are met.
  const Bytes prefix = await_prefix(holder, id);
  std::vector<Bytes> due;
  ctx.state.scan(prefix, {}, [&](ByteView key, ByteView) {
    Amount threshold = 0;
    for (size_t i = 0; i < 16; ++i) threshold = threshold << 8 | key[prefix.size() + i];
    if (threshold > value) return false;
    due.emplace_back(key.begin(), key.end());
    return due.size() < kMaxSettledPerRaise;
  });
  for (const Bytes& key : due) {
    const uint64_t pos_id = get_u64_be(key.data() + prefix.size() + 16);
    auto p = get_position(ctx.state, pos_id);
    if (p && settle_counts(ctx, *p)) save_position(ctx.state, *p);
    ctx.state.erase(key);  // settled above, or its position no longer vests
  }
}

}  // namespace

Status add_count(Context& ctx, const Address& holder, const CountId& id, Amount delta) {
  if (delta == 0) return Status::success();
  auto value = checked_add(count_value(ctx.state, holder, id), delta);
  if (!value) return reject(Code::kMalformedPayload, std::string("the ") + count_name(id.count) + " count would overflow");
  raise_count(ctx, holder, id, *value, std::nullopt);
  return Status::success();
}

Status lower_count(Context& ctx, const Address& holder, const CountId& id, Amount delta) {
  const Amount previous = count_value(ctx.state, holder, id);
  const Amount value = previous - std::min(previous, delta);
  if (value == previous) return Status::success();
  // Every position of the holder (its owner index), in id order, in batches.
  std::vector<Position> rekeyed;
  uint64_t from = 0;
  for (;;) {
    constexpr size_t kBatch = 256;
    const auto ids = position_ids(ctx.state, holder, from, kBatch);
    for (uint64_t pid : ids) {
      auto p = get_position(ctx.state, pid);
      if (!p || !p->accepted() || p->revoked_at) continue;
      const auto met = milestones_at(ctx.state, *p, ctx.block.time, nullptr);
      bool changed = false;
      size_t k = 0;
      for (size_t i = 0; i < p->schedule.parts.size(); ++i) {
        const Part& part = p->schedule.parts[i];
        if (!is_milestone(part.kind)) continue;
        if (is_count(part.kind) && count_of(part) == id && k < p->counted_from.size()) {
          const auto threshold = checked_add(p->counted_from[k], count_target(part));
          if (k < met.size() && met[k] && threshold && *threshold > value)
            return reject(Code::kCountInUse, "part " + std::to_string(i) + " of position " + std::to_string(p->id) +
                                                 " was met when the " + count_name(id.count) + " count reached " +
                                                 to_decimal(*threshold) + "; without this it would be " +
                                                 to_decimal(value));
          if (!(k < met.size() && met[k]) && p->counted_from[k] > value) {
            if (threshold) ctx.state.erase(await_key(holder, id, *threshold, p->id, i));
            p->counted_from[k] = value;
            if (auto lowered = checked_add(value, count_target(part)))
              ctx.state.put(await_key(holder, id, *lowered, p->id, i), {});
            changed = true;
          }
        }
        ++k;
      }
      if (changed) rekeyed.push_back(std::move(*p));
    }
    if (ids.size() < kBatch) break;
    from = ids.back() + 1;
  }
  for (const Position& p : rekeyed) save_position(ctx.state, p);
  // Values above the new one are reached again only by new raises.
  std::vector<Bytes> gone;
  ctx.state.scan(log_prefix(holder, id), log_key(holder, id, value + 1), [&](ByteView key, ByteView) {
    gone.emplace_back(key.begin(), key.end());
    return true;
  });
  for (const Bytes& k : gone) ctx.state.erase(k);
  if (value == 0) {
    ctx.state.erase(count_key(holder, id));
  } else {
    ctx.state.put(count_key(holder, id), encode_uint(value));
  }
  Event e{"vesting.count_lowered",
          {holder},
          {{"account", to_checksum(holder)},
           {"count", count_name(id.count)},
           {"value", to_decimal(value)},
           {"previous", to_decimal(previous)}}};
  if (id.count == Count::kUsage) e.fields.emplace_back("metric", id.metric);
  ctx.emit(std::move(e));
  return Status::success();
}

Status cancel_position(Context& ctx, uint64_t id, const StakeClock* clock, Amount& returned) {
  auto p = get_position(ctx.state, id);
  if (!p) return reject(Code::kNotFound, "no position " + std::to_string(id));
  if (p->revoked_at)
    return reject(Code::kNotCancellable, "position " + std::to_string(id) + " was already " +
                                             (p->declined ? "declined" : "revoked"));
  const bool backed_stake = p->backs_stake();
  // Stake milestones met so far are recorded before the stake shrinks.
  if (backed_stake && clock) (void)record_milestones(ctx, p->beneficiary, *clock);
  p = get_position(ctx.state, id);
  returned = p->effective_total() - p->released;
  if (p->released < p->effective_total()) ctx.state.erase(index_key(*p));
  stop_counts(ctx, *p);
  p->revoked_at = ctx.block.time;
  p->vested_at_revoke = p->released;
  p->revocable = false;
  save_position(ctx.state, *p);
  if (returned > 0) {
    if (Status s = bank::transfer(ctx, escrow_address(), p->funder, p->asset, returned, "refund_cancel"); !s.ok())
      return s;
  }
  ctx.emit(position_event("vesting.cancelled", *p,
                          {{"funder", to_checksum(p->funder)},
                           {"returned", to_decimal(returned)},
                           {"released", to_decimal(p->released)}}));
  if (backed_stake && clock) return clock->after_escrow_change(ctx, p->beneficiary, true);
  return Status::success();
}

Status set_reporter(Context& ctx, std::string_view metric, const Address& reporter) {
  auto current = metric_reporter(ctx.state, metric);
  if (!current) return reject(Code::kUnknownMetric, "no usage metric " + std::string(metric));
  if (auto module = module_account_name(reporter))
    return reject(Code::kBadReporter, to_checksum(reporter) + " is " + std::string(*module) + ", a module account");
  if (*current == reporter)
    return reject(Code::kBadReporter, to_checksum(reporter) + " already reports " + std::string(metric));
  rlp::Encoder e;
  e.begin_list().fixed(reporter).end_list();
  ctx.state.put(metric_key(metric), e.finish());
  ctx.emit(Event{"vesting.reporter_changed",
                 {*current, reporter},
                 {{"metric", std::string(metric)}, {"from", to_checksum(*current)}, {"to", to_checksum(reporter)},
                  {"by", to_checksum(ctx.sender)}}});
  return Status::success();
}


Status create_position(Context& ctx, const NewPosition& p, uint64_t& id) {
  if (p.total == 0) return reject(Code::kBelowMinimum, "a position needs a positive amount");
  if (auto module = module_account_name(p.beneficiary))
    return reject(Code::kModuleAccount, to_checksum(p.beneficiary) + " is " + std::string(*module) +
                                            ", a module account that can never claim");
  if (Status s = validate_at(p.schedule, p.anchor); !s.ok()) return s;
  // Only stake in the native token can meet a milestone.
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const Part& part = p.schedule.parts[i];
    if (part.kind == Part::Kind::kStakeMilestone && p.asset != bank::native_symbol(ctx.state))
      return reject(Code::kBadSchedule, "stake milestones need a position in the native token " +
                                            bank::native_symbol(ctx.state) + ", not " + p.asset);
    if (part.kind == Part::Kind::kUsage && !metric_reporter(ctx.state, part.metric))
      return reject(Code::kUnknownMetric, "parts[" + std::to_string(i) + "].metric: no usage metric " + part.metric +
                                              " on this chain");
  }
  if (Status s = bank::transfer(ctx, p.funder, escrow_address(), p.asset, p.total, "escrow_deposit"); !s.ok())
    return s;
  auto next = ctx.state.get(as_bytes(kNextKey));
  id = next ? static_cast<uint64_t>(decode_uint(*next).value_or(1)) : 1;
  ctx.state.put(as_bytes(kNextKey), encode_uint(id + 1));
  Position pos;
  pos.id = id;
  pos.beneficiary = p.beneficiary;
  pos.asset = p.asset;
  pos.total = p.total;
  pos.funder = p.funder;
  pos.revocable = p.revocable;
  pos.anchor = p.anchor;
  pos.schedule = p.schedule;
  pos.origin = p.origin;
  pos.origin_ref = p.origin_ref;
  pos.created_height = ctx.block.height;
  // Nobody attaches a position to someone else's account unasked: a grant from
  // another account waits for its beneficiary to accept it.
  if (p.origin != Origin::kGrant || p.funder == p.beneficiary) pos.accepted_at = ctx.block.time;
  for (const Part& part : p.schedule.parts) {
    if (!is_milestone(part.kind)) continue;
    pos.milestones_met.push_back(std::nullopt);
    pos.counted_from.push_back(0);
  }
  if (pos.accepted()) start_counts(ctx, pos);
  save_position(ctx.state, pos);
  ctx.state.put(owner_key(pos.beneficiary, id), {});
  ctx.state.put(index_key(pos), {});
  ctx.emit(position_event("vesting.created", pos,
                          {{"funder", to_checksum(pos.funder)},
                           {"total", to_decimal(pos.total)},
                           {"origin", origin_name(pos.origin)},
                           {"revocable", pos.revocable ? "true" : "false"},
                           {"accepted", pos.accepted() ? "true" : "false"},
                           {"anchor", std::to_string(pos.anchor)}}));
  return Status::success();
}

std::vector<Amount> record_milestones(Context& ctx, const Address& a, const StakeClock& clock) {
  std::vector<Amount> unmet;
  std::vector<Position> changed;
  for_each_position(ctx.state, a, false, [&](const Position& p) {
    if (p.milestones_met.empty()) return true;
    auto met = clock.milestones_at(ctx.state, p, ctx.block.time);
    if (met != p.milestones_met) {
      changed.push_back(p);
      changed.back().milestones_met = met;
    }
    size_t k = 0;
    for (const Part& part : p.schedule.parts) {
      if (!is_milestone(part.kind)) continue;
      if (part.kind == Part::Kind::kStakeMilestone && (k >= met.size() || !met[k])) unmet.push_back(part.min_stake);
      ++k;
    }
    return true;
  });
  for (const Position& p : changed) save_position(ctx.state, p);
  std::sort(unmet.begin(), unmet.end());
  unmet.erase(std::unique(unmet.begin(), unmet.end()), unmet.end());
  return unmet;
}

void Vesting::settle(Context& ctx, const Address& a) const {
  if (clock_) (void)record_milestones(ctx, a, *clock_);
}

Status Vesting::escrow_changed(Context& ctx, const Address& a, bool revoked) const {
  return clock_ ? clock_->after_escrow_change(ctx, a, revoked) : Status::success();
}

Status Vesting::init_genesis(State& state, const boost::json::object& genesis) {
  std::string error;
  boost::json::value doc(genesis);
  jf::Fields top(doc, "", &error);
  rlp::Encoder e;
  e.begin_list().begin_list();
  if (top.has("vesting")) {
    jf::Fields v = top.object("vesting");
    v.only({"min_grant", "metrics"});
    jf::Fields mins = v.object("min_grant");
    if (mins.raw()) {
      for (const auto& kv : *mins.raw()) {
        std::string symbol(kv.key());
        Amount min = mins.amount(symbol);
        if (!error.empty()) break;
        if (!bank::asset(state, symbol)) {
          mins.fail(symbol, "unknown asset");
          break;
        }
        if (min == 0) {
          mins.fail(symbol, "must be positive, so positions cannot be used as dust");
          break;
        }
        e.begin_list().str(symbol).uint(min).end_list();
      }
    }
    // Usage metrics and their reporters (docs/genesis.md).
    if (error.empty() && v.has("metrics")) {
      const auto& list = v.array("metrics");
      if (error.empty() && list.size() > kMaxMetrics)
        v.fail("metrics", "at most " + std::to_string(kMaxMetrics) + " metrics");
      for (size_t i = 0; i < list.size() && error.empty(); ++i) {
        jf::Fields m(list[i], "vesting.metrics[" + std::to_string(i) + "]", &error);
        m.only({"name", "reporter", "note"});
        std::string name = m.str("name");
        Address reporter = m.address("reporter");
        if (!error.empty()) break;
        if (!valid_metric_name(name)) {
          m.fail("name", "must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter");
        } else if (state.get(metric_key(name))) {
          m.fail("name", "duplicate metric " + name);
        } else if (auto module = module_account_name(reporter)) {
          m.fail("reporter", "is " + std::string(*module) + ", a module account");
        } else {
          rlp::Encoder r;
          r.begin_list().fixed(reporter).end_list();
          state.put(metric_key(name), r.finish());
        }
      }
    }
  }
  if (!error.empty()) return reject(ChainCode::kMalformed, error);
  e.end_list().end_list();
  state.put(as_bytes(kParamsKey), e.finish());
  return Status::success();
}

Status Vesting::check(uint64_t kind, ByteView payload) const {
  switch (kind) {
    case kClaimKind:
    case kAcceptKind: {
      Claim c;
      if (Status s = Claim::decode(payload, c); !s.ok()) return s;
      if (c.ids.size() > kMaxClaimIds)
        return reject(Code::kMalformedPayload, "at most " + std::to_string(kMaxClaimIds) + " ids per message");
      if (kind == kAcceptKind && c.ids.empty()) return reject(Code::kMalformedPayload, "accept names no position");
      return Status::success();
    }
    case kGrantKind: {
      Grant g;
      if (Status s = Grant::decode(payload, g); !s.ok()) return s;
      Schedule schedule;
      if (Status s = decode(g.schedule, schedule); !s.ok()) return s;
      if (g.amount == 0) return reject(Code::kBelowMinimum, "grant amount must be positive");
      return Status::success();
    }
    case kRevokeKind:
    case kDeclineKind: {
      Revoke r;
      return Revoke::decode(payload, r);
    }
    case kReportUsageKind: {
      ReportUsage r;
      if (Status s = ReportUsage::decode(payload, r); !s.ok()) return s;
      if (!valid_metric_name(r.metric))
        return reject(Code::kUnknownMetric, "\"" + r.metric + "\" is not a metric name");
      if (r.value == 0) return reject(Code::kUsageNotIncreased, "a usage value must be above 0");
      return Status::success();
    }
  }
  return reject(ChainCode::kUnknownKind, "not a vesting message");
}

Status Vesting::apply(Context& ctx, uint64_t kind, ByteView payload) {
  if (Status s = check(kind, payload); !s.ok()) return s;
  switch (kind) {
    case kClaimKind: {
      Claim c;
      (void)Claim::decode(payload, c);
      return claim(ctx, c);
    }
    case kGrantKind: {
      Grant g;
      (void)Grant::decode(payload, g);
      return grant(ctx, g);
    }
    case kRevokeKind: {
      Revoke r;
      (void)Revoke::decode(payload, r);
      return revoke(ctx, r);
    }
    case kAcceptKind: {
      Accept a;
      (void)Accept::decode(payload, a);
      return accept(ctx, a);
    }
    case kDeclineKind: {
      Decline d;
      (void)Decline::decode(payload, d);
      return decline(ctx, d);
    }
    case kReportUsageKind: {
      ReportUsage r;
      (void)ReportUsage::decode(payload, r);
      return report_usage(ctx, r);
    }
  }
  return reject(ChainCode::kUnknownKind, "not a vesting message");
}

namespace {

// The sender's position `id`, or the rejection that names why it is not.
Status own_position(const Context& ctx, uint64_t id, Position& out) {
  auto p = get_position(ctx.state, id);
  if (!p) return reject(Code::kNotFound, "no position " + std::to_string(id));
  if (p->beneficiary != ctx.sender)
    return reject(Code::kNotBeneficiary, "position " + std::to_string(id) + " belongs to " +
                                             to_checksum(p->beneficiary));
  out = std::move(*p);
  return Status::success();
}

// Moves an offered grant into its beneficiary's active index.
void accept_position(Context& ctx, Position& p) {
  if (p.released < p.effective_total()) {
    ctx.state.erase(offered_key(p.beneficiary, p.id));
    ctx.state.put(active_key(p.beneficiary, p.id), {});
  }
  p.accepted_at = ctx.block.time;
  if (!p.declined && !p.revoked_at) start_counts(ctx, p);
  save_position(ctx.state, p);
  ctx.emit(position_event("vesting.accepted", p, {{"funder", to_checksum(p.funder)}}));
}

}  // namespace

Status Vesting::claim(Context& ctx, const Claim& c) {
  std::vector<uint64_t> ids = c.ids;
  // Naming an offered grant accepts it.
  for (uint64_t id : ids) {
    Position p;
    if (Status s = own_position(ctx, id, p); !s.ok()) return s;
    if (!p.accepted() && !p.declined && !p.revoked_at) accept_position(ctx, p);
  }
  // Milestones the sender's stake has met become part of what is claimable.
  settle(ctx, ctx.sender);
  if (ids.empty()) {
    // Every accepted position with something to claim, however many hold
    // nothing claimable yet.
    for_each_position(ctx.state, ctx.sender, false, [&](const Position& p) {
      Position q = p;
      q.milestones_met = milestones_at(ctx.state, p, ctx.block.time, nullptr);
      if (q.claimable_at(ctx.block.time) > 0) ids.push_back(p.id);
      return ids.size() < kMaxClaimIds;
    });
  }
  Amount claimed_any = 0;
  for (uint64_t id : ids) {
    Position p;
    if (Status s = own_position(ctx, id, p); !s.ok()) return s;
    // Count milestones met since the position was last touched become claimable.
    const bool settled = settle_counts(ctx, p);
    Amount amount = p.claimable_at(ctx.block.time);
    if (amount == 0) {
      if (settled) save_position(ctx.state, p);
      continue;
    }
    p.released += amount;
    save_and_retire(ctx.state, p);
    if (Status s = bank::transfer(ctx, escrow_address(), ctx.sender, p.asset, amount, "escrow_release"); !s.ok())
      return s;
    claimed_any += amount;
    ctx.emit(position_event("vesting.claimed", p,
                            {{"amount", to_decimal(amount)}, {"released", to_decimal(p.released)}}));
  }
  if (claimed_any == 0) return reject(Code::kNothingToClaim, "nothing has vested that is not claimed yet");
  return escrow_changed(ctx, ctx.sender, false);
}

Status Vesting::accept(Context& ctx, const Accept& a) {
  for (uint64_t id : a.ids) {
    Position p;
    if (Status s = own_position(ctx, id, p); !s.ok()) return s;
    if (p.accepted() || p.declined || p.revoked_at)
      return reject(Code::kNotOffered, "position " + std::to_string(id) + " is not an offered grant");
    accept_position(ctx, p);
  }
  // Its milestones are tracked from now on, like those of every accepted position.
  settle(ctx, ctx.sender);
  return Status::success();
}

Status Vesting::decline(Context& ctx, const Decline& d) {
  Position p;
  if (Status s = own_position(ctx, d.id, p); !s.ok()) return s;
  if (p.origin != Origin::kGrant || p.funder == p.beneficiary)
    return reject(Code::kCannotDecline, "position " + std::to_string(d.id) + " is a " + origin_name(p.origin) +
                                            (p.origin == Origin::kGrant ? " of one's own" : "") +
                                            "; only grants from others can be declined");
  if (p.revoked_at || p.released == p.effective_total())
    return reject(Code::kCannotDecline, "position " + std::to_string(d.id) +
                                            (p.revoked_at ? " was revoked by its funder" : " holds nothing any more"));
  const bool backed_stake = p.backs_stake();
  if (backed_stake) settle(ctx, ctx.sender);
  Amount returned = p.effective_total() - p.released;
  ctx.state.erase(index_key(p));
  stop_counts(ctx, p);
  p.revoked_at = ctx.block.time;
  p.vested_at_revoke = p.released;
  p.revocable = false;
  p.declined = true;
  save_position(ctx.state, p);
  if (Status s = bank::transfer(ctx, escrow_address(), p.funder, p.asset, returned, "decline_return"); !s.ok())
    return s;
  ctx.emit(position_event("vesting.declined", p,
                          {{"funder", to_checksum(p.funder)}, {"returned", to_decimal(returned)}}));
  return backed_stake ? escrow_changed(ctx, ctx.sender, true) : Status::success();
}

Status Vesting::grant(Context& ctx, const Grant& g) {
  auto min = min_grant(ctx.state, g.asset);
  if (!min && !bank::valid_symbol(g.asset)) return reject(Code::kAssetNotGrantable, "the asset symbol is not valid");
  if (!min) return reject(Code::kAssetNotGrantable, "asset " + g.asset + " cannot be granted on this chain");
  if (g.amount < *min)
    return reject(Code::kBelowMinimum, "a grant of " + bank::amount_text(ctx.state, g.asset, g.amount) +
                                           " is below the minimum " + bank::amount_text(ctx.state, g.asset, *min));
  NewPosition p;
  p.beneficiary = g.beneficiary;
  p.asset = g.asset;
  p.total = g.amount;
  p.funder = ctx.sender;
  p.revocable = g.revocable;
  p.anchor = g.start ? g.start : ctx.block.time;
  if (!decode(g.schedule, p.schedule).ok()) return reject(Code::kBadSchedule, "schedule does not decode");
  p.origin = Origin::kGrant;
  uint64_t id = 0;
  return create_position(ctx, p, id);
}

Status Vesting::revoke(Context& ctx, const Revoke& r) {
  auto p = get_position(ctx.state, r.id);
  if (!p) return reject(Code::kNotFound, "no position " + std::to_string(r.id));
  if (p->funder != ctx.sender)
    return reject(Code::kNotFunder, "only the funder " + to_checksum(p->funder) + " may revoke position " +
                                        std::to_string(r.id));
  if (!p->revocable) return reject(Code::kNotRevocable, "position " + std::to_string(r.id) + " is not revocable");
  // Milestones met so far count as vested at the revoke.
  settle(ctx, p->beneficiary);
  p = get_position(ctx.state, r.id);
  settle_counts(ctx, *p);
  stop_counts(ctx, *p);
  Amount vested_now = p->vested_at(ctx.block.time);
  Amount returned = p->total - vested_now;
  p->revoked_at = ctx.block.time;
  p->vested_at_revoke = vested_now;
  p->revocable = false;
  save_and_retire(ctx.state, *p);
  if (returned > 0) {
    if (Status s = bank::transfer(ctx, escrow_address(), p->funder, p->asset, returned, "revoke_return"); !s.ok())
      return s;
  }
  ctx.emit(position_event("vesting.revoked", *p,
                          {{"funder", to_checksum(p->funder)},
                           {"returned", to_decimal(returned)},
                           {"vested", to_decimal(vested_now)}}));
  return escrow_changed(ctx, p->beneficiary, true);
}

Status Vesting::report_usage(Context& ctx, const ReportUsage& r) {
  auto reporter = metric_reporter(ctx.state, r.metric);
  if (!reporter) return reject(Code::kUnknownMetric, "no usage metric " + r.metric + " on this chain");
  if (*reporter != ctx.sender)
    return reject(Code::kNotReporter, "only " + to_checksum(*reporter) + " reports " + r.metric);
  if (auto module = module_account_name(r.holder))
    return reject(Code::kModuleAccount, to_checksum(r.holder) + " is " + std::string(*module) + ", a module account");
  const CountId id{Count::kUsage, r.metric};
  const Amount current = count_value(ctx.state, r.holder, id);
  if (r.value <= current)
    return reject(Code::kUsageNotIncreased, to_checksum(r.holder) + "'s " + r.metric + " is already " +
                                                to_decimal(current) + "; a report must raise it, not " +
                                                std::to_string(r.value));
  raise_count(ctx, r.holder, id, r.value, ctx.sender);
  return Status::success();
}

}  // namespace vest::vesting
