#include "node/node_metrics.h"

#include "node/prometheus.h"

namespace vest::node {

namespace {

// "0.001500": microseconds as seconds, for Prometheus.
std::string seconds_text(uint64_t us) {
  std::string frac = std::to_string(us % 1000000);
  return std::to_string(us / 1000000) + "." + std::string(6 - frac.size(), '0') + frac;
}

}  // namespace

void NodeMetrics::rejected(const std::string& reason) {
  std::lock_guard lock(rejections_mutex_);
  ++rejections_[reason];
}

void NodeMetrics::produced(std::chrono::microseconds took) {
  const auto us = static_cast<uint64_t>(took.count());
  ++blocks_produced;
  size_t bucket = 0;
  while (bucket < kProduceBuckets && us > kProduceBucketsUs[bucket]) ++bucket;
  ++produce_us_[bucket];
  produce_us_sum_ += us;
}

std::string NodeMetrics::text(const Head& head, uint64_t now, size_t mempool_txs, size_t mempool_bytes) const {
  std::string out;
  prometheus_metric(out, "vestd_head_height", "gauge", "Height of the head block.", head.height);
  prometheus_metric(out, "vestd_head_time_seconds", "gauge", "Block time of the head block (Unix seconds, with the dev offset).",
         head.time);
  prometheus_metric(out, "vestd_head_age_seconds", "gauge", "Seconds since the head block's time on the node's block clock.",
         now > head.time ? now - head.time : 0);
  prometheus_metric(out, "vestd_blocks_produced_total", "counter", "Blocks this node produced and committed.",
         blocks_produced.load());
  prometheus_metric(out, "vestd_blocks_imported_total", "counter", "Blocks from peers this node validated and committed.",
         blocks_imported.load());
  prometheus_metric(out, "vestd_block_imports_refused_total", "counter",
         "Blocks from peers refused: invalid, on another parent, or without a valid certificate.",
         imports_refused.load());
  prometheus_metric(out, "vestd_block_production_failures_total", "counter", "Blocks that could not be produced (logged).",
         produce_failures.load());
  prometheus_metric(out, "vestd_transactions_committed_total", "counter", "Transactions included in a block whose message ran.",
         txs_committed.load());
  prometheus_metric(out, "vestd_transactions_failed_total", "counter",
         "Transactions included in a block whose message reverted (fee paid).", txs_failed.load());
  prometheus_metric(out, "vestd_transactions_dropped_total", "counter",
         "Pending transactions left out of a block or evicted after one as no longer valid.", txs_dropped.load());
  prometheus_metric(out, "vestd_mempool_admitted_total", "counter", "Transactions admitted to the mempool.", txs_admitted.load());
  prometheus_head(out, "vestd_mempool_rejected_total", "counter", "Submitted transactions refused, by reason.");
  {
    std::lock_guard lock(rejections_mutex_);
    for (const auto& [reason, n] : rejections_) {
      out += "vestd_mempool_rejected_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
    }
  }
  prometheus_metric(out, "vestd_mempool_transactions", "gauge", "Transactions waiting in the mempool.", mempool_txs);
  prometheus_metric(out, "vestd_mempool_bytes", "gauge", "Bytes of the transactions waiting in the mempool.", mempool_bytes);
  prometheus_head(out, "vestd_block_production_seconds", "histogram",
              "Time to select, execute, sign and commit one block.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kProduceBuckets; ++i) {
    cumulative += produce_us_[i].load();
    const std::string le = i < kProduceBuckets ? seconds_text(kProduceBucketsUs[i]) : "+Inf";
    out += "vestd_block_production_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "vestd_block_production_seconds_sum " + seconds_text(produce_us_sum_.load()) + "\n";
  out += "vestd_block_production_seconds_count " + std::to_string(cumulative) + "\n";
  return out;
}

}  // namespace vest::node
