#include "node/node.h"

#include <cassert>
#include <set>

#include "node/log.h"

namespace vest::node {

Node::Node(const Genesis& genesis, const std::optional<PrivateKey>& key, NodeOptions options)
    : executor_(genesis.params), mempool_(options.mempool), options_(std::move(options)) {
  if (key) signer_.emplace(*key);
  contracts_.register_with(executor_);
}

std::unique_ptr<Node> Node::open(const std::filesystem::path& datadir, const Genesis& genesis,
                                 const std::optional<PrivateKey>& key, NodeOptions options, std::string& error) {
  if (key && !genesis.params.validators.contains(address_of(*key))) {
    error = "the validator key's address " + to_checksum(address_of(*key)) + " is not in the genesis validators";
    return nullptr;
  }
  if (genesis.params.validators.size() != 1) {
    error = "this vestd produces blocks as the only validator; the genesis names " +
            std::to_string(genesis.params.validators.size()) + " validators";
    return nullptr;
  }
  std::unique_ptr<Node> node(new Node(genesis, key, std::move(options)));
  node->chain_ = Chain::open(datadir, genesis, node->executor_, error);
  if (!node->chain_) return nullptr;
  if (node->options_.block_time_ms == 0) node->options_.block_time_ms = genesis.params.block_time_ms;
  // A restarted dev chain keeps its clock at least at the head's time.
  Head head = node->chain_->head();
  uint64_t now = node->block_time_now();
  if (head.time > now) node->time_offset_ = head.time - now;
  return node;
}

Node::~Node() { stop(); }

void Node::set_listeners(std::function<void(const ExecutedBlock&)> on_commit,
                         std::function<void(const Hash&, ByteView)> on_admitted) {
  on_commit_ = std::move(on_commit);
  on_admitted_ = std::move(on_admitted);
}

void Node::set_network_views(std::function<void(rpc::NodeInfo&)> info,
                             std::function<std::vector<rpc::PeerView>()> peers) {
  info_view_ = std::move(info);
  peers_view_ = std::move(peers);
}

void Node::stop_signing(const std::string& reason) {
  {
    std::lock_guard lock(signing_mutex_);
    if (!signer_ || !signing_stopped_.empty()) return;
    signing_stopped_ = reason;
  }
  log_error("stopped signing: " + reason);
}

std::string Node::signing_stopped() const {
  std::lock_guard lock(signing_mutex_);
  return signing_stopped_;
}

bool Node::may_sign() const {
  std::lock_guard lock(signing_mutex_);
  return signer_ && signing_stopped_.empty();
}

void Node::start() {
  producer_ = std::thread([this] { producer_loop(); });
}

void Node::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (producer_.joinable()) producer_.join();
  // Whoever still waits learns that nothing more will happen.
  std::multimap<Hash, Waiter> left;
  {
    std::lock_guard lock(waiters_mutex_);
    left.swap(waiters_);
  }
  for (auto& [h, w] : left) w.done(rpc::WaitResult{rpc::WaitResult::Kind::kTimeout, {}});
}

uint64_t Node::block_time_now() const {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count()) + time_offset_.load();
}

BlockEnv Node::next_env() const {
  Head head = chain_->head();
  // A full node answers "now" reads as if the genesis validator made the next block.
  const Address proposer = signer_ ? signer_->address() : params().validators.validators().front().address;
  return BlockEnv{params().chain_id, head.height + 1, std::max(head.time, block_time_now()), proposer};
}

rpc::NodeInfo Node::info() const {
  rpc::NodeInfo i;
  i.version = options_.version;
  i.role = signer_ ? "validator" : "full";
  i.signing_stopped = signing_stopped();
  i.node_id = options_.node_id;
  i.dev = options_.dev;
  i.time_offset = time_offset_.load();
  i.mempool_txs = mempool_.size();
  i.mempool_bytes = mempool_.bytes();
  if (info_view_) info_view_(i);
  return i;
}

Status Node::refused(Status s, const Hash* hash) {
  {
    std::lock_guard lock(rejections_mutex_);
    ++rejections_[s.reason];
  }
  if (log_enabled(LogLevel::kDebug)) {
    log_debug("transaction rejected", {{"hash", hash ? to_hex_0x(hash->view()) : std::string()},
                                       {"reason", s.reason},
                                       {"code", std::to_string(s.code)},
                                       {"error", s.message}});
  }
  return s;
}

Status Node::submit(ByteView raw, Hash& hash) {
  VerifiedTx tx;
  if (Status s = verify_pool_.verify_one(raw, params().chain_id, params().max_tx_bytes, tx); !s.ok())
    return refused(std::move(s), nullptr);
  hash = tx.hash;
  if (chain_->store().transaction(tx.hash))
    return refused(reject(ChainCode::kAlreadyKnown, "transaction is already in block"), &tx.hash);
  auto state = chain_->store().snapshot();
  Status s = mempool_.add(tx, executor_, *state, next_env());
  if (!s.ok()) return refused(std::move(s), &tx.hash);
  ++txs_admitted_;
  if (log_enabled(LogLevel::kDebug)) {
    log_debug("transaction admitted", {{"hash", to_hex_0x(tx.hash.view())},
                                       {"from", to_checksum(tx.sender)},
                                       {"nonce", std::to_string(tx.tx.nonce)},
                                       {"kind", std::to_string(tx.tx.kind)},
                                       {"pending", std::to_string(mempool_.size())}});
  }
  {
    std::lock_guard lock(wake_mutex_);
    tx_arrived_ = true;
  }
  if (options_.instant) wake_.notify_all();
  if (on_admitted_) on_admitted_(tx.hash, raw);
  return s;
}

std::optional<VerifiedTx> Node::pending(const Hash& hash) const { return mempool_.get(hash); }

void Node::wait_for(const Hash& hash, std::chrono::milliseconds timeout, std::function<void(rpc::WaitResult)> done) {
  {
    std::lock_guard lock(waiters_mutex_);
    waiters_.emplace(hash, Waiter{std::chrono::steady_clock::now() + timeout, std::move(done)});
  }
  // It may have been committed or dropped before the waiter was registered.
  if (chain_->store().transaction(hash)) {
    notify(hash, rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  } else if (!mempool_.get(hash)) {
    notify(hash, rpc::WaitResult{rpc::WaitResult::Kind::kDropped,
                                 reject(ChainCode::kMalformed, "transaction is neither pending nor committed")});
  }
}

void Node::notify(const Hash& hash, rpc::WaitResult result) {
  std::vector<Waiter> fire;
  {
    std::lock_guard lock(waiters_mutex_);
    auto [b, e] = waiters_.equal_range(hash);
    for (auto it = b; it != e; ++it) fire.push_back(std::move(it->second));
    waiters_.erase(b, e);
  }
  for (auto& w : fire) w.done(result);
}

void Node::expire_waiters() {
  auto now = std::chrono::steady_clock::now();
  std::vector<Waiter> fire;
  {
    std::lock_guard lock(waiters_mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline <= now) {
        fire.push_back(std::move(it->second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : fire) w.done(rpc::WaitResult{rpc::WaitResult::Kind::kTimeout, {}});
}

Certificate Node::self_certificate(const ExecutedBlock& block) const {
  const ValidatorSet set = chain_->validators();
  Certificate cert{block.header().height, 0, block.hash(), {}};
  cert.entries.resize(set.size());
  const auto index = set.index_of(signer_->address());
  assert(index && "Node::open checked the key is a validator");
  Vote vote{VoteType::kPrecommit, cert.height, cert.round, cert.block_hash,
            std::max(block.header().time, block_time_now()), params().chain_id};
  cert.entries[*index] = CommitSig{vote.time, signer_->sign_vote(vote)};
  return cert;
}

bool Node::produce_block(std::string& error) {
  if (!may_sign()) {
    error = signer_ ? "signing stopped: " + signing_stopped() : "a full node produces no blocks";
    return false;
  }
  const auto started = std::chrono::steady_clock::now();
  auto candidates = mempool_.select(params().max_block_txs);
  // Propose, sign, commit: the node trusts its own proposal, which is exactly
  // what Chain::validate accepts from others (tests/node/node_test.cpp).
  Proposal proposal = chain_->propose(candidates, block_time_now(), signer_->address());
  ExecutedBlock& block = proposal.executed;
  block.block.sig = signer_->sign_block(block.hash());
  // The only validator precommits its own block at once: that is the block's
  // certificate, stored with it and carried by the next block.
  block.certificate = self_certificate(block);
  if (!chain_->commit(block, error)) {
    ++produce_failures_;
    return false;
  }
  after_commit(block, proposal.dropped, started, true);
  return true;
}

Import Node::import_block(const Block& block, const std::optional<Certificate>& certificate) {
  const auto started = std::chrono::steady_clock::now();
  std::lock_guard produce(produce_mutex_);
  const Head head = chain_->head();
  if (block.header.height != head.height + 1)
    return {ImportResult::kStale, {}, "block " + std::to_string(block.header.height) + " does not follow the head " +
                                          std::to_string(head.height)};
  ExecutedBlock executed;
  TxBatchVerifier verify = [this](const std::vector<Bytes>& raws, uint64_t chain_id, uint64_t max_tx_bytes,
                                  std::vector<VerifiedTx>& out) {
    return verify_pool_.verify(raws, chain_id, max_tx_bytes, out);
  };
  BlockCheck check = chain_->validate(block, executed, verify);
  if (!check.ok()) {
    ++imports_refused_;
    const ImportResult r = check.result == BlockValidation::kWrongParent ? ImportResult::kFork
                                                                          : ImportResult::kInvalidBlock;
    std::string message = std::string(to_string(check.result)) + ": " + check.message;
    return {r, std::move(check), std::move(message)};
  }
  if (!certificate) {
    ++imports_refused_;
    return {ImportResult::kInvalidCertificate, {}, "block " + std::to_string(block.header.height) + " has no certificate"};
  }
  CertificateCheck cc = verify_certificate(*certificate, chain_->validators(), params().chain_id,
                                           block.header.height, executed.hash());
  if (!cc.ok()) {
    ++imports_refused_;
    return {ImportResult::kInvalidCertificate, {}, std::string(to_string(cc.result)) + ": " + cc.message};
  }
  if (signer_ && block.header.proposer == signer_->address()) {
    stop_signing("block " + std::to_string(block.header.height) + " " + to_hex_0x(executed.hash().view()) +
                 " signed by this validator's key came from a peer: another process signs with this key "
                 "(a copied data directory?). Stop the other process before restarting this one.");
  }
  executed.certificate = certificate;
  std::string error;
  if (!chain_->commit(executed, error)) {
    log_error("cannot commit block " + std::to_string(block.header.height) + " from a peer: " + error);
    return {ImportResult::kFailed, {}, error};
  }
  after_commit(executed, {}, started, false);
  return {ImportResult::kCommitted, {}, {}};
}

void Node::after_commit(const ExecutedBlock& block, const std::vector<std::pair<Hash, Status>>& dropped,
                        std::chrono::steady_clock::time_point started, bool produced) {
  const BlockHeader& header = block.header();
  const Hash block_hash = block.hash();

  std::set<Address> touched;
  for (const Event& e : block.block_events) touched.insert(e.addresses.begin(), e.addresses.end());
  std::vector<Hash> included;
  for (size_t i = 0; i < block.txs.size(); ++i) {
    included.push_back(block.txs[i].hash);
    touched.insert(block.txs[i].sender);
    for (const Event& e : block.receipts[i].events) touched.insert(e.addresses.begin(), e.addresses.end());
  }
  auto state = chain_->store().snapshot();
  auto removed = mempool_.after_block(included, dropped, touched, executor_, *state, next_env());

  const auto took_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  size_t failed = 0;
  for (const Receipt& r : block.receipts) failed += r.ok() ? 0 : 1;
  if (produced) {
    ++blocks_produced_;
    size_t bucket = 0;
    while (bucket < kProduceBuckets && took_us > kProduceBucketsUs[bucket]) ++bucket;
    ++produce_us_[bucket];
    produce_us_sum_ += took_us;
  } else {
    ++blocks_imported_;
  }
  txs_committed_ += included.size() - failed;
  txs_failed_ += failed;
  txs_dropped_ += removed.size();  // the block's left-out candidates and their successors too

  // Imported blocks are reported by the sync's progress lines, not one by one.
  if (produced) {
    log_info("block " + std::to_string(header.height) + " " + to_hex_0x(block_hash.view()) + " txs " +
             std::to_string(included.size()) + (dropped.empty() ? "" : " dropped " + std::to_string(dropped.size())));
  }
  if (log_enabled(LogLevel::kDebug)) {
    log_debug(produced ? "block produced" : "block imported",
              {{"height", std::to_string(header.height)},
               {"hash", to_hex_0x(block_hash.view())},
               {"time", std::to_string(header.time)},
               {"txs", std::to_string(included.size())},
               {"failed", std::to_string(failed)},
               {"dropped", std::to_string(dropped.size())},
               {"took_us", std::to_string(took_us)}});
    for (size_t i = 0; i < block.receipts.size(); ++i) {
      if (block.receipts[i].ok()) continue;
      log_debug("transaction failed in its block", {{"hash", to_hex_0x(included[i].view())},
                                                    {"height", std::to_string(header.height)},
                                                    {"reason", block.receipts[i].reason},
                                                    {"error", block.receipts[i].message}});
    }
    for (const auto& [h, why] : removed) {
      log_debug("transaction dropped from the mempool",
                {{"hash", to_hex_0x(h.view())}, {"reason", why.reason}, {"error", why.message}});
    }
  }
  for (const Hash& h : included) notify(h, rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  for (auto& [h, why] : removed) notify(h, rpc::WaitResult{rpc::WaitResult::Kind::kDropped, why});
  if (on_commit_) on_commit_(block);
}

void Node::producer_loop() {
  using namespace std::chrono;
  const auto block_time = milliseconds(options_.block_time_ms);
  auto next_block = steady_clock::now() + block_time;
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      auto until = std::min(next_block, steady_clock::now() + milliseconds(100));
      wake_.wait_until(lock, until, [&] { return stopping_ || (options_.instant && tx_arrived_); });
      if (stopping_) return;
    }
    expire_waiters();
    bool due = options_.instant || steady_clock::now() >= next_block;
    if (!due) continue;
    next_block = steady_clock::now() + block_time;
    {
      std::lock_guard lock(wake_mutex_);
      tx_arrived_ = false;
    }
    if (mempool_.size() == 0 || !may_sign()) continue;
    std::lock_guard produce(produce_mutex_);
    std::string error;
    if (!produce_block(error)) {
      log_error("block production failed: " + error);
    }
  }
}

Status Node::dev_mine(uint32_t blocks, uint64_t& height) {
  if (!may_sign()) return Status{1, "internal", signer_ ? "signing stopped: " + signing_stopped() : "not a validator"};
  std::lock_guard produce(produce_mutex_);
  for (uint32_t i = 0; i < blocks; ++i) {
    std::string error;
    if (!produce_block(error)) return Status{1, "internal", error};
  }
  height = chain_->head().height;
  return Status::success();
}

Status Node::dev_increase_time(uint64_t seconds, uint64_t& offset) {
  offset = time_offset_.fetch_add(seconds) + seconds;
  return Status::success();
}

namespace {

// "0.001500": microseconds as seconds, for Prometheus.
std::string seconds_text(uint64_t us) {
  std::string frac = std::to_string(us % 1000000);
  return std::to_string(us / 1000000) + "." + std::string(6 - frac.size(), '0') + frac;
}

void metric_head(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, uint64_t value) {
  metric_head(out, name, type, help);
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string Node::metrics_text() const {
  std::string out;
  const Head head = chain_->head();
  const uint64_t now = block_time_now();
  metric(out, "vestd_head_height", "gauge", "Height of the head block.", head.height);
  metric(out, "vestd_head_time_seconds", "gauge", "Block time of the head block (Unix seconds, with the dev offset).",
         head.time);
  metric(out, "vestd_head_age_seconds", "gauge", "Seconds since the head block's time on the node's block clock.",
         now > head.time ? now - head.time : 0);
  metric(out, "vestd_blocks_produced_total", "counter", "Blocks this node produced and committed.",
         blocks_produced_.load());
  metric(out, "vestd_blocks_imported_total", "counter", "Blocks from peers this node validated and committed.",
         blocks_imported_.load());
  metric(out, "vestd_block_imports_refused_total", "counter",
         "Blocks from peers refused: invalid, on another parent, or without a valid certificate.",
         imports_refused_.load());
  metric(out, "vestd_block_production_failures_total", "counter", "Blocks that could not be produced (logged).",
         produce_failures_.load());
  metric(out, "vestd_transactions_committed_total", "counter", "Transactions included in a block whose message ran.",
         txs_committed_.load());
  metric(out, "vestd_transactions_failed_total", "counter",
         "Transactions included in a block whose message reverted (fee paid).", txs_failed_.load());
  metric(out, "vestd_transactions_dropped_total", "counter",
         "Pending transactions left out of a block or evicted after one as no longer valid.", txs_dropped_.load());
  metric(out, "vestd_mempool_admitted_total", "counter", "Transactions admitted to the mempool.", txs_admitted_.load());
  metric_head(out, "vestd_mempool_rejected_total", "counter", "Submitted transactions refused, by reason.");
  {
    std::lock_guard lock(rejections_mutex_);
    for (const auto& [reason, n] : rejections_) {
      out += "vestd_mempool_rejected_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
    }
  }
  metric(out, "vestd_mempool_transactions", "gauge", "Transactions waiting in the mempool.", mempool_.size());
  metric(out, "vestd_mempool_bytes", "gauge", "Bytes of the transactions waiting in the mempool.", mempool_.bytes());
  metric_head(out, "vestd_block_production_seconds", "histogram",
              "Time to select, execute, sign and commit one block.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kProduceBuckets; ++i) {
    cumulative += produce_us_[i].load();
    const std::string le = i < kProduceBuckets ? seconds_text(kProduceBucketsUs[i]) : "+Inf";
    out += "vestd_block_production_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "vestd_block_production_seconds_sum " + seconds_text(produce_us_sum_.load()) + "\n";
  out += "vestd_block_production_seconds_count " + std::to_string(cumulative) + "\n";
  return out;
}

}  // namespace vest::node
