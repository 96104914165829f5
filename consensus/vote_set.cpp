#include "consensus/vote_set.h"

#include <cassert>

#include "chain/amount.h"

namespace vest::consensus {

bool more_than_two_thirds(uint64_t power, uint64_t total) { return u128(power) * 3 > u128(total) * 2; }

bool more_than_one_third(uint64_t power, uint64_t total) { return u128(power) * 3 > u128(total); }

VoteSet::VoteSet(std::shared_ptr<const ValidatorSet> validators, uint64_t height, uint32_t round, VoteType type)
    : validators_(std::move(validators)), height_(height), round_(round), type_(type) {
  assert(validators_ && !validators_->empty());
  first_.resize(validators_->size());
}

VoteAdd VoteSet::add(const SignedVote& v, SignedVote* kept) {
  if (v.vote.height != height_ || v.vote.round != round_ || v.vote.type != type_) return VoteAdd::kWrongVote;
  auto index = validators_->index_of(v.voter);
  if (!index) return VoteAdd::kNotMember;
  auto& first = first_[*index];
  if (first) {
    if (first->vote.block_hash == v.vote.block_hash) return VoteAdd::kDuplicate;
    if (kept) *kept = *first;
    return VoteAdd::kConflict;
  }
  first = v;
  power_any_ += validators_->validators()[*index].power;
  assert(power_any_ <= validators_->total_power());
  count(tallies_[v.vote.block_hash], *index, v);
  return VoteAdd::kAdded;
}

bool VoteSet::add_conflicting(const SignedVote& v) {
  if (v.vote.height != height_ || v.vote.round != round_ || v.vote.type != type_) return false;
  auto index = validators_->index_of(v.voter);
  if (!index || !first_[*index] || first_[*index]->vote.block_hash == v.vote.block_hash) return false;
  Tally& t = tallies_[v.vote.block_hash];
  if (t.votes.count(*index)) return false;
  count(t, *index, v);
  return true;
}

void VoteSet::count(Tally& t, size_t index, const SignedVote& v) {
  // Distinct members of a set whose total fits 64 bits: no overflow.
  t.power += validators_->validators()[index].power;
  assert(t.power <= validators_->total_power());
  t.votes.emplace(index, v);
}

uint64_t VoteSet::power_for(const Hash& block) const {
  auto it = tallies_.find(block);
  return it == tallies_.end() ? 0 : it->second.power;
}

bool VoteSet::two_thirds_any() const { return more_than_two_thirds(power_any_, validators_->total_power()); }

bool VoteSet::two_thirds_for(const Hash& block) const {
  return more_than_two_thirds(power_for(block), validators_->total_power());
}

std::vector<SignedVote> VoteSet::votes() const {
  std::vector<SignedVote> out;
  for (const auto& v : first_)
    if (v) out.push_back(*v);
  return out;
}

std::vector<SignedVote> VoteSet::votes_for(const Hash& block) const {
  std::vector<SignedVote> out;
  if (auto it = tallies_.find(block); it != tallies_.end())
    for (const auto& [index, v] : it->second.votes) out.push_back(v);
  return out;
}

Certificate VoteSet::certificate(const Hash& block) const {
  assert(type_ == VoteType::kPrecommit);
  Certificate c{height_, round_, block, {}};
  c.entries.resize(first_.size());
  if (auto it = tallies_.find(block); it != tallies_.end())
    for (const auto& [index, v] : it->second.votes) c.entries[index] = CommitSig{v.vote.time, v.sig};
  return c;
}

}  // namespace vest::consensus
