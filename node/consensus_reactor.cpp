#include "node/consensus_reactor.h"

#include "chain/keccak.h"
#include "chain/rlp.h"
#include "consensus/codec.h"
#include "node/log.h"
#include "node/prometheus.h"
#include "node/wire.h"

namespace vest::node {

namespace {

using Clock = std::chrono::steady_clock;
using consensus::Step;

std::string hash_text(const Hash& h) { return to_hex_0x(h.view()); }

Bytes message_record(uint64_t now, ByteView message) {
  rlp::Encoder e;
  e.begin_list().uint(now).raw(message).end_list();
  return e.finish();
}

Bytes timeout_record(uint64_t now, const consensus::TimeoutFired& t) {
  rlp::Encoder e;
  e.begin_list().uint(now).uint(t.height).uint(t.round).uint(static_cast<uint8_t>(t.step)).end_list();
  return e.finish();
}

// A WAL record's time and message; false when it does not decode.
bool read_message_record(ByteView payload, uint64_t& now, ByteView& message) {
  rlp::ListReader r(payload);
  now = r.u64();
  message = r.raw();
  return r.done();
}

bool read_timeout_record(ByteView payload, uint64_t& now, consensus::TimeoutFired& t) {
  rlp::ListReader r(payload);
  now = r.u64();
  t.height = r.u64();
  const uint64_t round = r.u64();
  const uint64_t step = r.u64();
  if (!r.done() || round > UINT32_MAX || step > static_cast<uint8_t>(Step::kPrecommit)) return false;
  t.round = static_cast<uint32_t>(round);
  t.step = static_cast<Step>(step);
  return true;
}

consensus::Config core_config(const Node& node, const ConsensusOptions& options) {
  consensus::Config c;
  c.chain_id = node.params().chain_id;
  c.timeouts = options.timeouts;
  return c;
}

}  // namespace

ConsensusReactor::ConsensusReactor(Node& node, std::filesystem::path wal_dir, ConsensusOptions options,
                                   std::function<bool()> syncing)
    : node_(node),
      wal_dir_(std::move(wal_dir)),
      options_(options),
      syncing_(std::move(syncing)),
      self_(node.signer()->address()),
      core_(core_config(node, options)) {}

ConsensusReactor::~ConsensusReactor() { stop(); }

bool ConsensusReactor::start(std::string& error) {
  const uint64_t next = node_.store().head()->height + 1;
  std::vector<consensus::WalRecord> records;
  bool torn = false;
  wal_ = consensus::Wal::open(wal_dir_, next, records, torn, error);
  if (!wal_) return false;
  if (torn) log_warn("consensus WAL of height " + std::to_string(next) + ": cut off a torn last record (a crash while writing it)");
  if (!records.empty()) {
    log_info("consensus: replaying " + std::to_string(records.size()) + " WAL records of height " + std::to_string(next));
    replay(records);
  } else {
    start_next_height();
  }
  next_gossip_ = Clock::now() + options_.gossip_interval;
  thread_ = std::thread([this] { run(); });
  return true;
}

void ConsensusReactor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// ---- From the network ----

bool ConsensusReactor::first_seen(ByteView raw) {
  const Hash h = keccak256(raw);
  std::lock_guard lock(mutex_);
  if (!seen_.insert(h).second) return false;
  seen_order_.push_back(h);
  if (seen_order_.size() > options_.max_seen) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return true;
}

void ConsensusReactor::on_message(const p2p::NodeId& peer, const p2p::Message& m) {
  const uint64_t chain_id = node_.params().chain_id;
  std::string error;
  uint64_t height = 0;
  Event event;
  if (m.type == p2p::MessageType::kProposal) {
    ProposalMessage pm;
    if (!decode_proposal_message(m.payload, chain_id, pm, error)) return peers_->ban(peer, error);
    height = pm.proposal.proposal.height;
    event = PeerProposal{std::move(pm.proposal), std::move(pm.block), m.payload};
  } else if (m.type == p2p::MessageType::kVote) {
    consensus::SignedVote v;
    if (!consensus::decode_vote(m.payload, chain_id, v, error)) return peers_->ban(peer, error);
    height = v.vote.height;
    event = PeerVote{v, m.payload};
  } else {
    return;
  }
  uint64_t current = 0;
  {
    std::lock_guard lock(mutex_);
    current = current_height_;
  }
  // Only the height being decided and the next one matter; the rest is
  // old news, or the future that block sync will bring. At debug level the
  // votes of past heights are still checked and logged, so that the log
  // records every vote this node was sent (a validator that restarted
  // behind its peers votes at a height they have left).
  const bool wanted = height >= current && height <= current + 1;
  const bool log_past = height < current && m.type == p2p::MessageType::kVote && log_enabled(LogLevel::kDebug);
  if (!wanted && !log_past) return;
  if (!first_seen(m.payload)) return;
  const bool signed_ok = std::visit(
      [](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, PeerProposal>) return consensus::verify(e.proposal);
        if constexpr (std::is_same_v<T, PeerVote>) return consensus::verify(e.vote);
        return true;
      },
      event);
  if (!signed_ok) return peers_->ban(peer, "a consensus message whose signature is not its signer's");
  if (const auto* v = std::get_if<PeerVote>(&event); v && log_enabled(LogLevel::kDebug)) {
    const Vote& vote = v->vote.vote;
    log_debug("consensus: vote", {{"voter", to_checksum(v->vote.voter)},
                                  {"height", std::to_string(vote.height)},
                                  {"round", std::to_string(vote.round)},
                                  {"type", vote.type == VoteType::kPrevote ? "prevote" : "precommit"},
                                  {"block", hash_text(vote.block_hash)},
                                  {"time", std::to_string(vote.time)}});
  }
  if (!wanted) return;
  // Relayed once, to everyone but the sender: validators need not all be
  // connected to each other.
  peers_->broadcast(m.type, m.payload, peer);
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queued) {
      ++dropped_messages_;
      return;
    }
    queue_.push_back(std::move(event));
  }
  wake_.notify_one();
}

void ConsensusReactor::on_commit(const ExecutedBlock& block) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Committed{block.header().height});
  }
  wake_.notify_one();
}

// ---- The reactor's thread ----

void ConsensusReactor::run() {
  for (;;) {
    std::deque<Event> batch;
    {
      std::unique_lock lock(mutex_);
      auto until = next_gossip_;
      if (!timers_.empty()) until = std::min(until, timers_.begin()->first);
      if (start_at_) until = std::min(until, *start_at_);
      wake_.wait_until(lock, until, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch.swap(queue_);
    }
    for (Event& e : batch) handle(std::move(e));
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      const consensus::TimeoutFired t = timers_.begin()->second;
      timers_.erase(timers_.begin());
      if (t.height != height_) continue;
      const uint64_t clock = node_.clock_now();
      {
        std::lock_guard lock(mutex_);
        ++timeouts_total_[t.step];
      }
      if (record(kWalTimeout, timeout_record(clock, t), clock)) feed(t, clock);
    }
    if (start_at_ && *start_at_ <= now) {
      start_at_.reset();
      start_next_height();
    }
    if (next_gossip_ <= now) {
      next_gossip_ = now + options_.gossip_interval;
      if (height_ > 0 && decided_ != height_) feed(consensus::GossipTick{}, node_.clock_now());
    }
  }
}

void ConsensusReactor::handle(Event&& e) {
  if (auto* c = std::get_if<Committed>(&e)) {
    // A block this node decided moves it on after the pause; one from block
    // sync (this node fell behind) at once.
    if (c->height >= height_ && c->height != decided_) {
      log_info("consensus: block " + std::to_string(c->height) + " came from a peer; moving to the next height");
      start_at_.reset();
      start_next_height();
    }
    return;
  }
  const uint64_t height = std::visit(
      [](const auto& x) -> uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, PeerProposal>) return x.proposal.proposal.height;
        if constexpr (std::is_same_v<T, PeerVote>) return x.vote.vote.height;
        return 0;
      },
      e);
  if (height == height_ + 1) {
    // Early for the next height.
    if (next_height_.size() < options_.max_next_height) next_height_.push_back(std::move(e));
    return;
  }
  if (height == height_ && decided_ == height_) {
    // Late for the decided height: nothing for the WAL (no replay needs it),
    // but the core still checks a vote against those it holds (equivocation).
    if (auto* v = std::get_if<PeerVote>(&e)) feed(v->vote, node_.clock_now());
    return;
  }
  if (height != height_ || height_ == 0) return;
  const uint64_t now = node_.clock_now();
  if (auto* p = std::get_if<PeerProposal>(&e)) {
    if (!record(kWalPeerProposal, p->raw, now)) return;
    // At most a few blocks per round are worth holding; the core keeps one proposal per round.
    if (blocks_.size() < 64) blocks_.emplace(p->proposal.proposal.block_hash, std::move(p->block));
    feed(std::move(p->proposal), now);
  } else if (auto* v = std::get_if<PeerVote>(&e)) {
    if (!record(kWalPeerVote, v->raw, now)) return;
    feed(v->vote, now);
  }
}

void ConsensusReactor::start_next_height() {
  const uint64_t next = node_.store().head()->height + 1;
  if (next <= height_ && decided_ != height_) return;  // already on it
  if (syncing_ && syncing_()) {
    // Block sync is catching up: votes for an old height help nobody.
    start_at_ = Clock::now() + std::chrono::milliseconds(200);
    return;
  }
  if (wal_->height() < next) {
    std::string error;
    if (!wal_->start_height(next, error)) {
      log_error("consensus: " + error + "; retrying");
      start_at_ = Clock::now() + std::chrono::seconds(1);
      return;
    }
  }
  forget_height();
  begin_height(next, node_.clock_now());
}

void ConsensusReactor::forget_height() {
  blocks_.clear();
  executed_.clear();
  dropped_.clear();
  own_proposals_.clear();
}

void ConsensusReactor::begin_height(uint64_t height, uint64_t now) {
  timers_.clear();
  start_at_.reset();
  height_ = height;
  {
    std::lock_guard lock(mutex_);
    current_height_ = height;
  }
  // Priorities start at zero with each set (docs/protocol.md, "Proposer
  // selection") and advance one run per height.
  const ValidatorsAt at = *node_.validators_at(height);
  const ValidatorSet& set = at.set;
  const uint64_t first = std::max<uint64_t>(at.effective_from, 1);  // the genesis set's first height is 1
  if (schedule_height_ > 0 && schedule_height_ + 1 == height && first < height) {
    schedule_ = schedule_.next_height();
  } else {
    schedule_ = consensus::ProposerSchedule(set);
    for (uint64_t h = first; h < height; ++h) schedule_ = schedule_.next_height();
  }
  schedule_height_ = height;
  feed(consensus::StartHeight{height, set, schedule_, self_}, now);
  std::vector<Event> early;
  early.swap(next_height_);
  for (Event& e : early) handle(std::move(e));
}

void ConsensusReactor::replay(const std::vector<consensus::WalRecord>& records) {
  const uint64_t height = node_.store().head()->height + 1;
  const uint64_t chain_id = node_.params().chain_id;
  uint64_t first_now = node_.clock_now();
  forget_height();
  // Own proposals name the blocks this validator proposed: a replay proposes
  // them again, never new ones.
  for (const consensus::WalRecord& r : records) {
    uint64_t now = 0;
    ByteView message;
    std::string error;
    if (r.type == kWalTimeout || !read_message_record(r.payload, now, message)) continue;
    if (&r == &records.front()) first_now = now;
    if (r.type != kWalOwnProposal && r.type != kWalOwnVote) continue;
    replayed_own_.insert(Bytes(message.begin(), message.end()));
    ProposalMessage pm;
    if (r.type == kWalOwnProposal && decode_proposal_message(message, chain_id, pm, error)) {
      own_proposals_[pm.proposal.proposal.round] = pm.proposal.proposal.block_hash;
      blocks_.emplace(pm.proposal.proposal.block_hash, std::move(pm.block));
    }
  }
  replaying_ = true;
  begin_height(height, first_now);
  for (const consensus::WalRecord& r : records) {
    uint64_t now = 0;
    ByteView message;
    std::string error;
    if (r.type == kWalTimeout) {
      consensus::TimeoutFired t;
      if (read_timeout_record(r.payload, now, t)) feed(t, now);
      continue;
    }
    if (!read_message_record(r.payload, now, message)) continue;
    if (r.type == kWalPeerProposal || r.type == kWalOwnProposal) {
      ProposalMessage pm;
      if (!decode_proposal_message(message, chain_id, pm, error)) continue;
      blocks_.emplace(pm.proposal.proposal.block_hash, std::move(pm.block));
      feed(pm.proposal, now);
    } else if (r.type == kWalPeerVote || r.type == kWalOwnVote) {
      consensus::SignedVote v;
      if (consensus::decode_vote(message, chain_id, v, error)) feed(v, now);
    }
  }
  replaying_ = false;
  replayed_own_.clear();
}

// ---- Carrying out the core's actions ----

void ConsensusReactor::feed(consensus::Event event, uint64_t now) {
  inputs_.push_back(consensus::Input{now, std::move(event)});
  if (feeding_) return;  // the loop below takes it: actions run in order, input by input
  feeding_ = true;
  while (!inputs_.empty()) {
    consensus::Input input = std::move(inputs_.front());
    inputs_.pop_front();
    for (const consensus::Action& a : core_.handle(input)) execute(a, input.now);
  }
  feeding_ = false;
  publish_status();
}

void ConsensusReactor::execute(const consensus::Action& action, uint64_t now) {
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, consensus::BroadcastProposal>) {
          broadcast_proposal(a.proposal, now);
        } else if constexpr (std::is_same_v<T, consensus::BroadcastVote>) {
          broadcast_vote(a.vote, now);
        } else if constexpr (std::is_same_v<T, consensus::ScheduleTimeout>) {
          timers_.emplace(Clock::now() + std::chrono::milliseconds(a.duration_ms),
                          consensus::TimeoutFired{a.height, a.round, a.step});
        } else if constexpr (std::is_same_v<T, consensus::RequestValue>) {
          request_value(a, now);
        } else if constexpr (std::is_same_v<T, consensus::CheckValue>) {
          check_value(a, now);
        } else if constexpr (std::is_same_v<T, consensus::Decide>) {
          decide(a);
        } else if constexpr (std::is_same_v<T, consensus::Equivocation>) {
          equivocation(a);
        } else if constexpr (std::is_same_v<T, consensus::Gossip>) {
          for (const consensus::SignedProposal& p : a.proposals) {
            auto b = blocks_.find(p.proposal.block_hash);
            if (b != blocks_.end()) send_to_all(p2p::MessageType::kProposal, encode_proposal_message(p, b->second));
          }
          for (const consensus::SignedVote& v : a.votes) send_to_all(p2p::MessageType::kVote, consensus::encode_vote(v));
        }
      },
      action);
}

bool ConsensusReactor::record(WalRecordType type, ByteView message, uint64_t now) {
  const bool own = type == kWalOwnProposal || type == kWalOwnVote;
  if (replaying_ && own && replayed_own_.count(Bytes(message.begin(), message.end()))) return true;
  std::string error;
  const Bytes payload = type == kWalTimeout ? Bytes(message.begin(), message.end()) : message_record(now, message);
  if (wal_->append(type, payload, own, error)) return true;
  log_error("consensus: " + error);
  return false;
}

void ConsensusReactor::send_to_all(p2p::MessageType type, const Bytes& raw) {
  first_seen(raw);
  if (peers_) peers_->broadcast(type, raw);
}

void ConsensusReactor::broadcast_proposal(const consensus::Proposal& p, uint64_t now) {
  auto block = blocks_.find(p.block_hash);
  if (block == blocks_.end()) {
    log_error("consensus: no block " + hash_text(p.block_hash) + " for this validator's proposal");
    return;
  }
  Signature sig;
  std::string error;
  if (!node_.signer()->sign_proposal(p, sig, error)) {
    log_warn("consensus: " + error);
    return;
  }
  consensus::SignedProposal signed_proposal{p, self_, sig};
  const Bytes raw = encode_proposal_message(signed_proposal, block->second);
  // Durable before it leaves: a restart proposes this block again, no other.
  if (!record(kWalOwnProposal, raw, now)) return;
  send_to_all(p2p::MessageType::kProposal, raw);
  feed(signed_proposal, now);
}

void ConsensusReactor::broadcast_vote(Vote v, uint64_t now) {
  Signature sig;
  std::string error;
  if (!node_.signer()->sign_vote(v, sig, error)) {
    log_warn("consensus: " + error);
    return;
  }
  consensus::SignedVote signed_vote{v, self_, sig};
  const Bytes raw = consensus::encode_vote(signed_vote);
  if (!record(kWalOwnVote, raw, now)) return;
  send_to_all(p2p::MessageType::kVote, raw);
  feed(signed_vote, now);
}

void ConsensusReactor::request_value(const consensus::RequestValue& r, uint64_t now) {
  auto replayed = own_proposals_.find(r.round);
  if (replayed != own_proposals_.end()) {
    const Hash hash = replayed->second;
    if (!executed_.count(hash)) {
      ExecutedBlock executed;
      BlockCheck check = node_.check_block(blocks_.at(hash), executed);
      if (!check.ok()) {
        log_error("consensus: this validator's own proposal of height " + std::to_string(r.height) +
                  " from the WAL no longer validates: " + check.message);
        return;
      }
      executed_.emplace(hash, std::move(executed));
    }
    feed(consensus::ValueReady{r.height, r.round, hash}, now);
    return;
  }
  auto proposal = node_.propose_block(node_.clock_now());
  if (!proposal) return;  // signing stopped
  if (proposal->executed.block.header.height != r.height) {
    // Block sync committed this height meanwhile (the block was built on the
    // new head): proposing it would name a block of another height. The
    // commit's event moves consensus on.
    log_info("consensus: height " + std::to_string(r.height) + " was committed from a peer while this validator " +
             "built its proposal; not proposing");
    return;
  }
  const Hash hash = proposal->executed.hash();
  blocks_[hash] = proposal->executed.block;
  dropped_[hash] = std::move(proposal->dropped);
  executed_.emplace(hash, std::move(proposal->executed));
  feed(consensus::ValueReady{r.height, r.round, hash}, now);
}

void ConsensusReactor::check_value(const consensus::CheckValue& c, uint64_t now) {
  bool valid = false;
  auto block = blocks_.find(c.block_hash);
  const std::string where = "the block " + hash_text(c.block_hash) + " proposed at height " +
                            std::to_string(c.height) + " round " + std::to_string(c.round);
  if (block == blocks_.end()) {
    log_warn("consensus: " + where + " is unknown here");
  } else if (block->second.header.time > node_.clock_now() + options_.max_clock_drift_s) {
    // The proposer's clock is ahead: a block time in the future would move
    // vesting forward for everyone (docs/protocol.md, "Block time").
    log_warn("consensus: " + where + " has the time " + std::to_string(block->second.header.time) +
             ", more than " + std::to_string(options_.max_clock_drift_s) + " s ahead of this node's clock");
  } else if (executed_.count(c.block_hash)) {
    valid = true;
  } else {
    ExecutedBlock executed;
    BlockCheck check = node_.check_block(block->second, executed);
    valid = check.ok();
    if (valid) {
      executed_.emplace(c.block_hash, std::move(executed));
    } else {
      log_warn("consensus: " + where + " breaks the rule " + to_string(check.result) + ": " + check.message);
    }
  }
  feed(consensus::ValueChecked{c.height, c.block_hash, valid}, now);
}

void ConsensusReactor::equivocation(const consensus::Equivocation& e) {
  const Vote& v = e.first.vote;
  log_warn("consensus: validator " + to_checksum(e.first.voter) + " signed two " + std::string(to_string(v.type)) +
           "s at height " + std::to_string(v.height) + " round " + std::to_string(v.round) + ": for " +
           hash_text(v.block_hash) + " and " + hash_text(e.second.vote.block_hash));
  {
    std::lock_guard lock(mutex_);
    ++equivocations_;
  }
  // The pair is evidence: pooled for a block this node proposes, and sent on
  // so that whoever proposes next can commit it.
  auto evidence = make_duplicate_vote(e.first, e.second);
  if (!evidence) return;
  Status s = node_.add_evidence(*evidence);
  if (s.ok()) send_to_all(p2p::MessageType::kVoteEvidence, encode_duplicate_vote(*evidence));
}

void ConsensusReactor::decide(const consensus::Decide& d) {
  decided_ = d.height;
  auto executed = executed_.find(d.block_hash);
  if (executed == executed_.end()) {
    log_error("consensus: decided block " + hash_text(d.block_hash) + " of height " + std::to_string(d.height) +
              " was never checked here; block sync will fetch it");
    start_at_ = Clock::now() + options_.commit_pause;
    return;
  }
  const size_t txs = executed->second.txs.size();
  Import result = node_.commit_decided(executed->second, d.certificate, dropped_[d.block_hash]);
  if (result.result != ImportResult::kCommitted && result.result != ImportResult::kStale) {
    log_error("consensus: cannot commit the decided block " + std::to_string(d.height) + ": " + result.message);
  }
  size_t signed_entries = 0;
  const ValidatorSet set = node_.validators_at(d.height)->set;
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    ++decisions_;
    for (size_t i = 0; i < d.certificate.entries.size(); ++i) {
      if (d.certificate.entries[i]) {
        ++signed_entries;
      } else if (i < set.size()) {
        ++missed_precommits_[set.validators()[i].address];
      }
    }
    if (last_decision_ != Clock::time_point{}) {
      interval_ms_sum_ +=
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - last_decision_).count());
      ++interval_count_;
    }
  }
  last_decision_ = now;
  log_info("block " + std::to_string(d.height) + " " + hash_text(d.block_hash) + " txs " + std::to_string(txs) +
           " round " + std::to_string(d.round) + " precommits " + std::to_string(signed_entries) + "/" +
           std::to_string(d.certificate.entries.size()));
  std::string error;
  if (!wal_->start_height(d.height + 1, error)) log_error("consensus: " + error);
  start_at_ = Clock::now() + options_.commit_pause;
}

// ---- What operators see ----

void ConsensusReactor::publish_status() {
  std::string proposer = to_checksum(core_.proposer_of(core_.round()));
  std::lock_guard lock(mutex_);
  if (core_.round() > status_round_ && status_height_ == core_.height()) rounds_total_ += core_.round() - status_round_;
  status_height_ = core_.height();
  status_round_ = core_.round();
  status_step_ = core_.step();
  status_locked_round_ = core_.locked_round();
  status_proposer_ = std::move(proposer);
}

void ConsensusReactor::fill(rpc::NodeInfo& info) const {
  std::lock_guard lock(mutex_);
  rpc::ConsensusView c;
  c.height = status_height_;
  c.round = status_round_;
  c.step = consensus::to_string(status_step_);
  c.locked_round = status_locked_round_;
  c.proposer = status_proposer_;
  info.consensus = c;
}

std::string ConsensusReactor::metrics_text() const {
  std::lock_guard lock(mutex_);
  std::string out;
  prometheus_metric(out, "vestd_consensus_height", "gauge", "The height consensus is deciding.", status_height_);
  prometheus_metric(out, "vestd_consensus_round", "gauge", "The round of that height.", status_round_);
  prometheus_metric(out, "vestd_consensus_rounds_total", "counter",
                    "Rounds past round 0 that heights needed (each a failed round).", rounds_total_);
  prometheus_metric(out, "vestd_consensus_decisions_total", "counter", "Heights decided by this validator.",
                    decisions_);
  prometheus_head(out, "vestd_consensus_timeouts_total", "counter", "Consensus timeouts that fired, by step.");
  for (Step s : {Step::kPropose, Step::kPrevote, Step::kPrecommit}) {
    auto it = timeouts_total_.find(s);
    out += std::string("vestd_consensus_timeouts_total{step=\"") + consensus::to_string(s) + "\"} " +
           std::to_string(it == timeouts_total_.end() ? 0 : it->second) + "\n";
  }
  prometheus_head(out, "vestd_consensus_block_interval_seconds", "summary",
                  "Time between two decisions of this validator.");
  out += "vestd_consensus_block_interval_seconds_sum " + std::to_string(interval_ms_sum_ / 1000) + "." +
         std::to_string(1000 + interval_ms_sum_ % 1000).substr(1) + "\n";
  out += "vestd_consensus_block_interval_seconds_count " + std::to_string(interval_count_) + "\n";
  prometheus_head(out, "vestd_consensus_missed_precommits_total", "counter",
                  "Decided blocks whose certificate lacks the validator's precommit, by validator.");
  for (const auto& [address, n] : missed_precommits_) {
    out += "vestd_consensus_missed_precommits_total{validator=\"" + to_checksum(address) + "\"} " +
           std::to_string(n) + "\n";
  }
  prometheus_metric(out, "vestd_consensus_equivocations_total", "counter",
                    "Conflicting votes of one validator for one height, round and type seen.", equivocations_);
  prometheus_metric(out, "vestd_consensus_messages_dropped_total", "counter",
                    "Consensus messages from peers dropped because the reactor's queue was full.", dropped_messages_);
  return out;
}

}  // namespace vest::node
