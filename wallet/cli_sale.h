// The sale and vesting commands of `vest`: packages, quote, buy, vesting,
// claim, grant, revoke.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "wallet/cli_common.h"

namespace vest::wallet {

// The options of these commands; must outlive parsing and the action.
struct SaleOptions {
  uint32_t package = 0;
  uint64_t quantity = 1;
  std::string referrer, max_price, address;
  std::vector<uint64_t> ids;
  std::string to, amount, asset, schedule;
  bool revocable = false;
  uint64_t start = 0;
  uint64_t revoke_id = 0;
  std::string stake_amount;
  bool claim_rewards = false, restake = false;
  std::string metric;      // report-usage
  uint64_t usage_value = 0;
  uint64_t purchase = 0;   // upgrade, refund
  bool quote_only = false;  // upgrade --quote
};

// Adds the commands to `app`; the one the user picks sets `action`.
void add_sale_commands(CLI::App& app, Globals& g, SaleOptions& o, std::function<void()>& action);

// "2026-01-31 12:00:00 UTC" for a block time.
std::string format_time(uint64_t t);

}  // namespace vest::wallet
