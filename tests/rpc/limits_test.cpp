// Resource limits and timeouts of the server, with the small limits of test_limits().
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "tests/rpc/rpc_test_util.h"
#include "wallet/rpc_client.h"

namespace json = boost::json;
using namespace vest::rpc;
using namespace vest::rpc::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kEcho = R"({"jsonrpc":"2.0","id":1,"method":"echo"})";

std::string post_text(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("a body over the limit gets 413 and the connection is closed") {
  TestServer s;
  SECTION("announced by Content-Length") {
    Conn conn(s.port());
    conn.send_raw(post_text(std::string(test_limits().max_body_bytes + 1, ' ')));
    auto r = conn.read_reply();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK_FALSE(r->keep_alive);
    CHECK(conn.wait_closed(2000ms));
  }
  SECTION("chunked") {
    Conn conn(s.port());
    std::string text = "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(16 * 1024, ' ');
    for (int i = 0; i < 5; ++i) text += "4000\r\n" + chunk + "\r\n";
    conn.send_raw(text + "0\r\n\r\n");
    auto r = conn.read_reply();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(conn.wait_closed(2000ms));
  }
  SECTION("a body at the limit is still served") {
    std::string body = kEcho;
    body += std::string(test_limits().max_body_bytes - body.size(), ' ');
    CHECK(rpc(s.port(), body).as_object().contains("result"));
  }
}

TEST_CASE("headers over the limit get 431 and the connection is closed") {
  TestServer s;
  Conn conn(s.port());
  conn.send_raw(
      "POST / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(test_limits().max_header_bytes, 'a') +
      "\r\nContent-Length: 2\r\n\r\n{}");
  auto r = conn.read_reply();
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(conn.wait_closed(2000ms));
}

TEST_CASE("garbage instead of HTTP gets 400 and is closed") {
  TestServer s;
  Conn conn(s.port());
  conn.send_raw("\x16\x03\x01 not http at all\r\n\r\n");
  auto r = conn.read_reply();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(conn.wait_closed(2000ms));
}

TEST_CASE("a keep-alive connection serves several requests, pipelined too") {
  TestServer s;
  Conn conn(s.port());
  for (int i = 0; i < 3; ++i) {
    auto r = conn.request("POST", "/", kEcho);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->keep_alive);
  }
  REQUIRE(
      conn.send_raw(post_text(kEcho) + post_text(R"({"jsonrpc":"2.0","id":2,"method":"echo"})")));
  auto first = conn.read_reply();
  auto second = conn.read_reply();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->json().at("id") == 1);
  CHECK(second->json().at("id") == 2);
}

TEST_CASE("Connection: close is honoured") {
  TestServer s;
  Conn conn(s.port());
  auto r = conn.request("POST", "/", kEcho, "Connection: close\r\n");
  REQUIRE(r);
  CHECK_FALSE(r->keep_alive);
  CHECK(conn.wait_closed(1000ms));
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout") {
  TestServer s;
  Conn conn(s.port());
  REQUIRE(conn.request("POST", "/", kEcho));
  const auto start = Clock::now();
  CHECK(conn.wait_closed(3000ms));
  const auto waited = Clock::now() - start;
  CHECK(waited >= test_limits().idle_timeout - 100ms);
  CHECK(waited < test_limits().idle_timeout + 1000ms);
}

TEST_CASE("a slow sender is cut off after the read timeout although bytes keep coming") {
  TestServer s;
  Conn conn(s.port());
  const auto start = Clock::now();
  const std::string text = post_text(kEcho);
  bool closed = false;
  for (char c : text) {
    if (!conn.send_raw(std::string(1, c))) {
      closed = true;
      break;
    }
    if (conn.wait_closed(50ms)) {
      closed = true;
      break;
    }
    if (Clock::now() - start > 3s) break;
  }
  CHECK(closed);
  CHECK(Clock::now() - start < test_limits().read_timeout + 1500ms);
}

TEST_CASE("at the connection limit a new client takes the place of the one idle longest") {
  TestServer s;
  const std::size_t max = test_limits().max_connections;
  // The server marks a connection idle when it has finished writing the
  // answer, which can be after the client has read it: the pauses keep that
  // order the order of the requests, also on a loaded machine.
  auto use = [](Conn& c) {
    REQUIRE(c.request("POST", "/", kEcho));
    std::this_thread::sleep_for(20ms);
  };
  std::vector<std::unique_ptr<Conn>> conns;
  for (std::size_t i = 0; i < max; ++i) {
    conns.push_back(std::make_unique<Conn>(s.port()));
    use(*conns.back());
  }
  // conns[1] was idle longest once conns[0] is used again.
  use(*conns[0]);
  Conn extra(s.port());
  auto r = extra.request("POST", "/", kEcho);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(conns[1]->wait_closed(1000ms));
  std::this_thread::sleep_for(20ms);
  for (std::size_t i = 0; i < max; ++i) {
    if (i != 1) use(*conns[i]);
  }
  // `extra` is idle longest now.
  Conn silent(s.port());
  CHECK(extra.wait_closed(1000ms));
  for (std::size_t i = 0; i < max; ++i) {
    if (i != 1) CHECK(conns[i]->request("POST", "/", kEcho));
  }
  // A connection that has not sent a byte yet is idle too, and makes room likewise.
  Conn next(s.port());
  auto again = next.request("POST", "/", kEcho);
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(silent.wait_closed(1000ms));
}

TEST_CASE("a connection reading its headers makes room only when none is idle") {
  TestServer s;
  const std::size_t max = test_limits().max_connections;
  std::vector<std::unique_ptr<Conn>> partial;
  for (std::size_t i = 0; i < max; ++i) {
    partial.push_back(std::make_unique<Conn>(s.port()));
    REQUIRE(partial.back()->send_raw("POST / HTTP/1.1\r\nHost: localhost\r\n"));
    // Until the server has read these bytes the connection counts as idle:
    // the pause lets it, also on a loaded machine.
    std::this_thread::sleep_for(30ms);
  }
  std::this_thread::sleep_for(100ms);
  Conn fresh(s.port());
  auto r = fresh.request("POST", "/", kEcho);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(partial[0]->wait_closed(1000ms));  // the one reading its headers longest
}

TEST_CASE("connections over the limit get 503 when every one is busy, and are served once some close") {
  TestServer s;
  const std::size_t max = test_limits().max_connections;
  // Each is in the middle of a call that takes a while: none may be closed.
  std::vector<std::unique_ptr<Conn>> busy;
  for (std::size_t i = 0; i < max; ++i) {
    busy.push_back(std::make_unique<Conn>(s.port()));
    const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"slow","params":{"ms":1500}})";
    REQUIRE(busy.back()->send_raw(post_text(body)));
  }
  std::this_thread::sleep_for(100ms);
  {
    Conn extra(s.port());
    auto r = extra.read_reply(2000ms);
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(extra.wait_closed(2000ms));
  }
  for (auto& c : busy) {
    auto r = c->read_reply(3000ms);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  Conn again(s.port());
  auto r = again.request("POST", "/", kEcho);
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a new connection must send its headers within the header timeout") {
  Limits limits = test_limits();
  limits.idle_timeout = 5s;
  limits.read_timeout = 5s;
  limits.header_timeout = 400ms;
  TestServer s(limits);
  const auto start = Clock::now();
  Conn silent(s.port());
  Conn half(s.port());
  REQUIRE(half.send_raw("POST / HTTP/1.1\r\nHost: localhost\r\n"));
  CHECK(silent.wait_closed(3000ms));
  CHECK(half.wait_closed(3000ms));
  const auto took = Clock::now() - start;
  CHECK(took >= 350ms);
  CHECK(took < 1500ms);
  // Once a request came whole, the connection may idle up to the idle timeout.
  Conn kept(s.port());
  REQUIRE(kept.request("POST", "/", kEcho));
  CHECK_FALSE(kept.wait_closed(1000ms));
  CHECK(kept.request("POST", "/", kEcho));
}

TEST_CASE("a normal client is served while abusive ones are connected") {
  // Long timeouts: a server that waited on the abusers would now stall for seconds.
  Limits limits = test_limits();
  limits.idle_timeout = 5s;
  limits.read_timeout = 5s;
  TestServer s(limits);
  Conn slowloris(s.port());
  slowloris.send_raw("POST / HTTP/1.1\r\nHost: localhost\r\n");
  Conn huge(s.port());
  huge.send_raw("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n");
  Conn silent(s.port());
  WsConn ws(s.port());
  ws.send(std::string(1000, '['));

  vest::wallet::RpcClient client(s.url(), 3000ms);
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) {
    CHECK(client.call("add", json::object{{"a", i}, {"b", 1}}) == i + 1);
  }
  CHECK(Clock::now() - start < 2s);
}

TEST_CASE("a WebSocket message over the limit closes the connection") {
  TestServer s;
  WsConn ws(s.port());
  REQUIRE(ws.send(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[")" +
                  std::string(test_limits().max_body_bytes, 'a') + "\"]}"));
  CHECK_FALSE(ws.read(2000ms));
  WsConn fresh(s.port());
  REQUIRE(fresh.send(kEcho));
  CHECK(fresh.read());
}

TEST_CASE("WebSocket connections count against the connection limit") {
  TestServer s;
  std::vector<std::unique_ptr<WsConn>> sockets;
  for (std::size_t i = 0; i < test_limits().max_connections; ++i) {
    sockets.push_back(std::make_unique<WsConn>(s.port()));
  }
  Conn extra(s.port());
  auto r = extra.read_reply(2000ms);
  if (r) CHECK(r->status == 503);
  CHECK(extra.wait_closed(2000ms));
}

TEST_CASE("a WebSocket client with too many calls in flight is paused, not dropped") {
  TestServer s;
  WsConn ws(s.port());
  const std::size_t calls = 2 * test_limits().max_ws_pending;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < calls; ++i) {
    REQUIRE(ws.send(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) +
                    R"(,"method":"slow","params":{"ms":150}})"));
  }
  std::set<std::int64_t> ids;
  for (std::size_t i = 0; i < calls; ++i) {
    auto r = ws.read();
    REQUIRE(r);
    ids.insert(json::parse(*r).at("id").as_int64());
  }
  CHECK(ids.size() == calls);
  CHECK(Clock::now() - start >= 300ms);
}
