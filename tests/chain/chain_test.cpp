#include <catch2/catch.hpp>
#include <atomic>
#include <thread>

#include "chain/rlp.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::test::TestChain;

namespace {

Amount supply_sum(const StateReader& state, const std::string& asset) {
  Amount sum = 0;
  state.scan(as_bytes("bank/bal/"), {}, [&](ByteView key, ByteView value) {
    if (as_string(key.subspan(9 + 20)) == asset) sum += *decode_uint(value);
    return true;
  });
  return sum;
}

}  // namespace

TEST_CASE("a new chain starts at its genesis block", "[chain]") {
  TestChain t;
  Head head = t.chain->head();
  CHECK(head.height == 0);
  CHECK(head.time == test::kTestGenesisTime);
  CHECK(head.hash == t.chain->genesis_hash());
  auto g = t.chain->store().block(0);
  REQUIRE(g);
  CHECK(g->header.state_root == head.state_root);
  CHECK(g->tx_hashes.empty());
  CHECK(t.balance(0) == test::kStartVest);
  CHECK(read_params(t.chain->store())->min_fee == test::kMinFee);
}

TEST_CASE("the genesis hash pins the whole genesis", "[chain]") {
  TestChain a;
  TestChain b;
  CHECK(a.chain->genesis_hash() == b.chain->genesis_hash());
  Genesis other = a.genesis;
  other.params.min_fee += 1;
  Executor ex(other.params);
  NativeContracts contracts;
  contracts.register_with(ex);
  GenesisBlock g;
  REQUIRE(build_genesis(other, ex, g).ok());
  CHECK(g.block.header.hash() != a.chain->genesis_hash());
}

TEST_CASE("blocks move funds, charge fees and commit receipts", "[chain]") {
  TestChain t;
  auto tx = t.transfer(0, t.addrs[1], 500);
  auto out = t.produce({tx});
  REQUIRE(out.included.size() == 1);
  CHECK(out.dropped.empty());
  CHECK(out.receipts[0].ok());
  CHECK(t.balance(0) == test::kStartVest - 500 - test::kMinFee);
  CHECK(t.balance(1) == test::kStartVest + 500);
  // 20% of the fee goes to the staking reward pool (fee_pool_bps 2000), the rest to the proposer.
  CHECK(bank::balance(t.chain->store(), address_of(t.validator), "VEST") == test::kMinFee * 8 / 10);
  CHECK(bank::balance(t.chain->store(), staking::reward_pool_address(), "VEST") ==
        test::kRewardPool + test::kMinFee * 2 / 10);
  CHECK(account_nonce(t.chain->store(), t.addrs[0]) == 1);

  auto rec = t.chain->store().transaction(tx.hash);
  REQUIRE(rec);
  CHECK(rec->height == 1);
  CHECK(rec->index == 0);
  CHECK(rec->raw == tx.raw);
  CHECK(rec->sender == t.addrs[0]);
  // The fee (one event for both its shares), then the transfer.
  REQUIRE(rec->receipt.events.size() == 2);
  const Event& fee = rec->receipt.events[0];
  CHECK(fee.type == "bank.fee");
  CHECK(fee.addresses == std::vector<Address>{t.addrs[0]});
  CHECK(fee.fields == std::vector<std::pair<std::string, std::string>>{
                          {"payer", to_checksum(t.addrs[0])},
                          {"asset", "VEST"},
                          {"amount", to_decimal(test::kMinFee)},
                          {"proposer", to_checksum(address_of(t.validator))},
                          {"proposerShare", to_decimal(test::kMinFee * 8 / 10)},
                          {"pool", to_checksum(staking::reward_pool_address())},
                          {"poolShare", to_decimal(test::kMinFee * 2 / 10)}});
  CHECK(rec->receipt.events[1].type == "bank.transfer");

  auto b1 = t.chain->store().block(1);
  REQUIRE(b1);
  CHECK(b1->tx_hashes == std::vector<Hash>{tx.hash});
  CHECK(b1->header.parent_hash == t.chain->genesis_hash());
  CHECK(t.chain->store().height_of(b1->hash) == 1u);
  Address signer;
  REQUIRE(recover(b1->header.signing_digest(), b1->sig, signer) == SigError::kOk);
  CHECK(signer == address_of(t.validator));
  CHECK(supply_sum(t.chain->store(), "VEST") == bank::supply(t.chain->store(), "VEST"));
}

TEST_CASE("a failed message pays its fee, uses its nonce and moves nothing else", "[chain]") {
  TestChain t;
  auto tx = t.transfer(0, t.addrs[1], test::kStartUsd + 1, "USDV");
  auto out = t.produce({tx});
  REQUIRE(out.included.size() == 1);
  CHECK(out.receipts[0].code == static_cast<uint32_t>(bank::Code::kInsufficientFunds));
  CHECK(out.receipts[0].reason == "insufficient_funds");
  CHECK(t.balance(0, "USDV") == test::kStartUsd);
  CHECK(t.balance(1, "USDV") == test::kStartUsd);
  CHECK(t.balance(0) == test::kStartVest - test::kMinFee);
  CHECK(account_nonce(t.chain->store(), t.addrs[0]) == 1);
  auto rec = t.chain->store().transaction(tx.hash);
  REQUIRE(rec);
  CHECK_FALSE(rec->receipt.ok());
}

TEST_CASE("transactions that cannot be included are dropped, not committed", "[chain]") {
  TestChain t;
  auto good = t.transfer(0, t.addrs[1], 1);
  auto replay = good;                                    // same nonce again
  auto gap = t.transfer(1, t.addrs[0], 1, "VEST", 7);    // nonce gap
  auto out = t.produce({good, replay, gap});
  CHECK(out.included.size() == 1);
  REQUIRE(out.dropped.size() == 2);
  CHECK(out.dropped[0].second.code == static_cast<uint32_t>(ChainCode::kNonceTooLow));
  CHECK(out.dropped[1].second.code == static_cast<uint32_t>(ChainCode::kNonceTooHigh));
  CHECK_FALSE(t.chain->store().transaction(gap.hash));
  CHECK(account_nonce(t.chain->store(), t.addrs[1]) == 0);
}

TEST_CASE("restart resumes from the head with the same state", "[chain]") {
  TestChain t;
  t.produce({t.transfer(0, t.addrs[2], 77)});
  t.produce({t.transfer(1, t.addrs[2], 23)});
  Head before = t.chain->head();
  t.reopen();
  Head after = t.chain->head();
  CHECK(after.height == 2);
  CHECK(after.hash == before.hash);
  CHECK(after.state_root == before.state_root);
  CHECK(t.balance(2) == test::kStartVest + 100);
  t.produce({t.transfer(2, t.addrs[0], 1)});
  CHECK(t.chain->head().height == 3);
}

TEST_CASE("a data directory of another genesis is refused", "[chain]") {
  TestChain t;
  Genesis other = t.genesis;
  other.params.chain_name = "another-chain";
  other.doc["chain_name"] = "another-chain";
  std::string error;
  // While the first chain holds the directory, a second opener is refused too.
  CHECK_FALSE(Chain::open(t.dir.path(), t.genesis, *t.executor, error));
  CHECK(error.find("in use") != std::string::npos);
  t.chain.reset();
  Executor other_executor(other.params);
  NativeContracts contracts;
  contracts.register_with(other_executor);
  auto chain = Chain::open(t.dir.path(), other, other_executor, error);
  CHECK_FALSE(chain);
  CHECK(error.find("belongs to another chain") != std::string::npos);
  t.reopen();  // the right genesis still opens it
  CHECK(t.chain->head().height == 0);
}

TEST_CASE("reopening with the same genesis document does not rebuild it, an edited one is checked", "[chain]") {
  TestChain t;
  t.run(t.transfer(0, t.addrs[1], 5));
  t.reopen();
  CHECK(t.chain->head().height == 1);
  CHECK(t.chain->genesis_hash() == t.chain->store().block(0)->hash);
  CHECK(t.chain->store().genesis_document_hash() ==
        keccak256(as_bytes(boost::json::serialize(t.genesis.doc))));
  // The same genesis written differently (an unknown note is refused, so reorder
  // the keys): rebuilt, found to be the same chain, and opened.
  t.chain.reset();
  Genesis reordered = t.genesis;
  boost::json::object doc;
  for (auto it = t.genesis.doc.end(); it != t.genesis.doc.begin();) {
    --it;
    doc[it->key()] = it->value();
  }
  reordered.doc = doc;
  std::string error;
  auto chain = Chain::open(t.dir.path(), reordered, *t.executor, error);
  INFO(error);
  REQUIRE(chain);
  CHECK(chain->head().height == 1);
}

TEST_CASE("state roots follow the state, not the history", "[chain]") {
  TestChain a, b;
  // Same final balances reached in different block splits give the same root.
  a.produce({a.transfer(0, a.addrs[1], 5), a.transfer(1, a.addrs[2], 5)});
  b.produce({b.transfer(0, b.addrs[1], 5)});
  b.produce({b.transfer(1, b.addrs[2], 5)});
  CHECK(a.chain->head().state_root == b.chain->head().state_root);
  // A different state gives a different root.
  TestChain c;
  c.produce({c.transfer(0, c.addrs[1], 6), c.transfer(1, c.addrs[2], 5)});
  CHECK(c.chain->head().state_root != a.chain->head().state_root);
}

TEST_CASE("state reads as of an older block", "[chain]") {
  TestChain t;
  t.produce({t.transfer(0, t.addrs[1], 10)});  // block 1
  t.produce({t.transfer(0, t.addrs[1], 20)});  // block 2
  t.produce({});                               // block 3
  auto snap = t.chain->store().snapshot();
  CHECK(bank::balance(HistoricalState(snap, 0), t.addrs[1], "VEST") == test::kStartVest);
  CHECK(bank::balance(HistoricalState(snap, 1), t.addrs[1], "VEST") == test::kStartVest + 10);
  CHECK(bank::balance(HistoricalState(snap, 2), t.addrs[1], "VEST") == test::kStartVest + 30);
  CHECK(bank::balance(HistoricalState(snap, 3), t.addrs[1], "VEST") == test::kStartVest + 30);
  CHECK(account_nonce(HistoricalState(snap, 1), t.addrs[0]) == 1);
  // The validator had nothing at genesis.
  CHECK(bank::balance(HistoricalState(snap, 0), address_of(t.validator), "VEST") == 0);
}

TEST_CASE("per-address transaction index pages newest first", "[chain]") {
  TestChain t;
  std::vector<Hash> sent;
  for (int i = 0; i < 5; ++i) {
    auto tx = t.transfer(0, t.addrs[1], 1);
    sent.push_back(tx.hash);
    t.produce({tx});
  }
  auto page1 = t.chain->store().account_transactions(t.addrs[1], std::nullopt, 2);
  REQUIRE(page1.size() == 2);
  CHECK(page1[0].second == sent[4]);
  CHECK(page1[1].second == sent[3]);
  auto page2 = t.chain->store().account_transactions(t.addrs[1], page1.back().first, 2);
  REQUIRE(page2.size() == 2);
  CHECK(page2[0].second == sent[2]);
  auto page3 = t.chain->store().account_transactions(t.addrs[1], page2.back().first, 10);
  REQUIRE(page3.size() == 1);
  CHECK(page3[0].second == sent[0]);
  CHECK(t.chain->store().account_transactions(t.addrs[2], std::nullopt, 10).empty());
  auto events = t.chain->store().account_events(t.addrs[1], std::nullopt, 10);
  CHECK(events.size() == 5);
}

TEST_CASE("scans as of an older block see keys deleted since", "[chain]") {
  TestChain t;
  // A balance that exists at block 1 and is deleted (emptied) in block 2.
  t.produce({t.transfer(0, t.addrs[1], test::kStartUsd, "USDV")});  // block 1: account 0 has no USDV left
  Head one = t.chain->head();
  t.produce({t.transfer(1, t.addrs[0], 5, "USDV")});  // block 2: account 0 has 5 USDV again
  t.produce({t.transfer(0, t.addrs[2], 5, "USDV")});  // block 3: emptied again
  auto snap = t.chain->store().snapshot();
  auto count_usd = [&](const StateReader& s) {
    int n = 0;
    s.scan(make_key("bank/bal/", t.addrs[0].view()), {}, [&](ByteView key, ByteView) {
      n += as_string(key).ends_with("USDV");
      return true;
    });
    return n;
  };
  CHECK(count_usd(*snap) == 0);
  CHECK(count_usd(HistoricalState(snap, one.height)) == 0);
  CHECK(count_usd(HistoricalState(snap, one.height + 1)) == 1);
  CHECK(count_usd(HistoricalState(snap, 0)) == 1);
  CHECK(bank::balance(HistoricalState(snap, one.height + 1), t.addrs[0], "USDV") == 5);
}

TEST_CASE("a snapshot's head is the block of its state while blocks are committed", "[chain]") {
  // Each block holds one transfer from account 0, so in a consistent view
  // account 0's nonce is the head's height. A reader thread takes snapshots
  // while the chain commits blocks.
  TestChain t;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> taken{0}, inconsistent{0};
  std::thread reader([&] {
    while (!done) {
      auto snap = t.chain->store().snapshot();
      if (account_nonce(*snap, t.addrs[0]) != snap->head().height) ++inconsistent;
      ++taken;
    }
  });
  for (int i = 0; i < 200; ++i) t.produce({t.transfer(0, t.addrs[1], 1)});
  done = true;
  reader.join();
  INFO(taken << " snapshots");
  CHECK(taken > 200);
  CHECK(inconsistent == 0);
}

TEST_CASE("stored block and transaction records round-trip and refuse other bytes", "[chain]") {
  TestChain t;
  auto tx = t.transfer(0, t.addrs[1], 500);
  t.produce({tx});
  auto b = t.chain->store().block(1);
  REQUIRE(b);
  Bytes raw = encode_stored_block(*b);
  StoredBlock again;
  REQUIRE(decode_stored_block(raw, again));
  CHECK(again.hash == b->hash);
  CHECK(again.tx_hashes == b->tx_hashes);
  CHECK(again.events == b->events);
  CHECK(encode_stored_block(again) == raw);
  Bytes longer = raw;
  longer.push_back(0);
  CHECK_FALSE(decode_stored_block(longer, again));
  CHECK_FALSE(decode_stored_block(ByteView(raw).first(raw.size() - 1), again));

  auto rec = t.chain->store().transaction(tx.hash);
  REQUIRE(rec);
  Bytes stored = encode_stored_tx(*rec);
  TxRecord decoded;
  REQUIRE(decode_stored_tx(stored, decoded));
  CHECK((decoded.height == 1 && decoded.index == 0 && decoded.raw == tx.raw && decoded.sender == t.addrs[0]));
  CHECK(encode_stored_tx(decoded) == stored);
  // The bytes alone, as a block served to a peer carries them; nothing for an unknown hash.
  CHECK(t.chain->store().transaction_bytes(tx.hash) == std::optional<Bytes>(tx.raw));
  CHECK_FALSE(t.chain->store().transaction_bytes(keccak256(as_bytes("no such transaction"))));
  // An index above 32 bits is not a stored record.
  rlp::Encoder e;
  e.begin_list().uint(1).uint(uint64_t{1} << 32).bytes(tx.raw).fixed(t.addrs[0]).end_list();
  CHECK_FALSE(decode_stored_tx(e.finish(), decoded));
}
