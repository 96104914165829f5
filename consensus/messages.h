// The messages of consensus: a round's proposal and the signed votes. The
// byte-level specification is docs/protocol.md (section 10, "Consensus").
//
//   proposal sign bytes = RLP["vestchain/proposal/v1", chain_id, height, round,
//                             block_hash, pol]     pol = RLP[] | RLP[pol_round]
//   proposal signature  = ECDSA(keccak256(proposal sign bytes))   (65 bytes, low-S)
//
// A vote is the chain's SignedVote (chain/certificate.h), signed over its own
// sign bytes. Signatures are checked by the node before a message reaches the
// consensus core (verify() below); the core trusts that the named signer signed.
#pragma once

#include <optional>
#include <string_view>

#include "chain/certificate.h"

namespace vest::consensus {

constexpr std::string_view kProposalDomain = "vestchain/proposal/v1";

// What the proposer of (height, round) offers: a block, named by its hash, and
// the round of the prevotes that made it the proposer's valid value (nullopt
// for a block proposed afresh). A usable proposal has pol_round < round and a
// block hash that is not all zero.
struct Proposal {
  uint64_t chain_id = 0;
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
  std::optional<uint32_t> pol_round;

  // The canonical bytes the proposer signs (see the top of this file).
  Bytes sign_bytes() const;
  // keccak256(sign_bytes()): what the signature is over.
  Hash signing_digest() const;

  friend bool operator==(const Proposal&, const Proposal&) = default;
};

struct SignedProposal {
  Proposal proposal;
  Address proposer;
  Signature sig;

  friend bool operator==(const SignedProposal&, const SignedProposal&) = default;
};

// Votes are the chain's (chain/certificate.h: SignedVote and its verify()).
using vest::SignedVote;
using vest::verify;

// True when `p.sig` is a valid low-S signature over p.proposal that recovers
// to p.proposer.
bool verify(const SignedProposal& p);

}  // namespace vest::consensus
