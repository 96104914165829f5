#include "node/node.h"

#include <cassert>
#include <set>

#include "node/log.h"

namespace vest::node {

Node::Node(const Genesis& genesis, NodeOptions options)
    : executor_(genesis.params), mempool_(options.mempool), options_(std::move(options)) {
  contracts_.register_with(executor_);
}

std::unique_ptr<Node> Node::open(const std::filesystem::path& datadir, const Genesis& genesis,
                                 const std::optional<PrivateKey>& key, NodeOptions options, std::string& error) {
  if (key && !genesis.params.validators.contains(address_of(*key))) {
    error = "the validator key's address " + to_checksum(address_of(*key)) + " is not in the genesis validators";
    return nullptr;
  }
  if (options.dev && genesis.params.validators.size() != 1) {
    error = "--dev runs the only validator of its chain; the genesis names " +
            std::to_string(genesis.params.validators.size()) + " validators";
    return nullptr;
  }
  std::unique_ptr<Node> node(new Node(genesis, std::move(options)));
  node->chain_ = Chain::open(datadir, genesis, node->executor_, error);
  if (!node->chain_) return nullptr;
  if (key) {
    // A key without the record of what it signed could sign again where it
    // signed before: refuse to start so unless the operator says it never did.
    const std::filesystem::path state = datadir / "consensus" / "signer_state.json";
    std::error_code ec;
    std::filesystem::create_directories(state.parent_path(), ec);
    const uint64_t height = node->chain_->head().height;
    if (!std::filesystem::exists(state, ec) && height > 0 && !node->options_.new_signer_state) {
      error = "the validator key has no signer state (" + state.string() + ") but this data directory holds blocks up to " +
              std::to_string(height) +
              ": it may have signed on this chain before. Copy the signer_state.json that belongs with the key, or, "
              "if this key has never signed on this chain, start once with --new-signer-state";
      return nullptr;
    }
    node->signer_ = consensus::Signer::open(*key, state, error);
    if (!node->signer_) return nullptr;
  }
  if (node->options_.block_time_ms == 0) node->options_.block_time_ms = genesis.params.block_time_ms;
  // A restarted dev chain keeps its clock at least at the head's time.
  node->clock_.not_before(node->chain_->head().time);
  if (key && node->options_.dev) {
    node->producer_ = std::make_unique<BlockProducer>(std::chrono::milliseconds(node->options_.block_time_ms),
                                                      node->options_.instant,
                                                      [n = node.get()] { return n->produce_if_waiting(); });
  }
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
  if (signer_ && signer_->stop(reason)) log_error("stopped signing: " + reason);
}

std::string Node::signing_stopped() const { return signer_ ? signer_->stopped() : std::string(); }

bool Node::may_sign() const { return signer_ && signer_->stopped().empty(); }

TxBatchVerifier Node::verifier() {
  return [this](const std::vector<Bytes>& raws, uint64_t chain_id, uint64_t max_tx_bytes,
                std::vector<VerifiedTx>& out) { return verify_pool_.verify(raws, chain_id, max_tx_bytes, out); };
}

void Node::start() {
  if (producer_) producer_->start();
}

void Node::stop() {
  if (producer_) producer_->stop();
  // Whoever still waits learns that nothing more will happen.
  waiters_.stop();
  heads_.stop();
}

BlockEnv Node::next_env(const Head& head) const {
  // A full node answers "now" reads as if the genesis validator made the next block.
  const Address proposer = signer_ ? signer_->address() : params().validators.validators().front().address;
  return BlockEnv{params().chain_id, head.height + 1, std::max(head.time, clock_.now()), proposer};
}

rpc::NodeInfo Node::info() const {
  rpc::NodeInfo i;
  i.version = options_.version;
  i.role = signer_ ? "validator" : "full";
  i.signing_stopped = signing_stopped();
  i.node_id = options_.node_id;
  i.dev = options_.dev;
  i.time_offset = clock_.offset();
  i.mempool_txs = mempool_.size();
  i.mempool_bytes = mempool_.bytes();
  if (info_view_) info_view_(i);
  return i;
}

Status Node::refused(Status s, const Hash* hash) {
  metrics_.rejected(s.reason);
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
  Status s = mempool_.add(tx, executor_, [this] {
    auto state = chain_->store().snapshot();
    return Mempool::Latest{state, next_env(state->head())};
  });
  if (!s.ok()) return refused(std::move(s), &tx.hash);
  ++metrics_.txs_admitted;
  if (log_enabled(LogLevel::kDebug)) {
    log_debug("transaction admitted", {{"hash", to_hex_0x(tx.hash.view())},
                                       {"from", to_checksum(tx.sender)},
                                       {"nonce", std::to_string(tx.tx.nonce)},
                                       {"kind", std::to_string(tx.tx.kind)},
                                       {"pending", std::to_string(mempool_.size())}});
  }
  if (producer_) producer_->tx_arrived();
  if (on_admitted_) on_admitted_(tx.hash, raw);
  return s;
}

std::optional<VerifiedTx> Node::pending(const Hash& hash) const { return mempool_.get(hash); }

void Node::wait_for(const Hash& hash, std::chrono::milliseconds timeout, std::function<void(rpc::WaitResult)> done) {
  waiters_.add(hash, std::chrono::steady_clock::now() + timeout, std::move(done));
  // It may have been committed or dropped before the waiter was registered.
  if (chain_->store().transaction(hash)) {
    waiters_.resolve(hash, rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  } else if (!mempool_.get(hash)) {
    waiters_.resolve(hash, rpc::WaitResult{rpc::WaitResult::Kind::kDropped,
                                           reject(ChainCode::kMalformed, "transaction is neither pending nor committed")});
  }
}

bool Node::self_certificate(const ExecutedBlock& block, Certificate& cert, std::string& error) {
  const ValidatorSet set = chain_->validators();
  const auto index = set.index_of(signer_->address());
  assert(index && "Node::open checked the key is a validator");
  // The only validator decides alone, in round 0, or in the round after the
  // one it last signed at this height: after a crash between signing and
  // committing, the block it makes again is not the one it signed then.
  uint32_t round = 0;
  if (auto last = signer_->last(); last && last->height == block.header().height) round = last->round + 1;
  Vote vote{VoteType::kPrecommit, block.header().height, round, block.hash(),
            std::max(block.header().time, clock_.now()), params().chain_id};
  Signature sig;
  if (!signer_->sign_vote(vote, sig, error)) return false;
  cert = Certificate{vote.height, round, vote.block_hash, {}};
  cert.entries.resize(set.size());
  cert.entries[*index] = CommitSig{vote.time, sig};
  return true;
}

bool Node::produce_block(std::string& error) {
  if (!may_sign()) {
    error = signer_ ? "signing stopped: " + signing_stopped() : "a full node produces no blocks";
    return false;
  }
  const auto started = std::chrono::steady_clock::now();
  // The validator admin may have taken this key out of the set (or the set
  // may need more signatures than this key's): then this node makes no block.
  const uint64_t next = chain_->head().height + 1;
  if (!chain_->validators().contains(signer_->address())) {
    error = "this node's key " + to_checksum(signer_->address()) + " is not in the validator set of block " +
            std::to_string(next);
    ++metrics_.produce_failures;
    return false;
  }
  // Propose, sign, commit: the node trusts its own proposal, which is exactly
  // what Chain::validate accepts from others (tests/node/node_test.cpp).
  Proposal proposal = propose_locked(clock_.now());
  ExecutedBlock& block = proposal.executed;
  // The only validator precommits its own block at once: that is the block's
  // certificate, stored with it and carried by the next block.
  Certificate certificate;
  if (!self_certificate(block, certificate, error)) {
    ++metrics_.produce_failures;
    return false;
  }
  block.certificate = std::move(certificate);
  return commit_locked(block, proposal.dropped, started, true, error);
}

bool Node::commit_locked(ExecutedBlock& block, const std::vector<std::pair<Hash, Status>>& dropped,
                         std::chrono::steady_clock::time_point started, bool produced, std::string& error) {
  if (!chain_->commit(block, error)) {
    if (produced) ++metrics_.produce_failures;
    return false;
  }
  after_commit(block, dropped, started, produced);
  return true;
}

void Node::watch_own_signature(const Certificate& certificate) {
  if (!signer_) return;
  const auto index = chain_->validators().index_of(signer_->address());
  if (!index || *index >= certificate.entries.size() || !certificate.entries[*index]) return;
  const Vote mine = certificate.precommit(*index, params().chain_id);
  const auto last = signer_->last();
  using consensus::SignStep;
  const auto at = std::make_tuple(mine.height, mine.round, SignStep::kPrecommit);
  // Its own when the signer recorded exactly it, or anything after it (what
  // came before the last record is not kept, and may be its own).
  if (last) {
    const auto last_at = std::make_tuple(last->height, last->round, last->step);
    if (last_at > at || (last_at == at && last->sign_bytes == mine.sign_bytes())) return;
  }
  stop_signing("the certificate of block " + std::to_string(mine.height) + " " + to_hex_0x(mine.block_hash.view()) +
               " holds a precommit of this validator's key (round " + std::to_string(mine.round) +
               ") that this process did not sign: another process signs with this key (a copied data directory?). "
               "Stop the other process before restarting this one.");
}

Proposal Node::propose_locked(uint64_t time) {
  const uint64_t next = chain_->head().height + 1;
  Proposal proposal = chain_->propose(mempool_.select(params().max_block_txs),
                                      evidence_.pending(next, params().max_block_evidence), time, signer_->address());
  if (!proposal.dropped_evidence.empty()) {
    std::vector<Hash> invalid;
    for (const auto& [hash, why] : proposal.dropped_evidence) {
      log_warn("evidence " + to_hex_0x(hash.view()) + " left out of block " + std::to_string(next) + ": " +
               to_string(why.result) + ": " + why.message);
      invalid.push_back(hash);
    }
    evidence_.remove(invalid);
  }
  proposal.executed.block.sig = signer_->sign_block(proposal.executed.hash());
  return proposal;
}

std::optional<Proposal> Node::propose_block(uint64_t time) {
  if (!may_sign()) return std::nullopt;
  std::lock_guard produce(produce_mutex_);
  return propose_locked(time);
}

BlockCheck Node::check_block(const Block& block, ExecutedBlock& out) {
  std::lock_guard produce(produce_mutex_);
  return chain_->validate(block, out, verifier());
}

Import Node::commit_decided(ExecutedBlock& block, const Certificate& certificate,
                            const std::vector<std::pair<Hash, Status>>& dropped) {
  const auto started = std::chrono::steady_clock::now();
  std::lock_guard produce(produce_mutex_);
  if (chain_->head().hash != block.header().parent_hash)
    return {ImportResult::kStale, {}, "block " + std::to_string(block.header().height) + " is not on the head"};
  block.certificate = certificate;
  std::string error;
  const bool ours = signer_ && block.header().proposer == signer_->address();
  if (!commit_locked(block, ours ? dropped : std::vector<std::pair<Hash, Status>>{}, started, ours, error)) {
    log_error("cannot commit block " + std::to_string(block.header().height) + ": " + error);
    return {ImportResult::kFailed, {}, error};
  }
  return {ImportResult::kCommitted, {}, {}};
}

std::future<VerifyPool::Batch> Node::verify_block_txs(std::shared_ptr<const Block> block) {
  std::shared_ptr<const std::vector<Bytes>> txs(block, &block->txs);
  return verify_pool_.verify_async(std::move(txs), params().chain_id, params().max_tx_bytes);
}

Import Node::import_block(const Block& block, const std::optional<Certificate>& certificate,
                          std::future<VerifyPool::Batch> verified) {
  const auto started = std::chrono::steady_clock::now();
  std::lock_guard produce(produce_mutex_);
  const Head head = chain_->head();
  if (block.header.height != head.height + 1)
    return {ImportResult::kStale, {}, "block " + std::to_string(block.header.height) + " does not follow the head " +
                                          std::to_string(head.height)};
  ExecutedBlock executed;
  TxBatchVerifier verify = [this, &verified](const std::vector<Bytes>& raws, uint64_t chain_id,
                                             uint64_t max_tx_bytes, std::vector<VerifiedTx>& out) {
    if (!verified.valid()) return verify_pool_.verify(raws, chain_id, max_tx_bytes, out);
    // Verified ahead with the same chain id and limit (verify_block_txs).
    VerifyPool::Batch b = verified.get();
    assert(b.statuses.size() == raws.size() && chain_id == params().chain_id && max_tx_bytes == params().max_tx_bytes);
    out = std::move(b.txs);
    return std::move(b.statuses);
  };
  BlockCheck check = chain_->validate(block, executed, verify);
  if (!check.ok()) {
    ++metrics_.imports_refused;
    const ImportResult r = check.result == BlockValidation::kWrongParent ? ImportResult::kFork
                                                                          : ImportResult::kInvalidBlock;
    std::string message = std::string(to_string(check.result)) + ": " + check.message;
    return {r, std::move(check), std::move(message)};
  }
  if (!certificate) {
    ++metrics_.imports_refused;
    return {ImportResult::kInvalidCertificate, {}, "block " + std::to_string(block.header.height) + " has no certificate"};
  }
  CertificateCheck cc = verify_certificate(*certificate, chain_->validators(), params().chain_id,
                                           block.header.height, executed.hash());
  if (!cc.ok()) {
    ++metrics_.imports_refused;
    return {ImportResult::kInvalidCertificate, {}, std::string(to_string(cc.result)) + ": " + cc.message};
  }
  watch_own_signature(*certificate);
  executed.certificate = certificate;
  std::string error;
  if (!commit_locked(executed, {}, started, false, error)) {
    log_error("cannot commit block " + std::to_string(block.header.height) + " from a peer: " + error);
    return {ImportResult::kFailed, {}, error};
  }
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
  auto removed = mempool_.after_block(included, dropped, touched, executor_, *state, next_env(state->head()));
  evidence_.after_block(header.height, params().evidence_max_age_blocks, block.block.evidence);
  for (const DuplicateVote& d : block.block.evidence) {
    log_warn("evidence committed in block " + std::to_string(header.height) + ": validator " +
             to_checksum(d.voter()) + " signed two " + std::string(to_string(d.first.vote.type)) + "s at height " +
             std::to_string(d.height()) + " round " + std::to_string(d.first.vote.round));
  }

  const auto took_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  size_t failed = 0;
  for (const Receipt& r : block.receipts) failed += r.ok() ? 0 : 1;
  if (produced) {
    metrics_.produced(std::chrono::microseconds(took_us));
  } else {
    ++metrics_.blocks_imported;
  }
  metrics_.txs_committed += included.size() - failed;
  metrics_.txs_failed += failed;
  metrics_.txs_dropped += removed.size();  // the block's left-out candidates and their successors too

  // Imported blocks are reported by the sync's progress lines, decided ones by consensus.
  if (produced && options_.dev) {
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
  for (const Hash& h : included) waiters_.resolve(h, rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  for (auto& [h, why] : removed) waiters_.resolve(h, rpc::WaitResult{rpc::WaitResult::Kind::kDropped, why});
  heads_.notify(header.height);
  if (on_commit_) on_commit_(block);
}

bool Node::work_waiting() const {
  return mempool_.size() > 0 || !evidence_.pending(chain_->head().height + 1, 1).empty();
}

bool Node::produce_if_waiting() {
  if (!work_waiting() || !may_sign()) return false;
  std::lock_guard produce(produce_mutex_);
  std::string error;
  if (!produce_block(error)) {
    log_error("block production failed: " + error);
    return false;
  }
  return work_waiting();
}

Status Node::add_evidence(const DuplicateVote& evidence) {
  // This validator's signer never signs two votes at one place: two signed by
  // its key mean another process holds it.
  if (signer_ && evidence.voter() == signer_->address()) {
    stop_signing("this validator's key signed two " + std::string(to_string(evidence.first.vote.type)) +
                 "s at height " + std::to_string(evidence.height()) + " round " +
                 std::to_string(evidence.first.vote.round) +
                 ": another process signs with this key (a copied data directory?). Stop the other process "
                 "before restarting this one.");
  }
  return pool_evidence(evidence);
}

Status Node::pool_evidence(const DuplicateVote& evidence) {
  Status s = evidence_.add(evidence, *chain_);
  if (!s.ok()) return s;
  log_warn("evidence: validator " + to_checksum(evidence.voter()) + " signed two " +
           std::string(to_string(evidence.first.vote.type)) + "s at height " + std::to_string(evidence.height()) +
           " round " + std::to_string(evidence.first.vote.round) + " (" + to_hex_0x(evidence.hash().view()) +
           "), pending for a block");
  if (producer_) producer_->tx_arrived();
  return s;
}

Status Node::dev_submit_evidence(ByteView raw, Hash& hash) {
  DuplicateVote d;
  std::string error;
  if (!decode_duplicate_vote_form(raw, params().chain_id, d, error)) return Status{1, "malformed", error};
  hash = d.hash();
  // A development tool: on a dev chain the one validator is the only key to
  // accuse, and accusing it must not stop the chain.
  return pool_evidence(d);
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
  offset = clock_.advance(seconds);
  return Status::success();
}

std::string Node::metrics_text() const {
  return metrics_.text(chain_->head(), clock_.now(), mempool_.size(), mempool_.bytes());
}

}  // namespace vest::node
