// Exact human forms of shares, durations, offsets and event amounts for the
// `vest` commands. Nothing here rounds: what is printed is what the chain holds.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace vest::wallet {

// Basis points as a percentage with two decimals: 3333 -> "33.33 %", 10000 -> "100.00 %".
std::string bps_text(uint64_t bps);

// An exact duration in its largest units: 2592000 -> "30 days", 86400 -> "1 day",
// 43200 -> "12 h", 129600 -> "1 day 12 h", 5400 -> "1 h 30 min", 90 -> "1 min 30 s", 0 -> "0 s".
std::string duration_text(uint64_t seconds);

// An offset into a schedule: whole days as "day 30" (0 -> "day 0"), less than a
// day as its duration ("12 h"), otherwise "day 1 + 6 h".
std::string offset_text(uint64_t seconds);

// The assets amounts are counted in, as known around one transaction's events.
struct EventAssets {
  std::string native;  // fees, stake, rewards
  std::string token;   // what a sale delivers (base, bonuses, referral rewards)
  std::string price;   // what a sale is paid in (cost, tier spend)
};

// The asset `field` of an event of `type` is an amount of, or nullopt when the
// field is not an amount (docs/rpc.md, "Events"). `fields` are the event's own.
std::optional<std::string> event_amount_asset(const std::string& type, const std::string& field,
                                              const boost::json::object& fields, const EventAssets& assets);

}  // namespace vest::wallet
