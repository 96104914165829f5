// The evidence pool (node/evidence_pool.h) over a real chain: evidence is
// checked on entry, held once per offence, within its limits, handed to the
// next block in hash order and forgotten once committed or too old; the node
// proposes it, commits it once and refuses it afterwards.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "node/evidence_pool.h"
#include "node/node.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::test::TestChain;

namespace {

SignedVote vote_by(const PrivateKey& key, uint64_t height, uint32_t round, const std::string& block) {
  SignedVote v{Vote{VoteType::kPrecommit, height, round, keccak256(as_bytes(block)), test::kTestGenesisTime + height,
                    test::kTestChainId},
               address_of(key), {}};
  v.sig = sign(key, v.vote.signing_digest());
  return v;
}

DuplicateVote duplicate(const PrivateKey& key, uint64_t height, uint32_t round = 0, const std::string& a = "A",
                        const std::string& b = "B") {
  auto d = make_duplicate_vote(vote_by(key, height, round, a), vote_by(key, height, round, b));
  REQUIRE(d);
  return *d;
}

// A test chain whose evidence may be 5 blocks old at most, with `blocks` blocks.
std::unique_ptr<TestChain> chain_with(size_t blocks) {
  auto t = std::make_unique<TestChain>(3, [](boost::json::object& g) {
    g["params"].as_object()["evidence_max_age_blocks"] = 5;
  });
  for (size_t i = 0; i < blocks; ++i) t->produce({});
  return t;
}

}  // namespace

TEST_CASE("evidence pool: checks evidence on entry and refuses each rule, saying why", "[node][evidence]") {
  auto t = chain_with(4);
  node::EvidencePool pool;
  const PrivateKey stranger = test::test_key("stranger");
  DuplicateVote forged = duplicate(t->validator, 2);
  forged.second.sig = sign(stranger, forged.second.vote.signing_digest());
  auto refused = [&](const DuplicateVote& d, const std::string& reason) {
    const size_t before = pool.size(), bytes = pool.bytes();
    Status s = pool.add(d, *t->chain);
    INFO(s.message);
    CHECK_FALSE(s.ok());
    CHECK(s.reason == reason);
    CHECK_FALSE(s.message.empty());
    CHECK(pool.size() == before);
    CHECK(pool.bytes() == bytes);
  };
  refused(forged, "bad_evidence");
  refused(duplicate(stranger, 2), "evidence_not_validator");
  refused(duplicate(t->validator, 6), "evidence_too_new");  // above the next block (5)
  // Evidence of the next block's height is taken: it waits for the block after.
  REQUIRE(pool.add(duplicate(t->validator, 5), *t->chain).ok());
  CHECK(pool.pending(5, 10).empty());
  CHECK(pool.pending(6, 10).size() == 1);
  REQUIRE(pool.add(duplicate(t->validator, 2), *t->chain).ok());
  // One offence once, whichever pair shows it.
  refused(duplicate(t->validator, 2), "evidence_known");
  refused(duplicate(t->validator, 2, 0, "A", "C"), "evidence_known");
  CHECK(pool.size() == 2);

  // Committed: the pool forgets it, and refuses it afterwards.
  auto out = t->produce({}, 10, pool.pending(5, 10));
  REQUIRE(out.block.evidence.size() == 1);
  pool.after_block(5, 5, out.block.evidence);
  CHECK(pool.size() == 1);
  refused(duplicate(t->validator, 2), "evidence_committed");
  refused(duplicate(t->validator, 2, 0, "B", "C"), "evidence_committed");
  // Too old for the next block: refused, and forgotten once a block passes its age.
  while (t->chain->head().height < 8) t->produce({});
  refused(duplicate(t->validator, 3, 1), "evidence_expired");
  REQUIRE(pool.add(duplicate(t->validator, 4, 1), *t->chain).ok());  // 9 - 4 = 5: still fits
  pool.after_block(8, 5, {});
  CHECK(pool.size() == 2);
  t->produce({});
  pool.after_block(9, 5, {});  // block 10 may not carry height 4 any more
  CHECK(pool.size() == 1);
  CHECK(pool.pending(10, 10)[0].height() == 5);
}

TEST_CASE("evidence pool: bounded in count, bytes and per validator", "[node][evidence]") {
  auto t = std::make_unique<TestChain>(3, [](boost::json::object& g) {
    g["validators"] = boost::json::array{
        boost::json::object{{"address", to_checksum(address_of(test::test_key("validator")))}, {"power", 10}},
        boost::json::object{{"address", to_checksum(address_of(test::test_key("second")))}, {"power", 1}}};
  });
  for (int i = 0; i < 3; ++i) t->produce({});
  const PrivateKey second = test::test_key("second");
  const size_t item = encode_duplicate_vote(duplicate(t->validator, 1)).size();

  node::EvidencePool per_validator(node::EvidencePoolLimits{100, 1u << 20, 3});
  for (uint32_t r = 0; r < 3; ++r) REQUIRE(per_validator.add(duplicate(t->validator, 1, r), *t->chain).ok());
  Status s = per_validator.add(duplicate(t->validator, 1, 3), *t->chain);
  CHECK(s.reason == "evidence_validator_limit");
  // Another validator's offences still get in.
  CHECK(per_validator.add(duplicate(second, 1), *t->chain).ok());
  CHECK(per_validator.size() == 4);

  node::EvidencePool by_count(node::EvidencePoolLimits{2, 1u << 20, 16});
  REQUIRE(by_count.add(duplicate(t->validator, 1), *t->chain).ok());
  REQUIRE(by_count.add(duplicate(second, 1), *t->chain).ok());
  CHECK(by_count.add(duplicate(t->validator, 2), *t->chain).reason == "evidence_pool_full");

  node::EvidencePool by_bytes(node::EvidencePoolLimits{100, item + item / 2, 16});
  REQUIRE(by_bytes.add(duplicate(t->validator, 1), *t->chain).ok());
  CHECK(by_bytes.bytes() >= item);
  CHECK(by_bytes.add(duplicate(second, 1), *t->chain).reason == "evidence_pool_full");
  // Room again once committed.
  auto out = t->produce({}, 10, by_bytes.pending(4, 10));
  by_bytes.after_block(4, 100, out.block.evidence);
  CHECK(by_bytes.size() == 0);
  CHECK(by_bytes.bytes() == 0);
  CHECK(by_bytes.add(duplicate(second, 1), *t->chain).ok());
}

TEST_CASE("evidence pool: the next block's list is in hash order, at most its count", "[node][evidence]") {
  auto t = chain_with(4);
  node::EvidencePool pool;
  std::vector<Hash> hashes;
  for (uint32_t r = 0; r < 6; ++r) {
    DuplicateVote d = duplicate(t->validator, 1 + r % 3, r);
    hashes.push_back(d.hash());
    REQUIRE(pool.add(d, *t->chain).ok());
  }
  std::sort(hashes.begin(), hashes.end());
  auto list = pool.pending(5, 4);
  REQUIRE(list.size() == 4);
  for (size_t i = 0; i < list.size(); ++i) CHECK(list[i].hash() == hashes[i]);
  pool.remove({hashes[0], hashes[2]});
  CHECK(pool.size() == 4);
  CHECK(pool.pending(5, 10)[0].hash() == hashes[1]);
}

TEST_CASE("evidence pool: one offence added from many threads at once is held once", "[node][evidence]") {
  auto t = chain_with(3);
  node::EvidencePool pool;
  std::atomic<int> added{0}, known{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Status s = pool.add(duplicate(t->validator, 2, 0, "A", "B" + std::to_string(i)), *t->chain);
      (s.ok() ? added : known) += 1;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(added == 1);
  CHECK(known == 7);
  CHECK(pool.size() == 1);
}

TEST_CASE("a node proposes pooled evidence, commits it once and refuses it afterwards", "[node][evidence]") {
  TestChain follower;
  test::TempDir dir;
  std::string error;
  node::NodeOptions options;
  options.dev = true;
  auto n = node::Node::open(dir.path(), follower.genesis, follower.validator, options, error);
  INFO(error);
  REQUIRE(n);
  uint64_t height = 0;
  REQUIRE(n->dev_mine(3, height).ok());
  const DuplicateVote d = duplicate(follower.validator, 2);
  Hash hash;
  Status s = n->dev_submit_evidence(encode_duplicate_vote(d), hash);
  INFO(s.message);
  REQUIRE(s.ok());
  CHECK(hash == d.hash());
  CHECK(n->pending_evidence() == 1);
  REQUIRE(n->dev_mine(1, height).ok());
  auto block = n->store().block(height);
  REQUIRE(block);
  CHECK(block->evidence == std::vector<DuplicateVote>{d});
  CHECK(n->pending_evidence() == 0);
  // Committed once: the same offence again is refused, saying so.
  Status again = n->dev_submit_evidence(encode_duplicate_vote(duplicate(follower.validator, 2, 0, "A", "C")), hash);
  CHECK(again.reason == "evidence_committed");
  Status garbage = n->dev_submit_evidence(Bytes{0xc0}, hash);
  CHECK(garbage.reason == "malformed");
  REQUIRE(n->dev_mine(1, height).ok());
  CHECK(n->store().block(height)->evidence.empty());
  CHECK(n->store().committed_evidence(std::nullopt, 0, height, std::nullopt, 10).size() == 1);

  // An independent chain validates every block the node made, evidence included.
  for (uint64_t h = 1; h <= height; ++h) {
    auto sb = n->store().block(h);
    Block b{sb->header, {}, sb->sig, sb->last_commit, sb->evidence};
    ExecutedBlock x;
    BlockCheck c = follower.chain->validate(b, x);
    INFO(to_string(c.result) << ": " << c.message);
    REQUIRE(c.ok());
    x.certificate = n->store().certificate(h);
    REQUIRE(follower.chain->commit(x, error));
  }
  CHECK(follower.chain->head().hash == n->store().head()->hash);
}
