// The node: wires the chain, the mempool, the evidence pool, the block
// producer and signer (on a validator), the block clock, the waiters of
// tx_submit and the import of blocks from peers, and serves the RPC layer
// through rpc::NodeApi. A node
// opened without a validator key is a full node: it produces nothing and
// commits only blocks it imports.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "chain/chain.h"
#include "consensus/signer.h"
#include "contracts/native.h"
#include "node/block_clock.h"
#include "node/evidence_pool.h"
#include "node/head_notifier.h"
#include "node/mempool.h"
#include "node/node_metrics.h"
#include "node/producer.h"
#include "node/verify_pool.h"
#include "node/waiters.h"
#include "rpc/node_api.h"

namespace vest::node {

struct NodeOptions {
  bool dev = false;            // the only validator, sealing blocks itself (BlockProducer)
  bool instant = false;        // seal a block as soon as a transaction arrives
  uint64_t block_time_ms = 0;  // 0: the genesis block time
  MempoolLimits mempool;
  std::string version;
  std::string node_id;  // the p2p node id of the data directory's node key
  // Start a validator whose key has no signer state in a data directory that
  // already holds blocks (a full node becoming a validator).
  bool new_signer_state = false;
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
  // Opens the chain in `datadir`. `key`, when given, must be a genesis
  // validator's, and its signer state is kept in
  // `datadir`/consensus/signer_state.json; without one the node is a full
  // node. A dev node is the genesis's only validator.
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

  // Starts and stops the block producer thread (a dev node's; a validator of
  // a network is driven by its consensus). stop() also answers every waiter left.
  void start();
  void stop();

  bool is_validator() const { return signer_ != nullptr; }
  bool is_dev() const { return options_.dev; }
  // The validator's signer; nullptr on a full node.
  consensus::Signer* signer() const { return signer_.get(); }
  // The validator set in the head's state: the one that certifies the next block.
  ValidatorSet validators() const { return chain_->validators(); }
  // The validator set that certifies block `height`, for heights up to the
  // head + 2 (Chain::validators_at). Thread-safe.
  std::optional<ValidatorsAt> validators_at(uint64_t height) const { return chain_->validators_at(height); }
  // The node's block clock (seconds; dev_increaseTime moves it).
  uint64_t clock_now() const { return clock_.now(); }

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

  // For consensus, each serialised with imports and commits:
  // The block this validator proposes on the head at `time`: mempool
  // candidates, header signed. nullopt when it may not sign.
  std::optional<Proposal> propose_block(uint64_t time);
  // Validates `block` (from a proposal) on the head; on success `out` is ready
  // to commit.
  BlockCheck check_block(const Block& block, ExecutedBlock& out);
  // Commits `block` (proposed or checked on the head) with `certificate`, built
  // from verified precommits. kStale when the head has moved on.
  // `dropped` are the candidates a proposal of this node left out.
  Import commit_decided(ExecutedBlock& block, const Certificate& certificate,
                        const std::vector<std::pair<Hash, Status>>& dropped = {});
  // Checks `evidence` against the chain and keeps it in the evidence pool for
  // the blocks this node proposes (EvidencePool::add says what is refused).
  // A dev node seals a block for it as for a transaction. Evidence against
  // this validator's own key stops its signing: another process holds the key.
  // Thread-safe.
  Status add_evidence(const DuplicateVote& evidence);
  size_t pending_evidence() const { return evidence_.size(); }

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
  Status dev_submit_evidence(ByteView raw, Hash& hash) override;
  std::vector<rpc::PeerView> peers() const override { return peers_view_ ? peers_view_() : std::vector<rpc::PeerView>{}; }
  // Tells `listener` of each new head from the head notifier's thread.
  void set_head_listener(std::function<void(uint64_t)> listener) override { heads_.set_listener(std::move(listener)); }

  // Prometheus text (# HELP, # TYPE, samples) of the node's own counters: blocks and
  // transactions committed and failed, mempool admissions and rejections by reason,
  // block production time, the head and its age (docs/operations.md, "Monitoring").
  // Thread-safe.
  std::string metrics_text() const;

 private:
  Node(const Genesis& genesis, NodeOptions options);
  // add_evidence without the check of this validator's own key.
  Status pool_evidence(const DuplicateVote& evidence);
  // Checks transaction signatures on the verification pool.
  TxBatchVerifier verifier();
  // The certificate of `block` signed by this node, the only validator; false
  // with `error` when the signer refuses.
  bool self_certificate(const ExecutedBlock& block, Certificate& out, std::string& error);
  // Stops signing when `certificate` holds a precommit of this validator that
  // its signer state does not account for: another process signs with its key.
  void watch_own_signature(const Certificate& certificate);
  // Commits an executed block and updates everything after. Caller holds produce_mutex_.
  bool commit_locked(ExecutedBlock& block, const std::vector<std::pair<Hash, Status>>& dropped,
                     std::chrono::steady_clock::time_point started, bool produced, std::string& error);
  // The producer's step: seals a block when transactions or evidence for the
  // next block wait and this node may sign; true when it did and more wait.
  bool produce_if_waiting();
  bool work_waiting() const;
  // The next block from the mempool and the evidence pool, header signed: what
  // Chain::validate accepts. Caller holds produce_mutex_.
  Proposal propose_locked(uint64_t time);
  // Produces one block from the mempool. Caller holds produce_mutex_.
  bool produce_block(std::string& error);
  // Updates the mempool, waiters, metrics and listeners after `block` became
  // the head. Caller holds produce_mutex_.
  void after_commit(const ExecutedBlock& block, const std::vector<std::pair<Hash, Status>>& dropped,
                    std::chrono::steady_clock::time_point started, bool produced);
  bool may_sign() const;
  BlockEnv next_env() const { return next_env(chain_->head()); }
  // The block that would follow `head`.
  BlockEnv next_env(const Head& head) const;

  // Counts a refused submission by its reason, and logs it at debug level.
  Status refused(Status s, const Hash* hash);

  NativeContracts contracts_;
  Executor executor_;
  std::unique_ptr<Chain> chain_;
  Mempool mempool_;
  EvidencePool evidence_;
  VerifyPool verify_pool_;
  std::unique_ptr<consensus::Signer> signer_;  // none on a full node
  NodeOptions options_;
  BlockClock clock_;
  Waiters waiters_;
  HeadNotifier heads_;
  std::unique_ptr<BlockProducer> producer_;  // a validator's
  NodeMetrics metrics_;
  std::function<void(const ExecutedBlock&)> on_commit_;
  std::function<void(const Hash&, ByteView)> on_admitted_;
  std::function<void(rpc::NodeInfo&)> info_view_;
  std::function<std::vector<rpc::PeerView>()> peers_view_;

  std::mutex produce_mutex_;  // one block at a time, produced or imported
};

}  // namespace vest::node
