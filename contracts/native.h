// The set of native contracts a chain runs, registered with an executor in a
// fixed order (the order of their begin_block hooks).
#pragma once

#include "chain/executor.h"
#include "contracts/bank/bank.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/roles/roles.h"
#include "contracts/sale/sale.h"
#include "contracts/staking/staking.h"
#include "contracts/validators/validators.h"
#include "contracts/vesting/vesting.h"

namespace vest {

struct NativeContracts {
  bank::Bank bank;
  vesting::Vesting vesting;
  sale::Sale sale;
  staking::Staking staking{bank};
  validators::Validators validators;
  loyalty::Loyalty loyalty;
  roles::Roles roles;

  NativeContracts() {
    vesting.set_stake_clock(&staking::Staking::clock());
    sale.set_stake_clock(&staking::Staking::clock());
  }

  void register_with(Executor& executor) {
    executor.add(bank);
    executor.add(vesting);
    executor.add(sale);
    executor.add(staking);
    executor.add(validators);
    executor.add(loyalty);
    executor.add(roles);
    // Fees go through staking, which sends its share to the reward pool.
    executor.set_fee_handler(staking);
  }
};

}  // namespace vest
