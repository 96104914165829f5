// The node: wires the chain, the mempool and the block producer, and serves
// the RPC layer through rpc::NodeApi.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "chain/chain.h"
#include "contracts/native.h"
#include "node/mempool.h"
#include "node/signer.h"
#include "node/verify_pool.h"
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

class Node : public rpc::NodeApi {
 public:
  // Opens the chain in `datadir`. `key` must be the genesis validator's.
  static std::unique_ptr<Node> open(const std::filesystem::path& datadir, const Genesis& genesis,
                                    const PrivateKey& key, NodeOptions options, std::string& error);
  ~Node() override;

  // Starts and stops the block producer thread.
  void start();
  void stop();

  const ChainStore& store() const override { return chain_->store(); }
  const ChainParams& params() const override { return chain_->params(); }
  const Hash& genesis_hash() const override { return chain_->genesis_hash(); }
  rpc::NodeInfo info() const override;
  BlockEnv next_block_env() const override { return next_env(); }
  Status submit(ByteView raw, Hash& hash) override;
  std::optional<VerifiedTx> pending(const Hash& hash) const override;
  size_t pending_count(const Address& sender) const override { return mempool_.count(sender); }
  void wait_for(const Hash& hash, std::chrono::milliseconds timeout,
                std::function<void(rpc::WaitResult)> done) override;
  Status dev_mine(uint32_t blocks, uint64_t& height) override;
  Status dev_increase_time(uint64_t seconds, uint64_t& offset) override;

  // Prometheus text (# HELP, # TYPE, samples) of the node's own counters: blocks and
  // transactions committed and failed, mempool admissions and rejections by reason,
  // block production time, the head and its age (docs/operations.md, "Monitoring").
  // Thread-safe.
  std::string metrics_text() const;

 private:
  Node(const Genesis& genesis, const PrivateKey& key, NodeOptions options);
  void producer_loop();
  // The certificate of `block` signed by this node, the only validator.
  Certificate self_certificate(const ExecutedBlock& block) const;
  // Produces one block from the mempool. Caller holds produce_mutex_.
  bool produce_block(std::string& error);
  uint64_t block_time_now() const;
  BlockEnv next_env() const;
  void notify(const Hash& hash, rpc::WaitResult result);
  void expire_waiters();

  // Counts a refused submission by its reason, and logs it at debug level.
  Status refused(Status s, const Hash* hash);

  // Upper bounds of the block production time histogram, in microseconds.
  static constexpr uint64_t kProduceBucketsUs[] = {1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000};
  static constexpr size_t kProduceBuckets = std::size(kProduceBucketsUs);

  struct Waiter {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(rpc::WaitResult)> done;
  };

  NativeContracts contracts_;
  Executor executor_;
  std::unique_ptr<Chain> chain_;
  Mempool mempool_;
  VerifyPool verify_pool_;
  Signer signer_;
  NodeOptions options_;
  std::atomic<uint64_t> time_offset_{0};

  std::mutex produce_mutex_;  // one block at a time

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by wake_mutex_
  bool tx_arrived_ = false;  // guarded by wake_mutex_
  std::thread producer_;

  std::mutex waiters_mutex_;
  std::multimap<Hash, Waiter> waiters_;  // guarded by waiters_mutex_

  std::atomic<uint64_t> blocks_produced_{0};
  std::atomic<uint64_t> txs_committed_{0};  // included, message executed
  std::atomic<uint64_t> txs_failed_{0};     // included, message reverted (fee paid)
  std::atomic<uint64_t> txs_dropped_{0};    // left out of a block or evicted after one
  std::atomic<uint64_t> txs_admitted_{0};
  std::atomic<uint64_t> produce_failures_{0};
  std::array<std::atomic<uint64_t>, kProduceBuckets + 1> produce_us_{};  // the last: above every bound
  std::atomic<uint64_t> produce_us_sum_{0};
  mutable std::mutex rejections_mutex_;
  std::map<std::string, uint64_t> rejections_;  // by reason; guarded by rejections_mutex_
};

}  // namespace vest::node
