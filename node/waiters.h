// Callers waiting for a transaction to leave the mempool (tx_submit with
// wait): committed in a block, dropped, or not within their timeout. Each
// callback runs exactly once, on the waiters' own thread: never on the thread
// that commits blocks or admits transactions, so an answer that reads the store
// (the RPC layer's) never holds up a block. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "rpc/node_api.h"

namespace vest::node {

class Waiters {
 public:
  using Done = std::function<void(rpc::WaitResult)>;

  Waiters();
  // Answers every waiter left with a timeout (stop()).
  ~Waiters();

  // Waits for `hash` until `deadline`.
  void add(const Hash& hash, std::chrono::steady_clock::time_point deadline, Done done);
  // Answers every waiter of `hash` with `result`; nothing when none waits.
  void resolve(const Hash& hash, const rpc::WaitResult& result);
  // Answers every waiter still waiting with a timeout, runs what was resolved,
  // and ends the thread. Waiters added afterwards are answered at once.
  void stop();
  size_t size() const;

 private:
  struct Waiter {
    std::chrono::steady_clock::time_point deadline;
    Done done;
  };
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Hash, Waiter> waiting_;                // guarded by mutex_
  std::vector<std::pair<Done, rpc::WaitResult>> ready_;  // guarded by mutex_; to run on the thread
  bool stopping_ = false;                              // guarded by mutex_
  std::thread thread_;
};

}  // namespace vest::node
