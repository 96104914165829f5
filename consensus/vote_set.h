// The votes of one (height, round, type) with the voting power behind each
// block, and the commit certificate built from precommits. Thresholds are in
// integers: "more than 2/3" is power * 3 > total * 2, "more than 1/3" is
// power * 3 > total (docs/protocol.md, section 10).
//
// Each validator has one vote here: its first. A later vote of the same
// validator for another block is a conflict (evidence). The paper's rules
// count, for a block v, the distinct validators that voted for v; so a
// conflicting vote may be counted in its own block's tally (add_conflicting),
// never in a tally that already holds its validator and never in the tally
// of "anything". Two blocks can then both pass 2/3 only if more than 1/3 of
// the power equivocated.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "chain/certificate.h"
#include "consensus/messages.h"

namespace vest::consensus {

// power * 3 > total * 2, computed without overflow.
bool more_than_two_thirds(uint64_t power, uint64_t total);
// power * 3 > total, computed without overflow.
bool more_than_one_third(uint64_t power, uint64_t total);

enum class VoteAdd : uint8_t {
  kAdded,       // the voter's first vote: counted
  kDuplicate,   // the voter's first vote is for the same block: nothing changes
  kConflict,    // the voter's first vote is for another block: not counted by add()
  kNotMember,   // the voter is not in the validator set
  kWrongVote,   // another height, round or type than the set's
};

// Invariants: a block's tally holds at most one vote per validator and its
// power is the sum of their powers; power_any() counts each validator's
// first vote once and is at most the set's total.
class VoteSet {
 public:
  // An empty set for (height, round, type) of `validators` (not empty).
  VoteSet(std::shared_ptr<const ValidatorSet> validators, uint64_t height, uint32_t round, VoteType type);

  // Counts `v` as its voter's vote unless the voter already has one. The
  // signature is the caller's to check (consensus/messages.h, verify). On
  // kConflict, `*kept` (when given) receives the voter's first vote.
  VoteAdd add(const SignedVote& v, SignedVote* kept = nullptr);

  // Counts `v`, a conflict (see add), in the tally of its own block only.
  // True when counted; false when `v` is not a conflict or its voter is
  // already in that tally. The caller bounds how many blocks it lets in.
  bool add_conflicting(const SignedVote& v);

  // The power of the votes counted for `block` (all-zero hash: nil).
  uint64_t power_for(const Hash& block) const;
  // The power of the validators that voted here, for anything.
  uint64_t power_any() const { return power_any_; }
  // More than 2/3 of the total power voted, for anything.
  bool two_thirds_any() const;
  // More than 2/3 of the total power voted for `block` (all-zero hash: nil).
  bool two_thirds_for(const Hash& block) const;

  // The first vote of the validator at `index` (set order), if any.
  const std::optional<SignedVote>& vote_at(size_t index) const { return first_.at(index); }
  // Every validator's first vote, in set order.
  std::vector<SignedVote> votes() const;
  // The votes counted for `block`, in set order.
  std::vector<SignedVote> votes_for(const Hash& block) const;

  // The commit certificate of `block` from the precommits counted for it:
  // one entry per validator in set order, absent where the validator has no
  // precommit for `block`. Only for a precommit set.
  Certificate certificate(const Hash& block) const;

  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  VoteType type() const { return type_; }

 private:
  struct Tally {
    uint64_t power = 0;
    std::map<size_t, SignedVote> votes;  // by set position
  };
  void count(Tally& t, size_t index, const SignedVote& v);

  std::shared_ptr<const ValidatorSet> validators_;
  uint64_t height_;
  uint32_t round_;
  VoteType type_;
  std::vector<std::optional<SignedVote>> first_;  // by set position
  std::map<Hash, Tally> tallies_;
  uint64_t power_any_ = 0;
};

}  // namespace vest::consensus
