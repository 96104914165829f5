// node/head_notifier.h: the listener runs on the notifier's own thread, a
// notify never waits for it, and heads that arrive meanwhile coalesce.
#include <catch2/catch.hpp>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "node/head_notifier.h"

using namespace vest::node;
using namespace std::chrono_literals;

TEST_CASE("head notifier: never on the notifying thread, never waits for the listener, coalesces", "[node]") {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::vector<uint64_t> told;
  std::thread::id listener_thread;
  HeadNotifier n;
  n.set_listener([&](uint64_t h) {
    std::unique_lock lock(m);
    listener_thread = std::this_thread::get_id();
    told.push_back(h);
    cv.notify_all();
    cv.wait(lock, [&] { return release; });  // a listener that takes its time
  });
  n.notify(1);
  {
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, 5s, [&] { return !told.empty(); }));
  }
  // The listener is stuck in height 1: these return at once.
  const auto started = std::chrono::steady_clock::now();
  for (uint64_t h = 2; h <= 1000; ++h) n.notify(h);
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  {
    std::unique_lock lock(m);
    release = true;
    cv.notify_all();
    REQUIRE(cv.wait_for(lock, 5s, [&] { return told.size() == 2; }));
    CHECK(told == std::vector<uint64_t>{1, 1000});
    CHECK(listener_thread != std::this_thread::get_id());
  }
  n.stop();
  n.notify(1001);  // after stop: nothing
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(m);
  CHECK(told.size() == 2);
}
