// The set of native contracts a chain runs, registered with an executor in a
// fixed order (the order of their begin_block hooks).
#pragma once

#include "chain/executor.h"
#include "contracts/bank/bank.h"
#include "contracts/sale/sale.h"
#include "contracts/vesting/vesting.h"

namespace vest {

struct NativeContracts {
  bank::Bank bank;
  vesting::Vesting vesting;
  sale::Sale sale;

  void register_with(Executor& executor) {
    executor.add(bank);
    executor.add(vesting);
    executor.add(sale);
    executor.set_fee_handler(bank);
  }
};

}  // namespace vest
