#include "chain/certificate.h"

#include <cassert>

#include "chain/amount.h"
#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

Bytes Vote::sign_bytes() const {
  rlp::Encoder e;
  e.begin_list().str(kVoteDomain).uint(chain_id).uint(static_cast<uint8_t>(type)).uint(height).uint(round);
  e.fixed(block_hash).uint(time).end_list();
  return e.finish();
}

Hash Vote::signing_digest() const { return keccak256(sign_bytes()); }

bool verify(const SignedVote& v) {
  Address signer;
  return recover(v.vote.signing_digest(), v.sig, signer) == SigError::kOk && signer == v.voter;
}

Bytes encode_vote(const SignedVote& v) {
  rlp::Encoder e;
  e.begin_list()
      .uint(static_cast<uint8_t>(v.vote.type))
      .uint(v.vote.height)
      .uint(v.vote.round)
      .fixed(v.vote.block_hash)
      .uint(v.vote.time)
      .fixed(v.voter)
      .bytes(v.sig.to_bytes())
      .end_list();
  return e.finish();
}

bool decode_vote(ByteView raw, uint64_t chain_id, SignedVote& out, std::string& error) {
  rlp::ListReader r(raw);
  SignedVote v;
  const uint64_t type = r.u64();
  v.vote.height = r.u64();
  const uint64_t round = r.u64();
  v.vote.block_hash = r.fixed<32>();
  v.vote.time = r.u64();
  v.voter = r.fixed<20>();
  ByteView sig = r.bytes();
  if (!r.done()) {
    error = std::string("vote: ") + rlp::to_string(r.error());
    return false;
  }
  if (type != static_cast<uint8_t>(VoteType::kPrevote) && type != static_cast<uint8_t>(VoteType::kPrecommit)) {
    error = "vote: unknown type " + std::to_string(type);
    return false;
  }
  if (round > UINT32_MAX) {
    error = "vote: round does not fit 32 bits";
    return false;
  }
  auto s = Signature::from_bytes(sig);
  if (!s) {
    error = "vote: signature must be 65 bytes";
    return false;
  }
  v.vote.type = static_cast<VoteType>(type);
  v.vote.round = static_cast<uint32_t>(round);
  v.vote.chain_id = chain_id;
  v.sig = *s;
  out = v;
  return true;
}

Vote Certificate::precommit(size_t i, uint64_t chain_id) const {
  Vote v;
  v.type = VoteType::kPrecommit;
  v.height = height;
  v.round = round;
  v.block_hash = block_hash;
  v.time = entries.at(i) ? entries[i]->time : 0;
  v.chain_id = chain_id;
  return v;
}

Bytes Certificate::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(height).uint(round).fixed(block_hash).begin_list();
  for (const auto& entry : entries) {
    e.begin_list();
    if (entry) e.uint(entry->time).bytes(entry->sig.to_bytes());
    e.end_list();
  }
  e.end_list().end_list();
  return e.finish();
}

Hash Certificate::hash() const { return keccak256(encode()); }

Status decode_certificate(ByteView raw, Certificate& out) {
  auto malformed = [](const std::string& what) { return reject(ChainCode::kMalformed, "certificate: " + what); };
  rlp::ListReader r(raw);
  Certificate c;
  c.height = r.u64();
  uint64_t round = r.u64();
  c.block_hash = r.fixed<32>();
  rlp::ListReader entries = r.list();
  while (entries.ok() && !entries.at_end()) {
    rlp::ListReader e = entries.list();
    if (!e.ok()) break;
    if (e.at_end()) {
      c.entries.emplace_back(std::nullopt);
      continue;
    }
    CommitSig s;
    s.time = e.u64();
    ByteView sig = e.bytes();
    if (!e.done()) return malformed("entry " + std::to_string(c.entries.size()) + ": " + rlp::to_string(e.error()));
    auto signature = Signature::from_bytes(sig);
    if (!signature) return malformed("entry " + std::to_string(c.entries.size()) + ": signature must be 65 bytes");
    s.sig = *signature;
    c.entries.emplace_back(s);
  }
  if (!entries.done()) return malformed(std::string("entries: ") + rlp::to_string(entries.error()));
  if (!r.done()) return malformed(rlp::to_string(r.error()));
  if (round > UINT32_MAX) return malformed("round does not fit 32 bits");
  c.round = static_cast<uint32_t>(round);
  out = std::move(c);
  return Status::success();
}

const char* to_string(CertificateValidation v) {
  switch (v) {
    case CertificateValidation::kOk: return "ok";
    case CertificateValidation::kWrongHeight: return "wrong_height";
    case CertificateValidation::kWrongBlock: return "wrong_block";
    case CertificateValidation::kWrongSize: return "wrong_size";
    case CertificateValidation::kBadSignature: return "bad_signature";
    case CertificateValidation::kWrongSigner: return "wrong_signer";
    case CertificateValidation::kNotEnoughPower: return "not_enough_power";
  }
  return "unknown";
}

CertificateCheck verify_certificate(const Certificate& cert, const ValidatorSet& set, uint64_t chain_id) {
  using C = CertificateValidation;
  if (set.empty() || cert.entries.size() != set.size())
    return {C::kWrongSize, "certificate has " + std::to_string(cert.entries.size()) + " entries for a set of " +
                               std::to_string(set.size()) + " validators", 0};
  u128 signed_power = 0;
  for (size_t i = 0; i < cert.entries.size(); ++i) {
    if (!cert.entries[i]) continue;
    const Validator& v = set.validators()[i];
    Address signer;
    if (SigError e = recover(cert.precommit(i, chain_id).signing_digest(), cert.entries[i]->sig, signer);
        e != SigError::kOk)
      return {C::kBadSignature, "entry " + std::to_string(i) + ": " + to_string(e), i};
    if (signer != v.address)
      return {C::kWrongSigner, "entry " + std::to_string(i) + " recovers to " + to_checksum(signer) +
                                   ", not the validator " + to_checksum(v.address), i};
    auto sum = checked_add(signed_power, v.power);
    assert(sum && "the total power of a set fits 64 bits");
    signed_power = *sum;
  }
  // signed > total * 2/3, in integers: signed * 3 > total * 2 (both fit 128 bits).
  auto lhs = checked_mul(signed_power, 3);
  auto rhs = checked_mul(set.total_power(), 2);
  assert(lhs && rhs);
  if (!(*lhs > *rhs))
    return {C::kNotEnoughPower, "signed power " + to_decimal(signed_power) + " of " +
                                    std::to_string(set.total_power()) + " is not more than 2/3", 0};
  return {};
}

CertificateCheck verify_certificate(const Certificate& cert, const ValidatorSet& set, uint64_t chain_id,
                                    uint64_t height, const Hash& block_hash) {
  using C = CertificateValidation;
  if (cert.height != height)
    return {C::kWrongHeight, "certificate is for height " + std::to_string(cert.height) + ", expected " +
                                 std::to_string(height), 0};
  if (cert.block_hash != block_hash)
    return {C::kWrongBlock, "certificate is for block " + to_hex_0x(cert.block_hash.view()) + ", expected " +
                                to_hex_0x(block_hash.view()), 0};
  return verify_certificate(cert, set, chain_id);
}

}  // namespace vest
