#include "rpc/sale_methods.h"

#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "rpc/staking_methods.h"
#include "rpc/method_util.h"
#include "rpc/params.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

constexpr size_t kUnlocksShown = 8;

json::array unlocks_json(const std::vector<vesting::Unlock>& unlocks) {
  json::array out;
  for (const auto& u : unlocks) out.push_back(json::object{{"time", u.time}, {"amount", to_decimal(u.amount)}});
  return out;
}

json::object position_view(const StateReader& state, const vesting::Position& stored, uint64_t t) {
  // Milestones the beneficiary's stake meets count even before a claim records them.
  vesting::Position p = stored;
  p.milestones_met = staking::milestones_at(state, stored, t);
  Amount vested = p.vested_at(t);
  json::object o{{"id", p.id},
                 {"beneficiary", to_checksum(p.beneficiary)},
                 {"asset", p.asset},
                 {"total", to_decimal(p.effective_total())},
                 {"originalTotal", to_decimal(p.total)},
                 {"released", to_decimal(p.released)},
                 {"vested", to_decimal(vested)},
                 {"claimable", to_decimal(vested - p.released)},
                 {"locked", to_decimal(p.effective_total() - vested)},
                 {"percentVested", percent_text(vested, p.effective_total())},
                 {"funder", to_checksum(p.funder)},
                 {"revocable", p.revocable},
                 {"revokedAt", p.revoked_at ? json::value(p.revoked_at) : json::value(nullptr)},
                 {"origin", vesting::origin_name(p.origin)},
                 {"originRef", p.origin_ref},
                 {"anchor", p.anchor},
                 {"createdHeight", p.created_height},
                 {"schedule", vesting::schedule_json(p.schedule)}};
  std::vector<vesting::Unlock> next;
  if (!p.revoked_at) next = vesting::upcoming_unlocks(p.schedule, p.total, p.anchor, t, p.milestones_met, kUnlocksShown);
  o["nextUnlocks"] = unlocks_json(next);
  o["milestones"] = milestone_progress(state, stored, t);
  return o;
}

std::string package_status(const sale::Package& p, uint64_t sold, uint64_t t) {
  if (p.paused) return "paused";
  if (t < p.start) return "upcoming";
  if (p.end != 0 && t >= p.end) return "ended";
  if (p.supply_cap && sold >= p.supply_cap) return "sold_out";
  return "open";
}

json::object package_view(const StateReader& state, const sale::Package& p, uint64_t t,
                          const std::optional<Address>& account) {
  json::object o = sale::package_json(p);
  uint64_t sold = sale::sold(state, p.id);
  o["sold"] = sold;
  o["remaining"] = p.supply_cap ? json::value(p.supply_cap - std::min(sold, p.supply_cap)) : json::value(nullptr);
  o["status"] = package_status(p, sold, t);
  if (account) {
    uint64_t mine = sale::bought(state, p.id, *account);
    o["bought"] = mine;
    o["remainingForAccount"] =
        p.account_cap ? json::value(p.account_cap - std::min(mine, p.account_cap)) : json::value(nullptr);
  }
  return o;
}

json::object purchase_view(const sale::PurchaseRecord& r, const sale::Config& cfg) {
  return json::object{{"id", r.id},
                      {"buyer", to_checksum(r.buyer)},
                      {"packageId", r.package_id},
                      {"quantity", r.quantity},
                      {"priceAsset", r.price_asset},
                      {"cost", to_decimal(r.cost)},
                      {"base", to_decimal(r.base)},
                      {"bonus", to_decimal(r.bonus)},
                      {"tierBonus", to_decimal(r.tier_bonus)},
                      {"tier", r.tier < cfg.tiers.size() ? cfg.tiers[r.tier].name : std::string()},
                      {"referrer", r.referrer ? json::value(to_checksum(*r.referrer)) : json::value(nullptr)},
                      {"referralReward", to_decimal(r.referral_reward)},
                      {"positionId", r.position_id ? json::value(r.position_id) : json::value(nullptr)},
                      {"referralPositionId",
                       r.referral_position_id ? json::value(r.referral_position_id) : json::value(nullptr)},
                      {"time", r.time},
                      {"height", r.height}};
}

sale::Config require_sale(const StateReader& state) {
  auto cfg = sale::config(state);
  if (!cfg) throw Exception(kInternalError, "this chain has no sale");
  return *cfg;
}

json::value list_packages(NodeApi& node, const json::object& p) {
  StateAt at = state_at(node, p);
  auto account = opt_address_param(p, "address");
  json::array list;
  for (const auto& pkg : sale::packages(*at.state)) list.push_back(package_view(*at.state, pkg, at.time, account));
  return json::object{{"packages", std::move(list)}, {"height", at.height}, {"time", at.time}};
}

json::value get_package(NodeApi& node, const json::object& p) {
  uint64_t id = get_u64(p, "id");
  StateAt at = state_at(node, p);
  auto pkg = id <= UINT32_MAX ? sale::package(*at.state, static_cast<uint32_t>(id)) : std::nullopt;
  if (!pkg) return nullptr;
  json::object o = package_view(*at.state, *pkg, at.time, opt_address_param(p, "address"));
  o["height"] = at.height;
  o["time"] = at.time;
  return o;
}

json::value get_purchases(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  Address a = address_param(p, "address");
  size_t limit = page_limit(p, limits);
  uint64_t before = 0;
  if (auto c = opt_string(p, "cursor")) {
    auto v = parse_decimal(*c);
    if (!v || *v == 0 || *v > UINT64_MAX) fail_params("field 'cursor': not a cursor returned by this method");
    before = static_cast<uint64_t>(*v);
  }
  StateAt at = state_at(node, p);
  sale::Config cfg = require_sale(*at.state);
  auto ids = sale::purchase_ids(*at.state, a, before, limit + 1);
  bool more = ids.size() > limit;
  if (more) ids.pop_back();
  json::array list;
  for (uint64_t id : ids)
    if (auto r = sale::purchase(*at.state, id)) list.push_back(purchase_view(*r, cfg));
  return json::object{{"address", to_checksum(a)},
                      {"purchases", std::move(list)},
                      {"nextCursor", more ? json::value(std::to_string(ids.back())) : json::value(nullptr)},
                      {"height", at.height}};
}

json::value get_tier(NodeApi& node, const json::object& p) {
  Address a = address_param(p, "address");
  StateAt at = state_at(node, p);
  sale::Config cfg = require_sale(*at.state);
  Amount spend = sale::spend_in_window(*at.state, cfg, a, at.time);
  uint32_t tier = sale::tier_for(cfg, spend);
  json::object out{{"address", to_checksum(a)},
                   {"tier", cfg.tiers[tier].name},
                   {"index", tier},
                   {"bonusBps", cfg.tiers[tier].bonus_bps},
                   {"spend", to_decimal(spend)},
                   {"paymentAsset", cfg.payment_asset},
                   {"windowSeconds", cfg.tier_window},
                   {"height", at.height},
                   {"time", at.time}};
  json::array tiers;
  for (const auto& t : cfg.tiers)
    tiers.push_back(json::object{{"name", t.name}, {"minSpend", to_decimal(t.min_spend)}, {"bonusBps", t.bonus_bps}});
  out["tiers"] = std::move(tiers);
  if (tier + 1 < cfg.tiers.size()) {
    const auto& next = cfg.tiers[tier + 1];
    const auto& cur = cfg.tiers[tier];
    out["next"] = json::object{{"tier", next.name},
                               {"minSpend", to_decimal(next.min_spend)},
                               {"remaining", to_decimal(next.min_spend - spend)},
                               {"progress", percent_text(spend - cur.min_spend, next.min_spend - cur.min_spend)}};
  } else {
    out["next"] = nullptr;
  }
  return out;
}

Result quote(NodeApi& node, const json::object& p) {
  uint64_t id = get_u64(p, "packageId");
  uint64_t quantity = opt_u64(p, "quantity").value_or(1);
  Address buyer = address_param(p, "buyer");
  auto referrer = opt_address_param(p, "referrer");
  if (id > UINT32_MAX) fail_params("field 'packageId': no such package");
  auto snap = node.store().snapshot();
  BlockEnv env{node.params().chain_id, snap->head().height + 1, node.next_block_time(), node.params().validator};
  sale::Purchase purchase{static_cast<uint32_t>(id), quantity, kU128Max, referrer};
  sale::Plan plan;
  if (Status s = sale::plan_purchase(*snap, env, buyer, purchase, plan); !s.ok()) return rejection(s);
  Amount locked = plan.bonus + plan.tier_bonus;
  sale::Config cfg = require_sale(*snap);
  std::vector<std::optional<uint64_t>> none;
  json::object o{{"packageId", plan.package.id},
                 {"package", plan.package.name},
                 {"quantity", plan.quantity},
                 {"buyer", to_checksum(buyer)},
                 {"priceAsset", plan.package.price_asset},
                 {"unitPrice", to_decimal(plan.package.price)},
                 {"cost", to_decimal(plan.cost)},
                 {"tokenAsset", cfg.token_asset},
                 {"base", to_decimal(plan.base)},
                 {"bonus", to_decimal(plan.bonus)},
                 {"tier", cfg.tiers[plan.tier].name},
                 {"tierBonus", to_decimal(plan.tier_bonus)},
                 {"locked", to_decimal(locked)},
                 {"referralReward", to_decimal(plan.referral_reward)},
                 {"schedule", vesting::schedule_json(plan.package.schedule)},
                 {"unlocks", unlocks_json(vesting::upcoming_unlocks(plan.package.schedule, locked, env.time,
                                                                    env.time, none, 32))},
                 {"time", env.time},
                 {"height", snap->head().height}};
  return json::value(std::move(o));
}

json::value list_positions(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  Address a = address_param(p, "address");
  size_t limit = page_limit(p, limits);
  uint64_t from = 0;
  if (auto c = opt_string(p, "cursor")) {
    auto v = parse_decimal(*c);
    if (!v || *v > UINT64_MAX) fail_params("field 'cursor': not a cursor returned by this method");
    from = static_cast<uint64_t>(*v);
  }
  StateAt at = state_at(node, p);
  auto ids = vesting::position_ids(*at.state, a, from, limit + 1);
  bool more = ids.size() > limit;
  if (more) ids.pop_back();
  json::array list;
  for (uint64_t id : ids)
    if (auto pos = vesting::get_position(*at.state, id)) list.push_back(position_view(*at.state, *pos, at.time));
  return json::object{{"address", to_checksum(a)},
                      {"positions", std::move(list)},
                      {"nextCursor", more ? json::value(std::to_string(ids.back() + 1)) : json::value(nullptr)},
                      {"height", at.height},
                      {"time", at.time}};
}

json::value get_position(NodeApi& node, const json::object& p) {
  uint64_t id = get_u64(p, "id");
  StateAt at = state_at(node, p);
  auto pos = vesting::get_position(*at.state, id);
  if (!pos) return nullptr;
  json::object o = position_view(*at.state, *pos, at.time);
  o["height"] = at.height;
  o["time"] = at.time;
  return o;
}

}  // namespace

void register_sale_methods(Dispatcher& d, NodeApi& node, MethodLimits limits) {
  d.add_sync("sale_listPackages", {"address", "atHeight"}, [&node](const json::value& v) { return Result(list_packages(node, params_object(v))); });
  d.add_sync("sale_getPackage", {"id", "address", "atHeight"}, [&node](const json::value& v) { return Result(get_package(node, params_object(v))); });
  d.add_sync("sale_getPurchases", {"address", "cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(get_purchases(node, params_object(v), limits));
  });
  d.add_sync("sale_getTier", {"address", "atHeight"}, [&node](const json::value& v) { return Result(get_tier(node, params_object(v))); });
  d.add_sync("sale_quote", {"packageId", "quantity", "buyer", "referrer"}, [&node](const json::value& v) { return quote(node, params_object(v)); });
  d.add_sync("vesting_list", {"address", "cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(list_positions(node, params_object(v), limits));
  });
  d.add_sync("vesting_get", {"id", "atHeight"}, [&node](const json::value& v) { return Result(get_position(node, params_object(v))); });
}

}  // namespace vest::rpc
