// The keyless module accounts of the native contracts. Nobody holds their
// keys: only the contract that owns one moves its tokens, so a message that
// names one as a recipient, beneficiary, buyer or referrer is refused
// (docs/sale-and-vesting.md, "Module accounts").
#pragma once

#include <optional>
#include <string_view>

#include "chain/address.h"

namespace vest {

// module_address() of each name: the vesting escrow, the staking bonded pool,
// the staking reward pool and the sale escrow.
inline constexpr std::string_view kVestingEscrowModule = "vestchain/module/vesting";
inline constexpr std::string_view kBondedPoolModule = "vestchain/module/staking";
inline constexpr std::string_view kRewardPoolModule = "vestchain/module/rewards";
// Payments of purchases still within their refund window (docs/sale-and-vesting.md, "Refunds").
inline constexpr std::string_view kSaleEscrowModule = "vestchain/module/sale";

// "the vesting escrow", "the bonded pool", "the reward pool" or "the sale escrow" when `a` is a
// module account, else nullopt.
std::optional<std::string_view> module_account_name(const Address& a);
inline bool is_module_account(const Address& a) { return module_account_name(a).has_value(); }

}  // namespace vest
