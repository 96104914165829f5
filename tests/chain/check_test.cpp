// The offline consistency check (chain/check.h) on healthy and damaged stores.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <catch2/catch.hpp>
#include <functional>

#include "chain/check.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::test::TestChain;

namespace {

std::string str(ByteView b) { return std::string(as_string(b)); }

std::string height_key(char tag, uint64_t height) {
  Bytes k{static_cast<uint8_t>(tag)};
  put_u64_be(k, height);
  return str(k);
}

std::string tagged(char tag, ByteView rest) { return std::string(1, tag) + str(rest); }

// A chain of a few blocks with transfers, closed and reopened as a bare store.
struct Fixture {
  TestChain t;
  Hash genesis;
  std::vector<Hash> txs;  // two per block, blocks 1..4
  std::unique_ptr<ChainStore> store;

  Fixture() {
    for (int i = 0; i < 4; ++i) {
      auto out = t.produce(
          {t.transfer(0, t.addrs[1], 5 * test::kVest), t.transfer(1, t.addrs[2], 3 * test::kUsd, "USDV")});
      for (const VerifiedTx& tx : out.included) txs.push_back(tx.hash);
    }
    REQUIRE(t.chain->head().height == 4);
    genesis = t.chain->genesis_hash();
    t.chain.reset();
    open();
  }

  void open() {
    std::string error;
    store = ChainStore::open(t.dir.path(), error, ChainStore::OpenMode::kExisting);
    INFO(error);
    REQUIRE(store);
  }

  // Closes the store, changes the database underneath, opens it again.
  void damage(const std::function<void(leveldb::DB&)>& edit) {
    store.reset();
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), (t.dir.path() / "chain").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    edit(*db);
    db.reset();
    open();
  }

  std::string get(leveldb::DB& db, const std::string& key) {
    std::string v;
    REQUIRE(db.Get(leveldb::ReadOptions(), key, &v).ok());
    return v;
  }

  CheckReport check(uint64_t recent = 1000) {
    return check_store(*store, genesis, t.executor->contracts(), recent);
  }
};

}  // namespace

TEST_CASE("check: a healthy store passes every check", "[check]") {
  Fixture f;
  CheckReport r = f.check();
  INFO(r.problem);
  REQUIRE(r.ok());
  // genesis, blocks, state, the bank's, the sale's and the badges' invariants, transactions
  REQUIRE(r.passed.size() == 7);
  CHECK(r.passed[1].find("blocks 0..4 present") != std::string::npos);
  CHECK(r.passed[3] == "bank: each asset's balances add up to its supply");
  CHECK(r.passed[4] == "sale: the sale escrow holds exactly the payments queued for release");
  CHECK(r.passed[5] == "loyalty: each badge's holder count matches its holders");
  CHECK(r.passed[6].find("transactions 8 in blocks 0..4") != std::string::npos);
  CHECK(f.check(2).passed[6].find("transactions 4 in blocks 3..4") != std::string::npos);
  CHECK(f.check(0).passed.size() == 6);

  // The store is left as it was: a node opens it and goes on.
  f.store.reset();
  f.t.reopen();
  f.t.produce({f.t.transfer(2, f.t.addrs[0], 1)});
  f.t.chain.reset();
  f.open();
  CHECK(f.check().ok());
}

TEST_CASE("check: the first problem of a damaged store is named", "[check]") {
  Fixture f;

  SECTION("another genesis") {
    CheckReport r = check_store(*f.store, keccak256(as_bytes("other")), f.t.executor->contracts(), 10);
    CHECK(r.problem.find("belongs to another chain") != std::string::npos);
    CHECK(r.passed.empty());
  }
  SECTION("a missing block") {
    f.damage([](leveldb::DB& db) { REQUIRE(db.Delete(leveldb::WriteOptions(), height_key('b', 2)).ok()); });
    CHECK(f.check().problem == "block 2 is missing (the head record is at block 4)");
  }
  SECTION("a block that does not decode") {
    f.damage([](leveldb::DB& db) { REQUIRE(db.Put(leveldb::WriteOptions(), height_key('b', 3), "\xc1\x80").ok()); });
    CHECK(f.check().problem == "block 3 does not decode");
  }
  SECTION("a block stored at the wrong height breaks the parent links") {
    f.damage([&](leveldb::DB& db) {
      REQUIRE(db.Put(leveldb::WriteOptions(), height_key('b', 2), f.get(db, height_key('b', 3))).ok());
    });
    CHECK(f.check().problem == "block 2 says it is at height 3");
  }
  SECTION("a block above the head record") {
    f.damage([&](leveldb::DB& db) {
      REQUIRE(db.Put(leveldb::WriteOptions(), height_key('b', 5), f.get(db, height_key('b', 4))).ok());
    });
    CHECK(f.check().problem == "block 5 is stored above the head record");
  }
  SECTION("a block missing from the index by hash") {
    auto b = f.store->block(1);
    f.damage([&](leveldb::DB& db) {
      REQUIRE(db.Delete(leveldb::WriteOptions(), tagged('B', b->hash.view())).ok());
    });
    CHECK(f.check().problem == "block 1 (" + to_hex_0x(b->hash.view()) + ") is indexed by hash at no height");
  }
  SECTION("a state value changed behind the state tree") {
    Bytes key = make_key("bank/bal/", f.t.addrs[1].view(), as_bytes("VEST"));
    f.damage([&](leveldb::DB& db) {
      REQUIRE(db.Put(leveldb::WriteOptions(), tagged('s', key), str(encode_uint(1))).ok());
    });
    std::string problem = f.check().problem;
    CHECK(problem.find("state entry bank/bal/") != std::string::npos);
    CHECK(problem.find("VEST differs from its leaf in the state tree") != std::string::npos);
  }
  SECTION("a state entry removed") {
    Bytes key = make_key("bank/bal/", f.t.addrs[1].view(), as_bytes("VEST"));
    f.damage([&](leveldb::DB& db) { REQUIRE(db.Delete(leveldb::WriteOptions(), tagged('s', key)).ok()); });
    CHECK(f.check().problem.find("leaves for") != std::string::npos);
  }
  SECTION("a state tree node changed") {
    f.damage([&](leveldb::DB& db) {
      std::unique_ptr<leveldb::Iterator> it(db.NewIterator(leveldb::ReadOptions()));
      // The first stored leaf node.
      for (it->Seek("m"); it->Valid() && it->key().starts_with("m"); it->Next()) {
        if (it->value().size() != 65) continue;
        std::string node = it->value().ToString();
        node[64] = static_cast<char>(node[64] ^ 1);
        REQUIRE(db.Put(leveldb::WriteOptions(), it->key(), node).ok());
        return;
      }
      FAIL("no leaf node");
    });
    CHECK(f.check().problem.find("hash differs from the one its parent holds") != std::string::npos);
  }
  SECTION("a missing transaction index entry") {
    f.damage([&](leveldb::DB& db) { REQUIRE(db.Delete(leveldb::WriteOptions(), tagged('t', f.txs[5].view())).ok()); });
    CHECK(f.check().problem == "transaction " + to_hex_0x(f.txs[5].view()) +
                                   " (block 3, index 1) has no index entry, or no receipt where its entry points");
    // Older blocks than the ones checked transaction by transaction are not read.
    CHECK(f.check(1).ok());
  }
  SECTION("a transaction index entry pointing at another block") {
    f.damage([&](leveldb::DB& db) {
      REQUIRE(db.Put(leveldb::WriteOptions(), tagged('t', f.txs[7].view()), f.get(db, tagged('t', f.txs[1].view())))
                  .ok());
    });
    CHECK(f.check().problem == "transaction " + to_hex_0x(f.txs[7].view()) +
                                   " (block 4, index 1) is indexed at block 1, index 1");
  }
  SECTION("a missing receipt") {
    f.damage([&](leveldb::DB& db) {
      Bytes k = Bytes{'r'};
      put_u64_be(k, 4);
      put_u32_be(k, 0);
      REQUIRE(db.Delete(leveldb::WriteOptions(), str(k)).ok());
    });
    CHECK(f.check().problem.find("(block 4, index 0) has no index entry, or no receipt") != std::string::npos);
  }
}

TEST_CASE("check: a contract's broken invariant is named", "[check]") {
  // A faulty contract that credits USDV without minting it: the store is
  // otherwise consistent, only the bank's invariant breaks.
  class Faulty : public Contract {
   public:
    std::string_view name() const override { return "faulty"; }
    std::vector<uint64_t> kinds() const override { return {9999}; }
    Status init_genesis(State&, const boost::json::object&) override { return Status::success(); }
    Status check(uint64_t, ByteView) const override { return Status::success(); }
    Status apply(Context& ctx, uint64_t, ByteView) override {
      Bytes key = make_key("bank/bal/", ctx.sender.view(), as_bytes("USDV"));
      ctx.state.put(key, encode_uint(*decode_uint(*ctx.state.get(key)) + 1));
      return Status::success();
    }
  };
  TestChain t;
  Faulty faulty;
  t.executor->add(faulty);
  REQUIRE(t.run(t.sign(0, 9999, {})).ok());
  CheckReport r = check_store(t.chain->store(), t.chain->genesis_hash(), t.executor->contracts(), 10);
  CHECK(r.problem == "bank: the balances of USDV add up to " + to_decimal(3 * test::kStartUsd + 1) +
                         ", its supply is " + to_decimal(3 * test::kStartUsd));
  REQUIRE(r.passed.size() == 3);
  CHECK(r.passed[2].find("state ") == 0);
}
