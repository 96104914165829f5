// A validator's consensus (docs/protocol.md, section 10): the Tendermint core
// (consensus/core.h) run on the reactor's own thread and fed with the peers'
// proposals and votes, its timeouts and its own signed messages, and the
// actions it returns carried out:
//   - blocks are proposed and checked through the node (Node::propose_block,
//     Node::check_block), and a proposed block whose time is ahead of this
//     node's clock by more than max_clock_drift_s is not valid to it;
//   - proposals and votes are signed by the node's signer (its state on disk
//     first), written to the consensus WAL and synced, and only then sent to
//     every peer and counted;
//   - the decided block is committed with the certificate of its precommits,
//     and the next height starts after a pause (timeout_commit).
// Proposals and votes from peers are checked (encoding, signature) on the
// network's threads, relayed once to the other peers, and recorded in the WAL
// before the core takes them (not the votes of a height already decided, which
// only serve to catch a voter signing twice); at debug level each vote
// received is logged ("consensus: vote" with its voter, height, round, type,
// block and time), votes of past heights too. A restarted validator replays
// the WAL of the height it was deciding: its core takes the same inputs again,
// and its signer gives back the signatures it gave before and refuses anything
// else.
//
// Block sync runs beside it: while the node is behind its peers no height is
// started, and a block committed from a peer moves the reactor to the next
// height.
//
// Thread-safe: the network calls in from its io threads, the node from its
// committing thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <variant>

#include "consensus/core.h"
#include "consensus/wal.h"
#include "node/node.h"
#include "p2p/peer_set.h"

namespace vest::node {

struct ConsensusOptions {
  consensus::Timeouts timeouts;
  std::chrono::milliseconds commit_pause{1000};     // after a decision, before the next height
  std::chrono::milliseconds gossip_interval{500};   // re-sending the latest messages
  uint64_t max_clock_drift_s = 10;                  // how far a block's time may be ahead of this clock
  size_t max_queued = 20000;                        // messages from peers waiting for the reactor
  size_t max_next_height = 4096;                    // messages of the next height kept for it
  size_t max_seen = 65536;                          // message hashes remembered for relaying once
};

class ConsensusReactor {
 public:
  // `node` must be a validator; the WAL lives in `wal_dir`. `syncing` tells
  // whether block sync is catching up with peers (no height starts meanwhile).
  ConsensusReactor(Node& node, std::filesystem::path wal_dir, ConsensusOptions options,
                   std::function<bool()> syncing);
  ~ConsensusReactor();
  ConsensusReactor(const ConsensusReactor&) = delete;
  ConsensusReactor& operator=(const ConsensusReactor&) = delete;

  // The peers to talk to; set before start().
  void attach(std::shared_ptr<p2p::PeerSet> peers) { peers_ = std::move(peers); }
  // Opens the WAL, replays what it holds for the next height and starts the
  // thread. False with `error` when the WAL is damaged or cannot be opened.
  bool start(std::string& error);
  void stop();

  // A proposal or vote message from `peer`, on a network thread.
  void on_message(const p2p::NodeId& peer, const p2p::Message& m);
  // The node committed `block` (decided here, or imported by block sync).
  void on_commit(const ExecutedBlock& block);

  // The consensus part of node_status.
  void fill(rpc::NodeInfo& info) const;
  std::string metrics_text() const;

 private:
  struct PeerProposal {
    consensus::SignedProposal proposal;
    Block block;
    Bytes raw;  // the proposal message as received
  };
  struct PeerVote {
    consensus::SignedVote vote;
    Bytes raw;
  };
  struct Committed {
    uint64_t height = 0;
  };
  using Event = std::variant<PeerProposal, PeerVote, Committed>;

  struct Timer {
    std::chrono::steady_clock::time_point at;
    consensus::TimeoutFired timeout;
  };

  // Kinds of WAL records: RLP[now, message] for messages, RLP[now, height, round, step] for timeouts.
  enum WalRecordType : uint8_t {
    kWalPeerProposal = 1,
    kWalPeerVote = 2,
    kWalOwnProposal = 3,
    kWalOwnVote = 4,
    kWalTimeout = 5,
  };

  void run();
  // Replays the WAL records of the height about to start.
  void replay(const std::vector<consensus::WalRecord>& records);
  void handle(Event&& e);
  // Starts height head + 1 when block sync is not catching up.
  void start_next_height();
  // Drops the blocks of the height that ended.
  void forget_height();
  // Hands the core `height` with its validator set and proposer schedule, then
  // what arrived early for it.
  void begin_height(uint64_t height, uint64_t now);
  // Feeds one input to the core and carries out every action that follows.
  void feed(consensus::Event event, uint64_t now);
  void execute(const consensus::Action& a, uint64_t now);
  void broadcast_proposal(const consensus::Proposal& p, uint64_t now);
  void broadcast_vote(Vote v, uint64_t now);
  void request_value(const consensus::RequestValue& r, uint64_t now);
  void check_value(const consensus::CheckValue& c, uint64_t now);
  void decide(const consensus::Decide& d);
  // Logs, counts, pools and sends on a validator's two conflicting votes.
  void equivocation(const consensus::Equivocation& e);
  // Appends a WAL record; own messages are synced. False (logged) when the write failed.
  bool record(WalRecordType type, ByteView message, uint64_t now);
  void send_to_all(p2p::MessageType type, const Bytes& raw);
  // True the first time `raw` is seen (bounded memory of hashes).
  bool first_seen(ByteView raw);
  void publish_status();

  Node& node_;
  const std::filesystem::path wal_dir_;
  const ConsensusOptions options_;
  std::function<bool()> syncing_;
  std::shared_ptr<p2p::PeerSet> peers_;
  const Address self_;

  // Only the reactor's thread touches these.
  consensus::Core core_;
  std::unique_ptr<consensus::Wal> wal_;
  uint64_t height_ = 0;        // the height the core works on; 0 before the first
  uint64_t decided_ = 0;       // the last height decided here
  bool replaying_ = false;
  std::set<Bytes> replayed_own_;                   // own messages already in the WAL
  std::map<uint32_t, Hash> own_proposals_;         // from the WAL: the block proposed in each round
  std::map<Hash, Block> blocks_;                   // proposed at this height
  std::map<Hash, ExecutedBlock> executed_;         // checked or proposed at this height
  std::map<Hash, std::vector<std::pair<Hash, Status>>> dropped_;  // by this node's proposals
  std::vector<Event> next_height_;                 // messages of height_ + 1
  std::multimap<std::chrono::steady_clock::time_point, consensus::TimeoutFired> timers_;
  std::optional<std::chrono::steady_clock::time_point> start_at_;  // the next height, after the pause
  std::chrono::steady_clock::time_point next_gossip_;
  std::chrono::steady_clock::time_point last_decision_;
  std::deque<consensus::Input> inputs_;  // fed and not yet handed to the core
  bool feeding_ = false;
  consensus::ProposerSchedule schedule_;  // of schedule_height_
  uint64_t schedule_height_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Event> queue_;        // guarded by mutex_
  bool stopping_ = false;          // guarded by mutex_
  std::set<Hash> seen_;            // guarded by mutex_
  std::deque<Hash> seen_order_;    // guarded by mutex_
  uint64_t current_height_ = 0;    // guarded by mutex_: height_, for the network threads
  // node_status and metrics, guarded by mutex_.
  uint64_t status_height_ = 0;
  uint32_t status_round_ = 0;
  consensus::Step status_step_ = consensus::Step::kPropose;
  int64_t status_locked_round_ = -1;
  std::string status_proposer_;
  uint64_t rounds_total_ = 0, decisions_ = 0, equivocations_ = 0, dropped_messages_ = 0;
  std::map<consensus::Step, uint64_t> timeouts_total_;
  uint64_t interval_ms_sum_ = 0, interval_count_ = 0;
  std::map<Address, uint64_t> missed_precommits_;
  std::thread thread_;
};

}  // namespace vest::node
