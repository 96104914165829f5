// An authenticated, encrypted peer connection over TCP (Boost.Asio), and a listener.
//
// A Connection runs the handshake (handshake.h), then carries frames (frame.h) both ways,
// answers pings, sends its own, and closes with a CloseReason on the first problem: a
// timeout, a frame outside the limits, a bad tag, a slow reader, a peer of another chain.
// Memory per connection is bounded: one frame being read (at most its type's limit) and the
// send queue (at most ConnectionOptions::max_send_queue_bytes).
//
// Threads: every handler runs on the connection's strand. send(), close() and the accessors
// marked so may be called from any thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "p2p/handshake.h"
#include "p2p/rate_limit.h"

namespace vest::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct ConnectionOptions {
  // From TCP connect (or accept) to an authenticated peer.
  std::chrono::milliseconds handshake_timeout{10'000};
  // A peer that sends nothing (no message, no ping, no pong) for this long is dropped.
  std::chrono::milliseconds idle_timeout{60'000};
  // How often this side pings; must be well below the peer's idle timeout.
  std::chrono::milliseconds ping_interval{15'000};
  // Bytes of frames queued for sending; reaching it drops the peer (kSendQueueFull).
  size_t max_send_queue_bytes = 2 * (kMaxFrameLength + kFrameHeaderBytes);
  // Receive rate in bytes per second (0: unlimited); above it reads pause, so TCP slows
  // the peer down. Burst: bytes readable at once after a quiet period.
  uint64_t recv_rate = 8u << 20;
  uint64_t recv_burst = kMaxFrameLength + kFrameHeaderBytes;
};

enum class Direction { kInbound, kOutbound };

class Connection;

struct ConnectionHandlers {
  // The handshake completed; peer() is valid.
  std::function<void(Connection&)> on_open;
  // A message of a node channel (never auth, ping or pong).
  std::function<void(Connection&, Message&&)> on_message;
  // Called exactly once, when the connection ends, whether or not it opened.
  std::function<void(Connection&, const CloseReason&)> on_close;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // A connection over an accepted socket; call start().
  static std::shared_ptr<Connection> inbound(tcp::socket socket, LocalIdentity local, ConnectionOptions options,
                                             ConnectionHandlers handlers);
  // Dials `endpoint` expecting node `expected`; call start(). Connecting counts against
  // the handshake timeout.
  static std::shared_ptr<Connection> outbound(asio::any_io_executor executor, tcp::endpoint endpoint,
                                              NodeId expected, LocalIdentity local, ConnectionOptions options,
                                              ConnectionHandlers handlers);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Queues a message for the peer. Refuses (without closing) a reserved type (auth, ping,
  // pong), an unknown type or a payload outside the type's limits. Messages sent before
  // the handshake completes wait for it. Any thread.
  Error send(MessageType type, Bytes payload);
  // Ends the connection with kClosedLocally (unless already closing). Any thread.
  void close();

  Direction direction() const { return direction_; }
  // The authenticated peer; valid from on_open on (strand only).
  const PeerInfo& peer() const { return peer_; }
  // Why it closed; kOk while open. Any thread.
  CloseReason close_reason() const;
  bool is_open() const { return open_.load(); }
  // Bytes read from and written to the socket, handshake included. Any thread.
  uint64_t bytes_received() const { return bytes_received_.load(); }
  uint64_t bytes_sent() const { return bytes_sent_.load(); }
  // The peer's address: the dialled endpoint, or the accepted socket's remote end (none when
  // the socket had already failed). Any thread.
  const std::optional<tcp::endpoint>& remote_endpoint() const { return remote_; }

 private:
  Connection(tcp::socket socket, Direction direction, LocalIdentity local, ConnectionOptions options,
             ConnectionHandlers handlers, std::optional<NodeId> expected);

  void begin_handshake();
  void read_ephemeral();
  void read_frame();
  void read_frame_type(uint32_t length);
  void read_frame_body(uint32_t length, MessageType type);
  void on_frame(Message&& m);
  void queue_frame(MessageType type, ByteView payload);
  void flush();
  void write_next();
  void heartbeat();
  void fail(Error code, std::string detail = {});
  void fail_io(const boost::system::error_code& ec);

  tcp::socket socket_;
  asio::any_io_executor strand_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer heartbeat_timer_;
  asio::steady_timer throttle_timer_;
  const Direction direction_;
  const ConnectionOptions options_;
  ConnectionHandlers handlers_;
  std::optional<tcp::endpoint> dial_endpoint_;
  std::optional<tcp::endpoint> remote_;  // set before start(), constant after
  Handshaker handshaker_;
  TokenBucket bucket_;

  // Strand-only state.
  CipherState send_cipher_, recv_cipher_;
  bool handshaken_ = false;
  bool closed_ = false;
  PeerInfo peer_;
  uint8_t header_[kFrameHeaderBytes + 1]{};
  uint8_t ephemeral_[kEphemeralMessageBytes]{};
  Bytes body_;
  FrameOpener opener_;
  std::deque<Bytes> write_queue_;  // encoded frames; the front is being written
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::vector<std::pair<MessageType, Bytes>> pending_;  // sent before the handshake completed
  size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point last_recv_, last_ping_;
  uint64_t ping_counter_ = 0;

  std::atomic<bool> open_{false};
  std::atomic<uint64_t> bytes_received_{0}, bytes_sent_{0};
  mutable std::mutex reason_mutex_;
  CloseReason reason_;  // guarded by reason_mutex_
};

// Accepts TCP connections and hands each socket over; the owner wraps it in a Connection.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens on `endpoint` (port 0: an ephemeral port). Nullptr and `ec` on failure.
  static std::shared_ptr<Listener> open(asio::any_io_executor executor, const tcp::endpoint& endpoint,
                                        std::function<void(tcp::socket)> on_socket, boost::system::error_code& ec);
  void start();
  // Stops accepting. Any thread.
  void close();
  tcp::endpoint local_endpoint() const { return endpoint_; }

 private:
  Listener(asio::any_io_executor executor, std::function<void(tcp::socket)> on_socket);
  void accept_next();

  asio::any_io_executor executor_;
  asio::any_io_executor strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  tcp::endpoint endpoint_;
  std::function<void(tcp::socket)> on_socket_;
};

}  // namespace vest::p2p
