#include "node/wire.h"

#include "chain/params.h"
#include "chain/rlp.h"
#include "chain/store.h"
#include "consensus/codec.h"
#include "p2p/frame.h"

namespace vest::node {

// Whatever a genesis allows fits one frame: every transaction one tx message, every
// block with its certificate one block message.
static_assert(p2p::find_limit(static_cast<uint8_t>(p2p::MessageType::kTx))->max_payload >= kMaxTxBytesLimit);
static_assert(p2p::find_limit(static_cast<uint8_t>(p2p::MessageType::kBlock))->max_payload >=
              kMaxBlockBytesLimit + (1u << 20));

Bytes encode_status(const StatusMessage& m) {
  rlp::Encoder e;
  e.begin_list().uint(m.height).fixed(m.head_hash).end_list();
  return e.finish();
}

bool decode_status(ByteView raw, StatusMessage& out) {
  rlp::ListReader r(raw);
  StatusMessage m;
  m.height = r.u64();
  m.head_hash = r.fixed<32>();
  if (!r.done()) return false;
  out = m;
  return true;
}

Bytes encode_block_request(uint64_t height) {
  rlp::Encoder e;
  e.begin_list().uint(height).end_list();
  return e.finish();
}

bool decode_block_request(ByteView raw, uint64_t& height) {
  rlp::ListReader r(raw);
  uint64_t h = r.u64();
  if (!r.done()) return false;
  height = h;
  return true;
}

Bytes encode_block_message(const Block& block, const std::optional<Certificate>& certificate) {
  rlp::Encoder e;
  e.begin_list().raw(block.encode()).raw(encode_last_commit(certificate)).end_list();
  return e.finish();
}

bool decode_block_message(ByteView raw, BlockMessage& out, std::string& error) {
  rlp::ListReader r(raw);
  ByteView block = r.raw();
  ByteView certificate = r.raw();
  if (!r.done()) {
    error = std::string("block message: ") + rlp::to_string(r.error());
    return false;
  }
  BlockMessage m;
  if (Status s = decode_block(block, m.block); !s.ok()) {
    error = s.message;
    return false;
  }
  // One encoding per block: the bytes must be the block's own encoding.
  if (m.block.encode() != Bytes(block.begin(), block.end())) {
    error = "block is not in its canonical encoding";
    return false;
  }
  if (Status s = decode_last_commit(certificate, m.certificate); !s.ok()) {
    error = s.message;
    return false;
  }
  out = std::move(m);
  return true;
}

namespace {

bool signed_by_proposer(const SignedHeader& s) {
  Address signer;
  return recover(s.header.signing_digest(), s.sig, signer) == SigError::kOk && signer == s.header.proposer;
}

void encode_signed_header(rlp::Encoder& e, const SignedHeader& s) {
  e.begin_list().raw(s.header.encode()).bytes(s.sig.to_bytes()).end_list();
}

bool decode_signed_header(rlp::ListReader r, SignedHeader& out) {
  ByteView header = r.raw();
  ByteView sig = r.bytes();
  if (!r.done()) return false;
  if (!decode_header(header, out.header).ok()) return false;
  auto s = Signature::from_bytes(sig);
  if (!s) return false;
  out.sig = *s;
  return true;
}

}  // namespace

std::optional<DoubleSign> make_double_sign(const SignedHeader& a, const SignedHeader& b) {
  if (a.header.chain_id != b.header.chain_id || a.header.height != b.header.height ||
      a.header.proposer != b.header.proposer)
    return std::nullopt;
  const Hash ha = a.header.hash(), hb = b.header.hash();
  if (ha == hb) return std::nullopt;
  if (!signed_by_proposer(a) || !signed_by_proposer(b)) return std::nullopt;
  return ha < hb ? DoubleSign{a, b} : DoubleSign{b, a};
}

Bytes encode_evidence(const DoubleSign& d) {
  rlp::Encoder e;
  e.begin_list();
  encode_signed_header(e, d.first);
  encode_signed_header(e, d.second);
  e.end_list();
  return e.finish();
}

bool decode_evidence(ByteView raw, DoubleSign& out, std::string& error) {
  rlp::ListReader r(raw);
  SignedHeader a, b;
  if (!decode_signed_header(r.list(), a) || !decode_signed_header(r.list(), b) || !r.done()) {
    error = "evidence is not two signed headers";
    return false;
  }
  auto d = make_double_sign(a, b);
  if (!d) {
    error = "evidence does not show two headers of one chain and height signed by one proposer";
    return false;
  }
  if (!(d->first == a)) {
    error = "evidence is not in canonical order";
    return false;
  }
  out = *d;
  return true;
}

Bytes encode_proposal_message(const consensus::SignedProposal& proposal, const Block& block) {
  rlp::Encoder e;
  e.begin_list().raw(consensus::encode_proposal(proposal)).raw(block.encode()).end_list();
  return e.finish();
}

bool decode_proposal_message(ByteView raw, uint64_t chain_id, ProposalMessage& out, std::string& error) {
  rlp::ListReader r(raw);
  ByteView proposal = r.raw();
  ByteView block = r.raw();
  if (!r.done()) {
    error = std::string("proposal message: ") + rlp::to_string(r.error());
    return false;
  }
  ProposalMessage m;
  if (!consensus::decode_proposal(proposal, chain_id, m.proposal, error)) return false;
  if (Status s = decode_block(block, m.block); !s.ok()) {
    error = "proposal message: " + s.message;
    return false;
  }
  if (m.block.header.hash() != m.proposal.proposal.block_hash || m.block.header.height != m.proposal.proposal.height) {
    error = "proposal message: the block is not the one the proposal names";
    return false;
  }
  out = std::move(m);
  return true;
}

std::optional<Block> load_block(const ChainStore& store, uint64_t height) {
  auto stored = store.block(height);
  if (!stored) return std::nullopt;
  Block b;
  b.header = stored->header;
  b.sig = stored->sig;
  b.last_commit = stored->last_commit;
  b.evidence = stored->evidence;
  b.txs.reserve(stored->tx_hashes.size());
  for (const Hash& h : stored->tx_hashes) {
    auto raw = store.transaction_bytes(h);
    if (!raw) return std::nullopt;
    b.txs.push_back(std::move(*raw));
  }
  return b;
}

}  // namespace vest::node
