#include "tests/integration/rpc_proxy.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <thread>

#include "tests/integration/harness.h"

namespace vest::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

struct RpcProxy::Impl {
  uint16_t upstream;
  Rewrite rewrite;
  net::io_context ioc;
  std::optional<net::ssl::context> ssl_ctx;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  mutable std::mutex mutex;
  std::vector<std::string> methods;  // guarded by mutex

  // The answer to one request body: vestd's, rewritten.
  std::string forward(const std::string& body) {
    std::string method;
    json::error_code ec;
    json::value req = json::parse(body, ec);
    if (!ec && req.is_object() && req.as_object().contains("method") && req.at("method").is_string())
      method = std::string(req.at("method").as_string());
    {
      std::lock_guard lock(mutex);
      methods.push_back(method);
    }
    auto answer = try_http_post(upstream, body);
    if (!answer) return R"({"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"upstream gone"}})";
    json::value res = json::parse(answer->second, ec);
    if (ec || !res.is_object() || !rewrite) return answer->second;
    rewrite(method, res.as_object());
    return json::serialize(res);
  }

  template <class Stream>
  net::awaitable<void> serve(Stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, net::use_awaitable);
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = forward(req.body());
      res.prepare_payload();
      co_await http::async_write(stream, res, net::use_awaitable);
      if (!req.keep_alive()) break;
    }
  }

  net::awaitable<void> serve_tls(tcp::socket socket) {
    beast::ssl_stream<tcp::socket> stream(std::move(socket), *ssl_ctx);
    co_await stream.async_handshake(net::ssl::stream_base::server, net::use_awaitable);
    co_await serve(std::move(stream));
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(net::use_awaitable);
      auto ignore = [](std::exception_ptr) {};  // a client that hangs up or refuses the certificate
      if (ssl_ctx) {
        net::co_spawn(ioc, serve_tls(std::move(socket)), ignore);
      } else {
        net::co_spawn(ioc, serve(std::move(socket)), ignore);
      }
    }
  }
};

RpcProxy::RpcProxy(uint16_t upstream_port, Rewrite rewrite, std::optional<Tls> tls)
    : impl_(std::make_unique<Impl>()), tls_(tls.has_value()) {
  impl_->upstream = upstream_port;
  impl_->rewrite = std::move(rewrite);
  if (tls) {
    impl_->ssl_ctx.emplace(net::ssl::context::tls_server);
    impl_->ssl_ctx->use_certificate_chain_file(tls->cert.string());
    impl_->ssl_ctx->use_private_key_file(tls->key.string(), net::ssl::context::pem);
  }
  tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(at.protocol());
  impl_->acceptor.bind(at);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  net::co_spawn(impl_->ioc, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

RpcProxy::~RpcProxy() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string RpcProxy::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> RpcProxy::methods() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->methods;
}

bool RpcProxy::saw(const std::string& method) const {
  auto all = methods();
  return std::find(all.begin(), all.end(), method) != all.end();
}

}  // namespace vest::test
