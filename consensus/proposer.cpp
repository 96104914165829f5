#include "consensus/proposer.h"

#include <algorithm>
#include <cassert>

namespace vest::consensus {
namespace {

// Checked arithmetic on priorities. Priorities stay far inside 128 bits (see
// kMaxPriorityMagnitude), so an overflow is a bug of ours, not bad input.
Priority add(Priority a, Priority b) {
  Priority r;
  bool overflow = __builtin_add_overflow(a, b, &r);
  assert(!overflow && "priority arithmetic overflows 128 bits");
  (void)overflow;
  return r;
}

Priority sub(Priority a, Priority b) {
  Priority r;
  bool overflow = __builtin_sub_overflow(a, b, &r);
  assert(!overflow && "priority arithmetic overflows 128 bits");
  (void)overflow;
  return r;
}

// floor(a / b) for b > 0.
Priority floor_div(Priority a, Priority b) {
  assert(b > 0);
  Priority q = a / b;
  if (a % b != 0 && a < 0) q -= 1;
  return q;
}

}  // namespace

ProposerSchedule::ProposerSchedule(const ValidatorSet& set) : total_(set.total_power()) {
  assert(!set.empty());
  for (const Validator& v : set.validators()) powers_.push_back(v.power);
  priorities_.assign(powers_.size(), 0);
}

std::optional<ProposerSchedule> ProposerSchedule::with_priorities(const ValidatorSet& set,
                                                                  std::vector<Priority> priorities) {
  if (set.empty() || priorities.size() != set.size()) return std::nullopt;
  for (Priority p : priorities)
    if (p >= kMaxPriorityMagnitude || p <= -kMaxPriorityMagnitude) return std::nullopt;
  ProposerSchedule s(set);
  s.priorities_ = std::move(priorities);
  return s;
}

size_t ProposerSchedule::run() {
  assert(!powers_.empty());
  const Priority total = total_;
  // 1. Scale: keep max - min within 2P.
  const auto [lo, hi] = std::minmax_element(priorities_.begin(), priorities_.end());
  const Priority diff = sub(*hi, *lo);
  const Priority window = 2 * total;
  if (diff > window) {
    const Priority ratio = floor_div(add(diff, window - 1), window);  // ceil(diff / window)
    for (Priority& p : priorities_) p /= ratio;                        // toward zero
  }
  // 2. Centre around zero.
  Priority sum = 0;
  for (Priority p : priorities_) sum = add(sum, p);
  const Priority avg = floor_div(sum, static_cast<Priority>(priorities_.size()));
  for (Priority& p : priorities_) p = sub(p, avg);
  // 3-4. Everyone moves ahead by its power; the highest goes first, ties to the lower address.
  size_t pick = 0;
  for (size_t i = 0; i < priorities_.size(); ++i) {
    priorities_[i] = add(priorities_[i], powers_[i]);
    if (priorities_[i] > priorities_[pick]) pick = i;
  }
  // 5. The proposer goes back by the total.
  priorities_[pick] = sub(priorities_[pick], total);
  return pick;
}

size_t ProposerSchedule::proposer(uint32_t round) const {
  ProposerSchedule copy = *this;
  size_t pick = copy.run();
  for (uint32_t r = 0; r < round; ++r) pick = copy.run();
  return pick;
}

ProposerSchedule ProposerSchedule::next_height() const {
  ProposerSchedule copy = *this;
  copy.run();
  return copy;
}

}  // namespace vest::consensus
