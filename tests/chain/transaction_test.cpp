#include <catch2/catch.hpp>

#include "chain/block.h"
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "chain/transaction.h"
#include "tests/util/test_util.h"

using namespace vest;

namespace {

PrivateKey key_of(std::string_view seed) { return *PrivateKey::from(keccak256(as_bytes(seed)).view()); }

Transaction sample_tx() {
  Transaction tx;
  tx.chain_id = 7357;
  tx.nonce = 5;
  tx.fee = 1000;
  tx.kind = 1;
  tx.payload = Bytes{0xc3, 0x01, 0x02, 0x03};
  tx.sign(key_of("alice"));
  return tx;
}

}  // namespace

TEST_CASE("transactions round-trip and recover their signer", "[tx]") {
  Transaction tx = sample_tx();
  Bytes raw = tx.encode();
  VerifiedTx v;
  REQUIRE(verify_transaction(raw, 7357, 65536, v).ok());
  CHECK(v.sender == address_of(key_of("alice")));
  CHECK(v.hash == keccak256(raw));
  CHECK(v.tx.encode() == raw);
  CHECK(v.tx.payload == tx.payload);
}

TEST_CASE("the signing digest covers the domain, the chain id and every field", "[tx]") {
  Transaction a = sample_tx();
  Transaction b = a;
  b.chain_id = 1;
  CHECK(a.signing_digest() != b.signing_digest());
  b = a;
  b.nonce++;
  CHECK(a.signing_digest() != b.signing_digest());
  b = a;
  b.fee++;
  CHECK(a.signing_digest() != b.signing_digest());
  b = a;
  b.payload.push_back(0);
  CHECK(a.signing_digest() != b.signing_digest());
  // The digest is keccak256 of RLP["vestchain/tx/v1", chain_id, nonce, fee, kind, payload].
  rlp::Encoder e;
  e.begin_list().str("vestchain/tx/v1").uint(a.chain_id).uint(a.nonce).uint(a.fee).uint(a.kind).bytes(a.payload);
  CHECK(a.signing_digest() == keccak256(e.end_list().finish()));
}

TEST_CASE("transactions: each stateless rejection has its code", "[tx]") {
  Transaction tx = sample_tx();
  VerifiedTx v;

  SECTION("wrong chain id") {
    Status s = verify_transaction(tx.encode(), 1, 65536, v);
    CHECK(s.code == static_cast<uint32_t>(ChainCode::kWrongChainId));
    CHECK(s.reason == "wrong_chain_id");
  }
  SECTION("too large") {
    CHECK(verify_transaction(tx.encode(), 7357, 50, v).code == static_cast<uint32_t>(ChainCode::kTooLarge));
  }
  SECTION("trailing bytes") {
    Bytes raw = tx.encode();
    raw.push_back(0);
    CHECK(verify_transaction(raw, 7357, 65536, v).code == static_cast<uint32_t>(ChainCode::kMalformed));
  }
  SECTION("truncated") {
    Bytes raw = tx.encode();
    raw.pop_back();
    CHECK(verify_transaction(raw, 7357, 65536, v).code == static_cast<uint32_t>(ChainCode::kMalformed));
  }
  SECTION("non-canonical integer") {
    rlp::Encoder e;
    e.begin_list().uint(tx.chain_id).bytes(Bytes{0x00, 0x05}).uint(tx.fee).uint(tx.kind).bytes(tx.payload);
    e.bytes(tx.sig.to_bytes()).end_list();
    CHECK(verify_transaction(e.finish(), 7357, 65536, v).code == static_cast<uint32_t>(ChainCode::kMalformed));
  }
  SECTION("signature of the wrong length") {
    rlp::Encoder e;
    e.begin_list().uint(tx.chain_id).uint(tx.nonce).uint(tx.fee).uint(tx.kind).bytes(tx.payload);
    Bytes sig = tx.sig.to_bytes();
    sig.pop_back();
    e.bytes(sig).end_list();
    CHECK(verify_transaction(e.finish(), 7357, 65536, v).code == static_cast<uint32_t>(ChainCode::kMalformed));
  }
  SECTION("high-S twin") {
    tx.sig = test::high_s_twin(tx.sig);
    Status s = verify_transaction(tx.encode(), 7357, 65536, v);
    CHECK(s.code == static_cast<uint32_t>(ChainCode::kHighS));
    CHECK(s.reason == "high_s");
  }
  SECTION("zero r") {
    tx.sig.r = FixedBytes<32>{};
    CHECK(verify_transaction(tx.encode(), 7357, 65536, v).code == static_cast<uint32_t>(ChainCode::kBadSignature));
  }
  SECTION("v out of range") {
    tx.sig.v = 2;
    CHECK(verify_transaction(tx.encode(), 7357, 65536, v).code == static_cast<uint32_t>(ChainCode::kBadSignature));
  }
  SECTION("a changed field recovers another signer") {
    tx.nonce++;
    REQUIRE(verify_transaction(tx.encode(), 7357, 65536, v).ok());
    CHECK(v.sender != address_of(key_of("alice")));
  }
}

TEST_CASE("block headers and receipts round-trip", "[block]") {
  BlockHeader h;
  h.chain_id = 7357;
  h.height = 12;
  h.parent_hash = keccak256(as_bytes("parent"));
  h.time = 1767225600;
  h.proposer = address_of(key_of("validator"));
  h.tx_root = keccak256(as_bytes("txs"));
  h.state_root = keccak256(as_bytes("state"));
  h.receipts_root = keccak256(as_bytes("receipts"));
  BlockHeader d;
  REQUIRE(decode_header(h.encode(), d).ok());
  CHECK(d.hash() == h.hash());

  Block b;
  b.header = h;
  b.txs.push_back(sample_tx().encode());
  b.sig = sign(key_of("validator"), h.signing_digest());
  Block db;
  REQUIRE(decode_block(b.encode(), db).ok());
  CHECK(db.txs == b.txs);
  CHECK(db.sig == b.sig);
  Address signer;
  REQUIRE(recover(db.header.signing_digest(), db.sig, signer) == SigError::kOk);
  CHECK(signer == h.proposer);

  Receipt r;
  r.code = 100;
  r.reason = "insufficient_funds";
  r.message = "not enough";
  r.events.push_back(Event{"bank.transfer", {h.proposer}, {{"amount", "5"}}});
  Receipt dr;
  REQUIRE(decode_receipt(r.encode(), dr).ok());
  CHECK(dr.events == r.events);
  CHECK(dr.commitment() == r.commitment());
  // The human message is not part of the commitment.
  dr.message = "other words";
  CHECK(dr.commitment() == r.commitment());
}

TEST_CASE("list roots", "[block]") {
  CHECK(list_root({}) == Hash{});
  Hash a = keccak256(as_bytes("a")), b = keccak256(as_bytes("b")), c = keccak256(as_bytes("c"));
  CHECK(list_root({a}) != a);
  CHECK(list_root({a, b}) != list_root({b, a}));
  CHECK(list_root({a, b, c}) != list_root({a, b}));
  uint8_t zero = 0, one = 1;
  Hash la = Keccak256().update(ByteView(&zero, 1)).update(a.view()).final();
  Hash lb = Keccak256().update(ByteView(&zero, 1)).update(b.view()).final();
  CHECK(list_root({a, b}) == Keccak256().update(ByteView(&one, 1)).update(la.view()).update(lb.view()).final());
}
