#include "p2p/connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace vest::p2p {

using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
bool reserved(MessageType t) {
  return t == MessageType::kAuth || t == MessageType::kPing || t == MessageType::kPong;
}
}  // namespace

Connection::Connection(tcp::socket socket, Direction direction, LocalIdentity local, ConnectionOptions options,
                       ConnectionHandlers handlers, std::optional<NodeId> expected)
    : socket_(std::move(socket)),
      strand_(socket_.get_executor()),
      handshake_timer_(strand_),
      heartbeat_timer_(strand_),
      throttle_timer_(strand_),
      direction_(direction),
      options_(options),
      handlers_(std::move(handlers)),
      handshaker_(local, expected),
      bucket_(options.recv_rate, options.recv_burst, Clock::now()) {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::inbound(tcp::socket socket, LocalIdentity local, ConnectionOptions options,
                                                ConnectionHandlers handlers) {
  error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  auto c = std::shared_ptr<Connection>(
      new Connection(std::move(socket), Direction::kInbound, local, options, std::move(handlers), std::nullopt));
  if (!ec) c->remote_ = remote;
  return c;
}

std::shared_ptr<Connection> Connection::outbound(asio::any_io_executor executor, tcp::endpoint endpoint,
                                                 NodeId expected, LocalIdentity local, ConnectionOptions options,
                                                 ConnectionHandlers handlers) {
  tcp::socket socket(asio::make_strand(executor));
  auto c = std::shared_ptr<Connection>(
      new Connection(std::move(socket), Direction::kOutbound, local, options, std::move(handlers), expected));
  c->dial_endpoint_ = endpoint;
  c->remote_ = endpoint;
  return c;
}

void Connection::start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->handshake_timer_.expires_after(self->options_.handshake_timeout);
    self->handshake_timer_.async_wait([self](const error_code& ec) {
      if (!ec && !self->handshaken_) self->fail(Error::kHandshakeTimeout);
    });
    if (!self->dial_endpoint_) {
      self->begin_handshake();
      return;
    }
    self->socket_.async_connect(*self->dial_endpoint_, [self](const error_code& ec) {
      if (self->closed_) return;
      if (ec) return self->fail(Error::kConnectFailed, ec.message());
      self->begin_handshake();
    });
  });
}

void Connection::begin_handshake() {
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  Bytes hello;
  if (Error e = handshaker_.start(hello); e != Error::kOk) return fail(e);
  write_queue_.push_back(std::move(hello));
  queued_bytes_ += write_queue_.back().size();
  write_next();
  read_ephemeral();
}

void Connection::read_ephemeral() {
  asio::async_read(socket_, asio::buffer(ephemeral_), [self = shared_from_this()](const error_code& ec, size_t n) {
    self->bytes_received_ += n;
    if (self->closed_) return;
    if (ec) return self->fail_io(ec);
    Bytes auth;
    if (Error e = self->handshaker_.on_ephemeral(ByteView(self->ephemeral_, sizeof self->ephemeral_), auth);
        e != Error::kOk)
      return self->fail(e);
    self->recv_cipher_ = self->handshaker_.recv();
    self->send_cipher_ = self->handshaker_.send();
    self->queued_bytes_ += auth.size();
    self->write_queue_.push_back(std::move(auth));
    self->write_next();
    self->read_frame();
  });
}

void Connection::read_frame() {
  asio::async_read(socket_, asio::buffer(header_, kFrameHeaderBytes),
                   [self = shared_from_this()](const error_code& ec, size_t n) {
                     self->bytes_received_ += n;
                     if (self->closed_) return;
                     if (ec) return self->fail_io(ec);
                     uint32_t length = get_u32(self->header_);
                     // Checked before anything more is read or allocated.
                     if (Error e = check_frame_length(length); e != Error::kOk)
                       return self->fail(e, "length prefix " + std::to_string(length) + ", maximum " +
                                                std::to_string(kMaxFrameLength));
                     auto wait = self->bucket_.take(kFrameHeaderBytes + length, Clock::now());
                     if (wait.count() == 0) return self->read_frame_type(length);
                     self->throttle_timer_.expires_after(wait);
                     self->throttle_timer_.async_wait([self, length](const error_code& tec) {
                       if (self->closed_ || tec) return;
                       self->read_frame_type(length);
                     });
                   });
}

void Connection::read_frame_type(uint32_t length) {
  asio::async_read(
      socket_, asio::buffer(header_ + kFrameHeaderBytes, 1), [self = shared_from_this(), length](const error_code& ec, size_t n) {
        self->bytes_received_ += n;
        if (self->closed_) return;
        if (ec) return self->fail_io(ec);
        MessageType type;
        Error e = self->opener_.begin(self->recv_cipher_, self->header_, self->header_[kFrameHeaderBytes], type);
        if (e != Error::kOk)  // the type byte named here is not authentic: no tag was checked
          return self->fail(e, "length " + std::to_string(length) + ", type " +
                                   std::to_string(self->opener_.raw_type()) + " (" +
                                   type_name(self->opener_.raw_type()) + ")");
        if (!self->handshaken_ && type != MessageType::kAuth) return self->fail(Error::kUnexpectedType, "before auth");
        if (self->handshaken_ && type == MessageType::kAuth) return self->fail(Error::kUnexpectedType, "auth again");
        self->read_frame_body(length, type);
      });
}

void Connection::read_frame_body(uint32_t length, MessageType type) {
  body_.resize(length - 1);  // within the type's limit: checked by begin()
  asio::async_read(socket_, asio::buffer(body_), [self = shared_from_this(), type](const error_code& ec, size_t n) {
    self->bytes_received_ += n;
    if (self->closed_) return;
    if (ec) return self->fail_io(ec);
    Message m;
    m.type = type;
    if (Error e = self->opener_.finish(self->body_, m.payload); e != Error::kOk) return self->fail(e);
    self->body_.clear();
    self->body_.shrink_to_fit();
    self->last_recv_ = Clock::now();
    self->on_frame(std::move(m));
    if (!self->closed_) self->read_frame();
  });
}

void Connection::on_frame(Message&& m) {
  if (!handshaken_) {
    std::string detail;
    Error e = handshaker_.on_auth(m.payload, peer_, detail);
    if (e != Error::kOk) return fail(e, detail);
    handshaken_ = true;
    open_ = true;
    handshake_timer_.cancel();
    last_recv_ = last_ping_ = Clock::now();
    heartbeat();
    if (handlers_.on_open) handlers_.on_open(*this);
    auto pending = std::move(pending_);
    pending_.clear();
    pending_bytes_ = 0;
    for (auto& [type, payload] : pending) {
      if (closed_) return;
      queue_frame(type, payload);
    }
    return;
  }
  switch (m.type) {
    case MessageType::kPing:
      queue_frame(MessageType::kPong, m.payload);
      return;
    case MessageType::kPong:
      return;
    default:
      if (handlers_.on_message) handlers_.on_message(*this, std::move(m));
  }
}

Error Connection::send(MessageType type, Bytes payload) {
  const MessageLimit* limit = find_limit(static_cast<uint8_t>(type));
  if (!limit || reserved(type)) return Error::kUnknownType;
  if (payload.size() > limit->max_payload) return Error::kMessageTooLarge;
  if (payload.size() < limit->min_payload) return Error::kMalformed;
  asio::post(strand_, [self = shared_from_this(), type, payload = std::move(payload)]() mutable {
    if (self->closed_) return;
    if (!self->handshaken_) {
      self->pending_bytes_ += payload.size() + kFrameHeaderBytes + kFrameOverhead;
      if (self->pending_bytes_ > self->options_.max_send_queue_bytes)
        return self->fail(Error::kSendQueueFull, "before the handshake completed");
      self->pending_.emplace_back(type, std::move(payload));
      return;
    }
    self->queue_frame(type, payload);
  });
  return Error::kOk;
}

void Connection::queue_frame(MessageType type, ByteView payload) {
  Bytes frame;
  if (Error e = encode_frame(send_cipher_, type, payload, frame); e != Error::kOk) return fail(e);
  if (queued_bytes_ + frame.size() > options_.max_send_queue_bytes)
    return fail(Error::kSendQueueFull, std::to_string(queued_bytes_) + " bytes waiting, limit " +
                                           std::to_string(options_.max_send_queue_bytes));
  queued_bytes_ += frame.size();
  write_queue_.push_back(std::move(frame));
  write_next();
}

void Connection::write_next() {
  if (writing_ || write_queue_.empty() || closed_) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(write_queue_.front()), [self = shared_from_this()](const error_code& ec, size_t n) {
    self->bytes_sent_ += n;
    self->writing_ = false;
    if (self->closed_) return;
    if (ec) return self->fail_io(ec);
    self->queued_bytes_ -= self->write_queue_.front().size();
    self->write_queue_.pop_front();
    self->write_next();
  });
}

void Connection::heartbeat() {
  auto tick = std::min(options_.ping_interval, options_.idle_timeout) / 4;
  if (tick < std::chrono::milliseconds(1)) tick = std::chrono::milliseconds(1);
  heartbeat_timer_.expires_after(tick);
  heartbeat_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed_) return;
    auto now = Clock::now();
    if (now - self->last_recv_ >= self->options_.idle_timeout)
      return self->fail(Error::kIdleTimeout, "nothing received for " +
                                                 std::to_string(self->options_.idle_timeout.count()) + " ms");
    if (now - self->last_ping_ >= self->options_.ping_interval) {
      self->last_ping_ = now;
      uint8_t nonce[8];
      put_u64(nonce, self->ping_counter_++);
      self->queue_frame(MessageType::kPing, ByteView(nonce, sizeof nonce));
      if (self->closed_) return;
    }
    self->heartbeat();
  });
}

void Connection::close() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->closed_) self->fail(Error::kClosedLocally);
  });
}

CloseReason Connection::close_reason() const {
  std::lock_guard lock(reason_mutex_);
  return reason_;
}

void Connection::fail_io(const error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset) return fail(Error::kClosedByPeer, ec.message());
  fail(Error::kIo, ec.message());
}

void Connection::fail(Error code, std::string detail) {
  if (closed_) return;
  closed_ = true;
  open_ = false;
  CloseReason reason{code, std::move(detail)};
  {
    std::lock_guard lock(reason_mutex_);
    reason_ = reason;
  }
  error_code ignored;
  handshake_timer_.cancel();
  heartbeat_timer_.cancel();
  throttle_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  write_queue_.clear();
  queued_bytes_ = 0;
  pending_.clear();
  body_.clear();
  body_.shrink_to_fit();
  // Handlers often hold the connection; dropping them breaks the cycle.
  ConnectionHandlers handlers = std::move(handlers_);
  handlers_ = {};
  if (handlers.on_close) handlers.on_close(*this, reason);
}

Listener::Listener(asio::any_io_executor executor, std::function<void(tcp::socket)> on_socket)
    : executor_(executor),
      strand_(asio::make_strand(executor)),
      acceptor_(strand_),
      retry_timer_(strand_),
      on_socket_(std::move(on_socket)) {}

std::shared_ptr<Listener> Listener::open(asio::any_io_executor executor, const tcp::endpoint& endpoint,
                                         std::function<void(tcp::socket)> on_socket, error_code& ec) {
  std::shared_ptr<Listener> l(new Listener(executor, std::move(on_socket)));
  l->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) l->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) l->acceptor_.bind(endpoint, ec);
  if (!ec) l->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) l->endpoint_ = l->acceptor_.local_endpoint(ec);
  if (ec) return nullptr;
  return l;
}

void Listener::start() {
  asio::post(strand_, [self = shared_from_this()] { self->accept_next(); });
}

void Listener::accept_next() {
  acceptor_.async_accept(asio::make_strand(executor_), [self = shared_from_this()](const error_code& ec,
                                                                                  tcp::socket socket) {
    if (!self->acceptor_.is_open()) return;
    if (!ec) {
      self->on_socket_(std::move(socket));
      return self->accept_next();
    }
    // Out of descriptors and the like: try again shortly rather than spin.
    self->retry_timer_.expires_after(std::chrono::milliseconds(100));
    self->retry_timer_.async_wait([self](const error_code& tec) {
      if (!tec) self->accept_next();
    });
  });
}

void Listener::close() {
  asio::post(strand_, [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

}  // namespace vest::p2p
