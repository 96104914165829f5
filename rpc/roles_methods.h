// roles_get: the chain's roles and their pending handovers (docs/rpc.md).
#pragma once

#include "rpc/chain_methods.h"

namespace vest::rpc {

// Registers roles_get on `d`. `node` must outlive it.
void register_roles_methods(Dispatcher& d, NodeApi& node);

}  // namespace vest::rpc
