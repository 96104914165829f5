#include "chain/evidence.h"

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

Hash DuplicateVote::hash() const { return keccak256(encode_duplicate_vote(*this)); }

std::string_view to_string(VoteType t) { return t == VoteType::kPrevote ? "prevote" : "precommit"; }

std::optional<DuplicateVote> make_duplicate_vote(const SignedVote& a, const SignedVote& b) {
  DuplicateVote d = a.vote.block_hash < b.vote.block_hash ? DuplicateVote{a, b} : DuplicateVote{b, a};
  if (!duplicate_vote_problem(d).empty()) return std::nullopt;
  return d;
}

std::string duplicate_vote_problem(const DuplicateVote& d) {
  const Vote &x = d.first.vote, &y = d.second.vote;
  if (d.first.voter != d.second.voter) return "the votes are of two voters";
  if (x.chain_id != y.chain_id) return "the votes are of two chains";
  if (x.height != y.height) return "the votes are of two heights";
  if (x.round != y.round) return "the votes are of two rounds";
  if (x.type != y.type) return "the votes are of two types";
  if (x.block_hash == y.block_hash) return "both votes are for one block";
  if (!(x.block_hash < y.block_hash)) return "not in canonical order (the lower block hash first)";
  if (!verify(d.first)) return "the first vote's signature is not its voter's";
  if (!verify(d.second)) return "the second vote's signature is not its voter's";
  return {};
}

Bytes encode_duplicate_vote(const DuplicateVote& d) {
  rlp::Encoder e;
  e.begin_list().raw(encode_vote(d.first)).raw(encode_vote(d.second)).end_list();
  return e.finish();
}

Bytes evidence_key(const DuplicateVote& d) {
  Bytes k(kEvidencePrefix.begin(), kEvidencePrefix.end());
  append(k, d.voter().view());
  put_u64_be(k, d.height());
  put_u32_be(k, d.first.vote.round);
  k.push_back(static_cast<uint8_t>(d.first.vote.type));
  return k;
}

bool decode_duplicate_vote_form(ByteView raw, uint64_t chain_id, DuplicateVote& out, std::string& error) {
  rlp::ListReader r(raw);
  ByteView first = r.raw();
  ByteView second = r.raw();
  if (!r.done()) {
    error = std::string("duplicate vote: ") + rlp::to_string(r.error());
    return false;
  }
  DuplicateVote d;
  if (!decode_vote(first, chain_id, d.first, error) || !decode_vote(second, chain_id, d.second, error)) {
    error = "duplicate vote: " + error;
    return false;
  }
  out = d;
  return true;
}

bool decode_duplicate_vote(ByteView raw, uint64_t chain_id, DuplicateVote& out, std::string& error) {
  DuplicateVote d;
  if (!decode_duplicate_vote_form(raw, chain_id, d, error)) return false;
  if (std::string problem = duplicate_vote_problem(d); !problem.empty()) {
    error = "duplicate vote: " + problem;
    return false;
  }
  out = d;
  return true;
}

}  // namespace vest
