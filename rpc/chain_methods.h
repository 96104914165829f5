// The node_*, chain_*, account_*, tx_* and dev_* methods (docs/rpc.md).
#pragma once

#include "rpc/json_rpc.h"
#include "rpc/node_api.h"

namespace vest::rpc {

struct MethodLimits {
  size_t default_page = 25;
  size_t max_page = 100;
  std::chrono::seconds max_wait{60};
};

// Registers every chain method on `d`. `node` must outlive the dispatcher.
void register_chain_methods(Dispatcher& d, NodeApi& node, MethodLimits limits = {});

// account_get's answer for `params` ({address, atHeight?}); throws
// InvalidParams for bad ones. The account subscription reuses it.
boost::json::value account_get(NodeApi& node, const boost::json::object& params);

// JSON-RPC application error codes (docs/rpc.md, "Errors").
constexpr int kTxRejectedBase = 1000;  // + the rejection code, e.g. 1006 nonce_too_low
constexpr int kDevOnly = 2001;         // dev_* method on a node without --dev
constexpr int kEvidenceRefused = 2002; // dev_submitEvidence: the evidence is malformed or breaks a rule

}  // namespace vest::rpc
