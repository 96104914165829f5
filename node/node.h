// The node: wires the chain, the mempool, the block producer and signer (on a
// validator), the block clock, the waiters of tx_submit and the import of
// blocks from peers, and serves the RPC layer through rpc::NodeApi. A node
// opened without a validator key is a full node: it produces nothing and
// commits only blocks it imports.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "chain/chain.h"
#include "contracts/native.h"
#include "node/block_clock.h"
#include "node/mempool.h"
#include "node/node_metrics.h"
#include "node/producer.h"
#include "node/signer.h"
#include "node/verify_pool.h"
#include "node/waiters.h"
#include "rpc/node_api.h"

namespace vest::node {

struct NodeOptions {
  bool dev = false;
  bool instant = false;        // seal a block as soon as a transaction arrives
  uint64_t block_time_ms = 0;  // 0: the genesis block time
  MempoolLimits mempool;
  std::string version;
  std::string node_id;  // the p2p node id of the data directory's node key
};

// What became of a block from a peer (Node::import_block).
enum class [[nodiscard]] ImportResult {
  kCommitted,           // validated, certified and committed: the new head
  kStale,               // not the head's successor (any more): nothing to learn from it
  kFork,                // a valid-looking block on another parent (wrong_parent)
  kInvalidBlock,        // breaks a rule of protocol section 4 (`check` says which)
  kInvalidCertificate,  // missing, or not a valid certificate of the block
  kFailed,              // the store refused the write (logged)
};

struct Import {
  ImportResult result = ImportResult::kFailed;
  BlockCheck check;  // for kInvalidBlock and kFork
  std::string message;
};

class Node : public rpc::NodeApi {
 public:
  // Opens the chain in `datadir`. `key`, when given, must be the genesis
  // validator's; without one the node is a full node.
  static std::unique_ptr<Node> open(const std::filesystem::path& datadir, const Genesis& genesis,
                                    const std::optional<PrivateKey>& key, NodeOptions options, std::string& error);
  ~Node() override;

  // Called after every commit, produced or imported, on the committing thread,
  // and after every admission to the mempool (hash, signed bytes) on the
  // submitting thread. Set before start().
  void set_listeners(std::function<void(const ExecutedBlock&)> on_commit,
                     std::function<void(const Hash&, ByteView)> on_admitted);
  // What the network adds to node_status and node_peers. Set before start().
  void set_network_views(std::function<void(rpc::NodeInfo&)> info,
                         std::function<std::vector<rpc::PeerView>()> peers);

  // Starts and stops the block producer thread (a validator's). stop() also
  // answers every waiter left.
  void start();
  void stop();

  bool is_validator() const { return signer_.has_value(); }
  // Starts verifying the signatures of `block`'s transactions on the
  // verification pool (stateless: rules 1-2 of protocol section 3), behind
  // the blocks started before it, for import_block. Thread-safe.
  std::future<VerifyPool::Batch> verify_block_txs(std::shared_ptr<const Block> block);
  // Validates `block` on the head, checks `certificate` proves it final under
  // the head's validator set, and commits both. `verified`, when valid, is
  // verify_block_txs of this block: validation takes the signature checks from
  // it instead of verifying again. Serialised with production.
  Import import_block(const Block& block, const std::optional<Certificate>& certificate,
                      std::future<VerifyPool::Batch> verified = {});
  // Stops producing and signing for good (this process): another process signs
  // with this node's key. Logged once, shown in node_status. Thread-safe.
  void stop_signing(const std::string& reason);
  std::string signing_stopped() const;

  const ChainStore& store() const override { return chain_->store(); }
  const ChainParams& params() const override { return chain_->params(); }
  const Hash& genesis_hash() const override { return chain_->genesis_hash(); }
  rpc::NodeInfo info() const override;
  BlockEnv next_block_env() const override { return next_env(); }
  Status submit(ByteView raw, Hash& hash) override;
  std::optional<VerifiedTx> pending(const Hash& hash) const override;
  size_t pending_count(const Address& sender) const override { return mempool_.count(sender); }
  // Answers `done` on the waiters' thread, never on the committing one.
  void wait_for(const Hash& hash, std::chrono::milliseconds timeout,
                std::function<void(rpc::WaitResult)> done) override;
  Status dev_mine(uint32_t blocks, uint64_t& height) override;
  Status dev_increase_time(uint64_t seconds, uint64_t& offset) override;
  std::vector<rpc::PeerView> peers() const override { return peers_view_ ? peers_view_() : std::vector<rpc::PeerView>{}; }

  // Prometheus text (# HELP, # TYPE, samples) of the node's own counters: blocks and
  // transactions committed and failed, mempool admissions and rejections by reason,
  // block production time, the head and its age (docs/operations.md, "Monitoring").
  // Thread-safe.
  std::string metrics_text() const;

 private:
  Node(const Genesis& genesis, const std::optional<PrivateKey>& key, NodeOptions options);
  // The certificate of `block` signed by this node, the only validator.
  Certificate self_certificate(const ExecutedBlock& block) const;
  // The producer's step: seals a block when transactions wait and this node
  // may sign; true when it did and more wait.
  bool produce_if_waiting();
  // Produces one block from the mempool. Caller holds produce_mutex_.
  bool produce_block(std::string& error);
  // Updates the mempool, waiters, metrics and listeners after `block` became
  // the head. Caller holds produce_mutex_.
  void after_commit(const ExecutedBlock& block, const std::vector<std::pair<Hash, Status>>& dropped,
                    std::chrono::steady_clock::time_point started, bool produced);
  bool may_sign() const;
  BlockEnv next_env() const;

  // Counts a refused submission by its reason, and logs it at debug level.
  Status refused(Status s, const Hash* hash);

  NativeContracts contracts_;
  Executor executor_;
  std::unique_ptr<Chain> chain_;
  Mempool mempool_;
  VerifyPool verify_pool_;
  std::optional<Signer> signer_;  // none on a full node
  NodeOptions options_;
  BlockClock clock_;
  Waiters waiters_;
  std::unique_ptr<BlockProducer> producer_;  // a validator's
  NodeMetrics metrics_;
  std::function<void(const ExecutedBlock&)> on_commit_;
  std::function<void(const Hash&, ByteView)> on_admitted_;
  std::function<void(rpc::NodeInfo&)> info_view_;
  std::function<std::vector<rpc::PeerView>()> peers_view_;
  mutable std::mutex signing_mutex_;
  std::string signing_stopped_;  // guarded by signing_mutex_; empty while signing

  std::mutex produce_mutex_;  // one block at a time, produced or imported
};

}  // namespace vest::node
