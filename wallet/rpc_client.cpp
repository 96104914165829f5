#include "wallet/rpc_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace vest::wallet {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kMaxResponseBytes = 64ull * 1024 * 1024;

// The connection was closed by the server between calls, so resending is safe.
bool is_stale_connection(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::ssl::error::stream_truncated;
}

}  // namespace

RpcError::RpcError(int code, std::string message, json::value data)
    : std::runtime_error(std::move(message)), code_(code), data_(std::move(data)) {}

struct RpcClient::Impl {
  std::string url;
  std::string host;
  bool tls = false;  // https://
  std::string port = "80";
  std::string authority;
  std::string target = "/";
  std::chrono::milliseconds timeout;
  std::string ca_file;  // empty: the system's trusted certificates
  net::io_context ioc;
  beast::tcp_stream plain{ioc};
  std::optional<net::ssl::context> ssl_ctx;                 // made at the first https connection
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;  // engaged while an https connection is open
  beast::flat_buffer buffer;
  bool connected = false;
  std::uint64_t next_id = 1;

  Impl(std::string u, std::chrono::milliseconds t) : url(std::move(u)), timeout(t) { parse_url(); }

  void parse_url() {
    std::string_view rest = url;
    if (rest.starts_with("https://")) {
      tls = true;
      port = "443";
      rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
      rest.remove_prefix(7);
    } else {
      throw TransportError("unsupported URL '" + url + "': expected http://host:port or https://host:port");
    }
    const auto slash = rest.find('/');
    if (slash != std::string_view::npos) target = std::string(rest.substr(slash));
    authority = std::string(rest.substr(0, slash));
    std::string_view hostport = authority;
    std::string_view port_text;
    if (hostport.starts_with('[')) {
      const auto close = hostport.find(']');
      if (close == std::string_view::npos) throw TransportError("bad host in URL '" + url + "'");
      host = std::string(hostport.substr(1, close - 1));
      std::string_view after = hostport.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') throw TransportError("bad host in URL '" + url + "'");
        port_text = after.substr(1);
      }
    } else {
      const auto colon = hostport.rfind(':');
      host = std::string(hostport.substr(0, colon));
      if (colon != std::string_view::npos) port_text = hostport.substr(colon + 1);
    }
    if (!port_text.empty()) port = std::string(port_text);
    const bool digits =
        port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (host.empty() || port.empty() || !digits || std::stoul(port) > 65535) {
      throw TransportError("bad host or port in URL '" + url + "'");
    }
  }

  // Runs the io_context until the started operation completes.
  void run() {
    ioc.restart();
    ioc.run();
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : plain; }

  // Without a TLS close_notify: the client has nothing left to protect once it stops reading.
  void disconnect() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    secure.reset();
    buffer.clear();
    connected = false;
  }

  // The TLS client context: peers must present a certificate chain to a trusted CA
  // (ca_file, else the system store), TLS 1.2 or newer.
  void make_ssl_context() {
    ssl_ctx.emplace(net::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ssl_ctx->native_handle(), TLS1_2_VERSION);
    ssl_ctx->set_verify_mode(net::ssl::verify_peer);
    beast::error_code ec;
    if (ca_file.empty()) {
      ssl_ctx->set_default_verify_paths(ec);
    } else {
      ssl_ctx->load_verify_file(ca_file, ec);
    }
    if (ec) {
      ssl_ctx.reset();
      throw TransportError(ca_file.empty() ? "cannot load the system's CA certificates: " + ec.message()
                                           : "cannot load CA certificates from " + ca_file + ": " + ec.message());
    }
  }

  // TLS handshake on the connected socket, checking the certificate names `host`.
  void handshake(Clock::time_point deadline) {
    SSL* ssl = secure->native_handle();
    beast::error_code ec;
    net::ip::make_address(host, ec);
    if (ec) {
      SSL_set_tlsext_host_name(ssl, host.c_str());
      SSL_set1_host(ssl, host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    }
    lowest().expires_at(deadline);
    secure->async_handshake(net::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    run();
    if (!ec) return;
    const long verify = SSL_get_verify_result(ssl);
    if (ec == beast::error::timeout || verify == X509_V_OK) fail("TLS handshake failed with", ec);
    std::string why = X509_verify_cert_error_string(verify);
    disconnect();
    throw TransportError("TLS handshake failed with " + url + ": the certificate is refused (" + why + ")" +
                         (ca_file.empty() ? "; for a private CA, give its certificate with --rpc-cacert" : ""));
  }

  [[noreturn]] void fail(std::string_view what, beast::error_code ec) {
    disconnect();
    if (ec == beast::error::timeout || ec == net::error::operation_aborted) {
      throw TransportError("RPC to " + url + " timed out after " + std::to_string(timeout.count()) +
                           " ms");
    }
    throw TransportError(std::string(what) + " " + url + ": " + ec.message());
  }

  void connect(Clock::time_point deadline) {
    tcp::resolver resolver(ioc);
    net::steady_timer timer(ioc, deadline);
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(host, port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
      timer.cancel();
    });
    timer.async_wait([&](beast::error_code e) {
      if (!e) resolver.cancel();
    });
    run();
    if (ec) fail("cannot resolve", ec);
    if (tls) {
      if (!ssl_ctx) make_ssl_context();
      secure.emplace(ioc, *ssl_ctx);
    }
    lowest().expires_at(deadline);
    lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) fail("cannot connect to", ec);
    if (tls) handshake(deadline);
    connected = true;
  }

  // Sends `req` and reads the response; nullopt when a reused connection was stale.
  std::optional<http::response<http::string_body>> exchange(
      const http::request<http::string_body>& req, Clock::time_point deadline, bool reused) {
    if (secure) return exchange_on(*secure, req, deadline, reused);
    return exchange_on(plain, req, deadline, reused);
  }

  template <class Stream>
  std::optional<http::response<http::string_body>> exchange_on(
      Stream& stream, const http::request<http::string_body>& req, Clock::time_point deadline, bool reused) {
    beast::error_code ec;
    lowest().expires_at(deadline);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec && reused && is_stale_connection(ec)) return std::nullopt;
    if (ec) fail("cannot send to", ec);

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec && reused && is_stale_connection(ec)) return std::nullopt;
    if (ec) fail("no response from", ec);
    return parser.release();
  }

  json::value call(const std::string& method, json::value params) {
    const std::uint64_t id = next_id++;
    json::object body{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) body["params"] = std::move(params);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, authority);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);
    req.body() = json::serialize(body);
    req.prepare_payload();

    const auto deadline = Clock::now() + timeout;
    std::optional<http::response<http::string_body>> res;
    for (int attempt = 0; !res; ++attempt) {
      const bool reused = connected && attempt == 0;
      if (!connected) connect(deadline);
      res = exchange(req, deadline, reused);
      if (!res) disconnect();
    }
    if (!res->keep_alive()) disconnect();
    return parse_reply(*res, id);
  }

  json::value parse_reply(const http::response<http::string_body>& res, std::uint64_t id) {
    json::error_code ec;
    json::value reply = json::parse(res.body(), ec);
    const json::object* obj = ec ? nullptr : reply.if_object();
    if (obj) {
      if (const json::value* err = obj->if_contains("error"); err && err->is_object()) {
        const json::object& e = err->get_object();
        const json::value* code = e.if_contains("code");
        const json::value* message = e.if_contains("message");
        const json::value* data = e.if_contains("data");
        throw RpcError(code && code->is_int64() ? static_cast<int>(code->get_int64()) : 0,
                       message && message->is_string() ? std::string(message->get_string()) : "",
                       data ? *data : json::value());
      }
    }
    if (res.result() != http::status::ok) {
      throw TransportError("HTTP " + std::to_string(res.result_int()) + " " +
                           std::string(res.reason()) + " from " + url);
    }
    if (!obj || !obj->contains("result")) {
      throw TransportError("malformed JSON-RPC response from " + url);
    }
    const json::value* reply_id = obj->if_contains("id");
    json::error_code id_ec;
    if (!reply_id || reply_id->to_number<std::uint64_t>(id_ec) != id || id_ec) {
      throw TransportError("JSON-RPC response with a wrong id from " + url);
    }
    return std::move(reply.get_object().at("result"));
  }
};

RpcClient::RpcClient(std::string url, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(url), timeout)) {}

RpcClient::~RpcClient() = default;

void RpcClient::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }

void RpcClient::set_ca_file(std::string path) {
  impl_->ca_file = std::move(path);
  impl_->ssl_ctx.reset();
}

json::value RpcClient::call(const std::string& method, json::value params) {
  return impl_->call(method, std::move(params));
}

}  // namespace vest::wallet
