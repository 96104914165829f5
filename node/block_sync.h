// Block sync: brings this node's chain up to its peers' and keeps it there, and
// watches for two blocks at one height signed by one validator.
//
// Every peer announces its head (status) when connected and after each commit.
// The sync requests the heights between its head and the highest announced one,
// at most `window` ahead and `per_peer` in flight per peer, spread over the
// peers that have them; blocks that arrive are imported in height order on the
// sync's own thread (Node::import_block: validate, check the certificate,
// commit). The signatures of the blocks that follow the head are verified on
// the verification pool ahead of their import, in height order and at most
// verify_ahead_txs transactions ahead, so that the pool recovers the senders
// of the next blocks while this thread executes the current one.
//
// A peer that serves an invalid block or certificate, announces a lower height
// than before, or breaks the message rules is banned: its heights are asked of
// others, and the blocks it sent that wait for their turn are dropped untried.
// One that lets requests time out is dropped.
//
// A block that is valid but on another parent, or an announced head that
// differs from this node's block at that height, makes the sync fetch the
// peer's block at a height both have. Two such blocks signed by one validator
// are evidence of a double sign: logged, kept (the first block stays), shown in
// node_status, sent to every peer, and, when the key is this node's own, the
// node stops signing. Evidence from peers is checked and handled the same way.
//
// Thread-safe: the network calls in from its io threads, the node from its
// committing thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "node/node.h"
#include "node/wire.h"
#include "p2p/peer_set.h"
#include "p2p/rate_limit.h"

namespace vest::node {

struct SyncOptions {
  size_t window = 256;                             // heights ahead of the head asked for at once
  size_t per_peer = 16;                            // requests in flight per peer
  size_t max_buffered_bytes = 64u << 20;           // blocks received and not yet imported
  size_t verify_ahead_txs = 20000;                 // transactions verified ahead of the import (at least one block)
  std::chrono::milliseconds request_timeout{10'000};
  size_t max_timeouts = 3;                         // in a row, before the peer is dropped
  std::chrono::milliseconds progress_interval{5'000};
  uint64_t peer_requests_per_s = 10000;            // block requests served per peer
  uint64_t peer_requests_burst = 2048;
};

class BlockSync {
 public:
  BlockSync(Node& node, SyncOptions options);
  ~BlockSync();

  // The peers to talk to; set before start().
  void attach(std::shared_ptr<p2p::PeerSet> peers) { peers_ = std::move(peers); }
  void start();
  void stop();

  void on_connect(const p2p::NodeId& peer);
  void on_disconnect(const p2p::NodeId& peer);
  // status, block_request, block and evidence messages.
  void on_message(const p2p::NodeId& peer, const p2p::Message& m);
  // The node committed `block` (produced or imported).
  void on_commit(const ExecutedBlock& block);

  // sync and conflicts for node_status.
  void fill(rpc::NodeInfo& info) const;
  // True while a peer announced a head more than one block above this node's.
  bool syncing() const;
  // The height `peer` last announced (0 when none).
  uint64_t peer_height(const p2p::NodeId& peer) const;
  std::string metrics_text() const;

 private:
  struct Peer {
    bool announced = false;
    uint64_t height = 0;
    Hash hash;  // of the head it announced
    size_t in_flight = 0;
    size_t timeouts = 0;
    bool forked = false;  // on another chain: asked for nothing more
    p2p::TokenBucket requests;
  };
  struct Request {
    p2p::NodeId peer;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Arrived {
    p2p::NodeId peer;
    std::shared_ptr<const BlockMessage> message;
    size_t bytes = 0;
    std::future<VerifyPool::Batch> verified;  // valid once its verification started
  };
  using Send = std::vector<std::pair<p2p::NodeId, uint64_t>>;  // block requests to send

  void run();
  // Starts verifying the arrived blocks that follow the head (and the one
  // being imported) in height order, within verify_ahead_txs; caller holds mutex_.
  void verify_ahead();
  // Heights to request now; caller holds mutex_.
  void schedule(Send& out);
  void send_requests(const Send& requests);
  void on_status(const p2p::NodeId& peer, const StatusMessage& m);
  void on_block_request(const p2p::NodeId& peer, uint64_t height);
  void on_block(const p2p::NodeId& peer, BlockMessage&& m, size_t bytes);
  void on_evidence(const p2p::NodeId& peer, const p2p::Message& m);
  // Asks `peer` for its block at `height` (at most this node's head) to compare.
  void probe(const p2p::NodeId& peer, uint64_t height);
  // Compares a probed block with this node's at its height.
  void compare(const p2p::NodeId& peer, const Block& theirs);
  // Records evidence once and tells every peer but `from`.
  void record(const DoubleSign& d, const p2p::NodeId& from);
  // Bans `peer` (once) and drops what it sent that is not imported yet.
  void ban(const p2p::NodeId& peer, const std::string& reason);
  // Forgets `peer`'s state, requests and probes; caller holds mutex_.
  void forget_locked(const p2p::NodeId& peer);
  void log_progress(bool force);

  Node& node_;
  const SyncOptions options_;
  std::shared_ptr<p2p::PeerSet> peers_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t head_ = 0;  // the height of the node's head
  uint64_t importing_ = 0;  // the height being imported, 0 when none
  std::map<p2p::NodeId, Peer> peer_state_;
  std::map<uint64_t, Request> requested_;
  std::map<uint64_t, Arrived> arrived_;
  size_t arrived_bytes_ = 0;
  std::map<std::pair<p2p::NodeId, uint64_t>, std::chrono::steady_clock::time_point> probes_;
  std::set<std::pair<uint64_t, Address>> evidence_seen_;
  std::vector<rpc::ConflictView> conflicts_;
  // Progress since the last log line.
  std::chrono::steady_clock::time_point progress_since_;
  uint64_t progress_blocks_ = 0, progress_txs_ = 0;
  bool was_syncing_ = false;
  uint64_t timeouts_total_ = 0, bans_total_ = 0;
  std::thread thread_;
};

}  // namespace vest::node
