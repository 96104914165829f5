#include "node/producer.h"

namespace vest::node {

BlockProducer::BlockProducer(std::chrono::milliseconds block_time, bool instant, std::function<bool()> produce)
    : block_time_(block_time), instant_(instant), produce_(std::move(produce)) {}

BlockProducer::~BlockProducer() { stop(); }

void BlockProducer::start() { thread_ = std::thread([this] { run(); }); }

void BlockProducer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlockProducer::tx_arrived() {
  {
    std::lock_guard lock(mutex_);
    tx_arrived_ = true;
  }
  if (instant_) wake_.notify_all();
}

void BlockProducer::run() {
  using std::chrono::steady_clock;
  auto next_block = steady_clock::now() + block_time_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (instant_) {
        wake_.wait(lock, [&] { return stopping_ || tx_arrived_; });
      } else {
        wake_.wait_until(lock, next_block, [&] { return stopping_; });
      }
      if (stopping_) return;
      if (!instant_ && steady_clock::now() < next_block) continue;
      tx_arrived_ = false;
    }
    next_block = steady_clock::now() + block_time_;
    if (produce_() && instant_) {
      std::lock_guard lock(mutex_);
      tx_arrived_ = true;
    }
  }
}

}  // namespace vest::node
