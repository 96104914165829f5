// The node's messages on its p2p channels (docs/protocol.md, section 9). Each payload
// is one strict RLP item; the decoders refuse anything else, trailing bytes included.
//
//   status         = RLP[height, head hash]
//   block_request  = RLP[height]
//   block          = RLP[block, certificate]     certificate: of that block, or RLP[]
//   tx             = the signed transaction, as submitted
//   evidence       = RLP[signed header, signed header]
//   proposal       = RLP[signed proposal, block]   (consensus/codec.h; the block the proposal names)
//   vote           = the signed vote (consensus/codec.h)
//   signed header  = RLP[header, proposer signature]
//
// Evidence names two headers of one chain and height signed by one proposer with different
// hashes, the lower hash first, so that a pair has one encoding whoever found it.
#pragma once

#include <optional>

#include "chain/block.h"
#include "chain/store.h"
#include "consensus/messages.h"

namespace vest::node {

struct StatusMessage {
  uint64_t height = 0;
  Hash head_hash;
};
Bytes encode_status(const StatusMessage& m);
bool decode_status(ByteView raw, StatusMessage& out);

Bytes encode_block_request(uint64_t height);
bool decode_block_request(ByteView raw, uint64_t& height);

struct BlockMessage {
  Block block;
  std::optional<Certificate> certificate;
};
Bytes encode_block_message(const Block& block, const std::optional<Certificate>& certificate);
// Decodes the block strictly (decode_block) and the certificate; `error` says what is wrong.
bool decode_block_message(ByteView raw, BlockMessage& out, std::string& error);

struct SignedHeader {
  BlockHeader header;
  Signature sig;
  friend bool operator==(const SignedHeader& a, const SignedHeader& b) {
    return a.header.hash() == b.header.hash() && a.sig == b.sig;
  }
};

// Two headers of one chain and height by one proposer; first.hash() < second.hash().
struct DoubleSign {
  SignedHeader first, second;
  uint64_t height() const { return first.header.height; }
  const Address& proposer() const { return first.header.proposer; }
};
// The evidence of `a` and `b` in canonical order; nullopt unless they are of one chain id,
// height and proposer with different hashes and both signatures recover to that proposer.
std::optional<DoubleSign> make_double_sign(const SignedHeader& a, const SignedHeader& b);
Bytes encode_evidence(const DoubleSign& e);
// Decodes and checks as make_double_sign does, and that the pair is in canonical order.
bool decode_evidence(ByteView raw, DoubleSign& out, std::string& error);

struct ProposalMessage {
  consensus::SignedProposal proposal;
  Block block;
};
Bytes encode_proposal_message(const consensus::SignedProposal& proposal, const Block& block);
// Decodes strictly; the block must be the one the proposal names. No signature is checked.
bool decode_proposal_message(ByteView raw, uint64_t chain_id, ProposalMessage& out, std::string& error);

// The stored block at `height` with its transactions' bytes, as peers receive it.
std::optional<Block> load_block(const ChainStore& store, uint64_t height);

}  // namespace vest::node
