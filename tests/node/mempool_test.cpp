#include <catch2/catch.hpp>

#include "node/mempool.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::node::Mempool;
using vest::node::MempoolLimits;
using vest::test::TestChain;

namespace {

BlockEnv next_env(TestChain& t) {
  Head h = t.chain->head();
  return BlockEnv{test::kTestChainId, h.height + 1, h.time + 1, address_of(t.validator)};
}

Status add(Mempool& pool, TestChain& t, const VerifiedTx& tx) {
  return pool.add(tx, *t.executor, [&t] { return Mempool::Latest{t.chain->store().snapshot(), next_env(t)}; });
}

}  // namespace

TEST_CASE("mempool admits contiguous nonces and refuses gaps and replays", "[mempool]") {
  TestChain t;
  Mempool pool(MempoolLimits{});
  auto a0 = t.transfer(0, t.addrs[1], 1, "VEST", 0);
  auto a1 = t.transfer(0, t.addrs[1], 1, "VEST", 1);
  auto a3 = t.transfer(0, t.addrs[1], 1, "VEST", 3);
  CHECK(add(pool, t, a0).ok());
  CHECK(add(pool, t, a0).reason == "already_known");
  CHECK(add(pool, t, a3).reason == "nonce_too_high");
  CHECK(add(pool, t, a1).ok());
  CHECK(pool.size() == 2);
  CHECK(pool.count(t.addrs[0]) == 2);

  // Once committed, the same nonce is a replay.
  auto out = t.produce(pool.select(100));
  CHECK(out.included.size() == 2);
  pool.after_block({a0.hash, a1.hash}, {}, {t.addrs[0]}, *t.executor, t.chain->store(), next_env(t));
  CHECK(pool.size() == 0);
  CHECK(add(pool, t, a1).reason == "nonce_too_low");
}

TEST_CASE("mempool refuses what a block would refuse", "[mempool]") {
  TestChain t;
  Mempool pool(MempoolLimits{});
  SECTION("fee below the minimum") {
    bank::Transfer tr{t.addrs[1], "VEST", 1};
    auto tx = t.sign(0, bank::kTransferKind, tr.encode(), 0, test::kMinFee - 1);
    CHECK(add(pool, t, tx).reason == "fee_too_low");
  }
  SECTION("insufficient balance") {
    auto tx = t.transfer(0, t.addrs[1], test::kStartUsd + 1, "USDV", 0);
    CHECK(add(pool, t, tx).reason == "insufficient_funds");
  }
  SECTION("unknown kind") {
    auto tx = t.sign(0, 999, Bytes{0xc0}, 0);
    CHECK(add(pool, t, tx).reason == "unknown_kind");
  }
  SECTION("zero amount") {
    auto tx = t.transfer(0, t.addrs[1], 0, "VEST", 0);
    CHECK(add(pool, t, tx).reason == "zero_amount");
  }
  SECTION("an account without native tokens cannot pay fees") {
    TestChain t2(3);
    auto stranger = test::test_key("stranger");
    Transaction tx;
    tx.chain_id = test::kTestChainId;
    tx.fee = test::kMinFee;
    tx.kind = bank::kTransferKind;
    tx.payload = bank::Transfer{t2.addrs[0], "VEST", 1}.encode();
    tx.sign(stranger);
    VerifiedTx v;
    REQUIRE(verify_transaction(tx.encode(), test::kTestChainId, 4096, v).ok());
    CHECK(add(pool, t2, v).reason == "insufficient_fee");
  }
  CHECK(pool.size() == 0);
}

TEST_CASE("mempool bounds: total, per sender, replacement fee", "[mempool]") {
  TestChain t(3);
  SECTION("per-sender limit") {
    Mempool pool(MempoolLimits{100, 1 << 20, 2});
    CHECK(add(pool, t, t.transfer(0, t.addrs[1], 1, "VEST", 0)).ok());
    CHECK(add(pool, t, t.transfer(0, t.addrs[1], 1, "VEST", 1)).ok());
    CHECK(add(pool, t, t.transfer(0, t.addrs[1], 1, "VEST", 2)).reason == "sender_queue_full");
    CHECK(add(pool, t, t.transfer(1, t.addrs[0], 1, "VEST", 0)).ok());
  }
  SECTION("total limit") {
    Mempool pool(MempoolLimits{2, 1 << 20, 10});
    CHECK(add(pool, t, t.transfer(0, t.addrs[1], 1, "VEST", 0)).ok());
    CHECK(add(pool, t, t.transfer(1, t.addrs[0], 1, "VEST", 0)).ok());
    CHECK(add(pool, t, t.transfer(2, t.addrs[0], 1, "VEST", 0)).reason == "mempool_full");
    CHECK(pool.size() == 2);
  }
  SECTION("byte limit") {
    auto tx = t.transfer(0, t.addrs[1], 1, "VEST", 0);
    Mempool pool(MempoolLimits{100, tx.raw.size() + 10, 10});
    CHECK(add(pool, t, tx).ok());
    CHECK(add(pool, t, t.transfer(1, t.addrs[0], 1, "VEST", 0)).reason == "mempool_full");
  }
  SECTION("replacement needs 10% more fee and keeps its place") {
    Mempool pool(MempoolLimits{});
    bank::Transfer tr{t.addrs[1], "VEST", 1};
    auto first = t.sign(0, bank::kTransferKind, tr.encode(), 0, 1000);
    auto other = t.transfer(1, t.addrs[0], 1, "VEST", 0);
    CHECK(add(pool, t, first).ok());
    CHECK(add(pool, t, other).ok());
    tr.amount = 2;
    auto cheap = t.sign(0, bank::kTransferKind, tr.encode(), 0, 1050);
    CHECK(add(pool, t, cheap).reason == "replacement_underpriced");
    auto better = t.sign(0, bank::kTransferKind, tr.encode(), 0, 1100);
    CHECK(add(pool, t, better).ok());
    CHECK(pool.size() == 2);
    CHECK_FALSE(pool.get(first.hash));
    auto sel = pool.select(10);
    REQUIRE(sel.size() == 2);
    CHECK(sel[0].hash == better.hash);
    CHECK(sel[1].hash == other.hash);
  }
}

TEST_CASE("mempool evicts what a block made invalid", "[mempool]") {
  TestChain t(3);
  Mempool pool(MempoolLimits{});
  // Account 0 queues two USDV transfers that each need most of its balance.
  auto big0 = t.transfer(0, t.addrs[1], test::kStartUsd, "USDV", 0);
  CHECK(add(pool, t, big0).ok());
  // A competing transaction with the same nonce is committed elsewhere (another node's block).
  auto competing = t.transfer(0, t.addrs[2], test::kStartVest / 2, "VEST", 0);
  auto next = t.transfer(0, t.addrs[1], 1, "VEST", 1);
  CHECK(add(pool, t, next).ok());
  auto out = t.produce({competing});
  REQUIRE(out.included.size() == 1);
  auto removed = pool.after_block({competing.hash}, {}, {t.addrs[0]}, *t.executor, t.chain->store(), next_env(t));
  // big0's nonce is used: it leaves; `next` (nonce 1) is still valid and stays.
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].first == big0.hash);
  CHECK(removed[0].second.reason == "nonce_too_low");
  CHECK(pool.get(next.hash));

  // Dropping a transaction drops its successors (they would leave a gap).
  auto n2 = t.transfer(0, t.addrs[1], 1, "VEST", 2);
  CHECK(add(pool, t, n2).ok());
  auto removed2 = pool.after_block({}, {{next.hash, reject(ChainCode::kInsufficientFee, "x")}}, {}, *t.executor,
                                   t.chain->store(), next_env(t));
  CHECK(removed2.size() == 2);
  CHECK(pool.size() == 0);
}

TEST_CASE("mempool admission charges the fees before the message's dry run", "[mempool]") {
  // A block charges each fee before its message runs; admission must not accept what
  // would then fail with the fee taken.
  TestChain t;
  Mempool pool(MempoolLimits{});
  auto whole = t.transfer(0, t.addrs[1], test::kStartVest, "VEST", 0);
  CHECK(add(pool, t, whole).reason == "insufficient_funds");
  // A pending transaction's fee counts too (its message is not replayed: it moves USDV).
  REQUIRE(add(pool, t, t.transfer(0, t.addrs[1], 1, "USDV", 0)).ok());
  auto over = t.transfer(0, t.addrs[1], test::kStartVest - 2 * test::kMinFee + 1, "VEST", 1);
  CHECK(add(pool, t, over).reason == "insufficient_funds");
  auto fits = t.transfer(0, t.addrs[1], test::kStartVest - 2 * test::kMinFee, "VEST", 1);
  CHECK(add(pool, t, fits).ok());
  CHECK(pool.size() == 2);
}

TEST_CASE("mempool admits the next nonce while a block with the previous one is being committed", "[mempool]") {
  // Admission can read the state of a block whose after_block() has not run
  // yet: the pending transaction that block included must not count twice.
  TestChain t;
  Mempool pool(MempoolLimits{});
  auto a0 = t.transfer(0, t.addrs[1], 1, "VEST", 0);
  auto a1 = t.transfer(0, t.addrs[1], 1, "VEST", 1);
  REQUIRE(add(pool, t, a0).ok());
  auto out = t.produce(pool.select(100));
  REQUIRE(out.included.size() == 1);
  CHECK(add(pool, t, a1).ok());
  auto removed = pool.after_block({a0.hash}, {}, {t.addrs[0]}, *t.executor, t.chain->store(), next_env(t));
  CHECK(removed.empty());
  CHECK(pool.size() == 1);
  CHECK(pool.get(a1.hash));
  // A stale pending nonce is no replacement target either.
  bank::Transfer tr{t.addrs[2], "VEST", 1};
  auto a0_again = t.sign(0, bank::kTransferKind, tr.encode(), 0, 10 * test::kMinFee);
  CHECK(add(pool, t, a0_again).reason == "nonce_too_low");
}
