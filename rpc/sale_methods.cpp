#include "rpc/sale_methods.h"

#include <algorithm>

#include "contracts/bank/bank.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "rpc/loyalty_methods.h"
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

// Progress of a position's purchases, referrals and usage parts, e.g.
// {"type":"usage","metric":"courses_completed","target":"10","progress":"4",
//  "progressText":"4 of 10 courses_completed",...}.
json::object count_json(const StateReader& state, const vesting::CountProgress& c) {
  const auto cfg = sale::config(state);
  const std::string pay = cfg ? cfg->payment_asset : std::string();
  const bool spend = c.id.count == vesting::Count::kSpend;
  std::string text;
  switch (c.id.count) {
    case vesting::Count::kUnits: text = to_decimal(c.done) + " of " + to_decimal(c.target) + " units bought"; break;
    case vesting::Count::kSpend:
      text = bank::amount_text(state, pay, c.done) + " of " + bank::amount_text(state, pay, c.target) + " spent";
      break;
    case vesting::Count::kReferrals:
      text = to_decimal(c.done) + " of " + to_decimal(c.target) + " new buyers referred";
      break;
    case vesting::Count::kUsage: text = to_decimal(c.done) + " of " + to_decimal(c.target) + " " + c.id.metric; break;
  }
  return json::object{{"part", c.part},
                      {"type", vesting::kind_name(c.kind)},
                      {"amount", to_decimal(c.amount)},
                      {"count", vesting::count_name(c.id.count)},
                      {"metric", c.id.count == vesting::Count::kUsage ? json::value(c.id.metric) : json::value(nullptr)},
                      {"asset", spend ? json::value(pay) : json::value(nullptr)},
                      {"target", to_decimal(c.target)},
                      {"progress", to_decimal(c.done)},
                      {"progressText", text},
                      {"metAt", c.met_at ? json::value(*c.met_at) : json::value(nullptr)}};
}

json::object position_view(const StateReader& state, const vesting::Position& stored, uint64_t t,
                           std::optional<uint64_t> now) {
  staking::PositionStatus st = staking::position_status(state, stored, t, kUnlocksShown);
  const vesting::Position& p = st.position;
  json::object o{{"id", p.id},
                 {"beneficiary", to_checksum(p.beneficiary)},
                 {"asset", p.asset},
                 {"total", to_decimal(p.effective_total())},
                 {"originalTotal", to_decimal(p.total)},
                 {"released", to_decimal(p.released)},
                 {"vested", to_decimal(st.vested)},
                 {"claimable", to_decimal(st.claimable)},
                 {"locked", to_decimal(st.locked)},
                 {"percentVested", percent_text(st.vested, p.effective_total())},
                 {"funder", to_checksum(p.funder)},
                 {"revocable", p.revocable},
                 {"revokedAt", p.revoked_at && !p.declined ? json::value(p.revoked_at) : json::value(nullptr)},
                 {"declinedAt", p.declined ? json::value(p.revoked_at) : json::value(nullptr)},
                 {"accepted", p.accepted()},
                 {"acceptedAt", p.accepted() ? json::value(p.accepted_at) : json::value(nullptr)},
                 {"origin", vesting::origin_name(p.origin)},
                 {"originRef", p.origin_ref},
                 {"anchor", p.anchor},
                 {"createdHeight", p.created_height},
                 {"schedule", vesting::schedule_json(p.schedule)}};
  o["nextUnlocks"] = unlocks_json(st.next_unlocks);
  // Every milestone part in part order: stake parts, then purchases, referrals and usage.
  json::array milestones = milestones_json(st.milestones);
  for (const auto& c : st.counts) milestones.push_back(count_json(state, c));
  std::stable_sort(milestones.begin(), milestones.end(), [](const json::value& a, const json::value& b) {
    return a.at("part").to_number<uint64_t>() < b.at("part").to_number<uint64_t>();
  });
  o["milestones"] = std::move(milestones);
  // What a transaction sent now would see: the next block's time.
  if (now) {
    staking::PositionStatus n = staking::position_status(state, stored, *now, 0);
    o["now"] = json::object{{"time", *now},
                            {"vested", to_decimal(n.vested)},
                            {"claimable", to_decimal(n.claimable)},
                            {"locked", to_decimal(n.locked)}};
  } else {
    o["now"] = nullptr;
  }
  return o;
}

json::object package_view(const StateReader& state, const sale::Package& p, uint64_t t,
                          const std::optional<Address>& account) {
  sale::PackageStatus st = sale::package_status(state, p, t, account);
  json::object o = sale::package_json(p);
  o["sold"] = st.sold;
  o["remaining"] = st.remaining ? json::value(*st.remaining) : json::value(nullptr);
  o["status"] = st.status;
  if (st.bought) {
    o["bought"] = *st.bought;
    o["remainingForAccount"] = st.remaining_for_account ? json::value(*st.remaining_for_account) : json::value(nullptr);
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
                      {"height", r.height},
                      {"status", r.status()},
                      {"upgradeOf", r.upgrade_of ? json::value(r.upgrade_of) : json::value(nullptr)},
                      {"upgradedBy", r.upgraded_by ? json::value(r.upgraded_by) : json::value(nullptr)},
                      {"refundedAt", r.refunded_at ? json::value(r.refunded_at) : json::value(nullptr)},
                      // The payment held in the sale escrow: refundable before releaseAt, then revenue's.
                      {"escrow", r.release_at ? json::value(json::object{{"amount", to_decimal(r.cost)},
                                                                         {"releaseAt", r.release_at},
                                                                         {"released", r.released}})
                                              : json::value(nullptr)}};
}

// The tiers a purchase's units are bought at, in unit order.
json::array tier_steps_json(const sale::Plan& plan, const sale::Config& cfg) {
  json::array out;
  for (const sale::TierStep& step : plan.tier_steps)
    out.push_back(json::object{{"tier", cfg.tiers[step.tier].name},
                               {"bonusBps", cfg.tiers[step.tier].bonus_bps},
                               {"units", step.units},
                               {"tierBonus", to_decimal(step.tier_bonus)}});
  return out;
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
                      {"height", at.height},
                      {"time", at.time}};
}

json::value get_tier(NodeApi& node, const json::object& p) {
  Address a = address_param(p, "address");
  StateAt at = state_at(node, p);
  sale::Config cfg = require_sale(*at.state);
  sale::TierStatus st = sale::tier_status(*at.state, cfg, a, at.time);
  const sale::Tier& tier = cfg.tiers[st.index];
  json::object out{{"address", to_checksum(a)},
                   {"tier", tier.name},
                   {"index", st.index},
                   {"bonusBps", tier.bonus_bps},
                   {"spend", to_decimal(st.spend)},
                   {"paymentAsset", cfg.payment_asset},
                   {"windowSeconds", cfg.tier_window},
                   {"height", at.height},
                   {"time", at.time}};
  json::array tiers;
  for (const auto& t : cfg.tiers)
    tiers.push_back(json::object{{"name", t.name}, {"minSpend", to_decimal(t.min_spend)}, {"bonusBps", t.bonus_bps}});
  out["tiers"] = std::move(tiers);
  if (st.next) {
    const sale::Tier& next = cfg.tiers[*st.next];
    out["next"] = json::object{
        {"tier", next.name},
        {"minSpend", to_decimal(next.min_spend)},
        {"remaining", to_decimal(st.to_next)},
        {"progress", percent_text(st.spend - tier.min_spend, next.min_spend - tier.min_spend)}};
  } else {
    out["next"] = nullptr;
  }
  return out;
}

// sale_quote with fromPurchase: what upgrading that purchase to packageId would do.
Result quote_upgrade(NodeApi& node, const json::object& p, uint64_t from, uint64_t to) {
  Address buyer = address_param(p, "buyer");
  if (to > UINT32_MAX) fail_params("field 'packageId': no such package");
  auto snap = node.store().snapshot();
  BlockEnv env = node.next_block_env();
  sale::UpgradePlan plan;
  if (Status s = sale::plan_upgrade(*snap, env, buyer, sale::Upgrade{from, static_cast<uint32_t>(to), kU128Max}, plan);
      !s.ok())
    return rejection(s);
  sale::Config cfg = require_sale(*snap);
  std::vector<std::optional<uint64_t>> none;
  const Amount at_once = vesting::vested(plan.package.schedule, plan.bonus, plan.anchor, env.time, none);
  json::object o{{"fromPurchase", plan.from.id},
                 {"fromPackageId", plan.from_package.id},
                 {"fromPackage", plan.from_package.name},
                 {"packageId", plan.package.id},
                 {"package", plan.package.name},
                 {"quantity", plan.quantity},
                 {"buyer", to_checksum(buyer)},
                 {"priceAsset", plan.package.price_asset},
                 {"paid", to_decimal(plan.from.cost)},
                 {"newCost", to_decimal(plan.new_cost)},
                 {"cost", to_decimal(plan.cost)},
                 {"tokenAsset", cfg.token_asset},
                 {"base", to_decimal(plan.base)},
                 {"newBonus", to_decimal(plan.new_bonus)},
                 {"tier", cfg.tiers[plan.tier].name},
                 {"newTierBonus", to_decimal(plan.new_tier_bonus)},
                 {"bonus", to_decimal(plan.bonus)},
                 {"locked", to_decimal(plan.bonus)},
                 {"anchor", plan.anchor},
                 {"vestedAtOnce", to_decimal(at_once)},
                 {"schedule", vesting::schedule_json(plan.package.schedule)},
                 {"unlocks", unlocks_json(vesting::upcoming_unlocks(plan.package.schedule, plan.bonus, plan.anchor,
                                                                    env.time, none, 32))},
                 {"time", env.time},
                 {"height", snap->head().height}};
  return json::value(std::move(o));
}

Result quote(NodeApi& node, const json::object& p) {
  uint64_t id = get_u64(p, "packageId");
  if (auto from = opt_u64(p, "fromPurchase")) return quote_upgrade(node, p, *from, id);
  uint64_t quantity = opt_u64(p, "quantity").value_or(1);
  Address buyer = address_param(p, "buyer");
  auto referrer = opt_address_param(p, "referrer");
  if (id > UINT32_MAX) fail_params("field 'packageId': no such package");
  auto snap = node.store().snapshot();
  BlockEnv env = node.next_block_env();
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
                 {"tierSteps", tier_steps_json(plan, cfg)},
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
    if (auto pos = vesting::get_position(*at.state, id)) list.push_back(position_view(*at.state, *pos, at.time, at.now));
  return json::object{{"address", to_checksum(a)},
                      {"positions", std::move(list)},
                      {"nextCursor", more ? json::value(std::to_string(ids.back() + 1)) : json::value(nullptr)},
                      {"height", at.height},
                      {"time", at.time}};
}

// An id cursor: the decimal id the next page starts at.
uint64_t id_cursor(const json::object& p) {
  auto c = opt_string(p, "cursor");
  if (!c) return 0;
  auto v = parse_decimal(*c);
  if (!v || *v > UINT64_MAX) fail_params("field 'cursor': not a cursor returned by this method");
  return static_cast<uint64_t>(*v);
}

json::value list_all_positions(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const size_t limit = bulk_page_limit(p, limits);
  const uint64_t from = id_cursor(p);
  StateAt at = state_at(node, p);
  json::array list;
  json::value next = nullptr;
  vesting::for_each_position_by_id(*at.state, from, [&](const vesting::Position& pos) {
    if (list.size() == limit) {
      next = std::to_string(pos.id);
      return false;
    }
    list.push_back(position_view(*at.state, pos, at.time, at.now));
    return true;
  });
  return json::object{{"positions", std::move(list)}, {"nextCursor", next}, {"height", at.height}, {"time", at.time}};
}

json::value list_all_purchases(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const size_t limit = bulk_page_limit(p, limits);
  const uint64_t from = id_cursor(p);
  const auto package_id = opt_u64(p, "packageId");
  StateAt at = state_at(node, p);
  sale::Config cfg = require_sale(*at.state);
  if (package_id && (*package_id > UINT32_MAX || !sale::package(*at.state, static_cast<uint32_t>(*package_id))))
    fail_params("field 'packageId': no package " + std::to_string(*package_id));
  json::array list;
  json::value next = nullptr;
  size_t scanned = 0;
  // With packageId, at most kPurchaseScan records are read per call.
  sale::for_each_purchase(*at.state, from, [&](const sale::PurchaseRecord& r) {
    if (list.size() == limit || scanned == kPurchaseScan) {
      next = std::to_string(r.id);
      return false;
    }
    ++scanned;
    if (!package_id || r.package_id == *package_id) list.push_back(purchase_view(r, cfg));
    return true;
  });
  return json::object{{"purchases", std::move(list)}, {"nextCursor", next}, {"height", at.height}, {"time", at.time}};
}

// The usage metrics and their reporters (genesis vesting.metrics, rotated by sale.set_reporter).
json::value list_metrics(NodeApi& node, const json::object& p) {
  StateAt at = state_at(node, p);
  json::array list;
  for (const auto& [name, reporter] : vesting::metrics(*at.state))
    list.push_back(json::object{{"name", name}, {"reporter", to_checksum(reporter)}});
  return json::object{{"metrics", std::move(list)}, {"height", at.height}, {"time", at.time}};
}

json::value get_position(NodeApi& node, const json::object& p) {
  uint64_t id = get_u64(p, "id");
  StateAt at = state_at(node, p);
  auto pos = vesting::get_position(*at.state, id);
  if (!pos) return nullptr;
  json::object o = position_view(*at.state, *pos, at.time, at.now);
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
  d.add_sync("sale_quote", {"packageId", "quantity", "buyer", "referrer", "fromPurchase"}, [&node](const json::value& v) { return quote(node, params_object(v)); });
  d.add_sync("vesting_list", {"address", "cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(list_positions(node, params_object(v), limits));
  });
  d.add_sync("sale_listPurchases", {"packageId", "cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(list_all_purchases(node, params_object(v), limits));
  });
  d.add_sync("vesting_listAll", {"cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(list_all_positions(node, params_object(v), limits));
  });
  d.add_sync("vesting_get", {"id", "atHeight"}, [&node](const json::value& v) { return Result(get_position(node, params_object(v))); });
  d.add_sync("vesting_metrics", {"atHeight"}, [&node](const json::value& v) { return Result(list_metrics(node, params_object(v))); });
  // Badges are the sale's programme: their reads come with its methods.
  register_loyalty_methods(d, node, limits);
}

}  // namespace vest::rpc
