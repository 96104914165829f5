// The node's pieces on their own: the waiters of tx_submit, the block producer's
// schedule, the block clock.
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "node/block_clock.h"
#include "node/node.h"
#include "node/producer.h"
#include "node/waiters.h"
#include "tests/util/block_workload.h"

using namespace vest;
using namespace std::chrono_literals;
using node::BlockClock;
using node::BlockProducer;
using node::Waiters;
using rpc::WaitResult;

namespace {

Hash hash_of(uint8_t b) {
  Hash h;
  h.bytes.fill(b);
  return h;
}

struct Answer {
  WaitResult result;
  std::thread::id thread;
};

// A waiter whose answer (and the thread it came on) a future gives.
std::pair<Waiters::Done, std::future<Answer>> waiter() {
  auto promise = std::make_shared<std::promise<Answer>>();
  auto future = promise->get_future();
  return {[promise](WaitResult r) { promise->set_value(Answer{r, std::this_thread::get_id()}); }, std::move(future)};
}

}  // namespace

TEST_CASE("waiters: a resolved waiter is answered once, on the waiters' thread, not the resolver's", "[node][waiters]") {
  Waiters waiters;
  auto [done_a, answer_a] = waiter();
  auto [done_b, answer_b] = waiter();
  auto [done_c, answer_c] = waiter();
  const auto later = std::chrono::steady_clock::now() + 60s;
  waiters.add(hash_of(1), later, done_a);
  waiters.add(hash_of(1), later, done_b);  // two callers waiting for one transaction
  waiters.add(hash_of(2), later, done_c);
  REQUIRE(waiters.size() == 3);

  waiters.resolve(hash_of(1), WaitResult{WaitResult::Kind::kCommitted, {}});
  waiters.resolve(hash_of(1), WaitResult{WaitResult::Kind::kDropped, {}});  // nobody waits any more
  waiters.resolve(hash_of(3), WaitResult{WaitResult::Kind::kCommitted, {}});  // nobody waited
  REQUIRE(answer_a.wait_for(5s) == std::future_status::ready);
  REQUIRE(answer_b.wait_for(5s) == std::future_status::ready);
  const Answer a = answer_a.get(), b = answer_b.get();
  CHECK(a.result.kind == WaitResult::Kind::kCommitted);
  CHECK(b.result.kind == WaitResult::Kind::kCommitted);
  CHECK(a.thread != std::this_thread::get_id());
  CHECK(a.thread == b.thread);
  CHECK(waiters.size() == 1);
  CHECK(answer_c.wait_for(0ms) == std::future_status::timeout);  // still waiting

  // A dropped transaction's reason reaches its waiter.
  waiters.resolve(hash_of(2), WaitResult{WaitResult::Kind::kDropped, reject(ChainCode::kNonceTooLow, "nonce too low")});
  REQUIRE(answer_c.wait_for(5s) == std::future_status::ready);
  const Answer c = answer_c.get();
  CHECK(c.result.kind == WaitResult::Kind::kDropped);
  CHECK(c.result.why.message == "nonce too low");
  CHECK(waiters.size() == 0);
}

TEST_CASE("waiters: a deadline answers with a timeout, stop answers everyone left", "[node][waiters]") {
  auto waiters = std::make_unique<Waiters>();
  auto [soon, answer_soon] = waiter();
  auto [late, answer_late] = waiter();
  waiters->add(hash_of(1), std::chrono::steady_clock::now() + 50ms, soon);
  waiters->add(hash_of(2), std::chrono::steady_clock::now() + 3600s, late);
  REQUIRE(answer_soon.wait_for(5s) == std::future_status::ready);
  CHECK(answer_soon.get().result.kind == WaitResult::Kind::kTimeout);
  CHECK(answer_late.wait_for(0ms) == std::future_status::timeout);

  waiters->stop();
  REQUIRE(answer_late.wait_for(0ms) == std::future_status::ready);
  CHECK(answer_late.get().result.kind == WaitResult::Kind::kTimeout);
  // After stop, a new waiter is answered at once, on the caller's thread.
  auto [after, answer_after] = waiter();
  waiters->add(hash_of(3), std::chrono::steady_clock::now() + 3600s, after);
  REQUIRE(answer_after.wait_for(0ms) == std::future_status::ready);
  CHECK(answer_after.get().result.kind == WaitResult::Kind::kTimeout);
  CHECK(waiters->size() == 0);
  waiters.reset();  // a second stop is harmless
}

TEST_CASE("producer: an instant producer seals when a transaction arrives and goes on while more wait",
          "[node][producer]") {
  std::mutex m;
  std::condition_variable cv;
  int calls = 0, more = 2;  // the first call leaves two blocks' worth waiting
  BlockProducer producer(3600s, true, [&] {
    std::lock_guard lock(m);
    ++calls;
    cv.notify_all();
    return more-- > 0;
  });
  producer.start();
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard lock(m);
    CHECK(calls == 0);  // nothing arrived: nothing sealed, whatever the block time
  }
  producer.tx_arrived();
  {
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, 5s, [&] { return calls == 3; }));
  }
  std::this_thread::sleep_for(100ms);
  producer.stop();
  std::lock_guard lock(m);
  CHECK(calls == 3);  // two more after the first, then nothing waited
}

TEST_CASE("producer: a timed producer looks once per block time and stops at once", "[node][producer]") {
  std::atomic<int> calls{0};
  BlockProducer producer(20ms, false, [&] {
    ++calls;
    return true;  // a timed producer does not hurry, whatever waits
  });
  producer.start();
  producer.tx_arrived();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (calls < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  CHECK(calls >= 3);

  BlockProducer slow(3600s, false, [&] { return false; });
  slow.start();
  const auto before = std::chrono::steady_clock::now();
  slow.stop();
  CHECK(std::chrono::steady_clock::now() - before < 5s);  // not a block time later
}

TEST_CASE("block clock: dev_increaseTime moves it forward, a head ahead of the system clock raises it",
          "[node][clock]") {
  BlockClock clock;
  const uint64_t start = clock.now();
  CHECK(clock.offset() == 0);
  CHECK(clock.advance(100) == 100);
  CHECK(clock.advance(50) == 150);
  CHECK(clock.now() >= start + 150);
  clock.not_before(start);  // behind: nothing changes
  CHECK(clock.offset() == 150);
  clock.not_before(clock.now() + 1000);
  CHECK(clock.offset() >= 1150);
  CHECK(clock.offset() <= 1152);  // the system clock may have turned a second or two
}

TEST_CASE("node: a waiter of tx_submit is answered off the thread that commits the block", "[node][waiters]") {
  test::TestChain chain;
  test::TempDir dir;
  std::string error;
  node::NodeOptions options;
  options.dev = true;
  options.instant = true;
  auto n = node::Node::open(dir.path(), chain.genesis, chain.validator, options, error);
  INFO(error);
  REQUIRE(n);
  std::promise<std::thread::id> committing;
  auto committing_thread = committing.get_future();
  std::once_flag first_block;
  n->set_listeners(
      [&](const ExecutedBlock&) {
        std::call_once(first_block, [&] { committing.set_value(std::this_thread::get_id()); });
      },
      nullptr);
  n->start();

  Transaction tx;
  tx.chain_id = test::kTestChainId;
  tx.nonce = 0;
  tx.fee = test::kMinFee;
  tx.kind = bank::kTransferKind;
  tx.payload = bank::Transfer{chain.addrs[1], "VEST", test::kVest}.encode();
  tx.sign(chain.keys[0]);
  Hash hash;
  REQUIRE(n->submit(tx.encode(), hash).ok());
  auto [done, answer] = waiter();
  n->wait_for(hash, 30s, done);
  REQUIRE(answer.wait_for(10s) == std::future_status::ready);
  const Answer a = answer.get();
  CHECK(a.result.kind == WaitResult::Kind::kCommitted);
  REQUIRE(committing_thread.wait_for(10s) == std::future_status::ready);
  CHECK(a.thread != committing_thread.get());
  CHECK(a.thread != std::this_thread::get_id());
  n->stop();
}
