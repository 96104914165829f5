#include "tests/integration/ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

namespace vest::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using Ms = std::chrono::milliseconds;

struct WsClient::Impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool closed = false;

  // Runs the started operation; closes the socket when it takes over `timeout`.
  void run(Ms timeout) {
    ioc.restart();
    ioc.run_for(timeout);
    if (!ioc.stopped()) {
      beast::get_lowest_layer(ws).close();
      closed = true;
      ioc.restart();
      ioc.run();
    }
  }
};

WsClient::WsClient(uint16_t port, std::optional<int> receive_buffer) : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  tcp::socket& sock = beast::get_lowest_layer(impl_->ws).socket();
  sock.open(tcp::v4(), ec);
  REQUIRE_FALSE(ec);
  if (receive_buffer) sock.set_option(net::socket_base::receive_buffer_size(*receive_buffer), ec);
  beast::get_lowest_layer(impl_->ws).async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                                   [&](beast::error_code e) { ec = e; });
  impl_->run(Ms(5000));
  REQUIRE_FALSE(ec);
  impl_->ws.async_handshake("127.0.0.1", "/", [&](beast::error_code e) { ec = e; });
  impl_->run(Ms(5000));
  REQUIRE_FALSE(ec);
  impl_->ws.text(true);
  impl_->ws.read_message_max(64u << 20);
}

WsClient::~WsClient() {
  if (!impl_->closed) {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
  }
}

bool WsClient::send(const std::string& text) {
  beast::error_code ec = net::error::would_block;
  impl_->ws.async_write(net::buffer(text), [&](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(Ms(5000));
  return !ec;
}

std::optional<json::value> WsClient::read_wire(Ms timeout) {
  if (impl_->closed) return std::nullopt;
  beast::error_code ec = net::error::would_block;
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(timeout);
  if (ec) {
    impl_->closed = impl_->closed || ec != net::error::would_block;
    return std::nullopt;
  }
  std::string text = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  json::error_code parse_error;
  json::value v = json::parse(text, parse_error);
  if (parse_error) return std::nullopt;
  return v;
}

std::optional<json::value> WsClient::read(Ms timeout) {
  if (!kept_.empty()) {
    json::value v = std::move(kept_.front());
    kept_.pop_front();
    return v;
  }
  return read_wire(timeout);
}

json::object WsClient::call(const std::string& method, json::value params) {
  const uint64_t id = next_id_++;
  json::object req{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) req["params"] = std::move(params);
  REQUIRE(send(json::serialize(req)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto msg = read_wire(Ms(10000));
    if (!msg) break;
    const json::object& o = msg->as_object();
    if (o.contains("id") && o.at("id") == json::value(id)) return o;
    kept_.push_back(std::move(*msg));
  }
  FAIL("no response to " << method);
  return {};
}

std::string WsClient::subscribe(json::object params) {
  json::object r = call("subscribe", params);
  INFO("subscribe " << json::serialize(params) << " -> " << json::serialize(r));
  REQUIRE(r.contains("result"));
  REQUIRE(r.at("result").is_string());
  return std::string(r.at("result").as_string());
}

std::optional<json::object> WsClient::next(Ms timeout) {
  auto msg = read(timeout);
  if (!msg) return std::nullopt;
  json::object& o = msg->as_object();
  INFO(json::serialize(o));
  REQUIRE(o.at("method") == "subscription");
  return o.at("params").as_object();
}

std::optional<json::object> WsClient::receive(Ms timeout) {
  auto msg = read(timeout);
  if (!msg || !msg->is_object()) return std::nullopt;
  const json::object& o = msg->as_object();
  const json::value* method = o.if_contains("method");
  const json::value* params = o.if_contains("params");
  if (!method || *method != "subscription" || !params || !params->is_object()) return std::nullopt;
  return params->as_object();
}

std::optional<WsClient::Closed> WsClient::read_until_close(Ms timeout) {
  Closed c;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    beast::error_code ec = net::error::would_block;
    impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, std::size_t) { ec = e; });
    impl_->run(left);
    if (ec == websocket::error::closed) {
      c.code = impl_->ws.reason().code;
      c.reason = std::string(impl_->ws.reason().reason.c_str());
      impl_->closed = true;
      return c;
    }
    if (ec) return std::nullopt;
    impl_->buffer.consume(impl_->buffer.size());
    ++c.messages;
  }
}

void WsClient::close() {
  if (impl_->closed) return;
  beast::error_code ec = net::error::would_block;
  impl_->ws.async_close(websocket::close_code::normal, [&](beast::error_code e) { ec = e; });
  impl_->run(Ms(2000));
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
  impl_->closed = true;
}

}  // namespace vest::test
