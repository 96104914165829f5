// The byte encodings of consensus messages, for peers and for the WAL
// (docs/protocol.md, "Consensus messages"). Each is one strict RLP item; the
// decoders refuse anything else, trailing bytes included, and check no
// signature (consensus/messages.h, verify).
//
//   vote      = RLP[type, height, round, block_hash, time, voter, signature]
//   proposal  = RLP[height, round, block_hash, pol, proposer, signature]    pol = RLP[] | RLP[pol_round]
//   duplicate = RLP[vote, vote]      one voter, height, round and type; two blocks, the lower hash first
//
// A message carries no chain id: the receiver's goes into the signed bytes, so
// a message of another chain fails its signature check.
#pragma once

#include <optional>
#include <string>

#include "consensus/messages.h"

namespace vest::consensus {

Bytes encode_vote(const SignedVote& v);
// `chain_id` is the receiver's.
bool decode_vote(ByteView raw, uint64_t chain_id, SignedVote& out, std::string& error);

Bytes encode_proposal(const SignedProposal& p);
bool decode_proposal(ByteView raw, uint64_t chain_id, SignedProposal& out, std::string& error);

// Two votes of one validator for one (height, round, type) and different
// blocks: evidence that it signed both.
struct DuplicateVote {
  SignedVote first;   // the lower block hash
  SignedVote second;
  friend bool operator==(const DuplicateVote&, const DuplicateVote&) = default;
};
// The evidence of `a` and `b` in canonical order; nullopt unless they are of
// one chain, voter, height, round and type with different block hashes, and
// both signatures are the voter's.
std::optional<DuplicateVote> make_duplicate_vote(const SignedVote& a, const SignedVote& b);
Bytes encode_duplicate_vote(const DuplicateVote& d);
// Decodes and checks as make_duplicate_vote does, and that the pair is in canonical order.
bool decode_duplicate_vote(ByteView raw, uint64_t chain_id, DuplicateVote& out, std::string& error);

}  // namespace vest::consensus
