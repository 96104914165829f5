// Propose, validate, commit: blocks made on one chain are checked and
// committed on another with the same genesis, and every rule of
// Chain::validate refuses its own violation without touching the store.
#include <catch2/catch.hpp>
#include <set>

#include "tests/util/block_workload.h"

using namespace vest;
using vest::test::TestChain;

namespace {

using V = BlockValidation;

using test::reseal;
using test::state_entries;

// Validates `raw` on `t` and commits it, with the block's own certificate
// when given; the test fails if either refuses.
void follow(TestChain& t, ByteView raw, const TxBatchVerifier& verify = {},
            std::optional<Certificate> certificate = std::nullopt) {
  ExecutedBlock x;
  BlockCheck check = t.chain->validate(raw, x, verify);
  INFO(to_string(check.result) << ": " << check.message);
  REQUIRE(check.ok());
  x.certificate = std::move(certificate);
  std::string error;
  INFO(error);
  REQUIRE(t.chain->commit(x, error));
}

// Replaces the block's last_commit (and the header's hash of it), then reseals.
void recommit(Block& b, std::optional<Certificate> c, const PrivateKey& key) {
  b.last_commit = std::move(c);
  b.header.last_commit_hash = last_commit_hash(b.last_commit);
  reseal(b, key);
}

// A one-validator certificate for (height, block) signed by `key` at `time`.
Certificate certificate_by(const PrivateKey& key, uint64_t height, const Hash& block, uint64_t time = 1) {
  Vote v{VoteType::kPrecommit, height, 0, block, time, test::kTestChainId};
  return Certificate{height, 0, block, {CommitSig{time, sign(key, v.signing_digest())}}};
}

// Recomputes tx_root from the block's transactions, then reseals.
void reseal_txs(Block& b, const PrivateKey& key) {
  std::vector<Hash> hashes;
  for (const Bytes& raw : b.txs) hashes.push_back(keccak256(raw));
  b.header.tx_root = list_root(hashes);
  reseal(b, key);
}

// n - s for 32-byte big-endian numbers (s < n).
FixedBytes<32> order_minus(const FixedBytes<32>& s) {
  FixedBytes<32> n = group_order(), out;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = int(n.bytes[i]) - int(s.bytes[i]) - borrow;
    borrow = d < 0;
    out.bytes[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

Signature high_s_twin(Signature sig) {
  sig.s = order_minus(sig.s);
  sig.v ^= 1;
  return sig;
}

// A signed transaction from `key` that the fixture would refuse to build.
Bytes raw_tx(const PrivateKey& key, uint64_t nonce, uint64_t chain_id = test::kTestChainId, Amount fee = test::kMinFee) {
  Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.kind = bank::kTransferKind;
  tx.payload = bank::Transfer{address_of(test::test_key("someone")), "VEST", 1}.encode();
  tx.sign(key);
  return tx.encode();
}

}  // namespace

TEST_CASE("proposed, signed and committed blocks are the bytes produce made", "[chain][pipeline]") {
  // The hashes pin the blocks of this workload (header version 2 with
  // validators_hash, last_commit_hash and evidence_hash, each block carrying
  // its parent's certificate, one bank.fee event per transaction, the
  // purchases' vesting.counted events and count keys): any change
  // to the encoding or the rules shows here, and needs a new storage version.
  TestChain t;
  Keccak256 all;
  for (size_t i = 0; i < 50; ++i) {
    auto out = t.produce(test::workload_block(t, i));
    CHECK(out.dropped.empty());
    Bytes raw = test::stored_full_block(t.chain->store(), i + 1).encode();
    CHECK(raw == out.block.encode());
    all.update(raw);
  }
  CHECK(to_hex_0x(all.final().view()) == "0x12e17575da501eb1bd2f499a09193a7e95b62cb8c586fa4071f5bd685fda2375");
  CHECK(to_hex_0x(t.chain->head().hash.view()) == "0x9e9c18733ad11dd26f9ea0c3dfaf3762d6f29189190f5878d03df3b041b42609");
}

TEST_CASE("blocks produced on one chain validate and commit on another", "[chain][pipeline]") {
  TestChain a, b;
  REQUIRE(a.chain->genesis_hash() == b.chain->genesis_hash());
  REQUIRE(a.dir.path() != b.dir.path());
  size_t verified = 0, txs = 0, failed = 0, with_events = 0;
  TxBatchVerifier verify = [&](const std::vector<Bytes>& raws, uint64_t chain_id, uint64_t max_tx_bytes,
                               std::vector<VerifiedTx>& out) {
    std::vector<Status> st;
    out.resize(raws.size());
    for (size_t i = 0; i < raws.size(); ++i) st.push_back(verify_transaction(raws[i], chain_id, max_tx_bytes, out[i]));
    verified += raws.size();
    return st;
  };
  for (size_t i = 0; i < 50; ++i) {
    auto out = a.produce(test::workload_block(a, i));
    REQUIRE(out.dropped.empty());
    txs += out.included.size();
    for (const Receipt& r : out.receipts) failed += r.ok() ? 0 : 1;
    with_events += out.block_events.empty() ? 0 : 1;
    // Every block after the first carries its parent's certificate, which B checks.
    CHECK(out.block.last_commit.has_value() == (i > 0));
    follow(b, out.block.encode(), verify, i % 2 == 0 ? std::optional<Certificate>(out.certificate) : std::nullopt);
    REQUIRE(b.chain->head().hash == a.chain->head().hash);
    REQUIRE(b.chain->head().state_root == a.chain->head().state_root);
  }
  // The workload has failed messages and blocks with events of their own.
  CHECK(failed > 0);
  CHECK(with_events > 0);
  CHECK(verified == txs);
  CHECK(b.chain->head().height == 50);
  CHECK(state_entries(b.chain->store()) == state_entries(a.chain->store()));
  for (uint64_t h = 1; h <= 50; ++h) {
    auto sa = a.chain->store().block(h), sb = b.chain->store().block(h);
    REQUIRE((sa && sb));
    CHECK(encode_stored_block(*sa) == encode_stored_block(*sb));
    if (h > 1) CHECK(sb->last_commit == a.chain->store().certificate(h - 1));
    // A stores the certificate of every block it made; B those it was given.
    CHECK(a.chain->store().certificate(h));
    CHECK(b.chain->store().certificate(h).has_value() == (h % 2 == 1));
    if (h % 2 == 1) CHECK(b.chain->store().certificate(h) == a.chain->store().certificate(h));
    for (const Hash& tx : sa->tx_hashes) {
      auto ra = a.chain->store().transaction(tx), rb = b.chain->store().transaction(tx);
      REQUIRE((ra && rb));
      CHECK(encode_stored_tx(*ra) == encode_stored_tx(*rb));
      CHECK(ra->receipt.encode() == rb->receipt.encode());
    }
  }
  // B survives a restart at the same head.
  b.reopen();
  CHECK(b.chain->head().hash == a.chain->head().hash);
}

TEST_CASE("each block rule refuses its violation and leaves the chain unchanged", "[chain][pipeline]") {
  TestChain a, b;
  for (size_t i = 0; i < 5; ++i) follow(b, a.produce(test::workload_block(a, i)).block.encode());
  // The next block, proposed and signed on A but not committed there.
  Proposal next = a.propose_signed(test::workload_block(a, 5));
  REQUIRE(next.executed.txs.size() >= 2);
  const Block good = next.executed.block;
  REQUIRE(good.last_commit);
  const Head head = b.chain->head();
  const auto entries = state_entries(b.chain->store());
  const PrivateKey& validator = a.validator;
  const PrivateKey other = test::test_key("not the validator");

  struct Tamper {
    const char* what;
    V expected;
    std::function<void(Block&)> edit;  // changes a copy of the good block
    std::string tx_reason = {};        // for kBadTransaction; for kBadLastCommit the certificate rule
    bool trailing_byte = false;
  };
  const std::vector<Tamper> tampers = {
      {"trailing bytes", V::kBadEncoding, [](Block&) {}, {}, true},
      {"version", V::kWrongVersion, [&](Block& x) { ++x.header.version; reseal(x, validator); }},
      {"validators hash", V::kWrongValidatorsHash,
       [&](Block& x) { x.header.validators_hash.bytes[0] ^= 1; reseal(x, validator); }},
      {"no last_commit", V::kBadLastCommit, [&](Block& x) { recommit(x, std::nullopt, validator); }},
      {"last_commit not the one its hash names", V::kBadLastCommit,
       [&](Block& x) { x.header.last_commit_hash.bytes[0] ^= 1; reseal(x, validator); }},
      {"last_commit for another block", V::kBadLastCommit,
       [&](Block& x) { recommit(x, certificate_by(validator, head.height, keccak256(as_bytes("x"))), validator); },
       "wrong_block"},
      {"last_commit for another height", V::kBadLastCommit,
       [&](Block& x) { recommit(x, certificate_by(validator, head.height - 1, head.hash), validator); },
       "wrong_height"},
      {"last_commit by another key", V::kBadLastCommit,
       [&](Block& x) { recommit(x, certificate_by(other, head.height, head.hash), validator); }, "wrong_signer"},
      {"last_commit with a tampered signature", V::kBadLastCommit,
       [&](Block& x) {
         Certificate c = *x.last_commit;
         c.entries[0]->sig.r = FixedBytes<32>{};
         recommit(x, c, validator);
       },
       "bad_signature"},
      {"last_commit with its entry absent", V::kBadLastCommit,
       [&](Block& x) {
         Certificate c = *x.last_commit;
         c.entries[0].reset();
         recommit(x, c, validator);
       },
       "not_enough_power"},
      {"last_commit with two entries", V::kBadLastCommit,
       [&](Block& x) {
         Certificate c = *x.last_commit;
         c.entries.push_back(c.entries[0]);
         recommit(x, c, validator);
       },
       "wrong_size"},
      {"chain id", V::kWrongChainId, [&](Block& x) { ++x.header.chain_id; reseal(x, validator); }},
      {"height", V::kWrongHeight, [&](Block& x) { ++x.header.height; reseal(x, validator); }},
      {"parent", V::kWrongParent, [&](Block& x) { x.header.parent_hash.bytes[0] ^= 1; reseal(x, validator); }},
      {"time before parent", V::kTimeBeforeParent, [&](Block& x) { x.header.time = head.time - 1; reseal(x, validator); }},
      {"other proposer", V::kWrongProposer,
       [&](Block& x) { x.header.proposer = address_of(other); reseal(x, other); }},
      {"signed by another key", V::kBadSignature, [&](Block& x) { reseal(x, other); }},
      {"high-S signature", V::kBadSignature, [&](Block& x) { x.sig = high_s_twin(x.sig); }},
      {"zero signature", V::kBadSignature, [&](Block& x) { x.sig = Signature{}; }},
      {"tx root", V::kTxRootMismatch, [&](Block& x) { x.header.tx_root.bytes[5] ^= 1; reseal(x, validator); }},
      {"receipts root", V::kReceiptsRootMismatch,
       [&](Block& x) { x.header.receipts_root.bytes[5] ^= 1; reseal(x, validator); }},
      {"state root", V::kStateRootMismatch, [&](Block& x) { x.header.state_root.bytes[5] ^= 1; reseal(x, validator); }},
      {"undecodable transaction", V::kBadTransaction,
       [&](Block& x) { x.txs[1].push_back(0); reseal_txs(x, validator); }, "malformed"},
      {"high-S transaction signature", V::kBadTransaction,
       [&](Block& x) {
         Transaction tx;
         REQUIRE(decode_transaction(x.txs[1], tx).ok());
         tx.sig = high_s_twin(tx.sig);
         x.txs[1] = tx.encode();
         reseal_txs(x, validator);
       },
       "high_s"},
      {"bad transaction signature", V::kBadTransaction,
       [&](Block& x) {
         Transaction tx;
         REQUIRE(decode_transaction(x.txs[1], tx).ok());
         tx.sig.r = FixedBytes<32>{};
         x.txs[1] = tx.encode();
         reseal_txs(x, validator);
       },
       "bad_signature"},
      {"transaction of another chain", V::kBadTransaction,
       [&](Block& x) { x.txs.push_back(raw_tx(a.keys[0], 0, test::kTestChainId + 1)); reseal_txs(x, validator); },
       "wrong_chain_id"},
      {"fee below the minimum", V::kBadTransaction,
       [&](Block& x) {
         x.txs.push_back(raw_tx(other, 0, test::kTestChainId, test::kMinFee - 1));
         reseal_txs(x, validator);
       },
       "fee_too_low"},
      {"replayed transaction", V::kBadTransaction,
       [&](Block& x) { x.txs.push_back(x.txs[0]); reseal_txs(x, validator); }, "nonce_too_low"},
      {"nonce gap", V::kBadTransaction,
       [&](Block& x) {
         x.txs.push_back(raw_tx(a.keys[0], account_nonce(b.chain->store(), a.addrs[0]) + 5));
         reseal_txs(x, validator);
       },
       "nonce_too_high"},
      {"unpayable fee", V::kBadTransaction,
       [&](Block& x) { x.txs.push_back(raw_tx(other, 0)); reseal_txs(x, validator); }, "insufficient_fee"},
      {"too many transactions", V::kTooManyTxs,
       [&](Block& x) {
         x.txs.assign(b.chain->params().max_block_txs + 1, Bytes{0x80});
         reseal_txs(x, validator);
       }},
      {"too many bytes", V::kTooLarge,
       [&](Block& x) {
         x.txs.assign(b.chain->params().max_block_bytes / 4000 + 1, Bytes(4000, 0x01));
         reseal_txs(x, validator);
       }},
  };
  for (const Tamper& t : tampers) {
    INFO(t.what);
    Block bad = good;
    t.edit(bad);
    Bytes raw = bad.encode();
    if (t.trailing_byte) raw.push_back(0);
    ExecutedBlock x;
    BlockCheck check = t.trailing_byte ? b.chain->validate(raw, x) : b.chain->validate(bad, x);
    INFO(check.message);
    CHECK(to_string(check.result) == std::string(to_string(t.expected)));
    CHECK(check.result == t.expected);
    CHECK_FALSE(check.message.empty());
    CHECK(x.state == nullptr);
    if (!t.trailing_byte) {
      // The bytes of the same block give the same answer.
      ExecutedBlock y;
      CHECK(b.chain->validate(ByteView(raw), y).result == t.expected);
    }
    if (t.expected == V::kBadTransaction) CHECK(check.tx.reason == t.tx_reason);
    if (t.expected == V::kBadLastCommit)
      CHECK(to_string(check.last_commit) == (t.tx_reason.empty() ? std::string("ok") : t.tx_reason));
    // Nothing changed on B.
    CHECK(b.chain->head().hash == head.hash);
    CHECK(b.chain->head().state_root == head.state_root);
    CHECK_FALSE(b.chain->store().block(head.height + 1));
    for (const VerifiedTx& tx : next.executed.txs) CHECK_FALSE(b.chain->store().transaction(tx.hash));
    CHECK(state_entries(b.chain->store()) == entries);
  }

  // The untampered block still validates; of two executions of it only the
  // first commits, the other was made for a head that has moved on.
  ExecutedBlock first, second;
  REQUIRE(b.chain->validate(good, first).ok());
  REQUIRE(b.chain->validate(good.encode(), second).ok());
  std::string error;
  REQUIRE(b.chain->commit(first, error));
  CHECK(b.chain->head().hash == good.header.hash());
  const Head committed = b.chain->head();
  CHECK_FALSE(b.chain->commit(second, error));
  CHECK(b.chain->head().hash == committed.hash);
  CHECK(b.chain->head().height == committed.height);
  // It also no longer follows the head.
  ExecutedBlock again;
  CHECK(b.chain->validate(good, again).result == V::kWrongHeight);
  REQUIRE(a.chain->commit(next.executed, error));
  CHECK(a.chain->head().state_root == b.chain->head().state_root);
}

TEST_CASE("the first block after genesis carries no last_commit", "[chain][pipeline]") {
  TestChain a, b;
  Proposal first = a.propose_signed(test::workload_block(a, 0));
  CHECK_FALSE(first.executed.block.last_commit);
  CHECK(first.executed.header().last_commit_hash == Hash{});
  const Head genesis = b.chain->head();
  Block bad = first.executed.block;
  recommit(bad, certificate_by(a.validator, 0, genesis.hash), a.validator);
  ExecutedBlock x;
  BlockCheck check = b.chain->validate(bad, x);
  CHECK(check.result == V::kBadLastCommit);
  CHECK(b.chain->head().hash == genesis.hash);
  CHECK_FALSE(b.chain->store().block(1));
  REQUIRE(b.chain->validate(first.executed.block, x).ok());
}

TEST_CASE("commit stores a block's certificate only when it verifies", "[chain][pipeline]") {
  TestChain t;
  Proposal p = t.propose_signed(test::workload_block(t, 0));
  const Head genesis = t.chain->head();
  std::string error;
  // A certificate for another block, or signed by a non-member, is refused and nothing is written.
  p.executed.certificate = certificate_by(t.validator, 1, keccak256(as_bytes("another")), 5);
  CHECK_FALSE(t.chain->commit(p.executed, error));
  CHECK(error.find("wrong_block") != std::string::npos);
  p.executed.certificate = certificate_by(test::test_key("not the validator"), 1, p.executed.hash(), 5);
  CHECK_FALSE(t.chain->commit(p.executed, error));
  CHECK(error.find("wrong_signer") != std::string::npos);
  CHECK(t.chain->head().hash == genesis.hash);
  CHECK_FALSE(t.chain->store().certificate(1));
  p.executed.certificate = t.certify(p.executed);
  REQUIRE(t.chain->commit(p.executed, error));
  CHECK(t.chain->store().certificate(1) == p.executed.certificate);
  // The next proposal carries it.
  Proposal next = t.propose_signed(test::workload_block(t, 1));
  CHECK(next.executed.block.last_commit == p.executed.certificate);
  // It survives a restart.
  t.reopen();
  CHECK(t.chain->store().certificate(1) == p.executed.certificate);
}

TEST_CASE("block rules have stable names", "[chain][pipeline]") {
  CHECK(std::string(to_string(V::kOk)) == "ok");
  CHECK(std::string(to_string(V::kWrongParent)) == "wrong_parent");
  CHECK(std::string(to_string(V::kStateRootMismatch)) == "state_root_mismatch");
  std::set<std::string> names;
  CHECK(std::string(to_string(V::kBadLastCommit)) == "bad_last_commit");
  for (int v = 0; v <= static_cast<int>(V::kStateRootMismatch); ++v) names.insert(to_string(static_cast<V>(v)));
  CHECK(names.size() == static_cast<size_t>(V::kStateRootMismatch) + 1);
  CHECK(names.count("unknown") == 0);
}
