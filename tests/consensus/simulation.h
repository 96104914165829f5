// A seeded, deterministic simulation of N validators running the consensus
// core over an in-process network that delays, drops, reorders and
// duplicates messages, partitions and heals, and crashes and restarts nodes.
// Each node signs with a real key, keeps a write-ahead log of its inputs as
// the node will (own proposals and votes synced before they leave, the rest
// possibly lost in a crash) and replays it on restart. Up to f byzantine
// validators equivocate (two votes or two proposals to different peers) and
// propose invalid blocks. Block sync is modelled: a node behind by a height
// gets the decided block's certificate from a peer that has it.
//
// Checked during and after every run: agreement (one block per height over
// all honest nodes), validity (a decided block was proposed and is valid),
// certificates that verify, no honest key signing two different messages of
// one (height, round, type), evidence only against byzantine validators,
// and progress: after GST every honest node decides the target heights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "consensus/core.h"

namespace vest::consensus::sim {

struct Scenario {
  uint64_t seed = 1;
  std::vector<uint64_t> powers;  // one validator per entry
  std::vector<bool> byzantine;   // by entry of `powers`; their power must stay below 1/3
  // Before GST:
  uint32_t drop_permille = 0;
  uint32_t duplicate_permille = 0;
  uint64_t max_delay_ms = 20;
  bool partitions = false;
  bool crashes = false;
  // GST: partitions heal, crashed nodes restart, delays drop to at most
  // post_gst_delay_ms and, unless drops_after_gst, nothing is lost any more.
  uint64_t gst_ms = 0;
  uint64_t post_gst_delay_ms = 10;
  bool drops_after_gst = false;
  uint64_t gossip_ms = 100;  // 0: no re-sending and no block sync
  uint64_t heights = 4;      // every honest node must decide 1..heights
  uint64_t deadline_ms = 60000;  // after GST
  Timeouts timeouts;

  // One line naming every parameter.
  std::string describe() const;
};

// The scenario of a seed: 1-7 validators with equal or random powers, up to
// f byzantine, and a random mix of every fault before a random GST.
Scenario random_scenario(uint64_t seed);

struct Result {
  bool ok = false;
  std::string failure;          // the first property broken, with context
  uint64_t heights = 0;         // heights decided (agreed by all honest nodes)
  uint64_t decisions = 0;       // node decisions by the core
  uint64_t synced = 0;          // node decisions by block sync
  uint64_t max_round = 0;       // the highest round any honest node decided in
  uint64_t crashes = 0;
  uint64_t evidence = 0;        // equivocations reported (all against byzantine validators)
  uint64_t messages = 0;        // messages delivered
  uint64_t virtual_ms = 0;      // simulated time at the end
};

// Runs the scenario to completion or to the first violation. With `trace`,
// prints every event to stderr.
Result run(const Scenario& s, bool trace = false);

}  // namespace vest::consensus::sim
