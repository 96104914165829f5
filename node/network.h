// The node's network: the peer set (p2p/), block sync and transaction gossip,
// on their own io threads, apart from the RPC server's. It routes each message
// type to its reactor and gives the node what node_status, node_peers and the
// metrics show about peers.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>

#include "node/block_sync.h"
#include "node/consensus_reactor.h"
#include "node/node.h"
#include "node/tx_gossip.h"
#include "p2p/node_key.h"
#include "p2p/peer_set.h"

namespace vest::node {

struct NetworkOptions {
  p2p::PeerSetOptions peers;
  SyncOptions sync;
  GossipOptions gossip;
  // A validator of a network (not --dev) runs consensus with its WAL in consensus_wal.
  ConsensusOptions consensus;
  std::filesystem::path consensus_wal;
  unsigned threads = 2;
};

class Network {
 public:
  // Wires itself into `node` (listeners and views); `key` and `node` outlive it.
  Network(Node& node, const p2p::NodeKey& key, NetworkOptions options);
  ~Network();

  // Listens, dials, starts syncing and, on a validator, consensus. False with
  // `error` when the listen address cannot be bound or the consensus WAL cannot be used.
  bool start(std::string& error);
  void stop();

  // The bound P2P address ("IP:PORT"), empty when not listening.
  std::string listen_address() const;
  std::string metrics_text() const;

 private:
  void on_message(const p2p::NodeId& peer, p2p::Message&& m);
  // Duplicate-vote evidence from a peer: pooled and passed on once, on every node.
  void on_vote_evidence(const p2p::NodeId& peer, const p2p::Message& m);

  Node& node_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  unsigned thread_count_;
  BlockSync sync_;
  TxGossip gossip_;
  std::unique_ptr<ConsensusReactor> consensus_;  // a validator's, not --dev
  std::shared_ptr<p2p::PeerSet> peers_;
};

}  // namespace vest::node
