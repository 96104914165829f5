#include "consensus/codec.h"

#include "chain/rlp.h"

namespace vest::consensus {

namespace {

void put_vote(rlp::Encoder& e, const SignedVote& v) {
  e.begin_list()
      .uint(static_cast<uint8_t>(v.vote.type))
      .uint(v.vote.height)
      .uint(v.vote.round)
      .fixed(v.vote.block_hash)
      .uint(v.vote.time)
      .fixed(v.voter)
      .bytes(v.sig.to_bytes())
      .end_list();
}

bool get_vote(rlp::ListReader r, uint64_t chain_id, SignedVote& out, std::string& error) {
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

}  // namespace

Bytes encode_vote(const SignedVote& v) {
  rlp::Encoder e;
  put_vote(e, v);
  return e.finish();
}

bool decode_vote(ByteView raw, uint64_t chain_id, SignedVote& out, std::string& error) {
  return get_vote(rlp::ListReader(raw), chain_id, out, error);
}

Bytes encode_proposal(const SignedProposal& p) {
  rlp::Encoder e;
  e.begin_list().uint(p.proposal.height).uint(p.proposal.round).fixed(p.proposal.block_hash).begin_list();
  if (p.proposal.pol_round) e.uint(*p.proposal.pol_round);
  e.end_list().fixed(p.proposer).bytes(p.sig.to_bytes()).end_list();
  return e.finish();
}

bool decode_proposal(ByteView raw, uint64_t chain_id, SignedProposal& out, std::string& error) {
  rlp::ListReader r(raw);
  SignedProposal p;
  p.proposal.chain_id = chain_id;
  p.proposal.height = r.u64();
  const uint64_t round = r.u64();
  p.proposal.block_hash = r.fixed<32>();
  rlp::ListReader pol = r.list();
  uint64_t pol_round = 0;
  const bool has_pol = pol.ok() && !pol.at_end();
  if (has_pol) pol_round = pol.u64();
  p.proposer = r.fixed<20>();
  ByteView sig = r.bytes();
  if (!pol.done() || !r.done()) {
    error = std::string("proposal: ") + rlp::to_string(pol.ok() ? r.error() : pol.error());
    return false;
  }
  if (round > UINT32_MAX || pol_round > UINT32_MAX) {
    error = "proposal: round does not fit 32 bits";
    return false;
  }
  auto s = Signature::from_bytes(sig);
  if (!s) {
    error = "proposal: signature must be 65 bytes";
    return false;
  }
  p.proposal.round = static_cast<uint32_t>(round);
  if (has_pol) p.proposal.pol_round = static_cast<uint32_t>(pol_round);
  p.sig = *s;
  out = p;
  return true;
}

std::optional<DuplicateVote> make_duplicate_vote(const SignedVote& a, const SignedVote& b) {
  const Vote &x = a.vote, &y = b.vote;
  if (a.voter != b.voter || x.chain_id != y.chain_id || x.height != y.height || x.round != y.round ||
      x.type != y.type || x.block_hash == y.block_hash)
    return std::nullopt;
  if (!verify(a) || !verify(b)) return std::nullopt;
  return x.block_hash < y.block_hash ? DuplicateVote{a, b} : DuplicateVote{b, a};
}

Bytes encode_duplicate_vote(const DuplicateVote& d) {
  rlp::Encoder e;
  e.begin_list();
  put_vote(e, d.first);
  put_vote(e, d.second);
  e.end_list();
  return e.finish();
}

bool decode_duplicate_vote(ByteView raw, uint64_t chain_id, DuplicateVote& out, std::string& error) {
  rlp::ListReader r(raw);
  SignedVote a, b;
  if (!get_vote(r.list(), chain_id, a, error) || !get_vote(r.list(), chain_id, b, error)) return false;
  if (!r.done()) {
    error = std::string("duplicate vote: ") + rlp::to_string(r.error());
    return false;
  }
  auto d = make_duplicate_vote(a, b);
  if (!d) {
    error = "duplicate vote: not two signed votes of one validator for one height, round and type";
    return false;
  }
  if (!(d->first == a)) {
    error = "duplicate vote: not in canonical order";
    return false;
  }
  out = *d;
  return true;
}

}  // namespace vest::consensus
