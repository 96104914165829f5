// Network benchmarks with real vestd processes on loopback: a full node
// syncing a chain from a validator, and the time from tx_submit at a full node
// to its commit there.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "chain/amount.h"

namespace vest::bench {

struct SyncSpec {
  std::string vestd = "build-release/bin/vestd";
  std::string genesis;             // the chain's genesis file
  std::filesystem::path chain;     // the validator's data directory: the chain to sync
  std::filesystem::path datadir;   // the full node's (emptied before each run)
  int runs = 3;                    // full nodes synced one after the other
  size_t recover_count = 20000;    // signatures for the recovery figure of the same run
};

// Serves `chain` from a validator (vestd --dev --p2p) and syncs it into a new
// full node `runs` times, timing each; prints the figures and a RESULT line
// with their medians. 0 when every run reached the validator's head with the
// same head hash.
int run_sync(const SyncSpec& spec);

struct GossipSpec {
  std::string vestd = "build-release/bin/vestd";
  std::string genesis;           // with the bench senders funded (vest_bench genesis)
  std::filesystem::path dir;     // the nodes' data directories go here (emptied first)
  uint64_t block_time_ms = 0;    // the validator's --block-time-ms; 0: the genesis value
  size_t txs = 120;              // per run
  size_t clients = 4;            // each with its own sender and keep-alive connection
  int runs = 3;
};

// Starts a validator and a full node peered with it; clients submit transfers
// at the full node (tx_submit with wait, after a random pause of up to one
// block time) and time each until the full node answers it committed. Prints
// the median and 99th percentile of each run and a RESULT line with their
// medians. 0 when every transaction committed.
int run_gossip(const GossipSpec& spec);

struct TimedTransfers {
  std::vector<double> ms;     // each committed transfer, from sending tx_submit to the answer
  bool all_committed = true;  // no transfer answered otherwise, no client failed
};

// Light load: `clients` threads, client c sending from bench sender c to
// urls[c % urls.size()] with tx_submit {wait: true}, each transfer after a
// random pause of up to `pause_ms` (seeded with `seed`), `txs` transfers in
// all. Each client reads its sender's nonce from its node first.
TimedTransfers timed_transfers(const std::vector<std::string>& urls, uint64_t chain_id, Amount fee, size_t clients,
                               size_t txs, uint64_t pause_ms, uint64_t seed);

}  // namespace vest::bench
