// The peer set: who this node is connected to, and the rules for who it may be.
//
// It listens (when asked), dials its configured peers and redials them with exponential
// back-off (reset once a connection has lasted 10 s), keeps at most one connection per node id
// (a duplicate or a connection to itself is dropped; when two nodes dial each other at once,
// both keep the connection dialled by the lower node id), caps inbound and outbound
// connections, and bans a node id for a while when the node says so (ban()) or when the peer
// broke the wire protocol after the handshake (garbage, a bad tag, an oversized frame: the
// CloseReason codes of frame.h). Before the handshake a peer has no authenticated id, so such a
// peer is disconnected but nothing is banned: banning an IP address would shut out every node
// behind it (and, on one machine, everyone). A handshake refused for another chain, genesis,
// protocol version or node id is logged at info, naming the mismatch; other handshake failures
// (garbage, timeouts, failed dials) at debug.
//
// It knows bytes and channels, never blocks: the node registers handlers and decides what a
// message means. Handlers run on the connection strands of the io_context, several at once;
// every public method may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "p2p/connection.h"

namespace vest::p2p {

// "NODEID@HOST:PORT": a peer to dial. HOST is an IP address (IPv6 in brackets).
struct PeerAddress {
  NodeId id{};
  std::string host;
  uint16_t port = 0;

  std::string to_string() const;  // the same form
};
// Parses "NODEID@HOST:PORT"; nullopt with `error` saying what is wrong.
std::optional<PeerAddress> parse_peer_address(std::string_view text, std::string& error);

struct PeerSetOptions {
  std::optional<tcp::endpoint> listen;  // none: dial out only (port 0: an ephemeral port)
  std::vector<PeerAddress> peers;       // dialled at start, redialled whenever disconnected
  size_t max_inbound = 40;
  size_t max_outbound = 10;             // configured peers beyond it are not dialled
  ConnectionOptions connection;
  std::chrono::milliseconds redial_min{500};  // first back-off; doubles per failure
  std::chrono::milliseconds redial_max{30'000};
  std::chrono::milliseconds ban_time{10 * 60'000};
};

struct PeerStats {
  NodeId id{};
  std::string address;  // the remote IP:PORT
  Direction direction = Direction::kOutbound;
  std::chrono::system_clock::time_point since;  // when the handshake completed
  uint64_t bytes_in = 0;   // frames received, on the wire
  uint64_t bytes_out = 0;  // frames sent, on the wire
};

struct BanInfo {
  NodeId id{};
  std::string reason;
  std::chrono::steady_clock::time_point until;
};

struct PeerSetHandlers {
  // A peer completed the handshake and is now in the set.
  std::function<void(const NodeId&)> on_connect;
  // A message of a node channel from a peer in the set.
  std::function<void(const NodeId&, Message&&)> on_message;
  // A peer that was in the set left it (after on_connect only).
  std::function<void(const NodeId&, const CloseReason&)> on_disconnect;
  // Log lines for the operator (connects, refusals, bans); may be empty.
  std::function<void(std::string_view)> log_info;
  std::function<void(std::string_view)> log_debug;
};

class PeerSet : public std::enable_shared_from_this<PeerSet> {
 public:
  static std::shared_ptr<PeerSet> create(asio::io_context& io, LocalIdentity local, PeerSetOptions options,
                                         PeerSetHandlers handlers);
  ~PeerSet();

  // Listens (when options.listen is set) and starts dialling. False with `error` when the
  // listen address cannot be bound.
  bool start(std::string& error);
  // Closes every connection and stops dialling and listening. Calls no handler, and none is
  // called once it returns (one already running on an io_context thread may finish). Safe to
  // call twice; the destructor calls it. Never blocks.
  void stop();

  // Queues a message for one peer; false when the peer is not in the set or refused it.
  bool send(const NodeId& peer, MessageType type, Bytes payload);
  // Queues a message for every peer in the set, except `except`.
  void broadcast(MessageType type, const Bytes& payload, const std::optional<NodeId>& except = std::nullopt);
  // Disconnects `peer` and refuses it (inbound and outbound) for options.ban_time.
  void ban(const NodeId& peer, const std::string& reason);
  // Disconnects `peer` without banning it (a configured peer is redialled).
  void disconnect(const NodeId& peer, const std::string& reason);

  std::vector<PeerStats> peers() const;
  std::vector<BanInfo> bans() const;
  size_t size() const;
  bool banned(const NodeId& peer) const;
  // The bound listen address, when listening.
  std::optional<tcp::endpoint> listen_endpoint() const;
  const NodeId& self() const;

 private:
  // Work for after mutex_ is released: handler calls and log lines.
  using Later = std::vector<std::function<void()>>;

  // A configured peer, dialled and redialled.
  struct Dial {
    explicit Dial(PeerAddress a, asio::any_io_executor ex) : address(std::move(a)), timer(ex) {}
    PeerAddress address;
    std::shared_ptr<Connection> connection;  // the outbound connection, dialling or open
    asio::steady_timer timer;                // the next dial, while `waiting`
    bool waiting = false;
    int failures = 0;  // consecutive connections that failed or did not last
  };
  // A connection of the set, handshaking or open.
  struct Link {
    std::shared_ptr<Connection> connection;
    std::optional<size_t> dial;  // index in dials_ when it is that peer's outbound connection
    bool authenticated = false;  // the handshake completed: peer() is the peer's id
    std::chrono::steady_clock::time_point opened;
  };
  // A peer in the set.
  struct Peer {
    std::shared_ptr<Connection> connection;
    std::chrono::system_clock::time_point since;
  };
  struct Ban {
    std::string reason;
    std::chrono::steady_clock::time_point until;
  };

  PeerSet(asio::io_context& io, LocalIdentity local, PeerSetOptions options, PeerSetHandlers handlers);

  ConnectionHandlers connection_handlers();
  void on_socket(tcp::socket socket);
  void on_open(Connection& c);
  void on_message(Connection& c, Message&& m);
  void on_close(Connection& c, const CloseReason& reason);
  void on_timer(size_t dial);

  // The methods below need mutex_ held.
  void dial(size_t i, Later& later);
  void schedule_redial(size_t i, Later& later);
  void add_ban(const NodeId& id, const std::string& reason, Later& later);
  bool banned_locked(const NodeId& id, std::chrono::steady_clock::time_point now) const;
  void forget_expired_bans(std::chrono::steady_clock::time_point now);
  std::optional<size_t> dial_of(const NodeId& id) const;
  void info(Later& later, std::string line) const;
  void debug(Later& later, std::string line) const;

  static void run(Later& later);

  const asio::any_io_executor executor_;
  const LocalIdentity local_;
  const PeerSetOptions options_;
  const PeerSetHandlers handlers_;

  mutable std::mutex mutex_;
  // Guarded by mutex_: everything below. links_ holds every connection (at most max_inbound
  // inbound ones and one per dial), peers_ the open ones in the set (one per node id), bans_
  // at most kMaxBans entries.
  bool started_ = false;
  bool stopped_ = false;
  std::shared_ptr<Listener> listener_;
  std::optional<tcp::endpoint> listen_endpoint_;
  std::vector<Dial> dials_;  // built by start(), never resized after
  std::map<const Connection*, Link> links_;
  std::map<NodeId, Peer> peers_;
  std::map<NodeId, Ban> bans_;
};

}  // namespace vest::p2p
