// HTTP/1.1 and WebSocket front end of a Dispatcher, on one port.
//   POST /          JSON-RPC request or batch (200 with the response, 204 for notifications)
//   GET  / Upgrade  WebSocket; each message is a request or batch
//   GET  /health    the health callback's status and JSON body
//   GET  /metrics   Prometheus text: the server's counters, then the metrics callback's text
//   GET  <file>     a static file (set_static_files: the web page at /, its assets), 304 when
//                   If-None-Match names its ETag; without static files GET / is 405
//   OPTIONS *       204, with CORS headers for an allowed origin
// Every request first passes the Access checks: a Host header that is not allowed
// gets 403, so does an Origin header that is not allowed (browser pages of other
// sites, WebSocket upgrades included); a POST whose Content-Type is not
// application/json gets 415. While static files are served, an Origin naming the
// request's own Host (http:// or https://, the page served from it) is allowed too,
// when that Host is localhost's or named in Access::hosts ("*" is not enough).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/json_rpc.h"
#include "rpc/limits.h"

namespace vest::rpc {

namespace detail {
struct ServerState;
}

// Which requests are served, by their Host and Origin headers.
struct Access {
  // Host names served (any port) besides localhost, 127.0.0.1 and ::1, which always
  // are; "*" serves any. A request without a Host header is served.
  std::vector<std::string> hosts;
  // Origins ("https://app.example", scheme://host[:port]) whose pages may call the
  // node: their requests and WebSocket upgrades are served and answered with
  // Access-Control-Allow-Origin; "*" allows any. A request without Origin (not from
  // a browser page) is served.
  std::vector<std::string> origins;
};

// A file answered to GET at `path`, with `Cache-Control: no-cache` (revalidated
// by its ETag) and the page's Content-Security-Policy (server.cpp, kPageSecurity).
struct StaticFile {
  std::string path;          // "/" or "/web/app.js"
  std::string content_type;  // "text/html; charset=utf-8"
  std::string_view body;     // bytes in static storage (rpc/web.h)
  std::string etag;          // quoted, "\"<hex>\""
};

struct Health {
  unsigned http_status = 200;
  boost::json::object body{{"status", "ok"}};
};

class Server {
 public:
  using HealthCallback = std::function<Health()>;
  // Returns extra Prometheus text appended to the server's own metrics.
  using MetricsCallback = std::function<std::string()>;

  // Serves `dispatcher` on `endpoint` (port 0 picks a free port) once started. The
  // caller runs `ioc` on any number of threads; `dispatcher` must outlive the
  // io_context's handlers.
  Server(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
         Dispatcher& dispatcher, Limits limits = {});
  // Calls stop().
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The setters below are not thread-safe: call them before start().
  void set_health(HealthCallback callback);
  void set_metrics(MetricsCallback callback);
  // Host and Origin allowlists; the default serves localhost only, to no other origin.
  void set_access(Access access);
  // Files served to GET (rpc/web.h's web page); none by default, and then GET / is
  // 405 as for any JSON-RPC endpoint. With files, an Origin naming the request's own
  // Host is allowed: the served page calls the node from there.
  void set_static_files(std::vector<StaticFile> files);
  // Told of connections opened, closed and evicted and of refused requests, one line
  // each; unset (the default), nothing is formatted. Called from io threads.
  void set_debug_log(std::function<void(std::string_view)> log);

  // Binds and listens, then accepts on the io_context. Returns the failure (e.g.
  // address in use) instead of throwing. Call once.
  boost::system::error_code start();
  // The bound port, valid after a successful start().
  std::uint16_t local_port() const;
  // Closes the acceptor and every connection. Thread-safe, idempotent; takes effect
  // on the io_context threads.
  void stop();

 private:
  std::shared_ptr<detail::ServerState> state_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::uint16_t port_ = 0;
};

}  // namespace vest::rpc
