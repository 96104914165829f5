// vest::wallet::RpcClient against the real server.
#include <catch2/catch.hpp>

#include "tests/rpc/rpc_test_util.h"
#include "wallet/rpc_client.h"

namespace json = boost::json;
using namespace vest::rpc::test;
using vest::wallet::RpcClient;
using vest::wallet::RpcError;
using vest::wallet::TransportError;

namespace {

std::uint16_t closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace

TEST_CASE("RpcClient returns results over one kept-alive connection") {
  TestServer s;
  RpcClient client(s.url());
  CHECK(client.call("add", json::object{{"a", 40}, {"b", 2}}) == 42);
  CHECK(client.call("echo", json::array{"x", 1}) == json::array{"x", 1});
  CHECK(client.call("echo").is_null());
  HttpReply metrics = http_request(s.port(), "GET", "/metrics");
  CHECK(metrics.body.find("vest_rpc_connections_accepted_total 2\n") != std::string::npos);
}

TEST_CASE("RpcClient accepts a URL with a path and rejects other schemes") {
  TestServer s;
  CHECK(RpcClient(s.url() + "/").call("add", json::object{{"a", 1}, {"b", 1}}) == 2);
  CHECK_THROWS_AS(RpcClient(s.url() + "/rpc").call("echo"), TransportError);
  CHECK_THROWS_AS(RpcClient("ftp://127.0.0.1:1"), TransportError);
  CHECK_NOTHROW(RpcClient("https://127.0.0.1:1"));  // https is spoken (tests/integration/wallet_cli_test.cpp)
  CHECK_THROWS_AS(RpcClient("https://127.0.0.1:1").call("echo"), TransportError);
  CHECK_THROWS_AS(RpcClient("127.0.0.1:8645"), TransportError);
  CHECK_THROWS_AS(RpcClient("http://127.0.0.1:99999"), TransportError);
  CHECK_THROWS_AS(RpcClient("http://:80"), TransportError);
}

TEST_CASE("RpcClient throws RpcError with code, message and data") {
  TestServer s;
  RpcClient client(s.url());
  try {
    client.call("app_error");
    FAIL("no error");
  } catch (const RpcError& e) {
    CHECK(e.code() == 3);
    CHECK(std::string(e.what()) == "execution reverted");
    CHECK(e.data() == json::object{{"reason", "nope"}});
  }
  try {
    client.call("nope");
    FAIL("no error");
  } catch (const RpcError& e) {
    CHECK(e.code() == -32601);
    CHECK(e.data().is_null());
  }
  CHECK(client.call("echo", json::array{1}) == json::array{1});
}

TEST_CASE("RpcClient reconnects after the server closed an idle connection") {
  TestServer s;
  RpcClient client(s.url());
  CHECK(client.call("echo", json::array{1}) == json::array{1});
  std::this_thread::sleep_for(test_limits().idle_timeout + 300ms);
  CHECK(client.call("echo", json::array{2}) == json::array{2});
}

TEST_CASE("RpcClient times out, and the next call works") {
  TestServer s;
  RpcClient client(s.url(), 200ms);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(client.call("slow", json::object{{"ms", 2000}}), TransportError);
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
  client.set_timeout(3000ms);
  CHECK(client.call("slow", json::object{{"ms", 300}}) == 300);
}

TEST_CASE("RpcClient reports a refused connection as TransportError") {
  RpcClient client("http://127.0.0.1:" + std::to_string(closed_port()), 2000ms);
  CHECK_THROWS_AS(client.call("echo"), TransportError);
}
