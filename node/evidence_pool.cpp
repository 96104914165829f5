#include "node/evidence_pool.h"

#include <algorithm>

namespace vest::node {

namespace {

Status refuse(std::string reason, std::string message) { return Status{1, std::move(reason), std::move(message)}; }

}  // namespace

Status EvidencePool::add(const DuplicateVote& evidence, const Chain& chain) {
  const uint64_t head = chain.head().height;
  if (evidence.height() > head + 1)
    return refuse("evidence_too_new", "evidence of height " + std::to_string(evidence.height()) +
                                          " is above the next block " + std::to_string(head + 1));
  BlockCheck check = chain.check_evidence(evidence, std::max(head + 1, evidence.height() + 1));
  if (!check.ok()) return refuse(to_string(check.result), std::move(check.message));
  Bytes key = evidence_key(evidence);
  const size_t size = encode_duplicate_vote(evidence).size();
  std::lock_guard lock(mutex_);
  if (by_offence_.count(key))
    return refuse("evidence_known", "the pool holds evidence of this offence of " + to_checksum(evidence.voter()) +
                                        " already");
  if (by_offence_.size() >= limits_.max_items || bytes_ + size > limits_.max_bytes)
    return refuse("evidence_pool_full", "the evidence pool is full (" + std::to_string(by_offence_.size()) +
                                            " items, " + std::to_string(bytes_) + " bytes)");
  size_t& of_voter = per_validator_[evidence.voter()];
  if (of_voter >= limits_.max_per_validator)
    return refuse("evidence_validator_limit", "the pool holds " + std::to_string(of_voter) + " offences of " +
                                                  to_checksum(evidence.voter()) + " already");
  ++of_voter;
  bytes_ += size;
  by_offence_.emplace(std::move(key), Entry{evidence, evidence.hash(), size});
  return Status::success();
}

std::vector<DuplicateVote> EvidencePool::pending(uint64_t block_height, size_t max) const {
  std::vector<const Entry*> ready;
  std::lock_guard lock(mutex_);
  for (const auto& [key, e] : by_offence_)
    if (e.evidence.height() < block_height) ready.push_back(&e);
  std::sort(ready.begin(), ready.end(), [](const Entry* a, const Entry* b) { return a->hash < b->hash; });
  std::vector<DuplicateVote> out;
  for (size_t i = 0; i < ready.size() && i < max; ++i) out.push_back(ready[i]->evidence);
  return out;
}

void EvidencePool::erase(std::map<Bytes, Entry, BytesLess>::iterator it) {
  auto v = per_validator_.find(it->second.evidence.voter());
  if (--v->second == 0) per_validator_.erase(v);
  bytes_ -= it->second.bytes;
  by_offence_.erase(it);
}

void EvidencePool::after_block(uint64_t head, uint64_t max_age, const std::vector<DuplicateVote>& committed) {
  std::lock_guard lock(mutex_);
  for (const DuplicateVote& d : committed) {
    auto it = by_offence_.find(evidence_key(d));
    if (it != by_offence_.end()) erase(it);
  }
  for (auto it = by_offence_.begin(); it != by_offence_.end();) {
    const uint64_t height = it->second.evidence.height();
    auto next = std::next(it);
    if (height < head + 1 && head + 1 - height > max_age) erase(it);
    it = next;
  }
}

void EvidencePool::remove(const std::vector<Hash>& hashes) {
  std::lock_guard lock(mutex_);
  for (auto it = by_offence_.begin(); it != by_offence_.end();) {
    auto next = std::next(it);
    if (std::find(hashes.begin(), hashes.end(), it->second.hash) != hashes.end()) erase(it);
    it = next;
  }
}

size_t EvidencePool::size() const {
  std::lock_guard lock(mutex_);
  return by_offence_.size();
}

size_t EvidencePool::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace vest::node
