// The loyalty_* methods: badges, who holds them, and an account's progress
// toward the others (docs/rpc.md).
#pragma once

#include "rpc/chain_methods.h"

namespace vest::rpc {

// Registers loyalty_badges, loyalty_getBadges and loyalty_badgeHolders on `d`.
// `node` must outlive it.
void register_loyalty_methods(Dispatcher& d, NodeApi& node, MethodLimits limits = {});

}  // namespace vest::rpc
