// JSON-RPC semantics and HTTP routing, against the real server over sockets.
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "tests/rpc/rpc_test_util.h"

namespace json = boost::json;
using namespace vest::rpc;
using namespace vest::rpc::test;

namespace {

json::value ok(json::value id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"result", std::move(result)}};
}

int error_code(const json::value& response) {
  return response.at("error").at("code").to_number<int>();
}

std::string error_message(const json::value& response) {
  return std::string(response.at("error").at("message").as_string());
}

}  // namespace

TEST_CASE("a single call returns its result under the same id") {
  TestServer s;
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"add","params":{"a":2,"b":"0x3"}})") ==
        ok(1, 5));
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":2,"method":"add","params":[{"a":"7","b":1}]})") ==
        ok(2, 8));
}

TEST_CASE("string, number and null ids are echoed") {
  TestServer s;
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":"abc-1","method":"echo","params":[1]})") ==
        ok("abc-1", json::array{1}));
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":-5,"method":"echo","params":[]})") ==
        ok(-5, json::array{}));
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":null,"method":"echo","params":{}})") ==
        ok(nullptr, json::object{}));
  json::value bad = rpc(s.port(), R"({"jsonrpc":"2.0","id":{"x":1},"method":"echo"})");
  CHECK(error_code(bad) == kInvalidRequest);
  CHECK(bad.at("id").is_null());
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"echo"})") ==
        ok(UINT64_MAX, nullptr));
}

TEST_CASE("ids that cannot be echoed exactly are refused") {
  TestServer s;
  for (const char* id : {"1.5", "1e2", "123456789012345678901234567890"}) {
    INFO(id);
    json::value r = rpc(s.port(), std::string(R"({"jsonrpc":"2.0","id":)") + id + R"(,"method":"echo"})");
    CHECK(error_code(r) == kInvalidRequest);
    CHECK(error_message(r) == "Invalid Request: id must be a string, an integer or null");
    CHECK(r.at("id").is_null());
  }
}

TEST_CASE("numbers beyond a double's range are a parse error") {
  // Parsed, they would be infinity, which has no JSON form to send back.
  TestServer s;
  for (const char* body : {R"({"jsonrpc":"2.0","id":1e400,"method":"echo"})",
                           R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[-2e999]})",
                           R"([{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":{"b":[1E+309]}}}])"}) {
    INFO(body);
    json::value reply = rpc(s.port(), body);
    CHECK(error_code(reply) == kParseError);
    CHECK(error_message(reply) == "Parse error: number out of range");
    CHECK(reply.at("id").is_null());
  }
  // Tiny numbers round to zero and are fine.
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[1e-400]})") ==
        ok(1, json::array{0.0}));
}

TEST_CASE("params may be omitted") {
  TestServer s;
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"echo"})") == ok(1, nullptr));
  json::value missing = rpc(s.port(), R"({"jsonrpc":"2.0","id":2,"method":"add"})");
  CHECK(error_code(missing) == kInvalidParams);
  CHECK(error_message(missing) == "missing field 'a'");
}

TEST_CASE("a notification gets 204 and no body") {
  TestServer s;
  HttpReply reply = http_request(s.port(), "POST", "/", R"({"jsonrpc":"2.0","method":"note"})");
  CHECK(reply.status == 204);
  CHECK(reply.body.empty());
  CHECK(s.notes == 1);
  CHECK(http_request(s.port(), "POST", "/", R"({"jsonrpc":"2.0","method":"nope"})").status == 204);
  CHECK(http_request(s.port(), "POST", "/",
                     R"([{"jsonrpc":"2.0","method":"note"},{"jsonrpc":"2.0","method":"note"}])")
            .status == 204);
  CHECK(s.notes == 3);
}

TEST_CASE("a batch answers in request order and skips notifications") {
  TestServer s;
  json::value r = rpc(s.port(), R"([
    {"jsonrpc":"2.0","id":1,"method":"slow","params":{"ms":300}},
    {"jsonrpc":"1.0","id":2,"method":"echo"},
    {"jsonrpc":"2.0","method":"note"},
    5,
    {"jsonrpc":"2.0","id":"x","method":"nope"},
    {"jsonrpc":"2.0","id":3,"method":"slow","params":{"ms":50}},
    {"jsonrpc":"2.0","id":4,"method":"add","params":{"a":1,"b":1}}
  ])");
  REQUIRE(r.is_array());
  const json::array& a = r.as_array();
  REQUIRE(a.size() == 6);
  CHECK(a[0] == ok(1, 300));
  CHECK(a[1].at("id") == 2);
  CHECK(error_code(a[1]) == kInvalidRequest);
  CHECK(a[2].at("id").is_null());
  CHECK(error_code(a[2]) == kInvalidRequest);
  CHECK(a[3].at("id") == "x");
  CHECK(error_code(a[3]) == kMethodNotFound);
  CHECK(a[4] == ok(3, 50));
  CHECK(a[5] == ok(4, 2));
  CHECK(s.notes == 1);
}

TEST_CASE("an empty batch is a single invalid request error") {
  TestServer s;
  json::value r = rpc(s.port(), "[]");
  REQUIRE(r.is_object());
  CHECK(error_code(r) == kInvalidRequest);
  CHECK(r.at("id").is_null());
}

TEST_CASE("a batch over the limit is refused as a whole") {
  TestServer s;
  std::string batch = "[";
  for (std::size_t i = 0; i <= test_limits().max_batch; ++i) {
    batch += (i ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":1,"method":"note"})");
  }
  json::value r = rpc(s.port(), batch + "]");
  REQUIRE(r.is_object());
  CHECK(error_code(r) == kInvalidRequest);
  CHECK(error_message(r) == "Invalid Request: batch too large");
  CHECK(s.notes == 0);
}

TEST_CASE("invalid JSON is a parse error with a null id") {
  TestServer s;
  for (const char* text : {"{", "", R"({"jsonrpc":"2.0","id":1,"method":"echo",})", "[1,2"}) {
    INFO(text);
    json::value r = rpc(s.port(), text);
    CHECK(error_code(r) == kParseError);
    CHECK(r.at("id").is_null());
  }
}

TEST_CASE("invalid UTF-8 is a parse error") {
  TestServer s;
  json::value r =
      rpc(s.port(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\"\xff\xfe\"]}");
  CHECK(error_code(r) == kParseError);
  CHECK(error_message(r) == "Parse error: invalid UTF-8");
  json::value surrogate = rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"echo","params":["\udc00"]})");
  CHECK(error_code(surrogate) == kParseError);
  CHECK(error_message(surrogate) == "Parse error: unpaired UTF-16 surrogate in a \\u escape");
  // Both wrong: the syntax is reported.
  CHECK(error_message(rpc(s.port(), "{\"\xff\":1,}")) == "Parse error");
}

TEST_CASE("answers are valid UTF-8 whatever a handler puts in them") {
  TestServer s;
  // rpc() parses strictly, so invalid UTF-8 in the answer would fail here.
  json::value r = rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"raw_bytes"})");
  CHECK(error_message(r) == "asset \xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd unknown");
}

TEST_CASE("nesting deeper than the limit is a parse error") {
  TestServer s;
  auto nested = [](int depth) {
    return R"({"jsonrpc":"2.0","id":1,"method":"echo","params":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}";
  };
  CHECK(rpc(s.port(), nested(10)).as_object().contains("result"));
  json::value r = rpc(s.port(), nested(40));
  CHECK(error_code(r) == kParseError);
  CHECK(error_message(r) == "Parse error: nesting too deep");
}

TEST_CASE("an unknown method is -32601") {
  TestServer s;
  json::value r = rpc(s.port(), R"({"jsonrpc":"2.0","id":9,"method":"eth_nothing"})");
  CHECK(error_code(r) == kMethodNotFound);
  CHECK(r.at("id") == 9);
}

TEST_CASE("malformed request objects are -32600") {
  TestServer s;
  for (const char* text :
       {R"({"id":1,"method":"echo"})", R"({"jsonrpc":"1.0","id":1,"method":"echo"})",
        R"({"jsonrpc":2,"id":1,"method":"echo"})", R"({"jsonrpc":"2.0","id":1,"method":5})",
        R"({"jsonrpc":"2.0","id":1})", R"({"jsonrpc":"2.0","id":1,"method":"echo","params":"x"})",
        R"("hello")"}) {
    INFO(text);
    CHECK(error_code(rpc(s.port(), text)) == kInvalidRequest);
  }
}

TEST_CASE("handler failures become JSON-RPC errors") {
  TestServer s;
  json::value thrown = rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"throws"})");
  CHECK(error_code(thrown) == kInternalError);
  CHECK(error_message(thrown) == "Internal error");
  CHECK(json::serialize(thrown).find("secret") == std::string::npos);

  json::value invalid = rpc(s.port(), R"({"jsonrpc":"2.0","id":2,"method":"bad_params"})");
  CHECK(error_code(invalid) == kInvalidParams);
  CHECK(error_message(invalid) == "missing field 'address'");

  json::value app = rpc(s.port(), R"({"jsonrpc":"2.0","id":3,"method":"app_error"})");
  CHECK(error_code(app) == 3);
  CHECK(app.at("error").at("data") == json::object{{"reason", "nope"}});

  json::value dropped = rpc(s.port(), R"({"jsonrpc":"2.0","id":4,"method":"drops"})");
  CHECK(error_code(dropped) == kInternalError);
}

TEST_CASE("an async handler may reply later from another thread") {
  TestServer s;
  const auto start = std::chrono::steady_clock::now();
  CHECK(rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"slow","params":{"ms":200}})") ==
        ok(1, 200));
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
}

TEST_CASE("/health answers from the node's callback") {
  SECTION("default") {
    TestServer s;
    HttpReply r = http_request(s.port(), "GET", "/health");
    CHECK(r.status == 200);
    CHECK(r.json() == json::object{{"status", "ok"}});
  }
  SECTION("starting") {
    TestServer s(test_limits(), [](Server& server) {
      server.set_health([] { return Health{503, json::object{{"status", "starting"}}}; });
    });
    HttpReply r = http_request(s.port(), "GET", "/health");
    CHECK(r.status == 503);
    CHECK(r.json() == json::object{{"status", "starting"}});
  }
}

TEST_CASE("/metrics renders counters and the node's text") {
  TestServer s(test_limits(), [](Server& server) {
    server.set_metrics([] { return std::string("vest_chain_height 42\n"); });
  });
  rpc(s.port(), R"({"jsonrpc":"2.0","id":1,"method":"echo"})");
  rpc(s.port(),
      R"([{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","id":2,"method":"nope"}])");
  HttpReply r = http_request(s.port(), "GET", "/metrics");
  CHECK(r.status == 200);
  CHECK(r.header("content-type").starts_with("text/plain"));
  for (const char* line :
       {"vest_rpc_calls_total{method=\"echo\"} 2\n", "vest_rpc_calls_total{method=\"add\"} 0\n",
        "vest_rpc_errors_total 1\n", "vest_rpc_http_requests_total 3\n",
        "vest_rpc_connections_accepted_total 3\n", "vest_chain_height 42\n",
        "# TYPE vest_rpc_connections_active gauge\nvest_rpc_connections_active "}) {
    INFO(line);
    CHECK(r.body.find(line) != std::string::npos);
  }
}

TEST_CASE("unknown paths are 404 and wrong methods 405") {
  TestServer s;
  CHECK(http_request(s.port(), "GET", "/nope").status == 404);
  CHECK(http_request(s.port(), "POST", "/nope", "{}").status == 404);
  CHECK(http_request(s.port(), "GET", "/").status == 405);
  CHECK(http_request(s.port(), "PUT", "/", "{}").status == 405);
  CHECK(http_request(s.port(), "POST", "/health", "{}").status == 405);
}

TEST_CASE("OPTIONS and CORS headers follow the allowed origins") {
  const std::string call = R"({"jsonrpc":"2.0","id":1,"method":"echo"})";
  SECTION("no origin configured: no CORS, and pages of other origins are refused") {
    TestServer s;
    HttpReply pre = http_request(s.port(), "OPTIONS", "/");
    CHECK(pre.status == 204);
    CHECK(pre.header("access-control-allow-origin").empty());
    CHECK(http_request(s.port(), "POST", "/", call).header("access-control-allow-origin").empty());
    HttpReply foreign = http_request(s.port(), "OPTIONS", "/", "", "Origin: http://app.example\r\n");
    CHECK(foreign.status == 403);
    CHECK(foreign.header("access-control-allow-origin").empty());
    HttpReply post = http_request(s.port(), "POST", "/", call, "Origin: http://app.example\r\n");
    CHECK(post.status == 403);
    CHECK(post.json().at("error") ==
          "origin 'http://app.example' is not allowed; vestd serves it with --rpc-cors-origin (rpc.cors_origins)");
  }
  SECTION("an allowed origin gets preflight answers and its own origin back") {
    TestServer s(test_limits(), [](Server& server) { server.set_access(Access{{}, {"https://dapp.example"}}); });
    HttpReply pre = http_request(s.port(), "OPTIONS", "/", "",
                                 "Origin: https://dapp.example\r\nAccess-Control-Request-Method: POST\r\n"
                                 "Access-Control-Request-Headers: content-type\r\n");
    CHECK(pre.status == 204);
    CHECK(pre.header("access-control-allow-origin") == "https://dapp.example");
    CHECK(pre.header("access-control-allow-methods").find("POST") != std::string::npos);
    CHECK(pre.header("access-control-allow-headers") == "Content-Type");
    CHECK(pre.header("vary") == "Origin");
    HttpReply post = http_request(s.port(), "POST", "/", call, "Origin: https://DAPP.example\r\n");
    CHECK(post.status == 200);
    CHECK(post.header("access-control-allow-origin") == "https://DAPP.example");
    // Another origin, even a look-alike, is refused and gets no CORS header.
    for (const char* other : {"https://dapp.example.evil", "http://dapp.example", "null"}) {
      INFO(other);
      HttpReply r = http_request(s.port(), "POST", "/", call, std::string("Origin: ") + other + "\r\n");
      CHECK(r.status == 403);
      CHECK(r.header("access-control-allow-origin").empty());
    }
    // Without Origin (not a browser page) the call is served, without CORS.
    HttpReply plain = http_request(s.port(), "POST", "/", call);
    CHECK(plain.status == 200);
    CHECK(plain.header("access-control-allow-origin").empty());
  }
  SECTION("any origin") {
    TestServer s(test_limits(), [](Server& server) { server.set_access(Access{{}, {"*"}}); });
    HttpReply post = http_request(s.port(), "POST", "/", call, "Origin: http://app.example\r\n");
    CHECK(post.status == 200);
    CHECK(post.header("access-control-allow-origin") == "http://app.example");
  }
}

TEST_CASE("only localhost Host headers are served unless more are allowed") {
  const std::string call = R"({"jsonrpc":"2.0","id":1,"method":"echo"})";
  auto with_host = [&](std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& host) {
    Conn conn(port);
    std::string text = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    if (method == "POST") {
      text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(call.size()) + "\r\n\r\n" + call;
    } else {
      text += "\r\n";
    }
    REQUIRE(conn.send_raw(text));
    auto r = conn.read_reply();
    REQUIRE(r);
    return *r;
  };
  TestServer s;
  for (const char* host : {"localhost", "localhost:8645", "LocalHost:1", "127.0.0.1", "127.0.0.1:8645", "[::1]",
                           "[::1]:8645"}) {
    INFO(host);
    CHECK(with_host(s.port(), "POST", "/", host).status == 200);
    CHECK(with_host(s.port(), "GET", "/health", host).status == 200);
    CHECK(with_host(s.port(), "GET", "/metrics", host).status == 200);
  }
  for (const char* host : {"evil.example", "evil.example:8645", "localhost.evil.example", "127.0.0.2", "[::2]:1",
                           "localhost:port", "[::1", "10.0.0.1:8645"}) {
    INFO(host);
    HttpReply r = with_host(s.port(), "POST", "/", host);
    CHECK(r.status == 403);
    CHECK(std::string(r.json().at("error").as_string()).starts_with("host '"));
    CHECK(with_host(s.port(), "GET", "/metrics", host).status == 403);
  }
  CHECK(with_host(s.port(), "POST", "/", "evil.example").json().at("error") ==
        "host 'evil.example' is not allowed; vestd serves it with --rpc-allow-host (rpc.allow_hosts)");

  TestServer named(test_limits(), [](Server& server) { server.set_access(Access{{"node.internal"}, {}}); });
  CHECK(with_host(named.port(), "POST", "/", "node.internal:8645").status == 200);
  CHECK(with_host(named.port(), "POST", "/", "localhost").status == 200);
  CHECK(with_host(named.port(), "POST", "/", "other.internal").status == 403);
  TestServer any(test_limits(), [](Server& server) { server.set_access(Access{{"*"}, {}}); });
  CHECK(with_host(any.port(), "POST", "/", "anything.example").status == 200);
}

TEST_CASE("a POST must be application/json, with or without a charset") {
  TestServer s;
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"note"})";
  auto post = [&](Conn& conn, const std::string& type_header) {
    REQUIRE(conn.send_raw("POST / HTTP/1.1\r\nHost: localhost\r\n" + type_header +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = conn.read_reply();
    REQUIRE(r);
    return *r;
  };
  Conn conn(s.port());
  CHECK(post(conn, "Content-Type: application/json; charset=utf-8\r\n").json() == ok(1, nullptr));
  CHECK(post(conn, "Content-Type: Application/JSON\r\n").json() == ok(1, nullptr));
  CHECK(s.notes == 2);
  // The types a web page may POST cross-origin without a preflight, and none at all, are
  // refused before the call runs; the connection stays usable.
  for (const char* type : {"Content-Type: text/plain\r\n", "Content-Type: text/plain; charset=utf-8\r\n",
                           "Content-Type: application/x-www-form-urlencoded\r\n",
                           "Content-Type: multipart/form-data; boundary=x\r\n", "Content-Type: application/jsonx\r\n",
                           ""}) {
    INFO(type);
    HttpReply r = post(conn, type);
    CHECK(r.status == 415);
    CHECK(r.json().at("error") == "Content-Type must be application/json");
  }
  CHECK(s.notes == 2);
  CHECK(post(conn, "Content-Type: application/json\r\n").status == 200);
}

TEST_CASE("a WebSocket upgrade from a page of another origin is refused") {
  TestServer s;
  auto upgrade = [&](std::uint16_t port, const std::string& origin_header) {
    Conn conn(port);
    REQUIRE(conn.send_raw("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                          origin_header + "\r\n"));
    auto r = conn.read_reply();
    REQUIRE(r);
    return r->status;
  };
  CHECK(upgrade(s.port(), "") == 101);
  CHECK(upgrade(s.port(), "Origin: https://evil.example\r\n") == 403);
  TestServer allowed(test_limits(), [](Server& server) { server.set_access(Access{{}, {"https://dapp.example"}}); });
  CHECK(upgrade(allowed.port(), "Origin: https://dapp.example\r\n") == 101);
  CHECK(upgrade(allowed.port(), "Origin: https://evil.example\r\n") == 403);
}

TEST_CASE("WebSocket carries requests, batches and notifications") {
  TestServer s;
  WsConn ws(s.port());
  REQUIRE(ws.send(R"({"jsonrpc":"2.0","id":1,"method":"add","params":{"a":1,"b":2}})"));
  auto r = ws.read();
  REQUIRE(r);
  CHECK(json::parse(*r) == ok(1, 3));

  REQUIRE(ws.send(R"({"jsonrpc":"2.0","method":"note"})"));
  REQUIRE(ws.send(
      R"([{"jsonrpc":"2.0","id":2,"method":"echo"},{"jsonrpc":"2.0","id":3,"method":"nope"}])"));
  r = ws.read();
  REQUIRE(r);
  json::value batch = json::parse(*r);
  REQUIRE(batch.is_array());
  CHECK(batch.as_array().size() == 2);
  CHECK(batch.as_array()[0] == ok(2, nullptr));
  CHECK(s.notes == 1);

  // A slow call does not hold back a later quick one on the same connection.
  REQUIRE(ws.send(R"({"jsonrpc":"2.0","id":4,"method":"slow","params":{"ms":300}})"));
  REQUIRE(ws.send(R"({"jsonrpc":"2.0","id":5,"method":"echo"})"));
  r = ws.read();
  REQUIRE(r);
  CHECK(json::parse(*r) == ok(5, nullptr));
  r = ws.read();
  REQUIRE(r);
  CHECK(json::parse(*r) == ok(4, 300));

  REQUIRE(ws.send("{oops"));
  r = ws.read();
  REQUIRE(r);
  CHECK(error_code(json::parse(*r)) == kParseError);
}

TEST_CASE("start reports an address in use instead of throwing") {
  TestServer s;
  Dispatcher d;
  boost::asio::io_context ioc;
  Server second(ioc, {boost::asio::ip::make_address("127.0.0.1"), s.port()}, d, test_limits());
  CHECK(second.start());
}

TEST_CASE("stop closes open connections") {
  auto s = std::make_unique<TestServer>();
  Conn conn(s->port());
  REQUIRE(conn.request("POST", "/", R"({"jsonrpc":"2.0","id":1,"method":"echo"})"));
  WsConn ws(s->port());
  s->server().stop();
  CHECK(conn.wait_closed(500ms));
  CHECK_FALSE(ws.read(500ms));
}
