// Integration: rules of the RPC server that hold under attack, against a real
// vestd: strict parameters, Host and Origin checks, connection exhaustion.
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "tests/integration/harness.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string transfer_raw(uint64_t nonce) {
  Transaction tx = wallet::build_signed(wallet::TxParams{kDevChainId, nonce, kDevMinFee}, bank::kTransferKind,
                                        bank::Transfer{*parse_address(kDevAddr1), "VEST", 1}.encode(),
                                        key_hex(kDevKey0));
  return to_hex_0x(tx.encode());
}

}  // namespace

TEST_CASE("hardening: a misspelt parameter is refused, naming it", "[integration][hardening]") {
  TempDir dir;
  Vestd node(dir.path());
  for (uint64_t nonce = 0; nonce < 3; ++nonce) {
    node.call("tx_submit", json::object{{"raw", transfer_raw(nonce)}, {"wait", true}});
  }
  const json::object page{{"address", kDevAddr0}, {"limit", 1}};
  CHECK(node.call("account_getTransactions", page).at("transactions").as_array().size() == 1);

  // `limt` would have been ignored, and three transactions answered as if it were a valid page.
  json::object r = node.rpc("account_getTransactions", json::object{{"address", kDevAddr0}, {"limt", 1}});
  INFO(json::serialize(r));
  REQUIRE(r.contains("error"));
  CHECK(r.at("error").at("code") == -32602);
  CHECK(r.at("error").at("message") ==
        "unknown parameter 'limt' (account_getTransactions takes address, cursor, limit)");

  json::object range = node.rpc("chain_getEvents", json::object{{"address", kDevAddr0}, {"fromHeight", 1}, {"toHeight", 2}});
  REQUIRE(range.contains("error"));
  CHECK(range.at("error").at("code") == -32602);
  CHECK(std::string(range.at("error").at("message").as_string()).starts_with("unknown parameter 'fromHeight'"));

  // A refused submission changes nothing: the transaction is not admitted.
  const std::string raw = transfer_raw(3);
  json::object submit = node.rpc("tx_submit", json::object{{"raw", raw}, {"wiat", true}});
  REQUIRE(submit.contains("error"));
  CHECK(submit.at("error").at("message") == "unknown parameter 'wiat' (tx_submit takes raw, wait, timeout)");
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("nonce") == 3);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("pendingCount") == 0);
  CHECK(node.rpc("node_status", json::object{{"verbose", true}}).at("error").at("code") == -32602);
  CHECK(node.call("node_status", json::object{}).at("chainId") == 7357);
}
