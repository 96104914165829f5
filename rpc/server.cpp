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
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "rpc/subscriptions.h"

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
// Sent with every static file: scripts, styles and connections of the page's own
// origin only (docs/explorer.md).
constexpr std::string_view kPageSecurity =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
  Access access;
  std::vector<StaticFile> static_files;
  std::function<void(std::string_view)> debug_log;

  net::strand<net::io_context::executor_type> strand;  // acceptor and stop()
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;

  // Closing order of connections that may make room for a new one: those waiting
  // for a request (kWaiting) before those reading request headers (kReadingHeaders),
  // each oldest first (by the order they entered that state).
  enum class Evictable { kWaiting = 0, kReadingHeaders = 1 };
  using EvictKey = std::pair<Evictable, std::uint64_t>;
  struct Registered {
    std::weak_ptr<Connection> connection;
    std::optional<EvictKey> evict_key;  // set while the connection may be evicted
    bool evicted = false;               // closing to make room; counted in `evicting`
  };

  std::mutex mutex;  // guards the five below
  std::unordered_map<std::uint64_t, Registered> connections;
  std::map<EvictKey, std::uint64_t> evictable;  // -> connection id
  std::uint64_t next_id = 0;
  std::uint64_t next_evict_seq = 0;
  bool stopped = false;

  std::atomic<std::size_t> active{0};    // open connections (their Slots)
  std::atomic<std::size_t> evicting{0};  // of those, closing to make room
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> evicted{0};
  std::atomic<std::uint64_t> header_timeouts{0};
  std::atomic<std::uint64_t> forbidden{0};
  std::atomic<std::uint64_t> unsupported_media{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> ws_messages{0};

  void debug(std::string_view message) const {
    if (debug_log) debug_log(message);
  }
};

}  // namespace detail

namespace {

using detail::Connection;
using detail::ServerState;
using Response = http::response<http::string_body>;
using Request = http::request<http::string_body>;

// One of the max_connections places, plus the registration stop() and eviction use.
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
    bool was_evicted = false;
    {
      std::lock_guard lock(state_->mutex);
      auto it = state_->connections.find(id_);
      if (it != state_->connections.end()) {
        if (it->second.evict_key) state_->evictable.erase(*it->second.evict_key);
        was_evicted = it->second.evicted;
        state_->connections.erase(it);
      }
    }
    if (was_evicted) --state_->evicting;
    --state_->active;
    if (state_->debug_log) state_->debug("rpc connection " + std::to_string(id_) + " closed" +
                                         (was_evicted ? " (evicted to make room)" : ""));
  }

  std::uint64_t id() const { return id_; }

  // Makes `c` the connection stop() closes; false once the server is stopping.
  bool bind(std::weak_ptr<Connection> c) {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return false;
    state_->connections[id_].connection = std::move(c);
    return true;
  }

  // Marks the connection as one that may be closed to make room (`state` says how
  // soon), or, with nullopt, as busy.
  void set_evictable(std::optional<ServerState::Evictable> state) {
    std::lock_guard lock(state_->mutex);
    auto it = state_->connections.find(id_);
    if (it == state_->connections.end()) return;
    Registered& r = it->second;
    if (r.evict_key) state_->evictable.erase(*r.evict_key);
    r.evict_key.reset();
    if (!state || r.evicted) return;
    r.evict_key = ServerState::EvictKey{*state, state_->next_evict_seq++};
    state_->evictable.emplace(*r.evict_key, id_);
  }

 private:
  using Registered = ServerState::Registered;
  std::shared_ptr<ServerState> state_;
  std::uint64_t id_ = 0;
};

// Closes the connection that waited longest, to make room; false when none may be.
bool evict_one(ServerState& s) {
  std::shared_ptr<Connection> victim;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(s.mutex);
    while (!victim && !s.evictable.empty()) {
      auto first = s.evictable.begin();
      id = first->second;
      s.evictable.erase(first);
      auto it = s.connections.find(id);
      if (it == s.connections.end()) continue;
      it->second.evict_key.reset();
      victim = it->second.connection.lock();
      if (victim) {
        it->second.evicted = true;
        ++s.evicting;
      }
    }
  }
  if (!victim) return false;
  ++s.evicted;
  victim->close();
  return true;
}

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
         "Connections refused with 503: at the limit and none idle to close.", s.refused.load());
  metric("vest_rpc_connections_evicted_total", "counter",
         "Idle connections closed to make room for a new one.", s.evicted.load());
  metric("vest_rpc_header_timeouts_total", "counter",
         "Connections closed because request headers did not arrive in time.", s.header_timeouts.load());
  metric("vest_rpc_forbidden_total", "counter", "Requests refused with 403: Host or Origin not allowed.",
         s.forbidden.load());
  metric("vest_rpc_unsupported_media_total", "counter",
         "POST requests refused with 415: Content-Type not application/json.", s.unsupported_media.load());
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

// A WebSocket connection: answers each message, and queues the notifications
// of its subscriptions (rpc/subscriptions.h) within the subscriber bounds.
class WsSession : public Connection, public Subscriber, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream stream, Slot slot, std::shared_ptr<ServerState> state)
      : ws_(std::move(stream)),
        executor_(ws_.get_executor()),
        slot_(std::move(slot)),
        state_(std::move(state)),
        drop_timer_(executor_) {}

  ~WsSession() override { run_close_hooks(); }

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
      if (!ec) return self->read();
      self->run_close_hooks();
    });
  }

  void close() override {
    net::post(executor_,
              [self = shared_from_this()] { beast::get_lowest_layer(self->ws_).close(); });
  }

  // ---- Subscriber ----

  Queued notify(std::string text) override {
    const Limits& limits = state_->limits;
    bool overflow = false;
    {
      std::lock_guard lock(queue_mutex_);
      if (dropping_ || closed_) return Queued::kClosed;
      overflow = queued_ + 1 > limits.max_subscriber_messages ||
                 queued_bytes_ + text.size() > limits.max_subscriber_bytes;
      if (overflow) {
        dropping_ = true;
      } else {
        ++queued_;
        queued_bytes_ += text.size();
      }
    }
    if (overflow) {
      net::post(executor_, [self = shared_from_this()] { self->drop_slow(); });
      return Queued::kOverflow;
    }
    net::post(executor_, [self = shared_from_this(), text = std::move(text)]() mutable {
      self->push({std::move(text), 0, true});
    });
    return Queued::kYes;
  }

  bool has_room() const override {
    const Limits& limits = state_->limits;
    std::lock_guard lock(queue_mutex_);
    return !dropping_ && queued_ < limits.max_subscriber_messages / 2 &&
           queued_bytes_ < limits.max_subscriber_bytes / 2;
  }

  void after_reply(std::function<void()> fn) override {
    // Called by a method on this strand while it handles a message (on_read).
    if (current_after_) return current_after_->push_back(std::move(fn));
    net::post(executor_, std::move(fn));
  }

  void on_close(std::function<void()> fn) override {
    {
      std::lock_guard lock(queue_mutex_);
      if (!closed_) {
        close_hooks_.push_back(std::move(fn));
        return;
      }
    }
    fn();
  }

 private:
  struct Outgoing {
    std::string text;
    std::size_t request_size = 0;  // of the request answered; 0 for a notification
    bool notification = false;
  };
  using AfterReply = std::vector<std::function<void()>>;

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
    if (ec) return run_close_hooks();
    ++state_->ws_messages;
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    ++pending_;
    pending_bytes_ += text.size();
    // What the calls of this message ask to run once its answer is queued.
    auto after = std::make_shared<AfterReply>();
    current_after_ = after.get();
    state_->dispatcher.handle(
        text, state_->limits,
        [self = shared_from_this(), size = text.size(), after](std::string response) {
          net::post(self->executor_, [self, size, after, response = std::move(response)]() mutable {
            self->on_reply(std::move(response), size);
            for (auto& fn : *after) fn();
          });
        },
        shared_from_this());
    current_after_ = nullptr;
    read();
  }

  void on_reply(std::string response, std::size_t request_size) {
    if (response.empty()) return done_one(request_size);
    push({std::move(response), request_size, false});
  }

  void push(Outgoing out) {
    if (drop_started_) {
      if (out.notification) written(out.text.size());
      return;
    }
    outbox_.push_back(std::move(out));
    if (outbox_.size() == 1) write_front();
  }

  void write_front() {
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front().text),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      Outgoing done = std::move(self->outbox_.front());
                      self->outbox_.pop_front();
                      if (done.notification) self->written(done.text.size());
                      if (ec || self->drop_started_) return;
                      if (!self->outbox_.empty()) self->write_front();
                      if (!done.notification) self->done_one(done.request_size);
                    });
  }

  void written(std::size_t bytes) {
    std::lock_guard lock(queue_mutex_);
    --queued_;
    queued_bytes_ -= bytes;
  }

  void done_one(std::size_t request_size) {
    --pending_;
    pending_bytes_ -= request_size;
    if (paused_) {
      paused_ = false;
      read();
    }
  }

  // Closes a connection whose notifications piled up: what is not being written
  // is discarded, the close frame follows the write in progress, and the socket
  // is closed if that does not happen within write_timeout.
  void drop_slow() {
    drop_started_ = true;
    while (outbox_.size() > 1) {
      if (outbox_.back().notification) written(outbox_.back().text.size());
      outbox_.pop_back();
    }
    const Limits& limits = state_->limits;
    state_->debug("rpc connection " + std::to_string(slot_.id()) + " dropped: " + std::string(kSlowSubscriberReason));
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(kSlowSubscriberCloseCode), kSlowSubscriberReason),
                    [self = shared_from_this()](beast::error_code) { self->drop_timer_.cancel(); });
    drop_timer_.expires_after(limits.write_timeout);
    drop_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
    run_close_hooks();
  }

  void run_close_hooks() {
    std::vector<std::function<void()>> hooks;
    {
      std::lock_guard lock(queue_mutex_);
      closed_ = true;
      hooks.swap(close_hooks_);
    }
    for (auto& fn : hooks) fn();
  }

  websocket::stream<beast::tcp_stream> ws_;
  const net::any_io_executor executor_;
  Slot slot_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::deque<Outgoing> outbox_;
  std::size_t pending_ = 0;
  std::size_t pending_bytes_ = 0;
  bool paused_ = false;
  AfterReply* current_after_ = nullptr;  // while dispatcher.handle runs in on_read
  bool drop_started_ = false;           // on the strand: closing for slowness
  net::steady_timer drop_timer_;

  mutable std::mutex queue_mutex_;  // guards the five below
  std::size_t queued_ = 0;          // notifications queued, not yet written
  std::size_t queued_bytes_ = 0;
  bool dropping_ = false;  // the queue overflowed: closing
  bool closed_ = false;
  std::vector<std::function<void()>> close_hooks_;
};

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// A header value fit to quote in an answer: printable ASCII, at most 100 bytes.
std::string printable(std::string_view value) {
  std::string out;
  for (char c : value.substr(0, 100)) out += c >= 0x20 && c < 0x7f ? c : '?';
  if (value.size() > 100) out += "...";
  return out;
}

// The name of a Host header value ("localhost:8645", "[::1]:8645"), lower case,
// without the port or IPv6 brackets; empty when malformed.
std::string host_name(std::string_view value) {
  std::string_view name = value, port;
  if (value.starts_with('[')) {
    const std::size_t close = value.find(']');
    if (close == std::string_view::npos) return {};
    name = value.substr(1, close - 1);
    port = value.substr(close + 1);
    if (!port.empty() && port[0] != ':') return {};
  } else if (const std::size_t colon = value.find(':'); colon != std::string_view::npos) {
    name = value.substr(0, colon);
    port = value.substr(colon);
  }
  if (!port.empty()) {
    port.remove_prefix(1);
    if (port.empty() || port.size() > 5) return {};
    for (char c : port)
      if (c < '0' || c > '9') return {};
  }
  std::string out;
  for (char c : name) out += lower(c);
  return out;
}

// True when the Host header names localhost or a host of the list; `wildcard`: "*"
// in the list counts.
bool host_allowed(const Access& access, std::string_view header, bool wildcard = true) {
  const std::string name = host_name(header);
  if (name.empty()) return false;
  if (name == "localhost" || name == "127.0.0.1" || name == "::1") return true;
  for (const std::string& h : access.hosts) {
    std::string_view allowed = h;
    if (allowed.size() > 2 && allowed.front() == '[' && allowed.back() == ']') {
      allowed = allowed.substr(1, allowed.size() - 2);
    }
    if ((wildcard && allowed == "*") || iequals(allowed, name)) return true;
  }
  return false;
}

bool origin_allowed(const Access& access, std::string_view origin) {
  while (origin.ends_with('/')) origin.remove_suffix(1);
  for (const std::string& o : access.origins) {
    std::string_view allowed = o;
    while (allowed.ends_with('/')) allowed.remove_suffix(1);
    if (allowed == "*" || iequals(allowed, origin)) return true;
  }
  return false;
}

// True when `origin` is the site `host` (a Host header value) names: the page the
// server itself serves there.
bool same_origin(std::string_view origin, std::string_view host) {
  while (origin.ends_with('/')) origin.remove_suffix(1);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() == scheme.size() + host.size() && iequals(origin.substr(0, scheme.size()), scheme) &&
        iequals(origin.substr(scheme.size()), host))
      return true;
  }
  return false;
}

// True for "application/json", with parameters ("; charset=utf-8") or without.
bool is_json_content_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return iequals(value, kJson);
}

class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, Slot slot, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket)),
        executor_(stream_.get_executor()),
        slot_(std::move(slot)),
        state_(std::move(state)),
        header_deadline_(Clock::now() + state_->limits.header_timeout) {}

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
  using Clock = std::chrono::steady_clock;

  // Waits for the first byte of a request: up to header_timeout from the accept on a
  // new connection, idle_timeout on a kept-alive one. Meanwhile the connection may
  // be evicted to make room.
  void wait_request() {
    const Limits& limits = state_->limits;
    parser_.emplace();
    parser_->body_limit(limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    if (buffer_.size() > 0) return read_header();
    slot_.set_evictable(ServerState::Evictable::kWaiting);
    if (requests_ == 0) {
      stream_.expires_at(header_deadline_);
    } else {
      stream_.expires_after(limits.idle_timeout);
    }
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec == beast::error::timeout && self->requests_ == 0) {
                                self->header_timed_out();
                              }
                              if (ec) return;
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  // The request line and headers within header_timeout, and within read_timeout of
  // the request's first byte.
  void read_header() {
    const Limits& limits = state_->limits;
    const auto now = Clock::now();
    request_deadline_ = now + limits.read_timeout;
    if (requests_ > 0) header_deadline_ = now + limits.header_timeout;
    slot_.set_evictable(ServerState::Evictable::kReadingHeaders);
    stream_.expires_at(std::min(header_deadline_, request_deadline_));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->slot_.set_evictable(std::nullopt);
                              if (ec == beast::error::timeout) self->header_timed_out();
                              if (ec) return self->on_read(ec);
                              if (self->parser_->is_done()) return self->on_read(ec);
                              self->read_body();
                            });
  }

  void read_body() {
    stream_.expires_at(request_deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void header_timed_out() {
    ++state_->header_timeouts;
    if (state_->debug_log) {
      state_->debug("rpc connection " + std::to_string(slot_.id()) + ": request headers did not arrive in time");
    }
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
    ++requests_;
    on_request(parser_->release());
  }

  // 403 with `message`, logged at debug level.
  void forbid(const Request& req, std::string message) {
    ++state_->forbidden;
    if (state_->debug_log) state_->debug("rpc connection " + std::to_string(slot_.id()) + ": 403 " + message);
    send_error(http::status::forbidden, message, req);
  }

  void on_request(Request req) {
    const Access& access = state_->access;
    const auto host = req.find(http::field::host);
    if (host != req.end() && !host_allowed(access, host->value())) {
      return forbid(req, "host '" + printable(host->value()) +
                             "' is not allowed; vestd serves it with --rpc-allow-host (rpc.allow_hosts)");
    }
    allow_origin_.clear();
    if (auto origin = req.find(http::field::origin); origin != req.end()) {
      // The served page calls from its own origin. Its host must be named (not only
      // allowed by "*"), or a DNS-rebound page would pass as the node's own.
      const bool own_page = !state_->static_files.empty() && host != req.end() &&
                            host_allowed(access, host->value(), false) && same_origin(origin->value(), host->value());
      if (!own_page && !origin_allowed(access, origin->value())) {
        return forbid(req, "origin '" + printable(origin->value()) +
                               "' is not allowed; vestd serves it with --rpc-cors-origin (rpc.cors_origins)");
      }
      if (!own_page) allow_origin_ = std::string(origin->value());
    }

    std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const StaticFile* file = nullptr;
    for (const StaticFile& f : state_->static_files) {
      if (f.path == path) file = &f;
    }
    const bool known = path == "/" || path == "/health" || path == "/metrics" || file;
    if (websocket::is_upgrade(req)) {
      if (path != "/") return send_error(http::status::not_found, "not found", req);
      return upgrade(std::move(req));
    }
    if (req.method() == http::verb::options) {
      Response res = make_response(http::status::no_content, req, "", "");
      res.set(http::field::allow, "GET, POST, OPTIONS");
      if (!allow_origin_.empty()) {
        res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
        res.set(http::field::access_control_allow_headers, "Content-Type");
        res.set(http::field::access_control_max_age, "600");
      }
      return send(std::move(res));
    }
    if (req.method() == http::verb::post && path == "/") {
      if (auto type = req.find(http::field::content_type); type == req.end() || !is_json_content_type(type->value())) {
        ++state_->unsupported_media;
        if (state_->debug_log) {
          state_->debug("rpc connection " + std::to_string(slot_.id()) + ": 415 POST without application/json");
        }
        return send_error(http::status::unsupported_media_type, "Content-Type must be application/json", req);
      }
      return call(std::move(req));
    }
    if (req.method() == http::verb::get && file) return send(static_file(req, *file));
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

  // The file, or 304 without a body when the browser's copy (If-None-Match) is current.
  Response static_file(const Request& req, const StaticFile& file) {
    const auto cached = req.find(http::field::if_none_match);
    const bool fresh = cached != req.end() && cached->value().find(file.etag) != std::string_view::npos;
    Response res = fresh ? make_response(http::status::not_modified, req, "", "")
                         : make_response(http::status::ok, req, std::string(file.body), file.content_type);
    res.set(http::field::etag, file.etag);
    res.set(http::field::cache_control, "no-cache");
    res.set("Content-Security-Policy", kPageSecurity);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    return res;
  }

  void upgrade(Request req) {
    upgraded_ = true;
    slot_.set_evictable(std::nullopt);
    auto ws = std::make_shared<WsSession>(std::move(stream_), std::move(slot_), state_);
    if (ws->bind()) ws->run(req);
  }

  // Sets the body, and the CORS headers when the request came from an allowed origin.
  Response finish(Response res, std::string body, std::string_view content_type) {
    if (!content_type.empty()) res.set(http::field::content_type, content_type);
    if (!allow_origin_.empty()) {
      res.set(http::field::access_control_allow_origin, allow_origin_);
      res.set(http::field::vary, "Origin");
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

  // A JSON error body; closes the connection except after 403, 404, 405 and 415,
  // whose request was read whole.
  void send_error(http::status status, std::string_view message, const Request& req = {}) {
    Response res{status, req.version()};
    const bool read_whole = status == http::status::not_found || status == http::status::method_not_allowed ||
                            status == http::status::forbidden || status == http::status::unsupported_media_type;
    res.keep_alive(read_whole ? req.keep_alive() : false);
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
  std::string allow_origin_;  // the current request's Origin, when allowed
  Clock::time_point header_deadline_;
  Clock::time_point request_deadline_;
  std::uint64_t requests_ = 0;  // read whole on this connection
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
  // Those closing to make room no longer count.
  if (s->active.load() - s->evicting.load() >= s->limits.max_connections && !evict_one(*s)) {
    ++s->refused;
    if (s->debug_log) s->debug("rpc connection refused with 503: " + std::to_string(s->active.load()) + " open");
    refuse(std::move(socket));
  } else {
    ++s->accepted;
    Slot slot(s);
    if (s->debug_log) {
      beast::error_code ep_ec;
      const tcp::endpoint peer = socket.remote_endpoint(ep_ec);
      s->debug("rpc connection " + std::to_string(slot.id()) + " from " +
               (ep_ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port())) +
               " accepted (" + std::to_string(s->active.load()) + " open)");
    }
    auto session = std::make_shared<HttpSession>(std::move(socket), std::move(slot), s);
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

void Server::set_access(Access access) { state_->access = std::move(access); }

void Server::set_static_files(std::vector<StaticFile> files) { state_->static_files = std::move(files); }

void Server::set_debug_log(std::function<void(std::string_view)> log) { state_->debug_log = std::move(log); }

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
      for (auto& [id, registered] : s->connections) {
        if (auto c = registered.connection.lock()) open.push_back(std::move(c));
      }
    }
    for (auto& c : open) c->close();
  });
}

}  // namespace vest::rpc
