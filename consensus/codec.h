// The byte encodings of consensus messages, for peers and for the WAL
// (docs/protocol.md, "Consensus messages"). Each is one strict RLP item; the
// decoders refuse anything else, trailing bytes included, and check no
// signature (consensus/messages.h, verify).
//
//   vote      = RLP[type, height, round, block_hash, time, voter, signature]   chain/certificate.h
//   proposal  = RLP[height, round, block_hash, pol, proposer, signature]    pol = RLP[] | RLP[pol_round]
//   duplicate = RLP[vote, vote]      chain/evidence.h: one voter, height, round and type; two blocks,
//                                    the lower hash first
//
// A message carries no chain id: the receiver's goes into the signed bytes, so
// a message of another chain fails its signature check.
#pragma once

#include <string>

#include "chain/evidence.h"
#include "consensus/messages.h"

namespace vest::consensus {

// Votes and duplicate-vote evidence are encoded by chain/, which checks
// evidence inside blocks; they are named here too.
using vest::decode_duplicate_vote;
using vest::decode_vote;
using vest::DuplicateVote;
using vest::encode_duplicate_vote;
using vest::encode_vote;
using vest::make_duplicate_vote;

Bytes encode_proposal(const SignedProposal& p);
// `chain_id` is the receiver's.
bool decode_proposal(ByteView raw, uint64_t chain_id, SignedProposal& out, std::string& error);

}  // namespace vest::consensus
