#include "tests/rpc/rpc_test_util.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>

#include "rpc/params.h"

namespace vest::rpc::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

Limits test_limits() {
  Limits l;
  l.max_body_bytes = 64 * 1024;
  l.max_header_bytes = 2048;
  l.max_batch = 10;
  l.max_depth = 16;
  l.max_connections = 8;
  l.max_ws_pending = 4;
  l.idle_timeout = 800ms;
  l.read_timeout = 300ms;
  l.write_timeout = 1000ms;
  return l;
}

TestServer::TestServer(Limits limits, std::function<void(Server&)> configure) {
  dispatcher_.add_sync("echo", ParamNames::any(), [](const json::value& params) { return params; });
  dispatcher_.add_sync("add", {"a", "b"}, [](const json::value& params) -> Result {
    const json::object& p = params_object(params);
    return get_u64(p, "a") + get_u64(p, "b");
  });
  dispatcher_.add("slow", {"ms"}, [this](const json::value& params, Dispatcher::Reply reply) {
    const std::uint64_t ms = opt_u64(params_object(params), "ms").value_or(200);
    std::lock_guard lock(workers_mutex_);
    workers_.emplace_back([ms, reply = std::move(reply)] {
      std::this_thread::sleep_for(Ms(ms));
      reply(json::value(ms));
    });
  });
  dispatcher_.add_sync("throws", ParamNames::any(), [](const json::value&) -> Result {
    throw std::runtime_error("secret internal detail");
  });
  dispatcher_.add_sync("bad_params", ParamNames::any(), [](const json::value&) -> Result {
    throw InvalidParams("missing field 'address'");
  });
  dispatcher_.add_sync("app_error", ParamNames::any(), [](const json::value&) -> Result {
    return Error{3, "execution reverted", json::object{{"reason", "nope"}}};
  });
  dispatcher_.add_sync("raw_bytes", ParamNames::any(), [](const json::value&) -> Result {
    return Error{3, std::string("asset \xff\xfe\xc3\xa9\xe2\x82 unknown"), nullptr};
  });
  dispatcher_.add("drops", ParamNames::any(), [](const json::value&, Dispatcher::Reply) {});
  dispatcher_.add_sync("note", ParamNames::any(), [this](const json::value&) -> Result {
    ++notes;
    return nullptr;
  });

  server_ = std::make_unique<Server>(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
                                     dispatcher_, limits);
  if (configure) configure(*server_);
  const auto ec = server_->start();
  REQUIRE_FALSE(ec);
  REQUIRE(port() != 0);
  work_.emplace(ioc_.get_executor());
  for (int i = 0; i < 2; ++i) io_threads_.emplace_back([this] { ioc_.run(); });
}

TestServer::~TestServer() {
  server_->stop();
  {
    std::lock_guard lock(workers_mutex_);
    for (auto& t : workers_) t.join();
  }
  work_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
}

std::string HttpReply::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

json::value HttpReply::json() const { return json::parse(body); }

struct Conn::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;

  // Runs the started operation, cancelling it after `timeout`; false when cancelled.
  bool run(Ms timeout) {
    ioc.restart();
    ioc.run_for(timeout);
    if (ioc.stopped()) return true;
    beast::error_code ignored;
    socket.cancel(ignored);
    ioc.restart();
    ioc.run();
    return false;
  }
};

Conn::Conn(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  impl_->socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                              [&](beast::error_code e) { ec = e; });
  REQUIRE(impl_->run(5000ms));
  REQUIRE_FALSE(ec);
}

Conn::~Conn() = default;

bool Conn::send_raw(const std::string& bytes) {
  beast::error_code ec;
  net::async_write(impl_->socket, net::buffer(bytes),
                   [&](beast::error_code e, std::size_t) { ec = e; });
  return impl_->run(5000ms) && !ec;
}

std::optional<HttpReply> Conn::read_reply(Ms timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  beast::error_code ec;
  http::async_read(impl_->socket, impl_->buffer, parser,
                   [&](beast::error_code e, std::size_t) { ec = e; });
  if (!impl_->run(timeout) || ec) return std::nullopt;
  auto res = parser.release();
  HttpReply reply;
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  reply.keep_alive = res.keep_alive();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

std::optional<HttpReply> Conn::request(const std::string& method, const std::string& target,
                                       const std::string& body, const std::string& extra_headers) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (method == "POST") {
    text +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  text += "\r\n" + body;
  if (!send_raw(text)) return std::nullopt;
  return read_reply();
}

bool Conn::wait_closed(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left <= Ms(0)) return false;
    beast::error_code ec;
    impl_->buffer.clear();
    impl_->socket.async_read_some(impl_->buffer.prepare(4096),
                                  [&](beast::error_code e, std::size_t) { ec = e; });
    if (!impl_->run(left)) return false;
    if (ec) return true;
  }
}

void Conn::close() {
  beast::error_code ignored;
  impl_->socket.close(ignored);
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& extra_headers) {
  Conn conn(port);
  auto reply = conn.request(method, target, body, extra_headers);
  REQUIRE(reply);
  return *reply;
}

json::value rpc(std::uint16_t port, const std::string& body) {
  HttpReply reply = http_request(port, "POST", "/", body);
  REQUIRE(reply.status == 200);
  REQUIRE(reply.header("content-type") == "application/json");
  return reply.json();
}

struct WsConn::Impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;

  // Runs until the started operation is done; closes the socket after `timeout`.
  void run(Ms timeout) {
    ioc.restart();
    ioc.run_for(timeout);
    if (!ioc.stopped()) {
      beast::get_lowest_layer(ws).close();
      ioc.restart();
      ioc.run();
    }
  }
};

WsConn::WsConn(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
      [&](beast::error_code e) { ec = e; });
  impl_->run(5000ms);
  REQUIRE_FALSE(ec);
  impl_->ws.async_handshake("127.0.0.1", "/", [&](beast::error_code e) { ec = e; });
  impl_->run(5000ms);
  REQUIRE_FALSE(ec);
  impl_->ws.text(true);
}

WsConn::~WsConn() = default;

bool WsConn::send(const std::string& text) {
  beast::error_code ec = net::error::would_block;
  impl_->ws.async_write(net::buffer(text), [&](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(5000ms);
  return !ec;
}

std::optional<std::string> WsConn::read(Ms timeout) {
  beast::error_code ec = net::error::would_block;
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(timeout);
  if (ec) return std::nullopt;
  std::string text = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  return text;
}

}  // namespace vest::rpc::test
