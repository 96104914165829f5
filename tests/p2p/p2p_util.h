// Helpers of the p2p tests: an io_context thread, nodes with a listener, event recorders,
// and a raw peer on plain POSIX sockets that speaks the protocol by hand (or not at all).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "p2p/connection.h"

namespace vest::p2p::test {

using namespace std::chrono_literals;

// One io_context on one thread; stopped and joined by the destructor.
class IoThread {
 public:
  IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  asio::any_io_executor executor() { return io_.get_executor(); }
  asio::io_context& context() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// What one connection saw, readable from the test thread.
class Recorder {
 public:
  ConnectionHandlers handlers() {
    return {[this](Connection& c) {
              std::lock_guard l(m_);
              opened_ = true;
              peer_ = c.peer();
              cv_.notify_all();
            },
            [this](Connection&, Message&& msg) {
              std::lock_guard l(m_);
              messages_.push_back(std::move(msg));
              cv_.notify_all();
            },
            [this](Connection&, const CloseReason& r) {
              std::lock_guard l(m_);
              closed_ = r;
              cv_.notify_all();
            }};
  }
  bool wait_open(std::chrono::milliseconds t = 5s) { return wait(t, [&] { return opened_ || closed_; }) && opened_; }
  // The close reason, or kOk when it did not close within `t`.
  CloseReason wait_closed(std::chrono::milliseconds t = 5s) {
    wait(t, [&] { return closed_.has_value(); });
    std::lock_guard l(m_);
    return closed_ ? *closed_ : CloseReason{};
  }
  bool wait_messages(size_t n, std::chrono::milliseconds t = 5s) {
    return wait(t, [&] { return messages_.size() >= n; });
  }
  std::vector<Message> messages() {
    std::lock_guard l(m_);
    return messages_;
  }
  PeerInfo peer() {
    std::lock_guard l(m_);
    return peer_;
  }
  bool closed() {
    std::lock_guard l(m_);
    return closed_.has_value();
  }

 private:
  template <class P>
  bool wait(std::chrono::milliseconds t, P pred) {
    std::unique_lock l(m_);
    return cv_.wait_for(l, t, pred);
  }
  std::mutex m_;
  std::condition_variable cv_;
  bool opened_ = false;
  PeerInfo peer_;
  std::vector<Message> messages_;
  std::optional<CloseReason> closed_;
};

inline Key32 genesis_of(uint8_t b) {
  Key32 g;
  g.fill(b);
  return g;
}

// A node: a key, an identity and a listener on 127.0.0.1 with an ephemeral port; every
// inbound connection gets a Recorder.
class TestNode {
 public:
  TestNode(IoThread& io, uint64_t chain_id = 7, Key32 genesis = genesis_of(0xaa), ConnectionOptions options = {})
      : io_(io), key_(*NodeKey::generate()), options_(options) {
    identity_.key = &key_;
    identity_.chain_id = chain_id;
    identity_.genesis_hash = genesis;
  }
  ~TestNode() { stop(); }

  void listen() {
    boost::system::error_code ec;
    listener_ = Listener::open(
        io_.executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0),
        [this](tcp::socket s) {
          std::lock_guard l(m_);
          inbound_recorders_.push_back(std::make_unique<Recorder>());
          auto c = Connection::inbound(std::move(s), identity_, options_, inbound_recorders_.back()->handlers());
          connections_.push_back(c);
          c->start();
          cv_.notify_all();
        },
        ec);
    REQUIRE(listener_);
    listener_->start();
  }
  uint16_t port() const { return listener_->local_endpoint().port(); }
  tcp::endpoint endpoint() const { return listener_->local_endpoint(); }

  // Dials `to` expecting `expected`; the connection records into `rec`.
  std::shared_ptr<Connection> dial(const tcp::endpoint& to, const NodeId& expected, Recorder& rec) {
    auto c = Connection::outbound(io_.executor(), to, expected, identity_, options_, rec.handlers());
    {
      std::lock_guard l(m_);
      connections_.push_back(c);
    }
    c->start();
    return c;
  }
  // The recorder of the i-th inbound connection, waiting for it to be accepted.
  Recorder& inbound(size_t i, std::chrono::milliseconds t = 5s) {
    std::unique_lock l(m_);
    bool ok = cv_.wait_for(l, t, [&] { return inbound_recorders_.size() > i; });
    REQUIRE(ok);
    return *inbound_recorders_[i];
  }
  std::shared_ptr<Connection> connection(size_t i) {
    std::lock_guard l(m_);
    return connections_.at(i);
  }
  std::shared_ptr<Connection> inbound_connection(size_t i) {
    std::lock_guard l(m_);
    size_t n = 0;
    for (auto& c : connections_)
      if (c->direction() == Direction::kInbound && n++ == i) return c;
    return nullptr;
  }
  // Closes the listener and every connection, and waits for the closes.
  void stop() {
    if (listener_) listener_->close();
    std::vector<std::shared_ptr<Connection>> all;
    {
      std::lock_guard l(m_);
      all = connections_;
    }
    for (auto& c : all) c->close();
    for (int i = 0; i < 500; ++i) {
      bool any = false;
      for (auto& c : all) any = any || c->close_reason().code == Error::kOk;
      if (!any) break;
      std::this_thread::sleep_for(2ms);
    }
  }

  const NodeKey& key() const { return key_; }
  const NodeId& id() const { return key_.id(); }
  LocalIdentity& identity() { return identity_; }
  ConnectionOptions& options() { return options_; }

 private:
  IoThread& io_;
  NodeKey key_;
  LocalIdentity identity_;
  ConnectionOptions options_;
  std::shared_ptr<Listener> listener_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Recorder>> inbound_recorders_;
  std::vector<std::shared_ptr<Connection>> connections_;
};

// A peer on a plain blocking socket, for bytes no honest Connection would send.
class RawPeer {
 public:
  explicit RawPeer(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  void send(ByteView b) {
    size_t done = 0;
    while (done < b.size()) {
      ssize_t n = ::send(fd_, b.data() + done, b.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;  // the other side may already have closed
      done += static_cast<size_t>(n);
    }
  }
  // Reads exactly n bytes within `t`; false on timeout or EOF.
  bool read(uint8_t* out, size_t n, std::chrono::milliseconds t = 5s) {
    auto deadline = std::chrono::steady_clock::now() + t;
    size_t done = 0;
    while (done < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      ssize_t r = ::recv(fd_, out + done, n - done, 0);
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  }
  // True when the other side closes within `t` (bytes before the close are skipped).
  bool wait_eof(std::chrono::milliseconds t = 5s) {
    auto deadline = std::chrono::steady_clock::now() + t;
    uint8_t buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
      if (r <= 0) return true;
    }
  }
  // Runs the handshake by hand with `local`; true when the peer's auth message checks.
  bool handshake(const LocalIdentity& local, std::optional<NodeId> dialled = std::nullopt) {
    hs_.emplace(local, dialled);
    Bytes out;
    if (hs_->start(out) != Error::kOk) return false;
    send(out);
    uint8_t eph[kEphemeralMessageBytes];
    if (!read(eph, sizeof eph)) return false;
    Bytes auth;
    if (hs_->on_ephemeral(ByteView(eph, sizeof eph), auth) != Error::kOk) return false;
    send(auth);
    Bytes frame(kFrameHeaderBytes + kFrameOverhead + kAuthBytes);
    if (!read(frame.data(), frame.size())) return false;
    Message m;
    size_t used = 0;
    if (decode_frame(hs_->recv(), frame, m, used) != Error::kOk || used != frame.size()) return false;
    PeerInfo peer;
    std::string detail;
    return m.type == MessageType::kAuth && hs_->on_auth(m.payload, peer, detail) == Error::kOk;
  }
  CipherState& send_cipher() { return hs_->send(); }

 private:
  int fd_ = -1;
  std::optional<Handshaker> hs_;
};

}  // namespace vest::p2p::test
