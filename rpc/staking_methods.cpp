#include "rpc/staking_methods.h"

#include <algorithm>
#include <map>

#include "contracts/bank/bank.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "rpc/method_util.h"
#include "rpc/params.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

constexpr uint64_t kSecondsPerYear = 31557600;  // 365.25 days
constexpr size_t kMaxLeaderboardScan = 200000;  // spend entries scanned by sale_leaderboard

json::value staking_get(NodeApi& node, const json::object& p) {
  Address a = address_param(p, "address");
  StateAt at = state_at(node, p);
  const StateReader& s = *at.state;
  staking::Account acct = staking::account(s, a);
  json::array unbonding;
  for (const auto& u : staking::unbondings(s, a)) {
    unbonding.push_back(json::object{{"amount", to_decimal(u.free + u.vesting)},
                                     {"fromVesting", to_decimal(u.vesting)},
                                     {"maturity", u.maturity}});
  }
  json::array milestones;
  vesting::for_each_position(s, a, false, [&](const vesting::Position& pos) {
    for (auto& m : milestones_json(staking::milestone_progress(s, pos, at.time))) {
      m.as_object()["positionId"] = pos.id;
      milestones.push_back(std::move(m));
    }
    return true;
  });
  return json::object{{"address", to_checksum(a)},
                      {"staked", to_decimal(acct.staked())},
                      {"fromLiquid", to_decimal(acct.free)},
                      {"fromVesting", to_decimal(acct.vesting)},
                      {"unbonding", std::move(unbonding)},
                      {"pendingRewards", to_decimal(staking::pending_rewards(s, a, at.time))},
                      {"milestones", std::move(milestones)},
                      {"height", at.height},
                      {"time", at.time}};
}

json::value staking_params(NodeApi& node) {
  auto snap = node.store().snapshot();
  auto p = staking::params(*snap);
  if (!p) return nullptr;
  const Head& head = snap->head();
  return json::object{{"unbondingPeriod", p->unbonding_period},
                      {"maxUnbondingEntries", p->max_unbonding},
                      {"rewardRate", to_decimal(p->reward_rate)},
                      {"feePoolBps", p->fee_pool_bps},
                      {"bondedPool", to_checksum(staking::bonded_pool_address())},
                      {"rewardPool", to_checksum(staking::reward_pool_address())},
                      {"asset", bank::native_symbol(*snap)},
                      {"height", head.height},
                      {"time", head.time}};
}

json::value staking_totals(NodeApi& node, const json::object& p) {
  StateAt at = state_at(node, p);
  const StateReader& s = *at.state;
  auto params = staking::params(s);
  if (!params) return nullptr;
  staking::Global g = staking::accrued_global(s, at.time);
  Amount pool = bank::balance(s, staking::reward_pool_address(), bank::native_symbol(s));
  json::object o{{"totalStaked", to_decimal(g.total)},
                 {"rewardPool", to_decimal(pool)},
                 {"owed", to_decimal(g.owed)},
                 {"rewardRate", to_decimal(params->reward_rate)},
                 {"height", at.height},
                 {"time", at.time}};
  // APR at the current rate, while the pool lasts: rate * year / total, in percent.
  if (g.total > 0) {
    Amount yearly = checked_mul(params->reward_rate, kSecondsPerYear).value_or(kU128Max);
    Amount free_pool = pool > g.owed ? pool - g.owed : 0;
    o["aprEstimate"] = percent_text(std::min(yearly, free_pool), g.total);
  } else {
    o["aprEstimate"] = nullptr;
  }
  return o;
}

json::value staking_leaderboard(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  size_t limit = page_limit(p, limits);
  std::optional<Address> after_addr;
  std::optional<Amount> after_amount;
  if (auto c = opt_string(p, "cursor")) {
    auto colon = c->find(':');
    std::optional<Amount> amount = colon == std::string::npos ? std::nullopt : parse_decimal(c->substr(0, colon));
    std::optional<Address> addr = colon == std::string::npos ? std::nullopt : parse_address(c->substr(colon + 1));
    if (!amount || !addr) fail_params("field 'cursor': not a cursor returned by this method");
    after_amount = amount;
    after_addr = addr;
  }
  StateAt at = state_at(node, p);
  auto rows = staking::leaderboard(*at.state, after_addr, after_amount, limit + 1);
  bool more = rows.size() > limit;
  if (more) rows.pop_back();
  json::array list;
  for (const auto& [addr, amount] : rows)
    list.push_back(json::object{{"address", to_checksum(addr)}, {"staked", to_decimal(amount)}});
  json::value next = nullptr;
  if (more) next = to_decimal(rows.back().second) + ":" + to_checksum(rows.back().first);
  return json::object{{"leaders", std::move(list)}, {"nextCursor", next}, {"height", at.height}, {"time", at.time}};
}

json::value sale_leaderboard(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  size_t limit = page_limit(p, limits);
  uint64_t offset = 0;
  if (auto c = opt_string(p, "cursor")) {
    auto v = parse_decimal(*c);
    if (!v || *v > 1000000) fail_params("field 'cursor': not a cursor returned by this method");
    offset = static_cast<uint64_t>(*v);
  }
  StateAt at = state_at(node, p);
  auto cfg = sale::config(*at.state);
  if (!cfg) return nullptr;
  auto rows = sale::spend_leaderboard(*at.state, *cfg, at.time, kMaxLeaderboardScan);
  if (!rows) throw Exception(kInternalError, "too many buyers to rank on this node");
  json::array list;
  for (size_t i = offset; i < rows->size() && list.size() < limit; ++i) {
    const sale::SpendRank& r = (*rows)[i];
    list.push_back(json::object{{"rank", i + 1},
                                {"address", to_checksum(r.account)},
                                {"spend", to_decimal(r.spend)},
                                {"tier", cfg->tiers[r.tier].name}});
  }
  json::value next = nullptr;
  if (offset + limit < rows->size()) next = std::to_string(offset + limit);
  return json::object{{"leaders", std::move(list)}, {"paymentAsset", cfg->payment_asset},
                      {"windowSeconds", cfg->tier_window}, {"nextCursor", next}, {"height", at.height},
                      {"time", at.time}};
}

}  // namespace

json::array milestones_json(const std::vector<staking::MilestoneProgress>& milestones) {
  json::array out;
  for (const auto& m : milestones) {
    out.push_back(json::object{{"part", m.part},
                               {"type", "stake"},
                               {"amount", to_decimal(m.amount)},
                               {"minStake", to_decimal(m.min_stake)},
                               {"duration", m.duration},
                               {"metAt", m.met_at ? json::value(*m.met_at) : json::value(nullptr)},
                               {"stakedSeconds", m.staked_seconds},
                               {"remainingSeconds", m.remaining_seconds}});
  }
  return out;
}

void register_staking_methods(Dispatcher& d, NodeApi& node, MethodLimits limits) {
  d.add_sync("staking_get", {"address", "atHeight"}, [&node](const json::value& v) { return Result(staking_get(node, params_object(v))); });
  d.add_sync("staking_params", {}, [&node](const json::value&) { return Result(staking_params(node)); });
  d.add_sync("staking_totals", {"atHeight"},
             [&node](const json::value& v) { return Result(staking_totals(node, params_object(v))); });
  d.add_sync("staking_leaderboard", {"cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(staking_leaderboard(node, params_object(v), limits));
  });
  d.add_sync("sale_leaderboard", {"cursor", "limit", "atHeight"}, [&node, limits](const json::value& v) {
    return Result(sale_leaderboard(node, params_object(v), limits));
  });
}

}  // namespace vest::rpc
