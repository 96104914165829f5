// The clock that stamps this node's blocks and votes: Unix seconds from the
// system clock plus an offset. Only dev_increaseTime moves the offset, and a
// restarted node whose head is ahead of the system clock (a development chain
// moved forward) starts with the offset that keeps its time at the head's.
// Consensus code never reads it: a block's time comes in its header.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace vest::node {

class BlockClock {
 public:
  // Seconds since the Unix epoch, with the offset.
  uint64_t now() const;
  uint64_t offset() const { return offset_.load(); }
  // Moves the clock forward by `seconds`; returns the new offset.
  uint64_t advance(uint64_t seconds) { return offset_.fetch_add(seconds) + seconds; }
  // Moves the clock forward, when behind, so that now() is at least `time`.
  void not_before(uint64_t time);

 private:
  std::atomic<uint64_t> offset_{0};
};

}  // namespace vest::node
