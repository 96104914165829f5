#include "node/mempool.h"

#include <algorithm>

namespace vest::node {

Status Mempool::add(const VerifiedTx& tx, const Executor& executor, const std::function<Latest()>& latest) {
  std::lock_guard lock(mutex_);
  const Latest now = latest();
  const StateReader& state = *now.state;
  const BlockEnv& next = now.next;
  if (by_hash_.count(tx.hash)) return reject(ChainCode::kAlreadyKnown, "transaction is already pending");
  auto& queue = by_sender_[tx.sender];
  auto cleanup = [&] {
    if (queue.empty()) by_sender_.erase(tx.sender);
  };

  // Replacement of a pending nonce.
  auto existing = queue.find(tx.tx.nonce);
  if (existing != queue.end()) {
    auto min_fee = checked_add(existing->second.tx.tx.fee, existing->second.tx.tx.fee / 10);
    if (!min_fee || tx.tx.fee < *min_fee || tx.tx.fee == existing->second.tx.tx.fee)
      return reject(ChainCode::kReplacementUnderpriced,
                    "a transaction with nonce " + std::to_string(tx.tx.nonce) +
                        " is pending; a replacement needs a fee at least 10% higher");
    // Check against the state as if it followed the earlier pending ones.
    uint64_t before = 0;
    Amount fees = 0;
    for (const auto& [n, e] : queue) {
      if (n >= tx.tx.nonce) break;
      ++before;
      fees = checked_add(fees, e.tx.tx.fee).value_or(kU128Max);
    }
    if (Status s = executor.check_admission(state, next, tx, before, fees); !s.ok()) return s;
    bytes_ = bytes_ - existing->second.tx.raw.size() + tx.raw.size();
    by_hash_.erase(existing->second.tx.hash);
    existing->second.tx = tx;  // keeps its arrival position
    by_hash_[tx.hash] = {tx.sender, tx.tx.nonce};
    return Status::success();
  }

  if (by_hash_.size() >= limits_.max_txs || bytes_ + tx.raw.size() > limits_.max_bytes) {
    cleanup();
    return reject(ChainCode::kMempoolFull, "the mempool is full; try again after the next block");
  }
  if (queue.size() >= limits_.max_per_sender) {
    return reject(ChainCode::kSenderQueueFull,
                  "sender has " + std::to_string(queue.size()) + " pending transactions, the limit");
  }
  Amount fees = 0;
  for (const auto& [n, e] : queue) fees = checked_add(fees, e.tx.tx.fee).value_or(kU128Max);
  if (Status s = executor.check_admission(state, next, tx, queue.size(), fees); !s.ok()) {
    cleanup();
    return s;
  }
  queue.emplace(tx.tx.nonce, Entry{tx, next_seq_++});
  by_hash_[tx.hash] = {tx.sender, tx.tx.nonce};
  bytes_ += tx.raw.size();
  return Status::success();
}

std::vector<VerifiedTx> Mempool::select(size_t max_txs) const {
  std::lock_guard lock(mutex_);
  std::vector<const Entry*> all;
  all.reserve(by_hash_.size());
  for (const auto& [sender, queue] : by_sender_)
    for (const auto& [nonce, e] : queue) all.push_back(&e);
  // Arrival order across senders; within a sender arrival order is nonce order
  // because admission refuses gaps (a replacement keeps its slot).
  std::sort(all.begin(), all.end(), [](const Entry* a, const Entry* b) { return a->seq < b->seq; });
  std::vector<VerifiedTx> out;
  for (size_t i = 0; i < all.size() && i < max_txs; ++i) out.push_back(all[i]->tx);
  return out;
}

void Mempool::erase_entry(const Address& sender, uint64_t nonce) {
  auto sit = by_sender_.find(sender);
  if (sit == by_sender_.end()) return;
  auto it = sit->second.find(nonce);
  if (it == sit->second.end()) return;
  bytes_ -= it->second.tx.raw.size();
  by_hash_.erase(it->second.tx.hash);
  sit->second.erase(it);
  if (sit->second.empty()) by_sender_.erase(sit);
}

void Mempool::remove_from(const Address& sender, uint64_t nonce, const Status& why,
                          std::vector<std::pair<Hash, Status>>& out) {
  auto sit = by_sender_.find(sender);
  if (sit == by_sender_.end()) return;
  std::vector<uint64_t> nonces;
  for (auto it = sit->second.lower_bound(nonce); it != sit->second.end(); ++it) nonces.push_back(it->first);
  for (uint64_t n : nonces) {
    out.emplace_back(sit->second.at(n).tx.hash, why);
    erase_entry(sender, n);
    sit = by_sender_.find(sender);
    if (sit == by_sender_.end()) break;
  }
}

std::vector<std::pair<Hash, Status>> Mempool::after_block(const std::vector<Hash>& included,
                                                          const std::vector<std::pair<Hash, Status>>& dropped,
                                                          const std::set<Address>& touched,
                                                          const Executor& executor, const StateReader& state,
                                                          const BlockEnv& next) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<Hash, Status>> removed;
  std::set<Address> recheck = touched;
  for (const Hash& h : included) {
    auto it = by_hash_.find(h);
    if (it == by_hash_.end()) continue;
    auto [sender, nonce] = it->second;
    erase_entry(sender, nonce);
    recheck.insert(sender);
  }
  for (const auto& [h, why] : dropped) {
    auto it = by_hash_.find(h);
    if (it == by_hash_.end()) continue;
    auto [sender, nonce] = it->second;
    // Its successors now have a gap: they go too.
    remove_from(sender, nonce, why, removed);
  }
  for (const Address& sender : recheck) {
    auto sit = by_sender_.find(sender);
    if (sit == by_sender_.end()) continue;
    uint64_t next_nonce = account_nonce(state, sender);
    // Stale nonces (used by a block) are simply gone.
    std::vector<uint64_t> stale;
    for (const auto& [n, e] : sit->second)
      if (n < next_nonce) stale.push_back(n);
    for (uint64_t n : stale) {
      removed.emplace_back(sit->second.at(n).tx.hash,
                           reject(ChainCode::kNonceTooLow, "nonce used by another transaction"));
      erase_entry(sender, n);
    }
    sit = by_sender_.find(sender);
    if (sit == by_sender_.end()) continue;
    uint64_t count = 0;
    Amount fees = 0;
    for (auto it = sit->second.begin(); it != sit->second.end(); ++it) {
      Status s = executor.check_admission(state, next, it->second.tx, count, fees);
      if (!s.ok()) {
        remove_from(sender, it->first, s, removed);
        break;
      }
      ++count;
      fees = checked_add(fees, it->second.tx.tx.fee).value_or(kU128Max);
    }
  }
  return removed;
}

std::optional<VerifiedTx> Mempool::get(const Hash& hash) const {
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return by_sender_.at(it->second.first).at(it->second.second).tx;
}

size_t Mempool::count(const Address& sender) const {
  std::lock_guard lock(mutex_);
  auto it = by_sender_.find(sender);
  return it == by_sender_.end() ? 0 : it->second.size();
}

size_t Mempool::size() const {
  std::lock_guard lock(mutex_);
  return by_hash_.size();
}

size_t Mempool::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace vest::node
