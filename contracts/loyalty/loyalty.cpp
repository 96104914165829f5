#include "contracts/loyalty/loyalty.h"

#include <algorithm>
#include <cassert>

#include "chain/json_fields.h"
#include "chain/rlp.h"
#include "contracts/modules.h"

namespace vest::loyalty {

namespace {

constexpr std::string_view kBadgePrefix = "loyalty/badge/";
constexpr std::string_view kHeldPrefix = "loyalty/held/";
constexpr std::string_view kHolderPrefix = "loyalty/holder/";
constexpr std::string_view kWaitPrefix = "loyalty/wait/";
constexpr std::string_view kDuePrefix = "loyalty/due/";

Bytes badge_key(uint32_t id) { return make_key(kBadgePrefix, u32_be(id)); }
Bytes held_key(const Address& a, uint32_t id) { return make_key(kHeldPrefix, a.view(), u32_be(id)); }
Bytes holder_key(uint32_t id, uint64_t seq) { return make_key(kHolderPrefix, u32_be(id), u64_be(seq)); }
Bytes wait_key(const Address& a, uint32_t id) { return make_key(kWaitPrefix, a.view(), u32_be(id)); }
Bytes due_key(uint64_t time, const Address& a, uint32_t id) {
  Bytes k = make_key(kDuePrefix, u64_be(time), a.view());
  put_u32_be(k, id);
  return k;
}

Bytes encode_info(const BadgeInfo& b) {
  rlp::Encoder e;
  e.begin_list().bytes(b.badge.encode()).uint(b.defined_height).uint(b.defined_time).uint(b.holders).end_list();
  return e.finish();
}

std::optional<BadgeInfo> decode_info(ByteView v) {
  rlp::ListReader r(v);
  BadgeInfo b;
  ByteView encoded = r.bytes();
  b.defined_height = r.u64();
  b.defined_time = r.u64();
  b.holders = r.u64();
  if (!r.done() || !Badge::decode(encoded, b.badge).ok()) return std::nullopt;
  return b;
}

Bytes encode_award(const Award& a) {
  rlp::Encoder e;
  e.begin_list().uint(a.height).uint(a.time).uint(a.met_at).end_list();
  return e.finish();
}

std::optional<Award> decode_award(uint32_t id, ByteView v) {
  rlp::ListReader r(v);
  Award a;
  a.badge = id;
  a.height = r.u64();
  a.time = r.u64();
  a.met_at = r.u64();
  if (!r.done()) return std::nullopt;
  return a;
}

std::optional<uint64_t> read_u64(const StateReader& state, const Bytes& key) {
  auto v = state.get(key);
  if (!v) return std::nullopt;
  auto n = decode_uint(*v);
  assert(n && *n <= UINT64_MAX && "corrupt loyalty value");
  return static_cast<uint64_t>(n.value_or(0));
}

// Awards `info`'s badge to `holder` unless it holds it already: the award
// record, the holder list, the count and the event. Module accounts never
// hold badges (docs/sale-and-vesting.md, "Module accounts").
void give(Context& ctx, const Address& holder, BadgeInfo info, uint64_t met_at) {
  const uint32_t id = info.badge.id;
  if (is_module_account(holder) || ctx.state.get(held_key(holder, id))) return;
  if (auto due = read_u64(ctx.state, wait_key(holder, id))) {
    ctx.state.erase(due_key(*due, holder, id));
    ctx.state.erase(wait_key(holder, id));
  }
  const Award a{id, ctx.block.height, ctx.block.time, met_at};
  ctx.state.put(held_key(holder, id), encode_award(a));
  info.holders += 1;
  ctx.state.put(holder_key(id, info.holders), Bytes(holder.view().begin(), holder.view().end()));
  ctx.state.put(badge_key(id), encode_info(info));
  ctx.emit(Event{"loyalty.badge_awarded",
                 {holder},
                 {{"badge", std::to_string(id)},
                  {"name", info.badge.name},
                  {"rule", kind_name(info.badge.rule.kind)},
                  {"account", to_checksum(holder)},
                  {"metAt", std::to_string(met_at)},
                  {"holder", std::to_string(info.holders)}}});
}

// Awards every badge of kind `kind` that `holds` says `holder` meets.
void give_where(Context& ctx, const Address& holder, Rule::Kind kind, const std::function<bool(const Rule&)>& holds) {
  for (const BadgeInfo& b : badges(ctx.state)) {
    if (b.badge.rule.kind == kind && holds(b.badge.rule)) give(ctx, holder, b, ctx.block.time);
  }
}

Status store_badge(State& state, const Badge& b, uint64_t height, uint64_t time) {
  if (Status s = b.validate(); !s.ok()) return s;
  if (state.get(badge_key(b.id))) return reject(Code::kBadgeExists, "badge " + std::to_string(b.id) + " exists");
  const std::vector<BadgeInfo> all = badges(state);
  if (all.size() >= kMaxBadges)
    return reject(Code::kTooManyBadges, "a chain has at most " + std::to_string(kMaxBadges) + " badges");
  if (b.rule.kind == Rule::Kind::kStake) {
    const auto stakes = std::count_if(all.begin(), all.end(),
                                      [](const BadgeInfo& i) { return i.badge.rule.kind == Rule::Kind::kStake; });
    if (static_cast<size_t>(stakes) >= kMaxStakeBadges)
      return reject(Code::kTooManyBadges, "a chain has at most " + std::to_string(kMaxStakeBadges) +
                                              " stake badges: each stake change looks at every one");
  }
  state.put(badge_key(b.id), encode_info(BadgeInfo{b, height, time, 0}));
  return Status::success();
}

}  // namespace

std::optional<BadgeInfo> badge(const StateReader& state, uint32_t id) {
  auto v = state.get(badge_key(id));
  if (!v) return std::nullopt;
  auto b = decode_info(*v);
  assert(b && "corrupt stored badge");
  return b;
}

std::vector<BadgeInfo> badges(const StateReader& state) {
  std::vector<BadgeInfo> out;
  state.scan(as_bytes(kBadgePrefix), {}, [&](ByteView, ByteView v) {
    auto b = decode_info(v);
    assert(b && "corrupt stored badge");
    if (b) out.push_back(std::move(*b));
    return out.size() < kMaxBadges;
  });
  return out;
}

std::optional<Award> award(const StateReader& state, const Address& holder, uint32_t id) {
  auto v = state.get(held_key(holder, id));
  if (!v) return std::nullopt;
  auto a = decode_award(id, *v);
  assert(a && "corrupt stored award");
  return a;
}

std::vector<Award> awards(const StateReader& state, const Address& holder) {
  std::vector<Award> out;
  const Bytes prefix = make_key(kHeldPrefix, holder.view());
  state.scan(prefix, {}, [&](ByteView key, ByteView v) {
    auto a = decode_award(get_u32_be(key.data() + prefix.size()), v);
    assert(a && "corrupt stored award");
    if (a) out.push_back(*a);
    return out.size() < kMaxBadges;
  });
  return out;
}

std::vector<std::pair<uint64_t, Address>> holders(const StateReader& state, uint32_t id, uint64_t from_seq,
                                                  size_t limit) {
  std::vector<std::pair<uint64_t, Address>> out;
  if (limit == 0) return out;
  const Bytes prefix = make_key(kHolderPrefix, u32_be(id));
  state.scan(prefix, holder_key(id, from_seq), [&](ByteView key, ByteView v) {
    auto a = Address::from(v);
    assert(a && "corrupt badge holder");
    if (a) out.emplace_back(get_u64_be(key.data() + prefix.size()), *a);
    return out.size() < limit;
  });
  return out;
}

std::optional<uint64_t> stake_due(const StateReader& state, const Address& holder, uint32_t id) {
  return read_u64(state, wait_key(holder, id));
}

Status define_genesis_badge(State& state, const Badge& b) { return store_badge(state, b, 0, 0); }

Status define_badge(Context& ctx, const Badge& b) {
  if (Status s = store_badge(ctx.state, b, ctx.block.height, ctx.block.time); !s.ok()) return s;
  ctx.emit(Event{"loyalty.badge_defined",
                 {ctx.sender},
                 {{"badge", std::to_string(b.id)}, {"name", b.name}, {"rule", kind_name(b.rule.kind)},
                  {"by", to_checksum(ctx.sender)}}});
  return Status::success();
}

void purchased(Context& ctx, const Address& buyer, uint64_t tier) {
  for (const BadgeInfo& b : badges(ctx.state)) {
    const Rule& r = b.badge.rule;
    if (r.kind == Rule::Kind::kFirstPurchase || (r.kind == Rule::Kind::kTier && r.tier <= tier))
      give(ctx, buyer, b, ctx.block.time);
  }
}

void counted(Context& ctx, const Address& holder, Rule::Kind kind, std::string_view metric, Amount value) {
  assert(kind == Rule::Kind::kReferrals || kind == Rule::Kind::kUsage);
  give_where(ctx, holder, kind, [&](const Rule& r) { return r.metric == metric && Amount(r.count) <= value; });
}

void upgraded(Context& ctx, const Address& holder, uint32_t to_package) {
  give_where(ctx, holder, Rule::Kind::kUpgraded,
             [&](const Rule& r) { return r.package == 0 || r.package == to_package; });
}

void stake_changed(Context& ctx, const Address& holder,
                   const std::function<std::optional<uint64_t>(Amount)>& staked_since) {
  if (is_module_account(holder)) return;
  for (const BadgeInfo& b : badges(ctx.state)) {
    const Rule& r = b.badge.rule;
    const uint32_t id = b.badge.id;
    if (r.kind != Rule::Kind::kStake || ctx.state.get(held_key(holder, id))) continue;
    const std::optional<uint64_t> old = read_u64(ctx.state, wait_key(holder, id));
    if (old && *old <= ctx.block.time) {
      // Its time came before this change, and a full begin_block left it queued.
      give(ctx, holder, b, *old);
      continue;
    }
    // Stake counts from the badge's definition, so a badge defined later is
    // not met by stake held before anyone could aim for it.
    std::optional<uint64_t> due;
    if (auto since = staked_since(r.min_stake)) {
      const uint64_t start = std::max(*since, b.defined_time);
      if (start <= UINT64_MAX - r.duration) due = start + r.duration;
    }
    if (due == old) continue;
    if (old) ctx.state.erase(due_key(*old, holder, id));
    if (!due) {
      ctx.state.erase(wait_key(holder, id));
    } else if (*due <= ctx.block.time) {
      ctx.state.erase(wait_key(holder, id));
      give(ctx, holder, b, *due);
    } else {
      ctx.state.put(wait_key(holder, id), encode_uint(*due));
      ctx.state.put(due_key(*due, holder, id), {});
    }
  }
}

std::vector<Amount> stake_levels(const StateReader& state, const Address& holder) {
  std::vector<Amount> out;
  for (const BadgeInfo& b : badges(state))
    if (b.badge.rule.kind == Rule::Kind::kStake && !state.get(held_key(holder, b.badge.id)))
      out.push_back(b.badge.rule.min_stake);
  return out;
}

// ---- contract ----

Status Loyalty::check(uint64_t, ByteView) const { return reject(ChainCode::kUnknownKind, "not a loyalty message"); }

Status Loyalty::apply(Context&, uint64_t, ByteView) {
  return reject(ChainCode::kUnknownKind, "not a loyalty message");
}

void Loyalty::begin_block(Context& ctx) {
  const Bytes prefix(kDuePrefix.begin(), kDuePrefix.end());
  std::vector<Bytes> due;
  ctx.state.scan(prefix, {}, [&](ByteView key, ByteView) {
    if (get_u64_be(key.data() + prefix.size()) > ctx.block.time) return false;
    due.emplace_back(key.begin(), key.end());
    return due.size() < kMaxAwardsPerBlock;
  });
  for (const Bytes& key : due) {
    const uint64_t time = get_u64_be(key.data() + prefix.size());
    const Address holder = *Address::from(ByteView(key).subspan(prefix.size() + 8, 20));
    const uint32_t id = get_u32_be(key.data() + prefix.size() + 28);
    ctx.state.erase(key);
    ctx.state.erase(wait_key(holder, id));
    auto b = badge(ctx.state, id);
    assert(b && "a queued badge exists");
    if (b) give(ctx, holder, *b, time);
  }
}

std::string Loyalty::check_invariants(const StateReader& state) const {
  std::string problem;
  state.scan(as_bytes(kBadgePrefix), {}, [&](ByteView key, ByteView v) {
    auto b = decode_info(v);
    if (!b) {
      problem = "a badge record under " + to_hex_0x(key) + " does not decode";
      return false;
    }
    uint64_t n = 0;
    state.scan(make_key(kHolderPrefix, u32_be(b->badge.id)), {}, [&](ByteView, ByteView holder) {
      ++n;
      auto a = Address::from(holder);
      if (!a || !state.get(held_key(*a, b->badge.id))) {
        problem = "badge " + std::to_string(b->badge.id) + " lists a holder without an award";
        return false;
      }
      return true;
    });
    if (problem.empty() && n != b->holders)
      problem = "badge " + std::to_string(b->badge.id) + " counts " + std::to_string(b->holders) + " holders, lists " +
                std::to_string(n);
    return problem.empty();
  });
  return problem;
}

// ---- JSON ----

bool parse_badge_json(const boost::json::value& v, const std::string& path, Badge& out, std::string& error) {
  jf::Fields f(v, path, &error);
  f.only({"id", "name", "rule", "note"});
  Badge b;
  const uint64_t id = f.u64("id");
  if (error.empty() && (id == 0 || id > UINT32_MAX)) f.fail("id", "must be between 1 and 2^32 - 1");
  b.id = static_cast<uint32_t>(id);
  b.name = f.str("name");
  jf::Fields r = f.object("rule");
  const std::string kind = r.str("kind");
  if (!error.empty()) return false;
  Rule& rule = b.rule;
  if (kind == "first_purchase") {
    r.only({"kind"});
    rule.kind = Rule::Kind::kFirstPurchase;
  } else if (kind == "tier") {
    r.only({"kind", "tier"});
    rule.kind = Rule::Kind::kTier;
    rule.tier = r.u64("tier");
  } else if (kind == "upgraded") {
    r.only({"kind", "package"});
    rule.kind = Rule::Kind::kUpgraded;
    rule.package = r.u64("package", 0);
  } else if (kind == "referrals") {
    r.only({"kind", "buyers"});
    rule.kind = Rule::Kind::kReferrals;
    rule.count = r.u64("buyers");
  } else if (kind == "stake") {
    r.only({"kind", "min_stake", "duration"});
    rule.kind = Rule::Kind::kStake;
    rule.min_stake = r.amount("min_stake");
    rule.duration = r.u64("duration");
  } else if (kind == "usage") {
    r.only({"kind", "metric", "target"});
    rule.kind = Rule::Kind::kUsage;
    rule.metric = r.str("metric");
    rule.count = r.u64("target");
  } else {
    r.fail("kind", "must be first_purchase, tier, upgraded, referrals, stake or usage");
  }
  if (!error.empty()) return false;
  if (Status s = b.validate(); !s.ok()) {
    error = path + "." + s.message;
    return false;
  }
  out = std::move(b);
  return true;
}

boost::json::object rule_json(const Rule& r) {
  boost::json::object o{{"kind", kind_name(r.kind)}};
  switch (r.kind) {
    case Rule::Kind::kFirstPurchase: break;
    case Rule::Kind::kTier: o["tier"] = r.tier; break;
    case Rule::Kind::kUpgraded: o["package"] = r.package; break;
    case Rule::Kind::kReferrals: o["buyers"] = r.count; break;
    case Rule::Kind::kStake:
      o["min_stake"] = to_decimal(r.min_stake);
      o["duration"] = r.duration;
      break;
    case Rule::Kind::kUsage:
      o["metric"] = r.metric;
      o["target"] = r.count;
      break;
  }
  return o;
}

}  // namespace vest::loyalty
