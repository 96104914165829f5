// Integration: a real vestd driven over HTTP JSON-RPC.
#include <catch2/catch.hpp>
#include <fstream>

#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {



Transaction transfer_tx(const char* key, const char* to, Amount amount, uint64_t nonce, std::string asset = "VEST",
                        uint64_t chain_id = kDevChainId, Amount fee = kDevMinFee) {
  Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.kind = bank::kTransferKind;
  tx.payload = bank::Transfer{*parse_address(to), std::move(asset), amount}.encode();
  tx.sign(key_hex(key));
  return tx;
}

json::object submit(Vestd& node, const Transaction& tx, bool wait = true) {
  return node.rpc("tx_submit", json::object{{"raw", to_hex_0x(tx.encode())}, {"wait", wait}});
}

std::string balance(Vestd& node, const char* addr, const char* asset = "VEST") {
  return std::string(node.call("account_get", json::object{{"address", addr}}).at("balances").at(asset).as_string());
}

int error_code(const json::object& r) { return static_cast<int>(r.at("error").at("code").to_number<int64_t>()); }
std::string error_reason(const json::object& r) {
  return std::string(r.at("error").at("data").at("reason").as_string());
}

}  // namespace

TEST_CASE("rpc: a transfer is committed and visible", "[integration]") {
  TempDir dir;
  Vestd node(dir.path());
  json::value status = node.call("node_status");
  CHECK(status.at("chainId").to_number<int64_t>() == 7357);
  CHECK(status.at("height").to_number<int64_t>() == 0);
  CHECK(status.at("genesisHash").as_string() == status.at("headHash").as_string());

  auto before0 = *parse_decimal(balance(node, kDevAddr0));
  auto before1 = *parse_decimal(balance(node, kDevAddr1));
  Amount amount = 1500000000000000000;
  Transaction tx = transfer_tx(kDevKey0, kDevAddr1, amount, 0);
  json::object r = submit(node, tx);
  INFO(json::serialize(r));
  REQUIRE(r.contains("result"));
  const json::object& res = r.at("result").as_object();
  CHECK(res.at("status").as_string() == "committed");
  CHECK(res.at("hash").as_string() == to_hex_0x(keccak256(tx.encode()).view()));
  CHECK(res.at("from").as_string() == kDevAddr0);
  CHECK(res.at("kind").as_string() == "bank.transfer");
  CHECK(res.at("message").at("amount").as_string() == to_decimal(amount));
  CHECK(res.at("raw").as_string() == to_hex_0x(tx.encode()));

  CHECK(*parse_decimal(balance(node, kDevAddr0)) == before0 - amount - kDevMinFee);
  CHECK(*parse_decimal(balance(node, kDevAddr1)) == before1 + amount);
  json::value acct = node.call("account_get", json::object{{"address", kDevAddr0}});
  CHECK(acct.at("nonce").to_number<int64_t>() == 1);

  json::value got = node.call("chain_getTransaction", json::object{{"hash", res.at("hash")}});
  CHECK(got.at("status").as_string() == "committed");
  uint64_t height = got.at("height").to_number<uint64_t>();
  json::value block = node.call("chain_getBlock", json::object{{"height", height}});
  CHECK(block.at("transactions").as_array().at(0) == res.at("hash"));
  json::value by_hash = node.call("chain_getBlock", json::object{{"hash", block.at("hash")}});
  CHECK(by_hash.at("height").to_number<uint64_t>() == height);

  // Both parties see it in their history.
  for (const char* who : {kDevAddr0, kDevAddr1}) {
    json::value hist = node.call("account_getTransactions", json::object{{"address", who}});
    REQUIRE(hist.at("transactions").as_array().size() == 1);
    CHECK(hist.at("transactions").at(0).at("hash") == res.at("hash"));
  }
  // The balance as of the genesis block is the genesis balance.
  json::value old = node.call("account_get", json::object{{"address", kDevAddr1}, {"atHeight", 0}});
  CHECK(*parse_decimal(old.at("balances").at("VEST").as_string()) == before1);
}

TEST_CASE("rpc: bad transactions are refused with their code and change nothing", "[integration]") {
  TempDir dir;
  Vestd node(dir.path());
  Transaction ok = transfer_tx(kDevKey0, kDevAddr1, 1, 0);
  REQUIRE(submit(node, ok).contains("result"));
  std::string bal0 = balance(node, kDevAddr0), bal1 = balance(node, kDevAddr1);
  uint64_t height = node.call("node_status").at("height").to_number<uint64_t>();

  SECTION("replay of a committed transaction") {
    json::object r = submit(node, ok);
    CHECK(error_code(r) >= 1000);
    CHECK((error_reason(r) == "already_known" || error_reason(r) == "nonce_too_low"));
    // The same transfer re-signed with the used nonce is a replay too.
    json::object r2 = submit(node, transfer_tx(kDevKey0, kDevAddr1, 2, 0));
    CHECK(error_reason(r2) == "nonce_too_low");
    CHECK(error_code(r2) == 1006);
  }
  SECTION("wrong chain id") {
    json::object r = submit(node, transfer_tx(kDevKey0, kDevAddr1, 1, 1, "VEST", 1));
    CHECK(error_reason(r) == "wrong_chain_id");
    CHECK(error_code(r) == 1003);
  }
  SECTION("high-S signature") {
    Transaction tx = transfer_tx(kDevKey0, kDevAddr1, 1, 1);
    tx.sig = test::high_s_twin(tx.sig);
    json::object r = submit(node, tx);
    CHECK(error_reason(r) == "high_s");
  }
  SECTION("insufficient balance") {
    json::object r = submit(node, transfer_tx(kDevKey0, kDevAddr1, *parse_decimal(bal0) + 1, 1));
    CHECK(error_reason(r) == "insufficient_funds");
  }
  SECTION("fee below minimum") {
    json::object r = submit(node, transfer_tx(kDevKey0, kDevAddr1, 1, 1, "VEST", kDevChainId, kDevMinFee - 1));
    CHECK(error_reason(r) == "fee_too_low");
  }
  SECTION("nonce gap") {
    json::object r = submit(node, transfer_tx(kDevKey0, kDevAddr1, 1, 5));
    CHECK(error_reason(r) == "nonce_too_high");
  }
  SECTION("malformed bytes") {
    Bytes raw = ok.encode();
    raw.push_back(0x00);
    json::object r = node.rpc("tx_submit", json::object{{"raw", to_hex_0x(raw)}});
    CHECK(error_reason(r) == "malformed");
    json::object r2 = node.rpc("tx_submit", json::object{{"raw", "0xzz"}});
    CHECK(error_code(r2) == -32602);
  }
  node.call("dev_mine");
  CHECK(balance(node, kDevAddr0) == bal0);
  CHECK(balance(node, kDevAddr1) == bal1);
  json::value status = node.call("node_status");
  CHECK(status.at("height").to_number<uint64_t>() == height + 1);  // the empty block dev_mine sealed
  CHECK(status.at("mempool").at("transactions").to_number<int64_t>() == 0);
}

TEST_CASE("rpc: tx_submit waits at most the configured time, whatever timeout is asked", "[integration]") {
  // Blocks every 2 s: a wait cut short answers "pending" long before the block.
  // Above 2^63 seconds, the timeout once turned negative (or overflowed) on its way
  // to the node and the answer came at once.
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "2000"});
  uint64_t nonce = 0;
  for (const char* timeout : {"18446744073709551615", "9223372036854775808"}) {
    INFO(timeout);
    Transaction tx = transfer_tx(kDevKey0, kDevAddr1, 1, nonce++);
    json::object r = node.rpc("tx_submit", json::object{{"raw", to_hex_0x(tx.encode())},
                                                       {"wait", true},
                                                       {"timeout", timeout}});
    INFO(json::serialize(r));
    REQUIRE(r.contains("result"));
    CHECK(r.at("result").at("status").as_string() == "committed");
  }
}

TEST_CASE("rpc: restart keeps blocks and state", "[integration]") {
  TempDir dir;
  std::string hash, genesis;
  uint64_t height = 0;
  {
    Vestd node(dir.path());
    json::object r = submit(node, transfer_tx(kDevKey0, kDevAddr1, 42, 0));
    REQUIRE(r.contains("result"));
    hash = std::string(r.at("result").at("hash").as_string());
    json::value s = node.call("node_status");
    height = s.at("height").to_number<uint64_t>();
    genesis = std::string(s.at("genesisHash").as_string());
    CHECK(node.stop() == 0);
  }
  Vestd again(dir.path());
  json::value s = again.call("node_status");
  CHECK(s.at("height").to_number<uint64_t>() == height);
  CHECK(s.at("genesisHash").as_string() == genesis);
  CHECK(again.call("chain_getTransaction", json::object{{"hash", hash}}).at("status").as_string() == "committed");
  CHECK(again.call("account_get", json::object{{"address", kDevAddr0}}).at("nonce").to_number<int64_t>() == 1);
  // It goes on from there.
  REQUIRE(submit(again, transfer_tx(kDevKey0, kDevAddr1, 1, 1)).contains("result"));
  CHECK(again.call("node_status").at("height").to_number<uint64_t>() == height + 1);
}

TEST_CASE("rpc: JSON-RPC errors and client dialects", "[integration]") {
  TempDir dir;
  Vestd node(dir.path());
  auto post = [&](const std::string& body) {
    auto [status, text] = http_post(node.port(), body);
    REQUIRE(status == 200);
    return json::parse(text);
  };
  CHECK(post("{not json").at("error").at("code") == -32700);
  CHECK(post(R"({"jsonrpc":"2.0","id":1,"method":"no_such"})").at("error").at("code") == -32601);
  CHECK(post(R"({"jsonrpc":"1.0","id":1,"method":"node_status"})").at("error").at("code") == -32600);
  // viem omits params; web3.js uses string ids.
  json::value r = post(R"({"jsonrpc":"2.0","id":"abc","method":"node_status"})");
  CHECK(r.at("id") == "abc");
  CHECK(r.at("result").at("chainId") == 7357);
  // ethers batches; lowercase and checksummed addresses both work; a bad checksum is refused.
  std::string lower = kDevAddr1;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  // Flip the case of the first letter: mixed case with a wrong checksum.
  std::string bad = kDevAddr1;
  size_t letter = bad.find_first_of("abcdefABCDEF", 2);
  bad[letter] = std::islower(bad[letter]) ? static_cast<char>(std::toupper(bad[letter]))
                                          : static_cast<char>(std::tolower(bad[letter]));
  json::value batch = post(
      R"([{"jsonrpc":"2.0","id":1,"method":"account_get","params":{"address":")" + lower +
      R"("}},{"jsonrpc":"2.0","id":2,"method":"account_get","params":[{"address":")" + std::string(kDevAddr1) +
      R"("}]},{"jsonrpc":"2.0","id":3,"method":"account_get","params":{"address":")" + bad +
      R"("}},{"jsonrpc":"2.0","method":"node_status"}])");
  REQUIRE(batch.as_array().size() == 3);
  CHECK(batch.at(0).at("result").at("address") == kDevAddr1);
  CHECK(batch.at(1).at("result").at("address") == kDevAddr1);
  CHECK(batch.at(2).at("error").at("code") == -32602);
  CHECK(std::string(batch.at(2).at("error").at("message").as_string()).find("checksum") != std::string::npos);
  // Missing and ill-typed fields name the field.
  json::value missing = post(R"({"jsonrpc":"2.0","id":1,"method":"account_get","params":{}})");
  CHECK(missing.at("error").at("code") == -32602);
  CHECK(std::string(missing.at("error").at("message").as_string()).find("address") != std::string::npos);
  json::value limit = post(R"({"jsonrpc":"2.0","id":1,"method":"account_getTransactions","params":{"address":")" +
                           std::string(kDevAddr0) + R"(","limit":1000}})");
  CHECK(limit.at("error").at("code") == -32602);
  // Unknown hashes and heights are null, not errors.
  CHECK(post(R"({"jsonrpc":"2.0","id":1,"method":"chain_getBlock","params":{"height":999999}})").at("result").is_null());
  // Body over the limit: 413.
  std::string huge(2 << 20, ' ');
  auto [status, text] = http_post(node.port(), "[" + huge + "]");
  CHECK(status == 413);
  // GET /health.
  std::string health = raw_http(node.port(), "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  CHECK(health.find("200") != std::string::npos);
  CHECK(health.find("ok") != std::string::npos);
}

TEST_CASE("rpc: dev_increaseTime moves block time", "[integration]") {
  TempDir dir;
  Vestd node(dir.path());
  uint64_t t0 = node.call("dev_mine").at("height").to_number<uint64_t>();
  (void)t0;
  uint64_t before = node.call("node_status").at("headTime").to_number<uint64_t>();
  node.call("dev_increaseTime", json::object{{"seconds", 86400}});
  node.call("dev_mine");
  uint64_t after = node.call("node_status").at("headTime").to_number<uint64_t>();
  CHECK(after >= before + 86400);
  CHECK(node.rpc("dev_increaseTime", json::object{{"seconds", 0}}).at("error").at("code") == -32602);
}

TEST_CASE("rpc: a foreign data directory is refused", "[integration]") {
  TempDir dir;
  { Vestd node(dir.path()); }
  // Same data dir, other genesis: vestd must refuse to start and say why.
  auto genesis = json::parse(read_file(source_path("genesis/devnet.json"))).as_object();
  genesis["chain_name"] = "another-devnet";
  std::filesystem::path other = dir.path() / "other.json";
  {
    std::ofstream out(other);
    out << json::serialize(genesis);
  }
  RunResult r = run_program({bin_path("vestd").string(), "--dev", "--genesis", other.string(), "--datadir",
                             (dir.path() / "data").string(), "--rpc", "127.0.0.1:0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("belongs to another chain") != std::string::npos);
  // A bad genesis names the field.
  genesis["params"].as_object()["min_fee"] = 12;
  {
    std::ofstream out(other);
    out << json::serialize(genesis);
  }
  RunResult bad = run_program({bin_path("vestd").string(), "--dev", "--genesis", other.string(), "--datadir",
                               (dir.path() / "fresh").string(), "--rpc", "127.0.0.1:0"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("params.min_fee") != std::string::npos);
}
