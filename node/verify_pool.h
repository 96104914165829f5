// Signature verification on a pool of threads, one per core, with a cache of
// the senders already recovered. The mempool admits a transaction through
// verify_one(), which fills the cache; verifying a block's transactions later
// (verify()) costs a decode and a hash for each one already seen, and spreads
// the recoveries of the others over the pool. Thread-safe.
//
// The workers run at a lower scheduling priority (kWorkerNice nice levels
// below the thread that starts them; Linux keeps a nice value per thread):
// what they verify ahead is needed later, while the thread that waits for
// their results (the block import, executing the block before) is needed now.
// With every core busy, the import keeps a core and the pool has the rest.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "chain/transaction.h"

namespace vest::node {

class VerifyPool {
 public:
  static constexpr int kWorkerNice = 10;

  // `threads` 0 means one per core; they start with the first verify(), so a
  // pool used only through verify_one() runs none. `cache_entries` bounds the
  // sender cache; the oldest entries leave first.
  explicit VerifyPool(unsigned threads = 0, size_t cache_entries = 100000);
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  // verify_transaction() on the calling thread, through the cache; a
  // transaction that passes is remembered (admission).
  Status verify_one(ByteView raw, uint64_t chain_id, uint64_t max_tx_bytes, VerifiedTx& out);

  // Verifies every transaction of `raws` on the pool; `out` and the returned
  // statuses are in the order of `raws` (out[i] is meaningful where ok()).
  // Uses the cache but adds nothing to it: a block's transactions are not
  // checked again.
  std::vector<Status> verify(const std::vector<Bytes>& raws, uint64_t chain_id, uint64_t max_tx_bytes,
                             std::vector<VerifiedTx>& out);

  // What verify() answers for one batch.
  struct Batch {
    std::vector<Status> statuses;
    std::vector<VerifiedTx> txs;
  };
  // verify() without waiting: the batch runs after the batches queued before
  // it, holding `raws` until it is done. Dropping the future is safe: the
  // work completes unobserved.
  std::future<Batch> verify_async(std::shared_ptr<const std::vector<Bytes>> raws, uint64_t chain_id,
                                  uint64_t max_tx_bytes);

  unsigned threads() const { return thread_count_; }
  size_t cache_hits() const;

 private:
  Status check(ByteView raw, uint64_t chain_id, uint64_t max_tx_bytes, VerifiedTx& out, bool keep);
  bool cached_sender(const Hash& hash, Address& sender) const;
  void remember(const Hash& hash, const Address& sender);
  void run_worker();

  // Cache: tx hash -> sender. A hash covers the whole signed encoding, so the
  // same hash always recovers the same sender.
  mutable std::mutex cache_mutex_;
  std::map<Hash, Address> senders_;  // guarded by cache_mutex_
  std::deque<Hash> order_;           // insertion order, guarded by cache_mutex_
  size_t cache_entries_;
  mutable size_t hits_ = 0;  // guarded by cache_mutex_

  std::mutex jobs_mutex_;
  std::condition_variable jobs_cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by jobs_mutex_
  bool stopping_ = false;                   // guarded by jobs_mutex_
  unsigned thread_count_;
  std::once_flag started_;
  std::vector<std::thread> workers_;  // written once, under started_
};

}  // namespace vest::node
