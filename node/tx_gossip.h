// Transaction gossip: every transaction this node admits to its mempool goes to
// each peer once, never back to the peer it came from, and not to peers still
// syncing (they could not check it yet). What each peer knows is remembered in
// a bounded cache per peer; a transaction that falls out of it may be sent
// twice, which the receiver drops as already known.
//
// A peer that sends a transaction that no node could admit (malformed, another
// chain, a bad signature) is banned; one that is merely stale here (a nonce
// used, a full mempool) is not. Transactions beyond a per-peer rate are dropped.
// Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "node/node.h"
#include "p2p/peer_set.h"
#include "p2p/rate_limit.h"

namespace vest::node {

struct GossipOptions {
  size_t known_per_peer = 20'000;  // hashes remembered per peer
  uint64_t peer_txs_per_s = 5'000;  // transactions accepted per peer
  uint64_t peer_txs_burst = 10'000;
  uint64_t behind_blocks = 2;      // a peer this far behind the head gets nothing
};

class TxGossip {
 public:
  // `peer_height` gives the height a peer announced (block sync).
  TxGossip(Node& node, std::function<uint64_t(const p2p::NodeId&)> peer_height, GossipOptions options = {});
  void attach(std::shared_ptr<p2p::PeerSet> peers) { peers_ = std::move(peers); }

  void on_connect(const p2p::NodeId& peer);
  void on_disconnect(const p2p::NodeId& peer);
  // A tx message from `peer`: admitted through Node::submit, which relays it.
  void on_tx(const p2p::NodeId& peer, const p2p::Message& m);
  // The node admitted a transaction (Node's listener): relay it.
  void on_admitted(const Hash& hash, ByteView raw);

  uint64_t relayed() const;

 private:
  struct Known {
    std::set<Hash> hashes;
    std::deque<Hash> order;
    p2p::TokenBucket rate;
    // Adds `h`; false when it was known already.
    bool add(const Hash& h, size_t cap);
  };

  Node& node_;
  std::function<uint64_t(const p2p::NodeId&)> peer_height_;
  const GossipOptions options_;
  std::shared_ptr<p2p::PeerSet> peers_;
  mutable std::mutex mutex_;
  std::map<p2p::NodeId, Known> known_;  // guarded by mutex_
  uint64_t relayed_ = 0;                // guarded by mutex_
};

}  // namespace vest::node
