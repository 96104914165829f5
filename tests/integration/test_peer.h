// A peer for integration tests that speaks the real protocol to real vestd
// processes: its own node key, the handshake and frames of p2p/, and the node's
// messages of node/wire.h. It announces what the test tells it to and answers
// block requests with whatever the test makes of an honest node's blocks, so a
// test can play a peer that lies (tampered blocks or certificates, heights that
// go backwards) and watch what the node does about it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "node/wire.h"
#include "p2p/connection.h"
#include "tests/integration/harness.h"
#include "tests/p2p/p2p_util.h"

namespace vest::test {

// One connection of a TestPeer, dialled or accepted. Thread-safe.
class PeerLink {
 public:
  // Queues a node-channel message; false when the connection refused it (closed, or
  // outside the limits table).
  bool send(p2p::MessageType type, Bytes payload);
  bool send_status(uint64_t height, const Hash& hash);
  // Ends the connection.
  void close();

  // True once the handshake completed within `t` (false when it closed first).
  bool wait_open(std::chrono::milliseconds t = std::chrono::seconds(10));
  // Why it closed, or kOk when it is still open after `t`.
  p2p::CloseReason wait_closed(std::chrono::milliseconds t = std::chrono::seconds(10));
  bool is_open() const;
  // The first message of `type` after the first `skip` of them, waiting up to `t`.
  std::optional<p2p::Message> wait_message(p2p::MessageType type, size_t skip = 0,
                                           std::chrono::milliseconds t = std::chrono::seconds(10));
  // Messages of `type` received so far.
  size_t count(p2p::MessageType type) const;
  // The heights the other side asked for (block requests), in arrival order.
  std::vector<uint64_t> requested() const;

 private:
  friend class TestPeer;
  template <class P>
  bool wait(std::chrono::milliseconds t, P done) const;

  std::shared_ptr<p2p::Connection> connection_;
  mutable std::mutex m_;
  mutable std::condition_variable cv_;
  bool opened_ = false;
  std::optional<p2p::CloseReason> closed_;
  std::vector<p2p::Message> messages_;
  std::vector<uint64_t> requested_;
};

class TestPeer {
 public:
  // What to answer a block request for `height` with: a block message's payload, or
  // nullopt to stay silent.
  using Serve = std::function<std::optional<Bytes>(uint64_t height)>;

  // A peer of chain `chain_id` with genesis `genesis_hash` and a fresh node key,
  // listening on 127.0.0.1 (an ephemeral port).
  TestPeer(uint64_t chain_id, const Hash& genesis_hash);
  // A peer of the chain `node` is on (its node_status).
  explicit TestPeer(Vestd& node);
  // Closes every connection.
  ~TestPeer();
  TestPeer(const TestPeer&) = delete;
  TestPeer& operator=(const TestPeer&) = delete;

  std::string node_id() const;
  // NODEID@127.0.0.1:PORT, for a node's --peer.
  std::string peer_arg() const;

  // The status every connection sends when it opens (none until set). Connections
  // already open are not told: send_status on them.
  void announce(uint64_t height, const Hash& hash);
  // Answers block requests from now on (none are answered until set).
  void serve(Serve serve);

  // Dials NODEID@HOST:PORT; the link may still be handshaking (wait_open).
  std::shared_ptr<PeerLink> dial(const std::string& peer_arg);
  // The i-th accepted connection, waiting up to `t` for it; nullptr when none came.
  std::shared_ptr<PeerLink> inbound(size_t i, std::chrono::milliseconds t = std::chrono::seconds(10));
  size_t inbound_count() const;

 private:
  std::shared_ptr<PeerLink> make_link();
  p2p::ConnectionHandlers handlers(const std::shared_ptr<PeerLink>& link);

  p2p::test::IoThread io_;
  p2p::NodeKey key_;
  p2p::LocalIdentity identity_;
  std::shared_ptr<p2p::Listener> listener_;
  mutable std::mutex m_;
  mutable std::condition_variable cv_;
  std::optional<node::StatusMessage> head_;
  Serve serve_;
  std::vector<std::shared_ptr<PeerLink>> links_;    // every link, for closing
  std::vector<std::shared_ptr<PeerLink>> inbound_;  // accepted ones, in order
};

// Blocks `from` ..= `to` with their certificates, asked of `node` over p2p by `peer`
// as a syncing node asks for them, in height order. Fails the test when one is missing.
std::vector<node::BlockMessage> fetch_blocks(TestPeer& peer, Vestd& node, uint64_t from, uint64_t to);

}  // namespace vest::test
