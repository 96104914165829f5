// The node's own blocks (propose, sign, commit without validation) are exactly
// what Chain::validate accepts: a second chain with the same genesis, in
// another data directory, validates and commits every one of them.
#include <catch2/catch.hpp>

#include "contracts/validators/messages.h"
#include "node/node.h"
#include "tests/util/block_workload.h"

using namespace vest;
using vest::test::TestChain;

TEST_CASE("every block the node produces validates and commits on an independent chain", "[node][pipeline]") {
  TestChain follower;  // chain B; its genesis is the node's
  test::TempDir node_dir;
  std::string error;
  node::NodeOptions options;
  options.dev = true;
  auto n = node::Node::open(node_dir.path(), follower.genesis, follower.validator, options, error);
  INFO(error);
  REQUIRE(n);
  REQUIRE(n->genesis_hash() == follower.chain->genesis_hash());

  std::vector<uint64_t> nonces(follower.keys.size(), 0);
  auto submit = [&](size_t from, uint64_t kind, Bytes payload) {
    Transaction tx;
    tx.chain_id = test::kTestChainId;
    tx.nonce = nonces[from]++;
    tx.fee = test::kMinFee;
    tx.kind = kind;
    tx.payload = std::move(payload);
    tx.sign(follower.keys[from]);
    Hash hash;
    Status s = n->submit(tx.encode(), hash);
    INFO(s.reason << ": " << s.message);
    REQUIRE(s.ok());
  };
  uint64_t height = 0;
  for (size_t round = 0; round < 20; ++round) {
    const size_t a = round % 3, b = (round + 1) % 3;
    submit(a, bank::kTransferKind, bank::Transfer{follower.addrs[b], "VEST", test::kVest + round}.encode());
    submit(b, bank::kTransferKind, bank::Transfer{follower.addrs[a], "USDV", test::kUsd}.encode());
    if (round % 4 == 0) submit(a, sale::kPurchaseKind, sale::Purchase{1, 1, test::kUsd * 1000, std::nullopt}.encode());
    if (round % 5 == 1) submit(b, staking::kStakeKind, staking::AmountMsg{50 * test::kVest}.encode());
    if (round == 10) {
      // Past the purchases' cliff: claims release tokens.
      uint64_t offset = 0;
      REQUIRE(n->dev_increase_time(500, offset).ok());
      for (size_t i = 0; i < 3; ++i) submit(i, vesting::kClaimKind, vesting::Claim{}.encode());
    }
    if (round == 12) submit(b, staking::kUnstakeKind, staking::AmountMsg{10 * test::kVest}.encode());
    REQUIRE(n->dev_mine(1, height).ok());
    REQUIRE(n->pending_count(follower.addrs[a]) == 0);
  }
  REQUIRE(n->dev_mine(2, height).ok());  // empty blocks too
  REQUIRE(height == 22);

  node::VerifyPool pool(2);
  TxBatchVerifier verify = [&](const std::vector<Bytes>& raws, uint64_t chain_id, uint64_t max_tx_bytes,
                               std::vector<VerifiedTx>& out) { return pool.verify(raws, chain_id, max_tx_bytes, out); };
  size_t txs = 0;
  for (uint64_t h = 1; h <= height; ++h) {
    Block block = test::stored_full_block(n->store(), h);
    txs += block.txs.size();
    ExecutedBlock x;
    BlockCheck check = follower.chain->validate(block.encode(), x, verify);
    INFO("block " << h << ": " << to_string(check.result) << ": " << check.message);
    REQUIRE(check.ok());
    REQUIRE(follower.chain->commit(x, error));
    CHECK(follower.chain->head().hash == n->store().block(h)->hash);
  }
  CHECK(txs > 40);
  const Head node_head = *n->store().head();
  CHECK(follower.chain->head().hash == node_head.hash);
  CHECK(follower.chain->head().state_root == node_head.state_root);
  CHECK(follower.chain->head().height == node_head.height);
  n->stop();
}

TEST_CASE("a validator whose set changes away from it stops producing, saying why", "[node][validators]") {
  auto open_node = [](TestChain& t, test::TempDir& dir) {
    std::string error;
    node::NodeOptions options;
    options.dev = true;
    auto n = node::Node::open(dir.path(), t.genesis, t.validator, options, error);
    INFO(error);
    REQUIRE(n);
    return n;
  };
  auto admin_chain = [] {
    return std::make_unique<TestChain>(3, [](boost::json::object& g) {
      g["validator_admin"] = to_checksum(address_of(test::test_key("account 0")));
    });
  };
  auto submit = [](node::Node& n, TestChain& t, uint64_t nonce, const Address& who, uint64_t power) {
    Transaction tx;
    tx.chain_id = test::kTestChainId;
    tx.nonce = nonce;
    tx.fee = test::kMinFee;
    tx.kind = validators::kSetPowerKind;
    tx.payload = validators::SetPower{who, power}.encode();
    tx.sign(t.keys[0]);
    Hash hash;
    Status s = n.submit(tx.encode(), hash);
    INFO(s.reason << ": " << s.message);
    REQUIRE(s.ok());
  };
  const Address other = address_of(test::test_key("other validator"));
  uint64_t height = 0;

  SECTION("taken out of the set") {
    auto t = admin_chain();
    test::TempDir dir;
    auto n = open_node(*t, dir);
    // Block 1: the validator at 10 and another at 1 (from block 3); block 2: the validator out (from block 4).
    submit(*n, *t, 0, address_of(t->validator), 10);
    submit(*n, *t, 1, other, 1);
    REQUIRE(n->dev_mine(1, height).ok());
    submit(*n, *t, 2, address_of(t->validator), 0);
    REQUIRE(n->dev_mine(2, height).ok());  // blocks 2 and 3, which it still certifies alone
    Status s = n->dev_mine(1, height);
    CHECK_FALSE(s.ok());
    CHECK(s.message == "this node's key " + to_checksum(address_of(t->validator)) +
                           " is not in the validator set of block 4");
    CHECK(n->store().head()->height == 3);
  }
  SECTION("left with too little power to certify alone") {
    auto t = admin_chain();
    test::TempDir dir;
    auto n = open_node(*t, dir);
    submit(*n, *t, 0, other, 1);  // 1 of 2: not more than 2/3
    REQUIRE(n->dev_mine(2, height).ok());
    Status s = n->dev_mine(1, height);
    CHECK_FALSE(s.ok());
    CHECK(s.message.find("not_enough_power") != std::string::npos);
    CHECK(n->store().head()->height == 2);
  }
}

TEST_CASE("a full node imports blocks whose signatures were verified ahead, and refuses a bad one as without",
          "[node][pipeline]") {
  TestChain producer;
  std::vector<test::Produced> produced;
  for (size_t i = 0; i < 12; ++i) produced.push_back(producer.produce(test::workload_block(producer, i)));

  test::TempDir dir;
  std::string error;
  auto full = node::Node::open(dir.path(), producer.genesis, std::nullopt, node::NodeOptions{}, error);
  INFO(error);
  REQUIRE(full);
  REQUIRE_FALSE(full->is_validator());

  // Every block's signatures are queued before the first import, as the sync does with buffered blocks.
  std::vector<std::shared_ptr<const Block>> blocks;
  std::vector<std::future<node::VerifyPool::Batch>> verified;
  for (const auto& p : produced) {
    blocks.push_back(std::make_shared<const Block>(p.block));
    verified.push_back(full->verify_block_txs(blocks.back()));
  }
  for (size_t i = 0; i < produced.size(); ++i) {
    node::Import r = full->import_block(*blocks[i], produced[i].certificate, std::move(verified[i]));
    INFO("block " << i + 1 << ": " << r.message);
    REQUIRE(r.result == node::ImportResult::kCommitted);
  }
  CHECK(full->store().head()->hash == producer.chain->head().hash);
  CHECK(full->store().head()->state_root == producer.chain->head().state_root);

  // The next block with its second transaction's signature swapped for its high-S twin,
  // under a header that commits to it and carries the validator's signature.
  Proposal next = producer.propose_signed(test::workload_block(producer, 12));
  REQUIRE(next.executed.block.txs.size() >= 2);
  const Certificate certificate = producer.certify(next.executed);
  Block bad = next.executed.block;
  Transaction tx;
  REQUIRE(decode_transaction(bad.txs[1], tx).ok());
  tx.sig = test::high_s_twin(tx.sig);
  bad.txs[1] = tx.encode();
  std::vector<Hash> hashes;
  for (const Bytes& raw : bad.txs) hashes.push_back(keccak256(raw));
  bad.header.tx_root = list_root(hashes);
  bad.sig = vest::sign(producer.validator, bad.header.signing_digest());

  const Head before = *full->store().head();
  auto shared_bad = std::make_shared<const Block>(bad);
  node::Import ahead = full->import_block(bad, certificate, full->verify_block_txs(shared_bad));
  node::Import inline_check = full->import_block(bad, certificate);
  for (const node::Import* r : {&ahead, &inline_check}) {
    INFO(r->message);
    CHECK(r->result == node::ImportResult::kInvalidBlock);
    CHECK(r->check.result == BlockValidation::kBadTransaction);
    CHECK(r->check.tx_index == 1);
    CHECK(r->check.tx.reason == "high_s");
  }
  CHECK(ahead.message == inline_check.message);
  CHECK(full->store().head()->hash == before.hash);

  // The untampered block still imports.
  auto good = std::make_shared<const Block>(next.executed.block);
  node::Import r = full->import_block(*good, certificate, full->verify_block_txs(good));
  INFO(r.message);
  CHECK(r.result == node::ImportResult::kCommitted);
  CHECK(full->store().head()->height == before.height + 1);
}

TEST_CASE("transactions submitted while blocks commit are never refused for a gap", "[node][mempool]") {
  // One sender submits consecutive nonces while another thread seals blocks
  // as fast as it can: each admission must see a state and a mempool that
  // agree, whichever block commits in between.
  TestChain chain;
  test::TempDir dir;
  std::string error;
  node::NodeOptions options;
  options.dev = true;
  auto n = node::Node::open(dir.path(), chain.genesis, chain.validator, options, error);
  INFO(error);
  REQUIRE(n);
  std::atomic<bool> done = false;
  std::thread miner([&] {
    uint64_t height = 0;
    while (!done) (void)n->dev_mine(1, height);
  });
  std::vector<Bytes> txs;
  for (uint64_t nonce = 0; nonce < 3000; ++nonce) {
    Transaction tx;
    tx.chain_id = test::kTestChainId;
    tx.nonce = nonce;
    tx.fee = test::kMinFee;
    tx.kind = bank::kTransferKind;
    tx.payload = bank::Transfer{chain.addrs[1], "VEST", 1}.encode();
    tx.sign(chain.keys[0]);
    txs.push_back(tx.encode());
  }
  size_t admitted = 0;
  Status refused = Status::success();
  for (const Bytes& raw : txs) {
    // Within the sender's queue limit: only the race could refuse it.
    while (n->pending_count(chain.addrs[0]) > 64) std::this_thread::yield();
    Hash hash;
    refused = n->submit(raw, hash);
    if (!refused.ok()) break;  // every later nonce would leave a gap
    ++admitted;
  }
  done = true;
  miner.join();
  INFO(refused.reason << ": " << refused.message);
  CHECK(refused.ok());
  CHECK(admitted == txs.size());
  n->stop();
}
