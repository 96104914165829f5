#include "node/block_sync.h"

#include <cstdio>

#include "node/log.h"
#include "node/prometheus.h"

namespace vest::node {

namespace {

using Clock = std::chrono::steady_clock;
using p2p::MessageType;

constexpr size_t kMaxProbes = 64;
constexpr size_t kMaxConflicts = 64;
constexpr size_t kMaxEvidenceSeen = 4096;

std::string id_text(const p2p::NodeId& id) { return p2p::to_string(id); }

SignedHeader signed_header(const StoredBlock& b) { return SignedHeader{b.header, b.sig}; }

}  // namespace

BlockSync::BlockSync(Node& node, SyncOptions options) : node_(node), options_(options) {
  head_ = node_.store().head()->height;
}

BlockSync::~BlockSync() { stop(); }

void BlockSync::start() {
  progress_since_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

void BlockSync::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlockSync::on_connect(const p2p::NodeId& peer) {
  {
    std::lock_guard lock(mutex_);
    peer_state_.try_emplace(peer, Peer{false, 0, Hash{}, 0, 0, false,
                                       p2p::TokenBucket(options_.peer_requests_per_s, options_.peer_requests_burst,
                                                        Clock::now())});
  }
  Head head = *node_.store().head();
  peers_->send(peer, MessageType::kStatus, encode_status({head.height, head.hash}));
}

void BlockSync::on_disconnect(const p2p::NodeId& peer) {
  {
    std::lock_guard lock(mutex_);
    forget_locked(peer);
  }
  wake_.notify_all();  // its heights go to others
}

void BlockSync::forget_locked(const p2p::NodeId& peer) {
  peer_state_.erase(peer);
  for (auto it = requested_.begin(); it != requested_.end();) {
    it = it->second.peer == peer ? requested_.erase(it) : std::next(it);
  }
  for (auto it = probes_.begin(); it != probes_.end();) {
    it = it->first.first == peer ? probes_.erase(it) : std::next(it);
  }
}

void BlockSync::ban(const p2p::NodeId& peer, const std::string& reason) {
  // Messages it sent before the ban took effect may still arrive: one ban is enough.
  if (peers_->banned(peer)) return;
  {
    std::lock_guard lock(mutex_);
    ++bans_total_;
    // Nothing more from it is asked for or imported: the blocks it sent that wait for their
    // turn would each fail the same way, one import and one round trip at a time.
    forget_locked(peer);
    for (auto it = arrived_.begin(); it != arrived_.end();) {
      if (it->second.peer != peer) {
        ++it;
        continue;
      }
      arrived_bytes_ -= it->second.bytes;
      it = arrived_.erase(it);
    }
  }
  wake_.notify_all();  // its heights go to others
  peers_->ban(peer, reason);
}

void BlockSync::on_message(const p2p::NodeId& peer, const p2p::Message& m) {
  switch (m.type) {
    case MessageType::kStatus: {
      StatusMessage s;
      if (!decode_status(m.payload, s)) return ban(peer, "malformed status message");
      return on_status(peer, s);
    }
    case MessageType::kBlockRequest: {
      uint64_t height = 0;
      if (!decode_block_request(m.payload, height)) return ban(peer, "malformed block request");
      return on_block_request(peer, height);
    }
    case MessageType::kBlock: {
      BlockMessage b;
      std::string error;
      if (!decode_block_message(m.payload, b, error)) return ban(peer, "malformed block message: " + error);
      return on_block(peer, std::move(b), m.payload.size());
    }
    case MessageType::kEvidence:
      return on_evidence(peer, m);
    default:
      return;
  }
}

void BlockSync::on_status(const p2p::NodeId& peer, const StatusMessage& m) {
  Send requests;
  std::string backwards;
  bool compare_head = false;
  {
    std::lock_guard lock(mutex_);
    auto it = peer_state_.find(peer);
    if (it == peer_state_.end()) return;
    Peer& p = it->second;
    if (p.announced && m.height < p.height) {
      backwards = "announced height " + std::to_string(m.height) + " after " + std::to_string(p.height);
    } else {
      p.announced = true;
      p.height = m.height;
      p.hash = m.head_hash;
      compare_head = !p.forked && m.height <= head_;
      schedule(requests);
    }
  }
  if (!backwards.empty()) return ban(peer, backwards);
  send_requests(requests);
  if (compare_head && m.height > 0) {
    auto ours = node_.store().block(m.height);
    if (ours && ours->hash != m.head_hash) probe(peer, m.height);
  }
}

void BlockSync::on_block_request(const p2p::NodeId& peer, uint64_t height) {
  bool flooding = false;
  {
    std::lock_guard lock(mutex_);
    auto it = peer_state_.find(peer);
    if (it == peer_state_.end()) return;
    flooding = it->second.requests.take(1, Clock::now()).count() > 0;
  }
  if (flooding)
    return ban(peer, "more than " + std::to_string(options_.peer_requests_per_s) + " block requests per second");
  const ChainStore& store = node_.store();
  Head head = *store.head();
  if (height == 0 || height > head.height) {
    peers_->send(peer, MessageType::kStatus, encode_status({head.height, head.hash}));
    return;
  }
  auto block = load_block(store, height);
  if (!block) return;
  peers_->send(peer, MessageType::kBlock, encode_block_message(*block, store.certificate(height)));
}

void BlockSync::on_block(const p2p::NodeId& peer, BlockMessage&& m, size_t bytes) {
  const uint64_t height = m.block.header.height;
  bool probed = false;
  {
    std::lock_guard lock(mutex_);
    auto req = requested_.find(height);
    if (req != requested_.end() && req->second.peer == peer) {
      requested_.erase(req);
      auto p = peer_state_.find(peer);
      if (p != peer_state_.end()) {
        --p->second.in_flight;
        p->second.timeouts = 0;
      }
      if (height > head_ && !arrived_.count(height)) {
        arrived_bytes_ += bytes;
        arrived_.emplace(height, Arrived{peer, std::make_shared<const BlockMessage>(std::move(m)), bytes, {}});
        verify_ahead();
        wake_.notify_all();
      }
      return;
    }
    probed = probes_.erase({peer, height}) > 0;
  }
  if (probed) return compare(peer, m.block);
  // Unasked: nothing is kept, so a peer cannot fill this node's memory.
  if (log_enabled(LogLevel::kDebug))
    log_debug("unrequested block ignored", {{"peer", id_text(peer)}, {"height", std::to_string(height)}});
}

void BlockSync::probe(const p2p::NodeId& peer, uint64_t height) {
  {
    std::lock_guard lock(mutex_);
    if (probes_.size() >= kMaxProbes || probes_.count({peer, height})) return;
    probes_.emplace(std::make_pair(peer, height), Clock::now() + options_.request_timeout);
  }
  peers_->send(peer, MessageType::kBlockRequest, encode_block_request(height));
}

void BlockSync::compare(const p2p::NodeId& peer, const Block& theirs) {
  const uint64_t height = theirs.header.height;
  auto ours = node_.store().block(height);
  if (!ours || ours->hash == theirs.header.hash()) return;
  SignedHeader other{theirs.header, theirs.sig};
  Address signer;
  if (recover(other.header.signing_digest(), other.sig, signer) != SigError::kOk || signer != other.header.proposer) {
    return ban(peer, "block " + std::to_string(height) + " with a signature that is not its proposer's");
  }
  if (auto set = node_.validators_at(height); !set || !set->set.contains(signer)) {
    return ban(peer, "block " + std::to_string(height) + " by " + to_checksum(signer) + ", not a validator");
  }
  {
    std::lock_guard lock(mutex_);
    auto p = peer_state_.find(peer);
    if (p != peer_state_.end()) p->second.forked = true;
  }
  if (auto d = make_double_sign(signed_header(*ours), other)) {
    record(*d, peer);
  } else {
    log_warn("peer " + id_text(peer) + " is on another chain: its block " + std::to_string(height) + " " +
             to_hex_0x(other.header.hash().view()) + " by " + to_checksum(signer) + " differs from this node's " +
             to_hex_0x(ours->hash.view()));
  }
}

void BlockSync::on_evidence(const p2p::NodeId& peer, const p2p::Message& m) {
  DoubleSign d;
  std::string error;
  if (!decode_evidence(m.payload, d, error)) return ban(peer, "invalid evidence: " + error);
  // Signed headers of another chain say nothing about this one, nor do a non-validator's.
  if (d.first.header.chain_id != node_.params().chain_id) return ban(peer, "evidence of another chain");
  if (auto set = node_.validators_at(d.height()); !set || !set->set.contains(d.proposer())) return;
  record(d, peer);
}

void BlockSync::record(const DoubleSign& d, const p2p::NodeId& from) {
  const Hash a = d.first.header.hash(), b = d.second.header.hash();
  auto ours = node_.store().block(d.height());
  const bool second_is_ours = ours && ours->hash == b;
  rpc::ConflictView c{d.height(), to_checksum(d.proposer()), to_hex_0x((second_is_ours ? b : a).view()),
                      to_hex_0x((second_is_ours ? a : b).view()), id_text(from)};
  {
    std::lock_guard lock(mutex_);
    if (evidence_seen_.size() >= kMaxEvidenceSeen) return;
    if (!evidence_seen_.emplace(d.height(), d.proposer()).second) return;
    if (conflicts_.size() < kMaxConflicts) conflicts_.push_back(c);
  }
  log_error("double sign: validator " + c.validator + " signed two blocks at height " + std::to_string(c.height) +
            ": " + c.kept + " (kept) and " + c.other + " (shown by peer " + c.peer + ")");
  peers_->broadcast(MessageType::kEvidence, encode_evidence(d), from);
  if (node_.is_validator() && node_.next_block_env().proposer == d.proposer()) {
    node_.stop_signing("this validator's key signed two blocks at height " + std::to_string(c.height) + " (" +
                       c.kept + " and " + c.other +
                       "): another process signs with this key (a copied data directory?). Stop the other "
                       "process before restarting this one.");
  }
}

void BlockSync::on_commit(const ExecutedBlock& block) {
  const uint64_t height = block.header().height;
  std::vector<p2p::NodeId> differ;
  {
    std::lock_guard lock(mutex_);
    head_ = height;
    for (auto it = arrived_.begin(); it != arrived_.end() && it->first <= height;) {
      arrived_bytes_ -= it->second.bytes;
      it = arrived_.erase(it);
    }
    for (auto it = requested_.begin(); it != requested_.end() && it->first <= height;) {
      auto p = peer_state_.find(it->second.peer);
      if (p != peer_state_.end()) --p->second.in_flight;
      it = requested_.erase(it);
    }
    ++progress_blocks_;
    progress_txs_ += block.txs.size();
    // A peer that announced another block at this height is on another chain.
    for (const auto& [id, p] : peer_state_)
      if (p.announced && !p.forked && p.height == height && p.hash != block.hash()) differ.push_back(id);
  }
  for (const auto& id : differ) probe(id, height);
  wake_.notify_all();
  if (peers_) peers_->broadcast(MessageType::kStatus, encode_status({height, block.hash()}));
}

void BlockSync::schedule(Send& out) {
  uint64_t target = 0;
  for (const auto& [id, p] : peer_state_)
    if (p.announced && !p.forked) target = std::max(target, p.height);
  const auto deadline = Clock::now() + options_.request_timeout;
  for (uint64_t h = head_ + 1; h <= target && h <= head_ + options_.window; ++h) {
    if (requested_.count(h) || arrived_.count(h)) continue;
    if (arrived_bytes_ >= options_.max_buffered_bytes) return;
    Peer* best = nullptr;
    const p2p::NodeId* best_id = nullptr;
    for (auto& [id, p] : peer_state_) {
      if (!p.announced || p.forked || p.height < h || p.in_flight >= options_.per_peer) continue;
      if (!best || p.in_flight < best->in_flight) {
        best = &p;
        best_id = &id;
      }
    }
    if (!best) return;  // nobody has room for h, nor for anything above it
    ++best->in_flight;
    requested_.emplace(h, Request{*best_id, deadline});
    out.emplace_back(*best_id, h);
  }
}

void BlockSync::send_requests(const Send& requests) {
  for (const auto& [peer, height] : requests)
    peers_->send(peer, MessageType::kBlockRequest, encode_block_request(height));
}

void BlockSync::run() {
  for (;;) {
    std::optional<Arrived> next;
    Send requests;
    std::vector<p2p::NodeId> slow;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(100),
                     [&] { return stopping_ || arrived_.count(head_ + 1) > 0; });
      if (stopping_) return;
      const auto now = Clock::now();
      for (auto it = requested_.begin(); it != requested_.end();) {
        if (it->second.deadline > now) {
          ++it;
          continue;
        }
        ++timeouts_total_;
        auto p = peer_state_.find(it->second.peer);
        if (p != peer_state_.end()) {
          --p->second.in_flight;
          if (++p->second.timeouts >= options_.max_timeouts) slow.push_back(p->first);
        }
        it = requested_.erase(it);
      }
      for (auto it = probes_.begin(); it != probes_.end();) it = it->second <= now ? probes_.erase(it) : std::next(it);
      verify_ahead();  // the next block first, if it has not started yet
      if (auto it = arrived_.find(head_ + 1); it != arrived_.end()) {
        arrived_bytes_ -= it->second.bytes;
        next = std::move(it->second);
        arrived_.erase(it);
        importing_ = head_ + 1;
        verify_ahead();  // room for one more block behind it
      }
      schedule(requests);
    }
    send_requests(requests);
    for (const auto& peer : slow) peers_->disconnect(peer, "block requests timed out");
    if (next) {
      const p2p::NodeId peer = next->peer;
      const uint64_t height = next->message->block.header.height;
      Import r = node_.import_block(next->message->block, next->message->certificate, std::move(next->verified));
      {
        std::lock_guard lock(mutex_);
        importing_ = 0;
      }
      switch (r.result) {
        case ImportResult::kCommitted:
        case ImportResult::kStale:
        case ImportResult::kFailed:
          break;
        case ImportResult::kFork:
          log_warn("peer " + id_text(peer) + " sent block " + std::to_string(height) + " on another parent; comparing");
          {
            std::lock_guard lock(mutex_);
            auto p = peer_state_.find(peer);
            if (p != peer_state_.end()) p->second.forked = true;
          }
          probe(peer, height - 1);
          break;
        case ImportResult::kInvalidBlock:
          ban(peer, "invalid block " + std::to_string(height) + ": " + r.message);
          break;
        case ImportResult::kInvalidCertificate:
          ban(peer, "invalid certificate for block " + std::to_string(height) + ": " + r.message);
          break;
      }
    }
    log_progress(false);
  }
}

void BlockSync::verify_ahead() {
  // In height order from the head, so that the pool finishes each block
  // before the next; the block being imported counts as verified.
  uint64_t h = head_ + 1;
  if (importing_ == h) ++h;
  size_t ahead = 0;
  for (auto it = arrived_.find(h); it != arrived_.end() && it->first == h; ++it, ++h) {
    Arrived& a = it->second;
    const size_t txs = a.message->block.txs.size();
    if (!a.verified.valid()) {
      if (ahead > 0 && ahead + txs > options_.verify_ahead_txs) return;
      a.verified = node_.verify_block_txs(std::shared_ptr<const Block>(a.message, &a.message->block));
    }
    ahead += txs;
  }
}

void BlockSync::log_progress(bool force) {
  uint64_t height, target = 0, blocks, txs;
  double seconds;
  bool syncing;
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    if (!force && now - progress_since_ < options_.progress_interval) return;
    height = head_;
    for (const auto& [id, p] : peer_state_)
      if (p.announced && !p.forked) target = std::max(target, p.height);
    syncing = target > height + 1;
    blocks = progress_blocks_;
    txs = progress_txs_;
    seconds = std::chrono::duration<double>(now - progress_since_).count();
    progress_since_ = now;
    progress_blocks_ = progress_txs_ = 0;
    if (!syncing && !was_syncing_) return;
    was_syncing_ = syncing;
  }
  if (!syncing) {
    log_info("sync: caught up at height " + std::to_string(height));
    return;
  }
  const double bps = seconds > 0 ? static_cast<double>(blocks) / seconds : 0;
  const uint64_t tps = seconds > 0 ? static_cast<uint64_t>(static_cast<double>(txs) / seconds) : 0;
  // Large blocks sync at less than one a second: one decimal below ten.
  char bps_text[32];
  std::snprintf(bps_text, sizeof bps_text, bps < 10 ? "%.1f" : "%.0f", bps);
  std::string left =
      bps > 0 ? ", about " + std::to_string(static_cast<uint64_t>(static_cast<double>(target - height) / bps)) +
                    " s left"
              : "";
  log_info("sync: height " + std::to_string(height) + " / " + std::to_string(target) + ", " + bps_text +
               " blocks/s, " + std::to_string(tps) + " tx/s" + left,
           {{"height", std::to_string(height)},
            {"target", std::to_string(target)},
            {"blocks_per_s", bps_text},
            {"tx_per_s", std::to_string(tps)}});
}

void BlockSync::fill(rpc::NodeInfo& info) const {
  std::lock_guard lock(mutex_);
  uint64_t target = head_;
  for (const auto& [id, p] : peer_state_)
    if (p.announced && !p.forked) target = std::max(target, p.height);
  info.sync_height = head_;
  info.sync_target = target;
  info.syncing = target > head_ + 1;
  info.conflicts = conflicts_;
}

bool BlockSync::syncing() const {
  rpc::NodeInfo info;
  fill(info);
  return info.syncing;
}

uint64_t BlockSync::peer_height(const p2p::NodeId& peer) const {
  std::lock_guard lock(mutex_);
  auto it = peer_state_.find(peer);
  return it == peer_state_.end() ? 0 : it->second.height;
}

std::string BlockSync::metrics_text() const {
  rpc::NodeInfo info;
  fill(info);
  uint64_t timeouts, bans;
  {
    std::lock_guard lock(mutex_);
    timeouts = timeouts_total_;
    bans = bans_total_;
  }
  std::string out;
  auto metric = [&out](std::string_view name, std::string_view type, std::string_view help, uint64_t v) {
    prometheus_metric(out, name, type, help, v);
  };
  metric("vestd_sync_target_height", "gauge", "The highest height a peer announced.", info.sync_target);
  metric("vestd_sync_syncing", "gauge", "1 while the node is more than one block behind its peers.",
         info.syncing ? 1 : 0);
  metric("vestd_sync_request_timeouts_total", "counter", "Block requests a peer did not answer in time.", timeouts);
  metric("vestd_sync_peer_bans_total", "counter", "Peers banned by the sync for what they sent.", bans);
  metric("vestd_double_signs_seen_total", "gauge", "Validators seen signing two blocks at one height.",
         info.conflicts.size());
  return out;
}

}  // namespace vest::node
