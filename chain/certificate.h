// Votes and commit certificates: the finality proof of a block. The byte-level
// specification is docs/protocol.md (section 4, "Votes and certificates").
//
//   vote sign bytes = RLP["vestchain/vote/v1", chain_id, type, height, round,
//                         block_hash, time]
//   vote signature  = ECDSA(keccak256(vote sign bytes))   (65 bytes, low-S)
//   certificate     = RLP[height, round, block_hash, [entry, ...]]
//   entry           = RLP[]  (absent)  |  RLP[time, signature]  (precommit)
//   signed vote     = RLP[type, height, round, block_hash, time, voter, signature]
//
// A certificate has one entry per validator of the set that certifies the
// block, in the set's canonical order; a signed entry is that validator's
// precommit for (height, round, block_hash) at its time. It is valid when the
// signed power is strictly more than 2/3 of the total.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/bytes.h"
#include "chain/secp256k1.h"
#include "chain/status.h"
#include "chain/validator_set.h"

namespace vest {

constexpr std::string_view kVoteDomain = "vestchain/vote/v1";

enum class VoteType : uint8_t {
  kPrevote = 1,
  kPrecommit = 2,
};

struct Vote {
  VoteType type = VoteType::kPrecommit;
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;    // all zero for a vote for no block (nil)
  uint64_t time = 0;  // the voter's clock, seconds since the Unix epoch
  uint64_t chain_id = 0;

  // The canonical bytes a validator signs (see the top of this file).
  Bytes sign_bytes() const;
  // keccak256(sign_bytes()): what the signature is over.
  Hash signing_digest() const;

  friend bool operator==(const Vote&, const Vote&) = default;
};

// A vote with the validator that cast it, as peers send it and evidence
// (chain/evidence.h) carries it. A vote for no block (nil) has an all-zero
// block hash.
struct SignedVote {
  Vote vote;
  Address voter;
  Signature sig;

  friend bool operator==(const SignedVote&, const SignedVote&) = default;
};

// True when `v.sig` is a valid low-S signature over v.vote that recovers to
// v.voter.
bool verify(const SignedVote& v);

// The signed vote encoding (top of this file). It carries no chain id: the
// decoder takes the receiver's, which goes into the signed bytes, so a vote of
// another chain fails verify(). Strict: refuses an unknown type, a round
// beyond 32 bits, a signature of another length and trailing bytes, saying
// which; checks no signature.
Bytes encode_vote(const SignedVote& v);
bool decode_vote(ByteView raw, uint64_t chain_id, SignedVote& out, std::string& error);

// One validator's place in a certificate: absent, or its signed precommit.
struct CommitSig {
  uint64_t time = 0;
  Signature sig;

  friend bool operator==(const CommitSig&, const CommitSig&) = default;
};

struct Certificate {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
  std::vector<std::optional<CommitSig>> entries;  // one per validator, in set order

  // The precommit that entry `i` signed.
  Vote precommit(size_t i, uint64_t chain_id) const;

  Bytes encode() const;
  Hash hash() const;  // keccak256(encode())

  friend bool operator==(const Certificate&, const Certificate&) = default;
};

// Strict decoding; round must fit 32 bits, signatures be 65 bytes.
Status decode_certificate(ByteView raw, Certificate& out);

enum class [[nodiscard]] CertificateValidation : uint8_t {
  kOk = 0,
  kWrongHeight,     // the certificate is for another height than expected
  kWrongBlock,      // the certificate is for another block than expected
  kWrongSize,       // the number of entries is not the size of the set
  kBadSignature,    // a signature is out of range, high-S or recovers to no key
  kWrongSigner,     // a signature recovers to another address than its validator's
  kNotEnoughPower,  // signed power * 3 is not strictly more than total power * 2
};

// Stable snake_case name of the rule ("ok" for kOk), e.g. "not_enough_power".
const char* to_string(CertificateValidation v);

struct [[nodiscard]] CertificateCheck {
  CertificateValidation result = CertificateValidation::kOk;
  std::string message;
  size_t entry = 0;  // for kBadSignature and kWrongSigner: the entry at fault

  bool ok() const { return result == CertificateValidation::kOk; }
};

// Checks that `cert` proves its block final under `set` on chain `chain_id`:
// one entry per validator, every signed entry a valid low-S signature by its
// validator over its precommit, and the signed power strictly more than 2/3
// of the total. Every signature is checked, also past the 2/3 mark. Pure.
CertificateCheck verify_certificate(const Certificate& cert, const ValidatorSet& set, uint64_t chain_id);

// The same, for the certificate of one expected block: first refuses another
// height (kWrongHeight) or block hash (kWrongBlock).
CertificateCheck verify_certificate(const Certificate& cert, const ValidatorSet& set, uint64_t chain_id,
                                    uint64_t height, const Hash& block_hash);

}  // namespace vest
