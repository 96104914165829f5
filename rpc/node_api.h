// What the RPC layer needs from the node. node/ implements it; rpc/ never
// includes node/ (docs/developer-notes.md, "Dependencies").
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chain/contract.h"
#include "chain/params.h"
#include "chain/store.h"
#include "chain/transaction.h"

namespace vest::rpc {

// One connected peer (node_peers).
struct PeerView {
  std::string id;         // node id, hex
  std::string address;    // remote IP:PORT
  std::string direction;  // "inbound" or "outbound"
  uint64_t height = 0;    // the last height it announced
  uint64_t since = 0;     // connected since, Unix seconds
  uint64_t bytes_in = 0, bytes_out = 0;
};

// Two blocks of one height signed by one validator, seen by this node.
struct ConflictView {
  uint64_t height = 0;
  std::string validator;  // checksummed address
  std::string kept;       // the block this node has (or first verified)
  std::string other;      // the conflicting block
  std::string peer;       // who showed it (node id)
};

// Where a validator's consensus stands (node_status.consensus).
struct ConsensusView {
  uint64_t height = 0;
  uint32_t round = 0;
  std::string step;         // "propose", "prevote" or "precommit"
  int64_t locked_round = -1;  // -1: not locked
  std::string proposer;     // of this round, checksummed
};

struct NodeInfo {
  std::string version;
  std::string role;  // "validator" or "full"
  std::string node_id;  // the p2p node id (hex), from the data directory's node key
  bool dev = false;
  uint64_t time_offset = 0;  // seconds added to the clock by dev_increaseTime
  size_t mempool_txs = 0;
  size_t mempool_bytes = 0;
  std::string signing_stopped;  // why a validator stopped signing; empty while it signs
  // The network's part (empty or zero without peers).
  std::string p2p_listen;  // IP:PORT, empty when not listening
  size_t peer_count = 0;
  bool syncing = false;
  uint64_t sync_height = 0, sync_target = 0;
  std::vector<ConflictView> conflicts;
  std::optional<ConsensusView> consensus;  // a validator of a network (not --dev)
};

// The outcome of waiting for a transaction.
struct WaitResult {
  enum class Kind { kCommitted, kDropped, kTimeout } kind = Kind::kTimeout;
  Status why;  // for kDropped
};

class NodeApi {
 public:
  virtual ~NodeApi() = default;

  virtual const ChainStore& store() const = 0;
  virtual const ChainParams& params() const = 0;
  virtual const Hash& genesis_hash() const = 0;
  virtual NodeInfo info() const = 0;

  // The block the next block would be now: its height, time and proposer
  // (dry runs, quotes, the "now" part of reads).
  virtual BlockEnv next_block_env() const = 0;
  uint64_t next_block_time() const { return next_block_env().time; }

  // Verifies and admits a signed transaction to the mempool. Thread-safe.
  virtual Status submit(ByteView raw, Hash& hash) = 0;
  // How many transactions of `sender` wait in the mempool.
  virtual size_t pending_count(const Address& sender) const = 0;
  // A pending transaction, if the mempool holds it.
  virtual std::optional<VerifiedTx> pending(const Hash& hash) const = 0;
  // Calls `done` exactly once, from any thread: when the transaction is in a
  // committed block, when it leaves the mempool without one, or at `timeout`.
  virtual void wait_for(const Hash& hash, std::chrono::milliseconds timeout,
                        std::function<void(WaitResult)> done) = 0;

  // Development mode only (the callers check info().dev).
  // Seals `blocks` blocks now, with or without transactions; returns the new head height.
  virtual Status dev_mine(uint32_t blocks, uint64_t& height) = 0;
  // Moves the block clock forward; returns the new total offset.
  virtual Status dev_increase_time(uint64_t seconds, uint64_t& offset) = 0;
  // Decodes `raw` as a duplicate vote of this chain (docs/protocol.md section
  // 4, "Evidence") and hands it to the node's evidence pool for its next
  // blocks; `hash` is its evidence hash. A refusal names the rule in its
  // reason: "malformed", a rule of evidence or of the pool.
  virtual Status dev_submit_evidence(ByteView raw, Hash& hash) = 0;

  // The connected peers.
  virtual std::vector<PeerView> peers() const { return {}; }

  // Subscriptions: after each commit (produced, decided by consensus or
  // imported by block sync) `listener` is called with the new head's height,
  // on a thread of the node's own, never the committing one, so it may read
  // the store at leisure. When commits come faster than it returns, heights
  // are skipped (the listener reads the blocks between from the store). Set
  // once, before the node starts; a node without a listener calls nothing.
  virtual void set_head_listener(std::function<void(uint64_t height)> listener) { (void)listener; }
};

}  // namespace vest::rpc
