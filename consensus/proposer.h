// Proposer selection: weighted round robin with priorities, as CometBFT's
// spec/consensus/proposer-selection.md describes it (docs/protocol.md,
// section 10, "Proposer selection"). One run of the selection:
//
//   1. scale:  when max(A) - min(A) > 2P, divide every A(i) by
//              ceil((max - min) / 2P), rounding toward zero;
//   2. centre: subtract floor(sum(A) / n) from every A(i);
//   3. A(i) += power(i) for every validator;
//   4. the proposer is the validator with the highest A(i), the lower
//      address (the earlier in set order) on a tie;
//   5. A(proposer) -= P.
//
// where A are the priorities, P the total power and n the number of
// validators. A set starts with all priorities zero; proposer(h, r) is the
// pick of run r + 1 from the priorities of height h, and the priorities of
// height h + 1 are those of h after one run. Integers only, every step checked.
#pragma once

#include <optional>
#include <vector>

#include "chain/validator_set.h"

namespace vest::consensus {

using Priority = __int128;

// Priorities are bounded so that every step of a run fits 128 bits.
constexpr Priority kMaxPriorityMagnitude = Priority(1) << 96;

class ProposerSchedule {
 public:
  ProposerSchedule() = default;  // no set: not usable until assigned

  // The schedule of `set` at the first height it certifies: every priority zero.
  explicit ProposerSchedule(const ValidatorSet& set);

  // The schedule of `set` with the given priorities (set order), e.g. read
  // back from storage. nullopt on a count other than the set's size or a
  // priority of magnitude kMaxPriorityMagnitude or more.
  static std::optional<ProposerSchedule> with_priorities(const ValidatorSet& set, std::vector<Priority> priorities);

  // Performs one run (steps 1-5 above) and returns the set position of its pick.
  size_t run();

  // The set position of the proposer of `round` at this height: the pick of
  // run round + 1 on a copy. Costs round + 1 runs; the consensus core caches.
  size_t proposer(uint32_t round) const;

  // The schedule of the next height: a copy after one run.
  ProposerSchedule next_height() const;

  const std::vector<Priority>& priorities() const { return priorities_; }
  size_t size() const { return powers_.size(); }

  friend bool operator==(const ProposerSchedule&, const ProposerSchedule&) = default;

 private:
  std::vector<uint64_t> powers_;  // set order
  uint64_t total_ = 0;
  std::vector<Priority> priorities_;
};

}  // namespace vest::consensus
