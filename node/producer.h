// When a validator seals blocks: every block time while transactions wait, or,
// when instant, as soon as one arrives. The producer runs `produce` on its own
// thread and nothing else there; what a block holds and how it is signed and
// committed is the caller's (Node::produce_block). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace vest::node {

class BlockProducer {
 public:
  // `produce` is called when a block is due; it decides whether there is
  // anything to seal, and answers true when it sealed one and transactions
  // still wait (an instant producer then goes on at once).
  BlockProducer(std::chrono::milliseconds block_time, bool instant, std::function<bool()> produce);
  ~BlockProducer();

  void start();
  // Returns once a `produce` call under way has finished; none follows.
  void stop();
  // A transaction was admitted: an instant producer seals at once.
  void tx_arrived();

 private:
  void run();

  const std::chrono::milliseconds block_time_;
  const bool instant_;
  std::function<bool()> produce_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;    // guarded by mutex_
  bool tx_arrived_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace vest::node
