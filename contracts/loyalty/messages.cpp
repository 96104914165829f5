#include "contracts/loyalty/messages.h"

#include "chain/rlp.h"

namespace vest::loyalty {

const char* kind_name(Rule::Kind kind) {
  switch (kind) {
    case Rule::Kind::kFirstPurchase: return "first_purchase";
    case Rule::Kind::kTier: return "tier";
    case Rule::Kind::kUpgraded: return "upgraded";
    case Rule::Kind::kReferrals: return "referrals";
    case Rule::Kind::kStake: return "stake";
    case Rule::Kind::kUsage: return "usage";
  }
  return "unknown";
}

const char* reason_of(Code code) {
  switch (code) {
    case Code::kBadBadge: return "bad_badge";
    case Code::kBadgeExists: return "badge_exists";
    case Code::kTooManyBadges: return "too_many_badges";
    case Code::kMalformedPayload: return "malformed_payload";
  }
  return "unknown";
}

Status reject(Code code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

Bytes Badge::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(id).str(name).uint(static_cast<uint8_t>(rule.kind)).uint(rule.tier).uint(rule.package);
  e.uint(rule.count).uint(rule.min_stake).uint(rule.duration).str(rule.metric).end_list();
  return e.finish();
}

Status Badge::decode(ByteView payload, Badge& out) {
  rlp::ListReader r(payload);
  Badge b;
  const uint64_t id = r.u64();
  b.name = r.str();
  const uint64_t kind = r.u64();
  b.rule.tier = r.u64();
  b.rule.package = r.u64();
  b.rule.count = r.u64();
  b.rule.min_stake = r.u128v();
  b.rule.duration = r.u64();
  b.rule.metric = r.str();
  if (!r.done()) return reject(Code::kMalformedPayload, std::string("badge payload: ") + rlp::to_string(r.error()));
  if (id > UINT32_MAX) return reject(Code::kMalformedPayload, "badge payload: id must fit in 32 bits");
  if (kind < 1 || kind > 6) return reject(Code::kMalformedPayload, "badge payload: unknown rule kind " + std::to_string(kind));
  b.id = static_cast<uint32_t>(id);
  b.rule.kind = static_cast<Rule::Kind>(kind);
  out = std::move(b);
  return Status::success();
}

Status Badge::validate() const {
  auto bad = [](const std::string& m) { return reject(Code::kBadBadge, m); };
  if (id == 0) return bad("id: must be positive");
  if (name.empty() || name.size() > kMaxBadgeName) return bad("name: must be 1 to 64 characters");
  const Rule& r = rule;
  const bool tier = r.kind == Rule::Kind::kTier, upgraded = r.kind == Rule::Kind::kUpgraded;
  const bool counted = r.kind == Rule::Kind::kReferrals || r.kind == Rule::Kind::kUsage;
  const bool stake = r.kind == Rule::Kind::kStake, usage = r.kind == Rule::Kind::kUsage;
  if (!tier && r.tier) return bad("rule.tier: not a field of a " + std::string(kind_name(r.kind)) + " rule");
  if (!upgraded && r.package) return bad("rule.package: not a field of a " + std::string(kind_name(r.kind)) + " rule");
  if (!counted && r.count) return bad("rule.count: not a field of a " + std::string(kind_name(r.kind)) + " rule");
  if (!stake && (r.min_stake || r.duration))
    return bad("rule.min_stake: not a field of a " + std::string(kind_name(r.kind)) + " rule");
  if (!usage && !r.metric.empty()) return bad("rule.metric: not a field of a " + std::string(kind_name(r.kind)) + " rule");
  // Rules that every account meets at once would have to be awarded to every
  // account: refused, so an award is always the consequence of one account's action.
  if (tier && r.tier == 0) return bad("rule.tier: every account is at tier 0; use a first_purchase rule");
  if (tier && r.tier > UINT32_MAX) return bad("rule.tier: no such tier");
  if (upgraded && r.package > UINT32_MAX) return bad("rule.package: must fit in 32 bits");
  if (counted && r.count == 0) return bad("rule.count: must be positive (0 would hold for every account)");
  if (stake && r.min_stake == 0) return bad("rule.min_stake: must be positive (0 would hold for every account)");
  if (stake && (r.duration == 0 || r.duration > kMaxStakeDuration))
    return bad("rule.duration: must be between 1 second and 100 years");
  if (usage && (r.metric.empty() || r.metric.size() > 32)) return bad("rule.metric: must name a usage metric");
  return Status::success();
}

}  // namespace vest::loyalty
