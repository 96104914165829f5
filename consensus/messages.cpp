#include "consensus/messages.h"

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest::consensus {

Bytes Proposal::sign_bytes() const {
  rlp::Encoder e;
  e.begin_list().str(kProposalDomain).uint(chain_id).uint(height).uint(round).fixed(block_hash);
  e.begin_list();
  if (pol_round) e.uint(*pol_round);
  e.end_list().end_list();
  return e.finish();
}

Hash Proposal::signing_digest() const { return keccak256(sign_bytes()); }

bool verify(const SignedProposal& p) {
  Address signer;
  return recover(p.proposal.signing_digest(), p.sig, signer) == SigError::kOk && signer == p.proposer;
}

}  // namespace vest::consensus
