// The staking_* methods and sale_leaderboard (docs/rpc.md).
#pragma once

#include "contracts/vesting/vesting.h"
#include "rpc/chain_methods.h"

namespace vest::rpc {

// Registers every staking method on `d`. `node` must outlive it.
void register_staking_methods(Dispatcher& d, NodeApi& node, MethodLimits limits = {});

// Milestone progress of `p` at `t` for explorers and wallets: for each stake
// milestone, how long the stake has been held and how long remains.
boost::json::array milestone_progress(const StateReader& state, const vesting::Position& p, uint64_t t);

}  // namespace vest::rpc
