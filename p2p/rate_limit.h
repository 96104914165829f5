// A token bucket in exact integer arithmetic, for the receive rate of a connection.
#pragma once

#include <chrono>
#include <cstdint>

namespace vest::p2p {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  // `rate` bytes per second (0: unlimited), holding at most `burst` bytes; starts full.
  TokenBucket(uint64_t rate, uint64_t burst, Clock::time_point now);
  // Takes `n` bytes at `now`. Returns how long the caller must wait before it may use them:
  // zero while within the budget. The debt is carried, so the long-run rate stays `rate`.
  std::chrono::nanoseconds take(uint64_t n, Clock::time_point now);

 private:
  static constexpr __int128 kNanos = 1'000'000'000;
  uint64_t rate_;
  __int128 cap_;     // burst in byte-nanoseconds
  __int128 tokens_;  // byte-nanoseconds; negative while in debt
  Clock::time_point last_;
};

}  // namespace vest::p2p
