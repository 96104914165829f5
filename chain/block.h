// Blocks, receipts and events: formats, hashes and commitments.
// The byte-level specification is docs/protocol.md ("Blocks").
//
//   header         = RLP[version, chain_id, height, parent_hash, time, proposer,
//                        validators_hash, last_commit_hash, evidence_hash,
//                        tx_root, state_root, receipts_root]
//   block hash     = keccak256(header)
//   proposer sig   = sign(keccak256(RLP["vestchain/block/v1", block hash]))
//   block          = RLP[header, [signed tx, ...], sig, last_commit, [evidence, ...]]
//   last_commit    = the parent's certificate (chain/certificate.h), or RLP[]
//                    when the parent is the genesis block
//   evidence       = a duplicate vote (chain/evidence.h)
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/address.h"
#include "chain/bytes.h"
#include "chain/certificate.h"
#include "chain/evidence.h"
#include "chain/secp256k1.h"
#include "chain/status.h"

namespace vest {

constexpr std::string_view kBlockDomain = "vestchain/block/v1";
// The header version this code produces and accepts (2: with evidence_hash).
constexpr uint32_t kBlockVersion = 2;

struct BlockHeader {
  uint32_t version = kBlockVersion;
  uint64_t chain_id = 0;
  uint64_t height = 0;
  Hash parent_hash;
  uint64_t time = 0;  // block time, seconds since the Unix epoch
  Address proposer;
  Hash validators_hash;   // hash of the validator set that certifies this block
  Hash last_commit_hash;  // keccak256 of the block's last_commit; all zero when it has none
  Hash evidence_hash;     // list root of the block's evidence hashes, in block order
  Hash tx_root;
  Hash state_root;
  Hash receipts_root;

  Bytes encode() const;
  Hash hash() const;
  // What the proposer signs: keccak256(RLP[kBlockDomain, hash()]).
  Hash signing_digest() const;
};

Status decode_header(ByteView raw, BlockHeader& out);

// What a proposer signs for the block with hash `block_hash`:
// keccak256(RLP[kBlockDomain, block_hash]).
Hash block_signing_digest(const Hash& block_hash);

struct Block {
  BlockHeader header;
  std::vector<Bytes> txs;  // signed transactions, as sent
  Signature sig;           // all zero for the genesis block
  // The certificate of the parent block; none for the genesis block and its
  // first successor.
  std::optional<Certificate> last_commit;
  // Evidence of misbehaviour committed by this block, in strictly ascending
  // hash order (the rules are Chain::validate's).
  std::vector<DuplicateVote> evidence;

  Bytes encode() const;
};

// Strict decoding. Evidence items must have the duplicate vote's form (their
// votes get the header's chain id); what they say is checked by validation.
Status decode_block(ByteView raw, Block& out);

// A header's evidence_hash: list_root of the evidence hashes in order.
Hash evidence_root(const std::vector<DuplicateVote>& evidence);
// The encoding of a block's evidence list, RLP[evidence, ...], and its strict
// decoding (the form of each item only).
Bytes encode_evidence_list(const std::vector<DuplicateVote>& evidence);
Status decode_evidence_list(ByteView raw, uint64_t chain_id, std::vector<DuplicateVote>& out);

// A header's last_commit_hash for `last_commit`: keccak256 of its encoding, or
// all zero for none.
Hash last_commit_hash(const std::optional<Certificate>& last_commit);
// The encoding of a last_commit field: the certificate, or RLP[] for none.
Bytes encode_last_commit(const std::optional<Certificate>& last_commit);
// Strict decoding of a last_commit field.
Status decode_last_commit(ByteView raw, std::optional<Certificate>& out);

// Something that happened, for explorers. `addresses` are the accounts it
// concerns (indexed per address); `fields` are name/value pairs in text form
// (amounts as decimal strings, addresses as EIP-55 text).
struct Event {
  std::string type;  // e.g. "bank.transfer"
  std::vector<Address> addresses;
  std::vector<std::pair<std::string, std::string>> fields;

  friend bool operator==(const Event&, const Event&) = default;
};

// The outcome of one transaction in a block. A failed transaction still pays
// its fee and uses its nonce; its message's writes are discarded.
struct Receipt {
  uint32_t code = 0;    // 0 = committed, else the rule that failed
  std::string reason;   // snake_case name of the rule
  std::string message;  // human text; not part of the commitment
  std::vector<Event> events;

  bool ok() const { return code == 0; }
  // Storage form: everything.
  Bytes encode() const;
  // Consensus form: RLP[code, reason, events]; its keccak256 is the leaf of receipts_root.
  Hash commitment() const;
};

Status decode_receipt(ByteView raw, Receipt& out);

Bytes encode_event(const Event& e);
bool decode_event(ByteView raw, Event& out);

// Binary Merkle root over leaf hashes: leaf = keccak256(0x00 || h),
// node = keccak256(0x01 || left || right), the left subtree holding the
// largest power of two below n leaves; 32 zero bytes for no leaves.
Hash list_root(const std::vector<Hash>& leaves);

// A block's receipts_root: list_root of its transactions' receipt commitments
// in block order, followed, when its begin_block hooks emitted events, by the
// commitment of one more receipt holding those events.
Hash receipts_root(const std::vector<Receipt>& receipts, const std::vector<Event>& block_events);

}  // namespace vest
