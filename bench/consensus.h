// Consensus among several validators: real vestd processes written by
// `vestd testnet` and run on 127.0.0.1, against one `vestd --dev` node on the
// same machine in the same run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace vest::bench {

struct ConsensusSpec {
  std::string vestd = "build-release/bin/vestd";
  std::string genesis;              // with the bench senders funded (vest_bench genesis)
  std::filesystem::path dir;        // data directories and logs go here (emptied first)
  unsigned validators = 4;
  uint64_t short_commit_ms = 100;   // the second setting's block time (timeout_commit); 0: only the genesis's
  size_t txs = 100;                 // light load: transfers per run
  size_t clients = 4;               // light load: clients, each with its own sender, one transfer at a time
  size_t load_txs = 20000;          // saturation: transfers per run (the ingest load)
  size_t load_clients = 8;
  size_t senders = 1000;
  int runs = 3;
  size_t recover_count = 20000;     // signatures for the recovery rate measured before each setting
};

// For the genesis's block time and for `short_commit_ms`: a single `vestd
// --dev` node saturated with the ingest load; then `validators` validators
// of `vestd testnet`, first at light load (tx_submit {wait: true} at each
// validator in turn, timed until committed there: finality), then saturated
// with the same load spread over them. Prints a table of medians over `runs`
// and RESULT lines. 0 when every transfer committed and every validator holds
// the same blocks.
int run_consensus(const ConsensusSpec& spec);

}  // namespace vest::bench
