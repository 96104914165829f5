#include <catch2/catch.hpp>

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
