#include "consensus/codec.h"

#include "chain/rlp.h"

namespace vest::consensus {

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

}  // namespace vest::consensus
