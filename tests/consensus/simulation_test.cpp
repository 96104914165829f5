// The seeded network simulation (tests/consensus/simulation.h). Knobs:
//   VEST_SIM_SEEDS=N   run N seeds (default 200)
//   VEST_SIM_FIRST=S   start at seed S (default 1)
//   VEST_SIM_SEED=S    run seed S alone (a failing seed prints this)
//   VEST_SIM_TRACE=1   with VEST_SIM_SEED: print every event
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "tests/consensus/simulation.h"

using namespace vest::consensus;
using namespace vest::consensus::sim;

namespace {

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string replay_hint(uint64_t seed) {
  return "replay: VEST_SIM_SEED=" + std::to_string(seed) + " VEST_SIM_TRACE=1 build/bin/consensus_test \"simulation: *\"";
}

}  // namespace

TEST_CASE("simulation: random validators, faults, crashes and equivocators", "[consensus][simulation]") {
  const char* one = std::getenv("VEST_SIM_SEED");
  const uint64_t first = one ? env_u64("VEST_SIM_SEED", 1) : env_u64("VEST_SIM_FIRST", 1);
  const uint64_t count = one ? 1 : env_u64("VEST_SIM_SEEDS", 200);
  const bool trace = one && std::getenv("VEST_SIM_TRACE");

  const auto t0 = std::chrono::steady_clock::now();
  uint64_t heights = 0, decisions = 0, synced = 0, crashes = 0, evidence = 0, messages = 0, byzantine_runs = 0;
  uint64_t max_round = 0, failures = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    const Scenario s = random_scenario(seed);
    const Result r = run(s, trace);
    if (!r.ok) {
      ++failures;
      FAIL_CHECK(s.describe() << "\n" << r.failure << "\n" << replay_hint(seed));
      continue;
    }
    heights += r.heights;
    decisions += r.decisions;
    synced += r.synced;
    crashes += r.crashes;
    evidence += r.evidence;
    messages += r.messages;
    max_round = std::max(max_round, r.max_round);
    for (bool b : s.byzantine) byzantine_runs += b ? 1 : 0;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "simulation: " << count << " seeds from " << first << " in " << ms << " ms: " << heights
            << " heights agreed, " << decisions << " decisions by consensus and " << synced << " by block sync, "
            << crashes << " crashes, " << byzantine_runs << " byzantine validators, " << evidence
            << " equivocations reported, " << messages << " messages delivered, highest decision round " << max_round
            << ", " << failures << " failed\n";
  CHECK(failures == 0);
  if (count >= 100) {
    // The mix exercises what it claims to.
    CHECK(crashes > 0);
    CHECK(evidence > 0);
    CHECK(synced > 0);
    CHECK(max_round > 0);
  }
}

TEST_CASE("simulation: with messages lost for good, gossip still decides", "[consensus][simulation]") {
  // Four validators, a third of all messages lost forever (never a GST for
  // losses). With the periodic re-send every seed decides its heights;
  // without it some seed stalls (a lost vote is never seen again).
  int stalled_without = 0, decided_with = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Scenario s;
    s.seed = 1000 + seed;
    s.powers = {1, 1, 1, 1};
    s.byzantine = {false, false, false, false};
    s.drop_permille = 330;
    s.drops_after_gst = true;
    s.max_delay_ms = 20;
    s.post_gst_delay_ms = 20;
    s.gst_ms = 0;
    s.heights = 5;
    s.deadline_ms = 30000;
    s.timeouts.propose = {40, 10};
    s.timeouts.prevote = {10, 5};
    s.timeouts.precommit = {10, 5};
    s.gossip_ms = 50;
    const Result with = run(s);
    INFO(s.describe() << "\n" << with.failure << "\n" << replay_hint(s.seed));
    CHECK(with.ok);
    CHECK(with.heights >= 5);
    decided_with += with.ok ? 1 : 0;
    s.gossip_ms = 0;
    const Result without = run(s);
    if (!without.ok) {
      ++stalled_without;
      CHECK(without.failure.find("agreement") == std::string::npos);  // stalled, never unsafe
    }
  }
  std::cout << "simulation with a third of the messages lost: " << decided_with
            << " of 10 seeds decide 5 heights with re-sending, " << 10 - stalled_without << " of 10 without\n";
  CHECK(stalled_without > 0);
}
