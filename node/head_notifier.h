// Tells a listener (the RPC layer's subscriptions) of each new head, on a
// thread of its own: never on the thread that commits blocks, so a listener
// that reads the store or queues notifications never holds up a block.
// Heights that arrive while the listener runs are coalesced to the latest.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace vest::node {

class HeadNotifier {
 public:
  HeadNotifier() = default;
  // stop().
  ~HeadNotifier();
  HeadNotifier(const HeadNotifier&) = delete;
  HeadNotifier& operator=(const HeadNotifier&) = delete;

  // Sets the listener and starts the thread. Call at most once, before notify().
  void set_listener(std::function<void(uint64_t height)> listener);
  // Block `height` is the new head. Returns at once; without a listener, does nothing.
  void notify(uint64_t height);
  // Ends the thread; the listener is not called afterwards. Idempotent.
  void stop();

 private:
  void run();

  std::function<void(uint64_t)> listener_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<uint64_t> latest_;  // guarded by mutex_: not yet told
  bool stopping_ = false;           // guarded by mutex_
  std::thread thread_;
};

}  // namespace vest::node
