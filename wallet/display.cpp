#include "wallet/display.h"

#include <array>
#include <set>
#include <utility>

namespace vest::wallet {

namespace json = boost::json;

std::string bps_text(uint64_t bps) {
  std::string cents = std::to_string(bps % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(bps / 100) + "." + cents + " %";
}

std::string duration_text(uint64_t seconds) {
  if (seconds == 0) return "0 s";
  const std::array<std::pair<uint64_t, const char*>, 4> units{
      {{86400, " day"}, {3600, " h"}, {60, " min"}, {1, " s"}}};
  std::string out;
  for (const auto& [size, name] : units) {
    uint64_t n = seconds / size;
    seconds %= size;
    if (n == 0) continue;
    if (!out.empty()) out += " ";
    out += std::to_string(n) + name;
    if (size == 86400 && n != 1) out += "s";
  }
  return out;
}

std::string offset_text(uint64_t seconds) {
  const uint64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest == 0) return "day " + std::to_string(days);
  if (days == 0) return duration_text(rest);
  return "day " + std::to_string(days) + " + " + duration_text(rest);
}

std::optional<std::string> event_amount_asset(const std::string& type, const std::string& field,
                                              const json::object& fields, const EventAssets& assets) {
  auto own_asset = [&]() -> std::optional<std::string> {
    const json::value* a = fields.if_contains("asset");
    if (a && a->is_string()) return std::string(a->get_string());
    return std::nullopt;
  };
  if (type == "bank.transfer") return field == "amount" ? own_asset() : std::nullopt;
  if (type == "bank.fee")
    return field == "amount" || field == "proposerShare" || field == "poolShare" ? own_asset() : std::nullopt;
  if (type == "vesting.declined") return field == "returned" ? own_asset() : std::nullopt;
  if (type == "vesting.created") return field == "total" ? own_asset() : std::nullopt;
  if (type == "vesting.milestone_met") return field == "amount" ? own_asset() : std::nullopt;
  if (type == "vesting.counted") {
    const json::value* c = fields.if_contains("count");
    const bool spend = c && c->is_string() && c->get_string() == "spend";
    return spend && (field == "value" || field == "previous") && !assets.price.empty()
               ? std::optional<std::string>(assets.price)
               : std::nullopt;
  }
  if (type == "vesting.claimed") return field == "amount" || field == "released" ? own_asset() : std::nullopt;
  if (type == "vesting.revoked") return field == "returned" || field == "vested" ? own_asset() : std::nullopt;
  if (type == "sale.purchase") {
    if (field == "cost") {
      const json::value* p = fields.if_contains("priceAsset");
      if (p && p->is_string()) return std::string(p->get_string());
      return assets.price.empty() ? std::nullopt : std::optional<std::string>(assets.price);
    }
    if (field == "base" || field == "bonus" || field == "tierBonus") return assets.token;
    return std::nullopt;
  }
  if (type == "sale.referral") return field == "reward" ? std::optional<std::string>(assets.token) : std::nullopt;
  if (type == "sale.tier_changed")
    return field == "spend" && !assets.price.empty() ? std::optional<std::string>(assets.price) : std::nullopt;
  if (type.starts_with("staking.")) {
    static const std::set<std::string> amounts{"amount", "fromVesting", "fromLiquid", "staked"};
    return amounts.contains(field) ? std::optional<std::string>(assets.native) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace vest::wallet
