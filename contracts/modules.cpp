#include "contracts/modules.h"

namespace vest {

std::optional<std::string_view> module_account_name(const Address& a) {
  static const Address escrow = module_address(kVestingEscrowModule);
  static const Address bonded = module_address(kBondedPoolModule);
  static const Address rewards = module_address(kRewardPoolModule);
  static const Address sale = module_address(kSaleEscrowModule);
  if (a == escrow) return "the vesting escrow";
  if (a == bonded) return "the bonded pool";
  if (a == rewards) return "the reward pool";
  if (a == sale) return "the sale escrow";
  return std::nullopt;
}

}  // namespace vest
