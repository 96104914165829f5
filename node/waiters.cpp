#include "node/waiters.h"

namespace vest::node {

namespace {

// How often deadlines are looked at: a waiter is answered at most this late.
constexpr std::chrono::milliseconds kTick{100};

}  // namespace

Waiters::Waiters() : thread_([this] { run(); }) {}

Waiters::~Waiters() { stop(); }

void Waiters::add(const Hash& hash, std::chrono::steady_clock::time_point deadline, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      waiting_.emplace(hash, Waiter{deadline, std::move(done)});
      return;
    }
  }
  done(rpc::WaitResult{rpc::WaitResult::Kind::kTimeout, {}});
}

void Waiters::resolve(const Hash& hash, const rpc::WaitResult& result) {
  std::lock_guard lock(mutex_);
  auto [b, e] = waiting_.equal_range(hash);
  if (b == e) return;
  for (auto it = b; it != e; ++it) ready_.emplace_back(std::move(it->second.done), result);
  waiting_.erase(b, e);
  wake_.notify_one();
}

size_t Waiters::size() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

void Waiters::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Waiters::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kTick, [this] { return stopping_ || !ready_.empty(); });
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (stopping_ || it->second.deadline <= now) {
        ready_.emplace_back(std::move(it->second.done), rpc::WaitResult{rpc::WaitResult::Kind::kTimeout, {}});
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    std::vector<std::pair<Done, rpc::WaitResult>> fire;
    fire.swap(ready_);
    const bool last = stopping_;
    lock.unlock();
    for (auto& [done, result] : fire) done(result);
    if (last) return;
    lock.lock();
  }
}

}  // namespace vest::node
