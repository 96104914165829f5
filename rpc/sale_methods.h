// The sale_* and vesting_* methods (docs/rpc.md).
#pragma once

#include "rpc/chain_methods.h"

namespace vest::rpc {

// Registers every sale and vesting method on `d`, and the loyalty methods
// (rpc/loyalty_methods.h). `node` must outlive it.
void register_sale_methods(Dispatcher& d, NodeApi& node, MethodLimits limits = {});

}  // namespace vest::rpc
