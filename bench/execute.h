// Signature recovery and block execution benchmarks (in process, no RPC).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench.h"

namespace vest::bench {

struct RecoverRates {
  double one_thread = 0;  // recoveries per second
  double all_cores = 0;
  unsigned cores = 0;
};

// Medians over `runs` of recovering `count` signatures.
RecoverRates measure_recovery(size_t count, int runs);

enum class Mix { kTransfer, kSale, kPurchase };

struct ExecuteSpec {
  std::string genesis_path = "genesis/devnet.json";
  std::filesystem::path datadir;
  std::string write_genesis;  // where to write the bench genesis, if anywhere
  size_t senders = 2000;
  size_t accounts = 10000;
  size_t txs = 100000;
  size_t block_txs = 10000;
  uint64_t block_seconds = 1;
  unsigned threads = 0;  // verification threads; 0: one per core
  bool admitted = false;  // transactions went through admission first (cache warm)
  Mix mix = Mix::kTransfer;
};

struct ExecuteResult {
  double genesis_seconds = 0;
  double compact_seconds = 0;  // compacting the store after genesis
  double seconds = 0;  // from the first verification to the last commit
  size_t included = 0;
  size_t dropped = 0;
  size_t cache_hits = 0;
  std::vector<double> block_rates;
  std::vector<double> produce_cpu_us;  // per transaction, building and committing each block after the first  // transactions per second of each block after the first
  double peak_rss_mib = 0;
};

// Builds the bench chain in spec.datadir (emptied first), pre-signs the
// workload, then verifies, applies and commits it block by block.
ExecuteResult run_execute(const ExecuteSpec& spec);

}  // namespace vest::bench
