#include "node/head_notifier.h"

namespace vest::node {

HeadNotifier::~HeadNotifier() { stop(); }

void HeadNotifier::set_listener(std::function<void(uint64_t)> listener) {
  listener_ = std::move(listener);
  if (listener_ && !thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void HeadNotifier::notify(uint64_t height) {
  if (!listener_) return;
  {
    std::lock_guard lock(mutex_);
    latest_ = height;
  }
  wake_.notify_one();
}

void HeadNotifier::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void HeadNotifier::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || latest_; });
    if (stopping_) return;
    const uint64_t height = *latest_;
    latest_.reset();
    lock.unlock();
    listener_(height);
    lock.lock();
  }
}

}  // namespace vest::node
