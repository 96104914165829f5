#include "p2p/rate_limit.h"

#include <algorithm>

namespace vest::p2p {

TokenBucket::TokenBucket(uint64_t rate, uint64_t burst, Clock::time_point now)
    : rate_(rate), cap_(static_cast<__int128>(burst) * kNanos), tokens_(cap_), last_(now) {}

std::chrono::nanoseconds TokenBucket::take(uint64_t n, Clock::time_point now) {
  if (rate_ == 0) return std::chrono::nanoseconds(0);
  if (now > last_) {
    __int128 elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count();
    tokens_ = std::min(cap_, tokens_ + elapsed * rate_);
    last_ = now;
  }
  tokens_ -= static_cast<__int128>(n) * kNanos;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  __int128 wait = (-tokens_ + rate_ - 1) / rate_;  // ceil(debt / rate) nanoseconds
  return std::chrono::nanoseconds(static_cast<int64_t>(wait));
}

}  // namespace vest::p2p
