#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "node/verify_pool.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::node::VerifyPool;
using vest::test::TestChain;

namespace {

Bytes high_s_twin(const VerifiedTx& v) {
  Transaction tx = v.tx;
  tx.sig = test::high_s_twin(tx.sig);
  return tx.encode();
}

}  // namespace

TEST_CASE("verify pool: every answer is the one verify_transaction gives, in order", "[verify_pool]") {
  TestChain t(3);
  const uint64_t max = t.genesis.params.max_tx_bytes;
  std::vector<Bytes> raws;
  for (uint64_t n = 0; n < 40; ++n) raws.push_back(t.transfer(n % 3, t.addrs[(n + 1) % 3], 1, "VEST", n).raw);
  raws.push_back(high_s_twin(t.transfer(0, t.addrs[1], 1, "VEST", 99)));
  raws.push_back(Bytes{0xc0});
  Bytes other_chain = [&] {
    Transaction tx = t.transfer(1, t.addrs[2], 1, "VEST", 5).tx;
    tx.chain_id = test::kTestChainId + 1;
    tx.sign(t.keys[1]);
    return tx.encode();
  }();
  raws.push_back(other_chain);

  for (unsigned threads : {1u, 2u, 5u}) {
    VerifyPool pool(threads, 0);
    std::vector<VerifiedTx> out;
    auto statuses = pool.verify(raws, test::kTestChainId, max, out);
    REQUIRE(statuses.size() == raws.size());
    REQUIRE(out.size() == raws.size());
    for (size_t i = 0; i < raws.size(); ++i) {
      VerifiedTx want;
      Status s = verify_transaction(raws[i], test::kTestChainId, max, want);
      INFO("tx " << i << " with " << threads << " threads");
      CHECK(statuses[i].code == s.code);
      CHECK(statuses[i].reason == s.reason);
      if (s.ok()) {
        CHECK(out[i].hash == want.hash);
        CHECK(out[i].sender == want.sender);
        CHECK(out[i].raw == raws[i]);
      }
    }
    CHECK(statuses[40].reason == "high_s");
    CHECK(statuses[41].reason == "malformed");
    CHECK(statuses[42].reason == "wrong_chain_id");
  }
}

TEST_CASE("verify pool: admitted transactions are not recovered again", "[verify_pool]") {
  TestChain t(2);
  const uint64_t max = t.genesis.params.max_tx_bytes;
  VerifyPool pool(2, 3);
  std::vector<Bytes> raws;
  for (uint64_t n = 0; n < 4; ++n) raws.push_back(t.transfer(0, t.addrs[1], 1, "VEST", n).raw);

  VerifiedTx v;
  for (const Bytes& raw : raws) REQUIRE(pool.verify_one(raw, test::kTestChainId, max, v).ok());
  CHECK(pool.cache_hits() == 0);

  // The cache holds three: the oldest (nonce 0) has left.
  std::vector<VerifiedTx> out;
  auto statuses = pool.verify(raws, test::kTestChainId, max, out);
  for (const Status& s : statuses) CHECK(s.ok());
  CHECK(pool.cache_hits() == 3);
  CHECK(out[3].sender == t.addrs[0]);

  // A cached transaction is still refused on another chain.
  CHECK(pool.verify_one(raws[3], test::kTestChainId + 1, max, v).reason == "wrong_chain_id");
  // And over the size limit.
  CHECK(pool.verify_one(raws[3], test::kTestChainId, raws[3].size() - 1, v).reason == "too_large");
}

TEST_CASE("verify pool: batches verified ahead answer what verify answers, in the order queued", "[verify_pool]") {
  TestChain t(3);
  const uint64_t max = t.genesis.params.max_tx_bytes;
  // Three blocks' worth, the second with a bad signature and a malformed transaction in it.
  std::vector<std::shared_ptr<std::vector<Bytes>>> batches;
  uint64_t nonce = 0;
  for (int b = 0; b < 3; ++b) {
    auto raws = std::make_shared<std::vector<Bytes>>();
    for (int i = 0; i < 30; ++i, ++nonce)
      raws->push_back(t.transfer(nonce % 3, t.addrs[(nonce + 1) % 3], 1, "VEST", nonce).raw);
    batches.push_back(raws);
  }
  (*batches[1])[7] = high_s_twin(t.transfer(0, t.addrs[1], 1, "VEST", 99));
  (*batches[1])[8] = Bytes{0xc0};

  VerifyPool pool(2, 0);
  std::vector<std::future<VerifyPool::Batch>> futures;
  for (const auto& raws : batches) futures.push_back(pool.verify_async(raws, test::kTestChainId, max));
  // The pool holds what it verifies: the caller's copies may go first.
  std::vector<std::vector<Bytes>> kept;
  for (auto& raws : batches) kept.push_back(*raws);
  batches.clear();
  for (size_t b = 0; b < futures.size(); ++b) {
    VerifyPool::Batch got = futures[b].get();
    std::vector<VerifiedTx> want_txs;
    std::vector<Status> want = pool.verify(kept[b], test::kTestChainId, max, want_txs);
    REQUIRE(got.statuses.size() == kept[b].size());
    REQUIRE(got.txs.size() == kept[b].size());
    for (size_t i = 0; i < kept[b].size(); ++i) {
      INFO("batch " << b << " tx " << i);
      CHECK(got.statuses[i].reason == want[i].reason);
      if (want[i].ok()) {
        CHECK(got.txs[i].hash == want_txs[i].hash);
        CHECK(got.txs[i].sender == want_txs[i].sender);
        CHECK(got.txs[i].raw == kept[b][i]);
      }
    }
  }
  CHECK(pool.cache_hits() == 0);  // verified ahead is not admitted: nothing was cached

  // An empty batch is answered at once; a batch nobody waits for completes unobserved.
  CHECK(pool.verify_async(std::make_shared<std::vector<Bytes>>(), test::kTestChainId, max).get().statuses.empty());
  auto dropped = std::make_shared<std::vector<Bytes>>(kept[0]);
  (void)pool.verify_async(dropped, test::kTestChainId, max);
  std::vector<VerifiedTx> out;
  auto statuses = pool.verify(kept[2], test::kTestChainId, max, out);
  for (const Status& s : statuses) CHECK(s.ok());
}

TEST_CASE("verify pool: one thread runs batches in the order they were queued", "[verify_pool]") {
  TestChain t(2);
  const uint64_t max = t.genesis.params.max_tx_bytes;
  VerifyPool pool(1, 0);
  std::vector<std::future<VerifyPool::Batch>> futures;
  for (uint64_t n = 0; n < 8; ++n) {
    auto raws = std::make_shared<std::vector<Bytes>>();
    for (int i = 0; i < 20; ++i) raws->push_back(t.transfer(0, t.addrs[1], 1, "VEST", n * 20 + i).raw);
    futures.push_back(pool.verify_async(raws, test::kTestChainId, max));
  }
  // When batch n is done, every batch before it is too.
  for (size_t n = futures.size(); n-- > 0;) {
    futures[n].wait();
    for (size_t m = 0; m < n; ++m)
      CHECK(futures[m].wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    CHECK(futures[n].get().statuses.size() == 20);
  }
}

namespace {

// The nice values of this process's threads, from /proc/self/task/*/stat (field 19).
std::vector<int> thread_nice_values() {
  std::vector<int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 19; ++i) fields >> field;
    int nice = 0;
    if (fields >> nice) out.push_back(nice);
  }
  return out;
}

}  // namespace

TEST_CASE("verify pool: workers run below the priority of the thread that starts them", "[verify_pool]") {
  TestChain t(2);
  errno = 0;
  const int own = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  REQUIRE(errno == 0);
  const int lower = std::min(own + VerifyPool::kWorkerNice, 19);
  REQUIRE(lower > own);
  const auto before = thread_nice_values();
  const auto at = [](const std::vector<int>& v, int n) { return std::count(v.begin(), v.end(), n); };

  VerifyPool pool(3, 0);
  std::vector<VerifiedTx> out;
  auto statuses =
      pool.verify({t.transfer(0, t.addrs[1], 1).raw}, test::kTestChainId, t.genesis.params.max_tx_bytes, out);
  REQUIRE(statuses[0].ok());
  // The workers set their priority as they start; the first has run the batch, the others may still be starting.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (at(thread_nice_values(), lower) < at(before, lower) + 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(at(thread_nice_values(), lower) == at(before, lower) + 3);
  // The calling thread keeps its own.
  CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) == own);
}
