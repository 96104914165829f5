#include "rpc/server.h"

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace vest::rpc {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 4096;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 33\r\n"
    "Connection: close\r\n"
    "\r\n"
    "{\"error\":\"too many connections\"}\n";

}  // namespace

namespace detail {

// A connection that stop() can close from any thread.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
};

struct ServerState {
  ServerState(net::io_context& io, Dispatcher& d, Limits l)
      : ioc(io),
        dispatcher(d),
        limits(l),
        strand(net::make_strand(io)),
        acceptor(strand),
        retry_timer(strand) {}

  net::io_context& ioc;
  Dispatcher& dispatcher;
  const Limits limits;
  Server::HealthCallback health;
  Server::MetricsCallback metrics;
  std::string cors_origin;

  net::strand<net::io_context::executor_type> strand;  // acceptor and stop()
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;

  std::mutex mutex;  // guards the three below
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
  std::uint64_t next_id = 0;
  bool stopped = false;

  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> ws_messages{0};
};

}  // namespace detail

namespace {

using detail::Connection;
using detail::ServerState;
using Response = http::response<http::string_body>;
using Request = http::request<http::string_body>;

// One of the max_connections places, plus the registration stop() uses.
class Slot {
 public:
  explicit Slot(std::shared_ptr<ServerState> state) : state_(std::move(state)) {
    ++state_->active;
    std::lock_guard lock(state_->mutex);
    id_ = state_->next_id++;
  }
  Slot(Slot&& other) noexcept : state_(std::move(other.state_)), id_(other.id_) {}
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (!state_) return;
    {
      std::lock_guard lock(state_->mutex);
      state_->connections.erase(id_);
    }
    --state_->active;
  }

  // Makes `c` the connection stop() closes; false once the server is stopping.
  bool bind(std::weak_ptr<Connection> c) {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return false;
    state_->connections[id_] = std::move(c);
    return true;
  }

 private:
  std::shared_ptr<ServerState> state_;
  std::uint64_t id_ = 0;
};

std::string render_metrics(const ServerState& s) {
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                    std::uint64_t value) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    out.append(name).append(" ").append(std::to_string(value)).append("\n");
  };
  metric("vest_rpc_connections_active", "gauge", "Open HTTP and WebSocket connections.",
         s.active.load());
  metric("vest_rpc_connections_accepted_total", "counter", "Connections accepted.",
         s.accepted.load());
  metric("vest_rpc_connections_refused_total", "counter",
         "Connections refused over the connection limit.", s.refused.load());
  metric("vest_rpc_http_requests_total", "counter", "HTTP requests read.", s.http_requests.load());
  metric("vest_rpc_ws_messages_total", "counter", "WebSocket messages read.", s.ws_messages.load());
  s.dispatcher.append_metrics(out);
  try {
    if (s.metrics) out += s.metrics();
  } catch (...) {
    out += "# the node's metrics callback failed\n";
  }
  return out;
}

class WsSession : public Connection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream stream, Slot slot, std::shared_ptr<ServerState> state)
      : ws_(std::move(stream)),
        executor_(ws_.get_executor()),
        slot_(std::move(slot)),
        state_(std::move(state)) {}

  bool bind() { return slot_.bind(weak_from_this()); }

  void run(const Request& req) {
    const Limits& limits = state_->limits;
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = limits.read_timeout;
    timeout.idle_timeout = limits.idle_timeout;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(limits.max_body_bytes);
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

  void close() override {
    net::post(executor_,
              [self = shared_from_this()] { beast::get_lowest_layer(self->ws_).close(); });
  }

 private:
  // Pauses while too many calls, or too many request bytes, are unanswered.
  void read() {
    const Limits& limits = state_->limits;
    if (pending_ >= limits.max_ws_pending || pending_bytes_ >= limits.max_body_bytes) {
      paused_ = true;
      return;
    }
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return;
    ++state_->ws_messages;
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    ++pending_;
    pending_bytes_ += text.size();
    state_->dispatcher.handle(
        text, state_->limits,
        [self = shared_from_this(), size = text.size()](std::string response) {
          net::post(self->executor_, [self, size, response = std::move(response)]() mutable {
            self->on_reply(std::move(response), size);
          });
        });
    read();
  }

  void on_reply(std::string response, std::size_t request_size) {
    if (response.empty()) return done_one(request_size);
    outbox_.push_back({std::move(response), request_size});
    if (outbox_.size() == 1) write_front();
  }

  void write_front() {
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front().first),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      const std::size_t request_size = self->outbox_.front().second;
                      self->outbox_.pop_front();
                      if (ec) return;
                      if (!self->outbox_.empty()) self->write_front();
                      self->done_one(request_size);
                    });
  }

  void done_one(std::size_t request_size) {
    --pending_;
    pending_bytes_ -= request_size;
    if (paused_) {
      paused_ = false;
      read();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  const net::any_io_executor executor_;
  Slot slot_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, std::size_t>> outbox_;  // response, request size
  std::size_t pending_ = 0;
  std::size_t pending_bytes_ = 0;
  bool paused_ = false;
};

class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, Slot slot, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket)),
        executor_(stream_.get_executor()),
        slot_(std::move(slot)),
        state_(std::move(state)) {}

  bool bind() { return slot_.bind(weak_from_this()); }

  void run() {
    net::dispatch(executor_, [self = shared_from_this()] { self->wait_request(); });
  }

  void close() override {
    net::post(executor_, [self = shared_from_this()] {
      if (!self->upgraded_) self->stream_.close();
    });
  }

 private:
  // Waits up to idle_timeout for the first byte, then read_timeout for the whole request.
  void wait_request() {
    const Limits& limits = state_->limits;
    parser_.emplace();
    parser_->body_limit(limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    if (buffer_.size() > 0) return read_request();
    stream_.expires_after(limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return;
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void read_request() {
    stream_.expires_after(state_->limits.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return send_error(http::status::payload_too_large, "body too large");
    if (ec == http::error::header_limit) {
      return send_error(http::status::request_header_fields_too_large, "header too large");
    }
    if (ec == http::error::end_of_stream) return;
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category()) {
      return send_error(http::status::bad_request, "malformed HTTP request");
    }
    if (ec) return;
    ++state_->http_requests;
    on_request(parser_->release());
  }

  void on_request(Request req) {
    std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const bool known = path == "/" || path == "/health" || path == "/metrics";
    if (websocket::is_upgrade(req)) {
      if (path != "/") return send_error(http::status::not_found, "not found", req);
      return upgrade(std::move(req));
    }
    if (req.method() == http::verb::options) {
      Response res = make_response(http::status::no_content, req, "", "");
      res.set(http::field::allow, "GET, POST, OPTIONS");
      if (!state_->cors_origin.empty()) {
        res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
        res.set(http::field::access_control_allow_headers, "Content-Type");
        res.set(http::field::access_control_max_age, "600");
      }
      return send(std::move(res));
    }
    if (req.method() == http::verb::post && path == "/") return call(std::move(req));
    if (req.method() == http::verb::get && path == "/health") return send(health(req));
    if (req.method() == http::verb::get && path == "/metrics") {
      return send(make_response(http::status::ok, req, render_metrics(*state_),
                                "text/plain; version=0.0.4; charset=utf-8"));
    }
    if (known) return send_error(http::status::method_not_allowed, "method not allowed", req);
    send_error(http::status::not_found, "not found", req);
  }

  void call(Request req) {
    state_->dispatcher.handle(
        req.body(), state_->limits,
        [self = shared_from_this(), version = req.version(),
         keep_alive = req.keep_alive()](std::string response) {
          // Inline when the answer is ready at once (it completes on this
          // session's strand); queued when it comes from another thread.
          net::dispatch(self->executor_, [self, version, keep_alive,
                                          response = std::move(response)]() mutable {
            const bool empty = response.empty();
            Response res{empty ? http::status::no_content : http::status::ok, version};
            res.keep_alive(keep_alive);
            self->send(self->finish(std::move(res), std::move(response), empty ? "" : kJson));
          });
        });
  }

  Response health(const Request& req) {
    Health h;
    try {
      if (state_->health) h = state_->health();
    } catch (...) {
      h = Health{500, json::object{{"status", "error"}}};
    }
    Response res = make_response(http::status::ok, req, json::serialize(h.body), kJson);
    res.result(h.http_status >= 100 && h.http_status <= 599 ? h.http_status : 500);
    return res;
  }

  void upgrade(Request req) {
    upgraded_ = true;
    auto ws = std::make_shared<WsSession>(std::move(stream_), std::move(slot_), state_);
    if (ws->bind()) ws->run(req);
  }

  Response finish(Response res, std::string body, std::string_view content_type) {
    if (!content_type.empty()) res.set(http::field::content_type, content_type);
    if (!state_->cors_origin.empty()) {
      res.set(http::field::access_control_allow_origin, state_->cors_origin);
    }
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  Response make_response(http::status status, const Request& req, std::string body,
                         std::string_view content_type) {
    Response res{status, req.version()};
    res.keep_alive(req.keep_alive());
    return finish(std::move(res), std::move(body), content_type);
  }

  // A JSON error body; closes the connection except after 404 and 405, whose request
  // was read whole.
  void send_error(http::status status, std::string_view message, const Request& req = {}) {
    Response res{status, req.version()};
    res.keep_alive(status == http::status::not_found || status == http::status::method_not_allowed
                       ? req.keep_alive()
                       : false);
    send(finish(std::move(res), json::serialize(json::object{{"error", message}}), kJson));
  }

  void send(Response res) {
    response_ = std::move(res);
    stream_.expires_after(state_->limits.write_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) return self->wait_request();
                        self->linger();
                      });
  }

  // Stops sending and discards input until the peer closes, so it reads the last
  // response instead of a reset.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(state_->limits.read_timeout);
    drain();
  }

  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();
                            });
  }

  beast::tcp_stream stream_;
  const net::any_io_executor executor_;
  Slot slot_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;
  bool upgraded_ = false;
};

void accept(std::shared_ptr<ServerState> s);

void refuse(tcp::socket socket) {
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*sock, net::buffer(kBusyResponse), [sock](beast::error_code, std::size_t) {
    beast::error_code ec;
    sock->shutdown(tcp::socket::shutdown_both, ec);
    sock->close(ec);
  });
}

void on_accept(const std::shared_ptr<ServerState>& s, beast::error_code ec, tcp::socket socket) {
  if (!s->acceptor.is_open()) return;
  if (ec) {
    // Typically out of file descriptors: back off instead of spinning.
    s->retry_timer.expires_after(kAcceptRetryDelay);
    s->retry_timer.async_wait([s](beast::error_code wait_ec) {
      if (!wait_ec) accept(s);
    });
    return;
  }
  if (s->active.load() >= s->limits.max_connections) {
    ++s->refused;
    refuse(std::move(socket));
  } else {
    ++s->accepted;
    auto session = std::make_shared<HttpSession>(std::move(socket), Slot(s), s);
    if (session->bind()) session->run();
  }
  accept(s);
}

void accept(std::shared_ptr<ServerState> s) {
  ServerState& state = *s;
  auto on_done = [s = std::move(s)](beast::error_code ec, tcp::socket socket) {
    on_accept(s, ec, std::move(socket));
  };
  state.acceptor.async_accept(net::make_strand(state.ioc),
                              net::bind_executor(state.strand, std::move(on_done)));
}

}  // namespace

Server::Server(net::io_context& ioc, tcp::endpoint endpoint, Dispatcher& dispatcher, Limits limits)
    : state_(std::make_shared<ServerState>(ioc, dispatcher, limits)), endpoint_(endpoint) {}

Server::~Server() { stop(); }

void Server::set_health(HealthCallback callback) { state_->health = std::move(callback); }

void Server::set_metrics(MetricsCallback callback) { state_->metrics = std::move(callback); }

void Server::set_cors_origin(std::string origin) { state_->cors_origin = std::move(origin); }

boost::system::error_code Server::start() {
  boost::system::error_code ec;
  tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint_.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint_, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  tcp::endpoint local;
  if (!ec) local = acceptor.local_endpoint(ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return ec;
  }
  port_ = local.port();
  net::dispatch(state_->strand, [s = state_] { accept(s); });
  return {};
}

std::uint16_t Server::local_port() const { return port_; }

void Server::stop() {
  net::post(state_->strand, [s = state_] {
    beast::error_code ec;
    s->acceptor.close(ec);
    s->retry_timer.cancel();
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard lock(s->mutex);
      s->stopped = true;
      for (auto& [id, weak] : s->connections) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
    }
    for (auto& c : open) c->close();
  });
}

}  // namespace vest::rpc
