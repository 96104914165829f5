// The node_*, chain_*, account_*, tx_* and dev_* methods (docs/rpc.md).
#pragma once

#include "rpc/json_rpc.h"
#include "rpc/node_api.h"

namespace vest::rpc {

struct MethodLimits {
  size_t default_page = 25;
  size_t max_page = 100;
  // Bulk reads: ranges of blocks and events, full blocks, every position,
  // every purchase, the genesis balances.
  size_t default_bulk_page = 100;
  size_t max_bulk_page = 1000;
  std::chrono::seconds max_wait{60};
};

// The work of one call of a ranged or filtered read (docs/rpc.md, "Limits").
// A range past one of these limits is refused (-32602); a call that reaches a
// scan limit answers what it found with the cursor to continue from.
constexpr uint64_t kMaxBlockRange = 1000;          // chain_getBlocks: blocks in fromHeight..toHeight
constexpr uint64_t kMaxEventRange = 10000;         // chain_getEvents: blocks in fromHeight..toHeight
constexpr uint64_t kEventScanBlocks = 250;         // chain_getEvents: blocks read per call
constexpr size_t kEventScanEvents = 10000;         // chain_getEvents: events looked at per call
constexpr uint64_t kMaxCountedRange = 1000;        // chain_getEvents: widest range answered with a total
constexpr size_t kMaxCountedEvents = 100000;       // chain_getEvents: most events looked at to count them
constexpr size_t kMaxFullTxBytes = 4 * 1024 * 1024;  // full blocks: signed transaction bytes per answer
constexpr size_t kTxKindScan = 1000;               // account_getTransactions with kinds: index entries per call
constexpr size_t kMaxTxKinds = 16;                 // account_getTransactions: entries of kinds
constexpr size_t kPurchaseScan = 10000;            // sale_listPurchases with packageId: records per call

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
