// The staking_* methods and sale_leaderboard (docs/rpc.md).
#pragma once

#include "contracts/staking/staking.h"
#include "rpc/chain_methods.h"

namespace vest::rpc {

// Registers every staking method on `d`. `node` must outlive it.
void register_staking_methods(Dispatcher& d, NodeApi& node, MethodLimits limits = {});

// Milestone progress for explorers and wallets (staking::milestone_progress):
// for each stake milestone, how long the stake has been held and how long remains.
boost::json::array milestones_json(const std::vector<staking::MilestoneProgress>& milestones);

}  // namespace vest::rpc
