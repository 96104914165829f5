#include "node/block_clock.h"

#include <chrono>

namespace vest::node {

namespace {

uint64_t system_seconds() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace

uint64_t BlockClock::now() const { return system_seconds() + offset_.load(); }

void BlockClock::not_before(uint64_t time) {
  const uint64_t now = system_seconds();
  if (time <= now) return;
  uint64_t offset = offset_.load();
  while (offset < time - now && !offset_.compare_exchange_weak(offset, time - now)) {
  }
}

}  // namespace vest::node
