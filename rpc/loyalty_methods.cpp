#include "rpc/loyalty_methods.h"

#include <algorithm>

#include "contracts/bank/bank.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "rpc/method_util.h"
#include "rpc/params.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

std::string duration_words(uint64_t s) {
  if (s % 86400 == 0) return std::to_string(s / 86400) + (s == 86400 ? " day" : " days");
  if (s % 3600 == 0) return std::to_string(s / 3600) + (s == 3600 ? " hour" : " hours");
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

std::string tier_name(const StateReader& state, uint64_t index) {
  auto cfg = sale::config(state);
  if (cfg && index < cfg->tiers.size()) return cfg->tiers[index].name;
  return "tier " + std::to_string(index);
}

// "stake 10000 VEST for 30 days", "refer 3 new buyers", ...
std::string rule_text(const StateReader& state, const loyalty::Rule& r) {
  using K = loyalty::Rule::Kind;
  switch (r.kind) {
    case K::kFirstPurchase: return "make a first purchase";
    case K::kTier: return "reach the " + tier_name(state, r.tier) + " tier";
    case K::kUpgraded:
      return r.package ? "upgrade a purchase to package " + std::to_string(r.package) : "upgrade a purchase";
    case K::kReferrals: return "refer " + std::to_string(r.count) + " new buyers";
    case K::kStake:
      return "stake " + bank::amount_text(state, bank::native_symbol(state), r.min_stake) + " for " +
             duration_words(r.duration);
    case K::kUsage: return "reach " + std::to_string(r.count) + " " + r.metric;
  }
  return "";
}

json::object badge_view(const StateReader& state, const loyalty::BadgeInfo& b) {
  return json::object{{"id", b.badge.id},
                      {"name", b.badge.name},
                      {"rule", loyalty::rule_json(b.badge.rule)},
                      {"ruleText", rule_text(state, b.badge.rule)},
                      {"definedHeight", b.defined_height},
                      {"holders", b.holders}};
}

// How far `a` is toward badge `b` at time t: current and target in the
// rule's own unit (purchases, tier index, upgrades, buyers, staked seconds,
// the metric's value).
json::object progress_view(const StateReader& state, const loyalty::BadgeInfo& b, const Address& a, uint64_t t) {
  using K = loyalty::Rule::Kind;
  const loyalty::Rule& r = b.badge.rule;
  Amount current = 0, target = 1;
  std::string text;
  json::value due = nullptr;
  switch (r.kind) {
    case K::kFirstPurchase:
      current = std::min<Amount>(vesting::count_value(state, a, {vesting::Count::kUnits, ""}), 1);
      text = current ? "bought" : "no purchase yet";
      break;
    case K::kTier: {
      target = r.tier;
      if (auto cfg = sale::config(state)) current = std::min<Amount>(sale::tier_status(state, *cfg, a, t).index, r.tier);
      text = "at " + tier_name(state, static_cast<uint64_t>(current)) + ", " + tier_name(state, r.tier) + " needed";
      break;
    }
    case K::kUpgraded: text = "no upgrade yet"; break;
    case K::kReferrals:
      target = r.count;
      current = std::min<Amount>(vesting::count_value(state, a, {vesting::Count::kReferrals, ""}), target);
      text = to_decimal(current) + " of " + to_decimal(target) + " new buyers referred";
      break;
    case K::kUsage:
      target = r.count;
      current = std::min<Amount>(vesting::count_value(state, a, {vesting::Count::kUsage, r.metric}), target);
      text = to_decimal(current) + " of " + to_decimal(target) + " " + r.metric;
      break;
    case K::kStake: {
      target = r.duration;
      if (auto since = staking::staked_since(staking::account(state, a), r.min_stake)) {
        const uint64_t start = std::max(*since, b.defined_time);
        current = std::min<Amount>(t > start ? t - start : 0, r.duration);
      }
      if (auto d = loyalty::stake_due(state, a, b.badge.id)) due = *d;
      text = duration_words(static_cast<uint64_t>(current)) + " of " + duration_words(r.duration) + " with " +
             bank::amount_text(state, bank::native_symbol(state), r.min_stake) + " staked";
      break;
    }
  }
  json::object o = badge_view(state, b);
  o["progress"] = to_decimal(current);
  o["target"] = to_decimal(target);
  o["progressText"] = text;
  o["dueAt"] = due;
  return o;
}

json::object award_fields(json::object o, const loyalty::Award& a) {
  o["awardedHeight"] = a.height;
  o["awardedTime"] = a.time;
  o["metAt"] = a.met_at;
  return o;
}

json::value list_badges(NodeApi& node, const json::object& p) {
  StateAt at = state_at(node, p);
  json::array list;
  for (const auto& b : loyalty::badges(*at.state)) list.push_back(badge_view(*at.state, b));
  return json::object{{"badges", std::move(list)}, {"height", at.height}, {"time", at.time}};
}

json::value get_badges(NodeApi& node, const json::object& p) {
  const Address a = address_param(p, "address");
  StateAt at = state_at(node, p);
  json::array held, progress;
  for (const auto& b : loyalty::badges(*at.state)) {
    if (auto award = loyalty::award(*at.state, a, b.badge.id)) {
      held.push_back(award_fields(badge_view(*at.state, b), *award));
    } else {
      progress.push_back(progress_view(*at.state, b, a, at.now.value_or(at.time)));
    }
  }
  return json::object{{"address", to_checksum(a)}, {"held", std::move(held)}, {"progress", std::move(progress)},
                      {"height", at.height},       {"time", at.time}};
}

json::value badge_holders(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const uint64_t id = get_u64(p, "badgeId");
  const size_t limit = page_limit(p, limits);
  uint64_t from = 1;
  if (auto c = opt_string(p, "cursor")) {
    auto v = parse_decimal(*c);
    if (!v || *v == 0 || *v > UINT64_MAX) fail_params("field 'cursor': not a cursor returned by this method");
    from = static_cast<uint64_t>(*v);
  }
  StateAt at = state_at(node, p);
  auto b = id <= UINT32_MAX ? loyalty::badge(*at.state, static_cast<uint32_t>(id)) : std::nullopt;
  if (!b) fail_params("field 'badgeId': no badge " + std::to_string(id));
  auto rows = loyalty::holders(*at.state, b->badge.id, from, limit + 1);
  json::value next = nullptr;
  if (rows.size() > limit) {
    next = std::to_string(rows.back().first);
    rows.pop_back();
  }
  json::array list;
  for (const auto& [seq, addr] : rows) {
    auto award = loyalty::award(*at.state, addr, b->badge.id);
    json::object o{{"holder", seq}, {"address", to_checksum(addr)}};
    list.push_back(award ? award_fields(std::move(o), *award) : json::value(std::move(o)));
  }
  return json::object{{"badge", badge_view(*at.state, *b)},
                      {"holders", std::move(list)},
                      {"nextCursor", next},
                      {"height", at.height},
                      {"time", at.time}};
}

}  // namespace

void register_loyalty_methods(Dispatcher& d, NodeApi& node, MethodLimits limits) {
  d.add_sync("loyalty_badges", {"atHeight"}, [&node](const json::value& v) { return Result(list_badges(node, params_object(v))); });
  d.add_sync("loyalty_getBadges", {"address", "atHeight"}, [&node](const json::value& v) { return Result(get_badges(node, params_object(v))); });
  d.add_sync("loyalty_badgeHolders", {"badgeId", "cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(badge_holders(node, params_object(v), limits));
  });
}

}  // namespace vest::rpc
