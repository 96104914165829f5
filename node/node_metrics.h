// The node's own counters, served on /metrics in Prometheus text
// (docs/operations.md, "Monitoring"). Thread-safe: counters are atomics, the
// rejections by reason have their own lock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "chain/store.h"

namespace vest::node {

class NodeMetrics {
 public:
  std::atomic<uint64_t> blocks_produced{0};
  std::atomic<uint64_t> blocks_imported{0};
  std::atomic<uint64_t> imports_refused{0};
  std::atomic<uint64_t> txs_committed{0};  // included, message executed
  std::atomic<uint64_t> txs_failed{0};     // included, message reverted (fee paid)
  std::atomic<uint64_t> txs_dropped{0};    // left out of a block or evicted after one
  std::atomic<uint64_t> txs_admitted{0};
  std::atomic<uint64_t> produce_failures{0};

  // A submission refused for `reason`.
  void rejected(const std::string& reason);
  // One block produced in `took`.
  void produced(std::chrono::microseconds took);

  // The samples with # HELP and # TYPE lines: the counters above, the head
  // (height, time and age against `now`) and the mempool's size.
  std::string text(const Head& head, uint64_t now, size_t mempool_txs, size_t mempool_bytes) const;

 private:
  // Upper bounds of the block production time histogram, in microseconds.
  static constexpr uint64_t kProduceBucketsUs[] = {1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000};
  static constexpr size_t kProduceBuckets = std::size(kProduceBucketsUs);

  std::array<std::atomic<uint64_t>, kProduceBuckets + 1> produce_us_{};  // the last: above every bound
  std::atomic<uint64_t> produce_us_sum_{0};
  mutable std::mutex rejections_mutex_;
  std::map<std::string, uint64_t> rejections_;  // by reason; guarded by rejections_mutex_
};

}  // namespace vest::node
