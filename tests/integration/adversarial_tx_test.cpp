// Integration: adversarial transactions against a real vestd. Each one is refused
// with its documented rejection code (docs/rpc.md) and a message that says why,
// and leaves everything as it was: the head, the mempool, the accounts involved,
// and the transaction stays unknown to chain_getTransaction.
//
// The nodes here seal blocks only on dev_mine, so anything the mempool wrongly
// admitted would show as pending instead of slipping into a block unseen.
#include <catch2/catch.hpp>
#include <fstream>

#include "chain/keccak.h"
#include "chain/rlp.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/schedule.h"
#include "tests/integration/harness.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

constexpr uint64_t kMaxTxBytes = 65536;   // genesis/devnet.json params.max_tx_bytes

// No block unless dev_mine asks for one.
const std::vector<std::string> kManualBlocks = {"--block-time-ms", "3600000"};

Transaction signed_tx(const char* key, uint64_t nonce, uint64_t kind, Bytes payload, Amount fee = kDevMinFee,
                      uint64_t chain_id = kDevChainId) {
  return wallet::build_signed(wallet::TxParams{chain_id, nonce, fee}, kind, std::move(payload), key_hex(key));
}

Bytes transfer(const char* to, Amount amount, std::string asset = "VEST") {
  return bank::Transfer{*parse_address(to), std::move(asset), amount}.encode();
}

Amount balance(Vestd& node, const char* addr, const char* asset = "VEST") {
  json::value acct = node.call("account_get", json::object{{"address", addr}});
  return *parse_decimal(acct.at("balances").at(asset).as_string());
}

// node_status and account_get of `watch`: everything a refused transaction must leave alone.
json::array snapshot(Vestd& node, const std::vector<const char*>& watch) {
  json::array out{node.call("node_status")};
  for (const char* a : watch) {
    json::object acct = node.call("account_get", json::object{{"address", a}}).as_object();
    // "now" follows the clock (the next block's time), not the state.
    acct.erase("now");
    out.push_back(std::move(acct));
  }
  return out;
}

json::object submit_raw(Vestd& node, const Bytes& raw) {
  return node.rpc("tx_submit", json::object{{"raw", to_hex_0x(raw)}});
}

// Submits `raw` and checks that it is refused with rejection `code` (`reason`), with a
// message containing `says`, and that nothing changed.
void check_refused(Vestd& node, const Bytes& raw, uint32_t code, const std::string& reason, const std::string& says,
                   const std::vector<const char*>& watch = {kDevAddr0, kDevAddr1}) {
  json::array before = snapshot(node, watch);
  json::object r = submit_raw(node, raw);
  INFO("tx_submit -> " << json::serialize(r));
  REQUIRE(r.contains("error"));
  const json::object& e = r.at("error").as_object();
  CHECK(e.at("code").to_number<int64_t>() == 1000 + static_cast<int64_t>(code));
  CHECK(e.at("data").at("reason").as_string() == reason);
  CHECK(e.at("data").at("code").to_number<int64_t>() == static_cast<int64_t>(code));
  CHECK(std::string(e.at("message").as_string()).find(says) != std::string::npos);
  json::value got = node.call("chain_getTransaction", json::object{{"hash", to_hex_0x(keccak256(raw).view())}});
  CHECK(got.is_null());
  CHECK(snapshot(node, watch) == before);
}

void check_refused(Vestd& node, const Transaction& tx, uint32_t code, const std::string& reason,
                   const std::string& says, const std::vector<const char*>& watch = {kDevAddr0, kDevAddr1}) {
  check_refused(node, tx.encode(), code, reason, says, watch);
}

// One RLP item from its parts, for hand-made encodings.
Bytes item_uint(u128 v) { return rlp::Encoder().uint(v).finish(); }
Bytes item_bytes(ByteView b) { return rlp::Encoder().bytes(b).finish(); }
Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The six items of a signed transaction, each already encoded.
std::vector<Bytes> items_of(const Transaction& tx) {
  return {item_uint(tx.chain_id), item_uint(tx.nonce), item_uint(tx.fee),
          item_uint(tx.kind),     item_bytes(tx.payload), item_bytes(tx.sig.to_bytes())};
}

Bytes list_of(const std::vector<Bytes>& items) {
  rlp::Encoder e;
  e.begin_list();
  for (const Bytes& i : items) e.raw(i);
  e.end_list();
  return e.finish();
}

// n - x for a 32-byte big-endian x below the group order n.
FixedBytes<32> order_minus(const FixedBytes<32>& x) {
  FixedBytes<32> n = group_order(), out;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n.bytes[i] - x.bytes[i] - borrow;
    borrow = d < 0;
    out.bytes[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

}  // namespace

TEST_CASE("adversarial: replays, foreign chains and bad signatures change nothing", "[integration][adversarial]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  Transaction first = signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 1));
  REQUIRE(submit_raw(node, first.encode()).contains("result"));
  node.call("dev_mine");
  REQUIRE(node.call("chain_getTransaction", json::object{{"hash", to_hex_0x(keccak256(first.encode()).view())}})
              .at("status") == "committed");

  SECTION("replay of a committed transaction") {
    // The same bytes: the node knows the hash.
    json::array before = snapshot(node, {kDevAddr0, kDevAddr1});
    json::object r = submit_raw(node, first.encode());
    INFO(json::serialize(r));
    CHECK(r.at("error").at("code") == 1013);
    CHECK(r.at("error").at("data").at("reason") == "already_known");
    CHECK(std::string(r.at("error").at("message").as_string()).find("already in block") != std::string::npos);
    CHECK(snapshot(node, {kDevAddr0, kDevAddr1}) == before);
    // Other bytes with the used nonce.
    check_refused(node, signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 2)), 6, "nonce_too_low",
                  "nonce 0 already used; next is 1");
  }
  SECTION("signed for another chain") {
    check_refused(node, signed_tx(kDevKey0, 1, bank::kTransferKind, transfer(kDevAddr1, 1), kDevMinFee, 1), 3,
                  "wrong_chain_id", "transaction is for chain 1, this is chain 7357");
    check_refused(node, signed_tx(kDevKey0, 1, bank::kTransferKind, transfer(kDevAddr1, 1), kDevMinFee, UINT64_MAX), 3,
                  "wrong_chain_id", "for chain 18446744073709551615");
  }
  SECTION("the high-S twin of a valid signature") {
    Transaction tx = signed_tx(kDevKey0, 1, bank::kTransferKind, transfer(kDevAddr1, 1));
    tx.sig.s = order_minus(tx.sig.s);
    tx.sig.v ^= 1;
    check_refused(node, tx, 5, "high_s", "upper half of the order; use the low-S form");
  }
  SECTION("r, s or v out of range") {
    const Transaction good = signed_tx(kDevKey0, 1, bank::kTransferKind, transfer(kDevAddr1, 1));
    FixedBytes<32> all_ones;
    all_ones.bytes.fill(0xff);
    auto with = [&](auto change) {
      Transaction tx = good;
      change(tx.sig);
      return tx;
    };
    const std::string out_of_range = "signature r, s or v out of range";
    check_refused(node, with([](Signature& s) { s.v = 2; }), 4, "bad_signature", out_of_range);
    check_refused(node, with([](Signature& s) { s.v = 27; }), 4, "bad_signature", out_of_range);
    check_refused(node, with([](Signature& s) { s.r = FixedBytes<32>{}; }), 4, "bad_signature", out_of_range);
    check_refused(node, with([](Signature& s) { s.s = FixedBytes<32>{}; }), 4, "bad_signature", out_of_range);
    check_refused(node, with([](Signature& s) { s.r = group_order(); }), 4, "bad_signature", out_of_range);
    check_refused(node, with([](Signature& s) { s.s = group_order(); }), 4, "bad_signature", out_of_range);
    check_refused(node, with([&](Signature& s) { s.r = all_ones; }), 4, "bad_signature", out_of_range);
  }
  SECTION("a tampered signature or payload recovers a stranger who cannot pay") {
    // Nonce 0: the stranger's next nonce, so the fee is what stops it.
    Transaction tx = signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 3));
    tx.sig.s.bytes[31] ^= 1;
    check_refused(node, tx, 9, "insufficient_fee", "native balance cannot pay the fee");
    Transaction raised = signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 3));
    raised.payload = transfer(kDevAddr1, 5000);  // the amount changed after signing
    check_refused(node, raised, 9, "insufficient_fee", "native balance cannot pay the fee");
  }
  // The account still works.
  REQUIRE(submit_raw(node, signed_tx(kDevKey0, 1, bank::kTransferKind, transfer(kDevAddr1, 1)).encode())
              .contains("result"));
}

TEST_CASE("adversarial: malformed encodings are refused as malformed", "[integration][adversarial]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  const Transaction tx = signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 1));
  const std::vector<Bytes> items = items_of(tx);
  REQUIRE(tx.payload.size() <= 55);  // short enough that its long form is non-canonical
  auto replaced = [&](size_t index, Bytes item) {
    std::vector<Bytes> v = items;
    v[index] = std::move(item);
    return list_of(v);
  };
  auto malformed = [&](const Bytes& raw, const std::string& what) {
    INFO("case: " << what << " raw " << to_hex_0x(raw));
    check_refused(node, raw, 1, "malformed", what);
  };

  const Bytes one{0x01};
  malformed(replaced(1, Bytes{0x82, 0x00, 0x01}), "transaction encoding: leading zero");    // nonce 0x0001
  malformed(replaced(2, cat({Bytes{0x88, 0x00}, ByteView(items[2]).subspan(2)})),
            "transaction encoding: leading zero");                                          // fee with a zero byte first
  malformed(replaced(1, Bytes{0x81, 0x01}), "transaction encoding: non-canonical size");    // 0x01 wrapped in a header
  malformed(replaced(4, cat({Bytes{0xb8, static_cast<uint8_t>(tx.payload.size())}, tx.payload})),
            "transaction encoding: non-canonical size");                                    // long form, short string
  malformed(replaced(5, cat({Bytes{0xb9, 0x00, 0x41}, tx.sig.to_bytes()})),
            "transaction encoding: leading zero");                                          // long length 0x0041
  malformed(cat({tx.encode(), Bytes{0x00}}), "transaction encoding: trailing bytes");
  {
    std::vector<Bytes> seven = items;
    seven.push_back(item_uint(0));
    malformed(list_of(seven), "transaction encoding: trailing bytes");
    std::vector<Bytes> five(items.begin(), items.end() - 1);
    malformed(list_of(five), "transaction encoding: truncated");
  }
  Bytes cut = tx.encode();
  cut.pop_back();
  malformed(cut, "transaction encoding: truncated");
  malformed(Bytes{0xc0}, "transaction encoding: truncated");
  malformed(item_bytes(tx.payload), "transaction encoding: expected a list");
  malformed(replaced(4, list_of({item_bytes(tx.payload)})), "transaction encoding: expected a byte string");
  malformed(replaced(1, item_bytes(Bytes(9, 0x01))), "transaction encoding: integer overflow");  // nonce > 64 bits
  malformed(replaced(2, item_bytes(Bytes(17, 0x01))), "transaction encoding: integer overflow");  // fee > 128 bits
  Bytes short_sig = tx.sig.to_bytes();
  short_sig.pop_back();
  malformed(replaced(5, item_bytes(short_sig)), "signature must be 65 bytes");

  SECTION("a payload its contract cannot decode") {
    Transaction garbage = signed_tx(kDevKey0, 0, bank::kTransferKind, Bytes{0xde, 0xad});
    check_refused(node, garbage, 104, "malformed_payload", "transfer payload: truncated");
  }
  SECTION("a symbol that is not UTF-8 is not echoed") {
    // The harness parses answers strictly: an answer that is not UTF-8 fails here.
    check_refused(node, signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 1, "\xff\xfe")), 101,
                  "unknown_asset", "invalid asset symbol");
    vesting::Grant grant{*parse_address(kDevAddr1), "\xff\xfe", 1000000000000000000,
                         vesting::encode(vesting::Schedule{{vesting::Part::tranche(10000, 100)}}), false, 0};
    check_refused(node, signed_tx(kDevKey0, 0, vesting::kGrantKind, grant.encode()), 308, "asset_not_grantable",
                  "the asset symbol is not valid");
  }
  SECTION("an unknown message kind") {
    check_refused(node, signed_tx(kDevKey0, 0, 999, transfer(kDevAddr1, 1)), 10, "unknown_kind",
                  "no contract handles message kind 999");
    check_refused(node, signed_tx(kDevKey0, 0, UINT64_MAX, {}), 10, "unknown_kind",
                  "message kind 18446744073709551615");
  }
  SECTION("larger than max_tx_bytes") {
    Transaction big = signed_tx(kDevKey0, 0, bank::kTransferKind, Bytes(kMaxTxBytes, 0x80));
    const Bytes raw = big.encode();
    check_refused(node, raw, 2, "too_large",
                  "transaction is " + std::to_string(raw.size()) + " bytes, limit " + std::to_string(kMaxTxBytes));
  }
  SECTION("raw that is not hex bytes") {
    for (const char* text : {"0x", "0x123", "0xzz", "f8", ""}) {
      INFO(text);
      json::object r = node.rpc("tx_submit", json::object{{"raw", text}});
      CHECK(r.at("error").at("code") == -32602);
      CHECK(r.at("error").at("message") == "field 'raw': expected 0x-prefixed hex bytes");
    }
    json::object r = node.rpc("tx_submit", json::object{{"raw", 12}});
    CHECK(r.at("error").at("code") == -32602);
  }
  CHECK(node.call("node_status").at("mempool").at("transactions") == 0);
}

TEST_CASE("adversarial: overflowing, excessive and zero amounts change nothing", "[integration][adversarial]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  const Amount vest0 = balance(node, kDevAddr0);
  const Amount usdv0 = balance(node, kDevAddr0, "USDV");
  const std::vector<const char*> watch = {kDevAddr0, kDevAddr1, kDevAddr9};

  SECTION("transfers") {
    auto send = [&](Amount amount, Amount fee = kDevMinFee, std::string asset = "VEST") {
      return signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, amount, std::move(asset)), fee);
    };
    // Amounts in the message are in whole units with the asset's symbol.
    check_refused(node, send(kU128Max), 100, "insufficient_funds",
                  "is less than 340282366920938463463.374607431768211455 VEST", watch);
    // amount + fee would wrap around 2^128.
    check_refused(node, send(kU128Max - kDevMinFee + 1), 100, "insufficient_funds", "is less than", watch);
    // The whole balance: the fee is paid first, so the amount is no longer there.
    check_refused(node, send(vest0), 100, "insufficient_funds",
                  "balance of " + format_units(vest0 - kDevMinFee, 18) + " VEST is less than " +
                      format_units(vest0, 18) + " VEST",
                  watch);
    check_refused(node, send(vest0 - kDevMinFee + 1), 100, "insufficient_funds", "is less than", watch);
    check_refused(node, send(usdv0 + 1, kDevMinFee, "USDV"), 100, "insufficient_funds", "USDV is less than", watch);
    check_refused(node, send(0), 102, "zero_amount", "transfer amount must be positive", watch);
    check_refused(node, send(1, kU128Max), 9, "insufficient_fee", "cannot pay the fee", watch);
    check_refused(node, send(1, kDevMinFee - 1), 8, "fee_too_low",
                  "fee 999999999999999 is below the minimum 1000000000000000", watch);
    check_refused(node, send(1, 0), 8, "fee_too_low", "fee 0 is below the minimum", watch);
    check_refused(node, send(1, kDevMinFee, "NOPE"), 101, "unknown_asset", "unknown asset NOPE", watch);
    // What is left after the fee can be sent.
    json::object ok = submit_raw(node, send(vest0 - kDevMinFee).encode());
    INFO(json::serialize(ok));
    CHECK(ok.contains("result"));
  }
  SECTION("purchases") {
    auto buy = [&](uint32_t package, uint64_t quantity) {
      return signed_tx(kDevKey0, 0, sale::kPurchaseKind, sale::Purchase{package, quantity, kU128Max, {}}.encode());
    };
    // Starter has no caps: quantity × base overflows 128 bits.
    check_refused(node, buy(1, UINT64_MAX), 216, "overflow", "amounts overflow 128 bits", watch);
    check_refused(node, buy(1, 0), 213, "zero_quantity", "quantity must be positive", watch);
    check_refused(node, buy(1, usdv0 / 100000000 + 1), 207, "insufficient_payment", "the buyer holds", watch);
    check_refused(node, buy(3, 6), 205, "account_cap_reached", "an account may buy 5 units of VIP", watch);
    check_refused(node, buy(77, 1), 200, "package_not_found", "no package 77", watch);
  }
  SECTION("stakes") {
    auto stake = [&](uint64_t kind, Amount amount) {
      return signed_tx(kDevKey0, 0, kind, staking::AmountMsg{amount}.encode());
    };
    check_refused(node, stake(staking::kStakeKind, kU128Max), 401, "insufficient_stakeable", "the account holds",
                  watch);
    check_refused(node, stake(staking::kStakeKind, vest0 + 1), 401, "insufficient_stakeable", "the account holds",
                  watch);
    // The whole balance: the fee is paid first.
    check_refused(node, stake(staking::kStakeKind, vest0), 401, "insufficient_stakeable",
                  "the account holds " + format_units(vest0 - kDevMinFee, 18) + " VEST", watch);
    check_refused(node, stake(staking::kStakeKind, 0), 400, "zero_amount", "amount must be positive", watch);
    check_refused(node, stake(staking::kUnstakeKind, 0), 400, "zero_amount", "amount must be positive", watch);
    check_refused(node, stake(staking::kUnstakeKind, 1), 402, "insufficient_stake",
                  "unstaking 0.000000000000000001 VEST but 0 VEST is staked", watch);
  }
  CHECK(balance(node, kDevAddr0) == vest0);
}

TEST_CASE("adversarial: a nonce gap is refused, not held, and a used nonce is refused", "[integration][adversarial]") {
  TempDir dir;
  Vestd node(dir.path(), kManualBlocks);
  const Transaction future = signed_tx(kDevKey0, 5, bank::kTransferKind, transfer(kDevAddr1, 5));
  check_refused(node, future, 7, "nonce_too_high", "nonce 5 leaves a gap; next is 0");

  // Pending transactions count: nonces 0 and 1 pending, 3 is still a gap, 2 follows.
  for (uint64_t n : {0, 1}) {
    REQUIRE(submit_raw(node, signed_tx(kDevKey0, n, bank::kTransferKind, transfer(kDevAddr1, 1)).encode())
                .contains("result"));
  }
  check_refused(node, signed_tx(kDevKey0, 3, bank::kTransferKind, transfer(kDevAddr1, 1)), 7, "nonce_too_high",
                "nonce 3 leaves a gap; next is 2");
  REQUIRE(submit_raw(node, signed_tx(kDevKey0, 2, bank::kTransferKind, transfer(kDevAddr1, 1)).encode())
              .contains("result"));
  node.call("dev_mine");
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("nonce") == 3);

  // The refused future transaction was not kept for later: nonces 3 and 4 do not bring it back.
  for (uint64_t n : {3, 4}) {
    REQUIRE(submit_raw(node, signed_tx(kDevKey0, n, bank::kTransferKind, transfer(kDevAddr1, 1)).encode())
                .contains("result"));
  }
  node.call("dev_mine");
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("nonce") == 5);
  CHECK(node.call("chain_getTransaction", json::object{{"hash", to_hex_0x(keccak256(future.encode()).view())}})
            .is_null());
  check_refused(node, signed_tx(kDevKey0, 1, bank::kTransferKind, transfer(kDevAddr1, 7)), 6, "nonce_too_low",
                "nonce 1 already used; next is 5");
  check_refused(node, signed_tx(kDevKey0, UINT64_MAX, bank::kTransferKind, transfer(kDevAddr1, 1)), 7,
                "nonce_too_high", "nonce 18446744073709551615 leaves a gap");
}

TEST_CASE("adversarial: one sender cannot fill the mempool", "[integration][adversarial]") {
  TempDir dir;
  std::filesystem::path config = write_config(dir, "[mempool]\nmax_txs = 24\nmax_per_sender = 16\n");
  std::vector<std::string> args = kManualBlocks;
  args.insert(args.end(), {"--config", config.string()});
  Vestd node(dir.path(), args);

  for (uint64_t n = 0; n < 16; ++n) {
    REQUIRE(submit_raw(node, signed_tx(kDevKey2, n, bank::kTransferKind, transfer(kDevAddr1, 1)).encode())
                .contains("result"));
  }
  const std::vector<const char*> watch = {kDevAddr2, kDevAddr1};
  check_refused(node, signed_tx(kDevKey2, 16, bank::kTransferKind, transfer(kDevAddr1, 1)), 12,
                "sender_queue_full", "sender has 16 pending transactions, the limit", watch);
  // A pending nonce is replaced only for a fee at least 10% higher.
  check_refused(node, signed_tx(kDevKey2, 3, bank::kTransferKind, transfer(kDevAddr1, 2)), 14,
                "replacement_underpriced", "needs a fee at least 10% higher", watch);
  check_refused(node, signed_tx(kDevKey2, 3, bank::kTransferKind, transfer(kDevAddr1, 2), kDevMinFee + kDevMinFee / 10 - 1),
                14, "replacement_underpriced", "needs a fee at least 10% higher", watch);

  // Other senders are still admitted, up to the mempool's own limit.
  for (uint64_t n = 0; n < 8; ++n) {
    json::object r = submit_raw(node, signed_tx(kDevKey3, n, bank::kTransferKind, transfer(kDevAddr1, 1)).encode());
    INFO(json::serialize(r));
    REQUIRE(r.contains("result"));
  }
  CHECK(node.call("node_status").at("mempool").at("transactions") == 24);
  check_refused(node, signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 1)), 11, "mempool_full",
                "the mempool is full", {kDevAddr0, kDevAddr1});

  // The block takes what was admitted, and nothing that was refused.
  node.call("dev_mine");
  CHECK(node.call("node_status").at("mempool").at("transactions") == 0);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr2}}).at("nonce") == 16);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr3}}).at("nonce") == 8);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("nonce") == 0);
  // With room again, the refused sender gets in.
  CHECK(submit_raw(node, signed_tx(kDevKey0, 0, bank::kTransferKind, transfer(kDevAddr1, 1)).encode())
            .contains("result"));
}
