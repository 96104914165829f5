// Evidence of misbehaviour by a validator: two votes it signed for one
// (height, round, type) and different blocks. Blocks carry it and the chain
// records it once (docs/protocol.md, section 4, "Evidence").
//
//   duplicate vote = RLP[vote, vote]   the signed vote encoding (chain/certificate.h),
//                                      one voter, height, round and type, two blocks,
//                                      the lower block hash first
//   evidence hash  = keccak256(duplicate vote)
//
// The pair has one encoding whoever found it and in whichever order the votes
// came (canonical order), so one offence is one piece of evidence.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chain/certificate.h"

namespace vest {

// Where the state records each committed offence (docs/protocol.md, section 5):
//   chain/evidence/ ‖ voter ‖ height u64 ‖ round u32 ‖ type u8 -> RLP[block height, evidence hash]
constexpr std::string_view kEvidencePrefix = "chain/evidence/";

struct DuplicateVote {
  SignedVote first;  // the lower block hash (bytewise; nil, all zero, is the lowest)
  SignedVote second;

  uint64_t height() const { return first.vote.height; }
  const Address& voter() const { return first.voter; }
  Hash hash() const;  // keccak256 of the encoding

  friend bool operator==(const DuplicateVote&, const DuplicateVote&) = default;
};

// "prevote" or "precommit".
std::string_view to_string(VoteType t);

// The evidence of `a` and `b` in canonical order; nullopt unless they are of
// one chain, voter, height, round and type with different block hashes, and
// both signatures are the voter's.
std::optional<DuplicateVote> make_duplicate_vote(const SignedVote& a, const SignedVote& b);

// What makes `d` no valid evidence, in words ("" when it is valid): votes of
// different chains, voters, heights, rounds or types, one block twice, a
// signature that is not the voter's, or the pair out of canonical order.
std::string duplicate_vote_problem(const DuplicateVote& d);

Bytes encode_duplicate_vote(const DuplicateVote& d);

// The state key of `d`'s offence: one per voter, height, round and type, so
// two pairs of one offence (a validator that signed three blocks) are one.
Bytes evidence_key(const DuplicateVote& d);

// The pair's form only: two signed vote encodings in a list, nothing after
// it; the votes get `chain_id`. Checks nothing about the votes themselves.
bool decode_duplicate_vote_form(ByteView raw, uint64_t chain_id, DuplicateVote& out, std::string& error);
// The form, then what duplicate_vote_problem() checks.
bool decode_duplicate_vote(ByteView raw, uint64_t chain_id, DuplicateVote& out, std::string& error);

}  // namespace vest
