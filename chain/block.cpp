#include "chain/block.h"

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

namespace {

Status malformed(const char* what, rlp::Error e) {
  return reject(ChainCode::kMalformed, std::string(what) + ": " + rlp::to_string(e));
}

void encode_event_into(rlp::Encoder& enc, const Event& e) {
  enc.begin_list().str(e.type).begin_list();
  for (const Address& a : e.addresses) enc.fixed(a);
  enc.end_list().begin_list();
  for (const auto& [k, v] : e.fields) enc.begin_list().str(k).str(v).end_list();
  enc.end_list().end_list();
}

bool decode_event_from(rlp::ListReader& r, Event& e) {
  e.type = r.str();
  rlp::ListReader addrs = r.list();
  while (addrs.ok() && !addrs.at_end()) e.addresses.push_back(addrs.fixed<20>());
  if (!addrs.done()) return false;
  rlp::ListReader fields = r.list();
  while (fields.ok() && !fields.at_end()) {
    rlp::ListReader kv = fields.list();
    std::string k = kv.str();
    std::string v = kv.str();
    if (!kv.done()) return false;
    e.fields.emplace_back(std::move(k), std::move(v));
  }
  return fields.done() && r.done();
}

Hash hash_pair(uint8_t tag, const Hash& a, const Hash* b) {
  Keccak256 k;
  k.update(ByteView(&tag, 1)).update(a.view());
  if (b) k.update(b->view());
  return k.final();
}

Hash list_root_range(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 1) return hash_pair(0x00, leaves[begin], nullptr);
  size_t split = 1;
  while (split * 2 < n) split *= 2;
  Hash l = list_root_range(leaves, begin, begin + split);
  Hash r = list_root_range(leaves, begin + split, end);
  return hash_pair(0x01, l, &r);
}

}  // namespace

Bytes BlockHeader::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(version).uint(chain_id).uint(height).fixed(parent_hash).uint(time).fixed(proposer);
  e.fixed(validators_hash).fixed(last_commit_hash).fixed(evidence_hash).fixed(tx_root).fixed(state_root);
  e.fixed(receipts_root).end_list();
  return e.finish();
}

Hash BlockHeader::hash() const { return keccak256(encode()); }

Hash block_signing_digest(const Hash& block_hash) {
  rlp::Encoder e;
  e.begin_list().str(kBlockDomain).fixed(block_hash).end_list();
  return keccak256(e.finish());
}

Hash BlockHeader::signing_digest() const { return block_signing_digest(hash()); }

Status decode_header(ByteView raw, BlockHeader& out) {
  rlp::ListReader r(raw);
  BlockHeader h;
  uint64_t version = r.u64();
  h.chain_id = r.u64();
  h.height = r.u64();
  h.parent_hash = r.fixed<32>();
  h.time = r.u64();
  h.proposer = r.fixed<20>();
  h.validators_hash = r.fixed<32>();
  h.last_commit_hash = r.fixed<32>();
  h.evidence_hash = r.fixed<32>();
  h.tx_root = r.fixed<32>();
  h.state_root = r.fixed<32>();
  h.receipts_root = r.fixed<32>();
  if (!r.done()) return malformed("block header", r.error());
  if (version > UINT32_MAX) return reject(ChainCode::kMalformed, "block header: version does not fit 32 bits");
  h.version = static_cast<uint32_t>(version);
  out = h;
  return Status::success();
}

Bytes Block::encode() const {
  rlp::Encoder e;
  e.begin_list().raw(header.encode()).begin_list();
  for (const Bytes& tx : txs) e.bytes(tx);
  e.end_list().bytes(sig.to_bytes()).raw(encode_last_commit(last_commit)).raw(encode_evidence_list(evidence));
  e.end_list();
  return e.finish();
}

Hash evidence_root(const std::vector<DuplicateVote>& evidence) {
  std::vector<Hash> hashes;
  hashes.reserve(evidence.size());
  for (const DuplicateVote& d : evidence) hashes.push_back(d.hash());
  return list_root(hashes);
}

Bytes encode_evidence_list(const std::vector<DuplicateVote>& evidence) {
  rlp::Encoder e;
  e.begin_list();
  for (const DuplicateVote& d : evidence) e.raw(encode_duplicate_vote(d));
  e.end_list();
  return e.finish();
}

Status decode_evidence_list(ByteView raw, uint64_t chain_id, std::vector<DuplicateVote>& out) {
  rlp::ListReader r(raw);
  std::vector<DuplicateVote> list;
  while (r.ok() && !r.at_end()) {
    ByteView item = r.raw();
    if (!r.ok()) break;
    DuplicateVote d;
    std::string error;
    if (!decode_duplicate_vote_form(item, chain_id, d, error))
      return reject(ChainCode::kMalformed, "evidence " + std::to_string(list.size()) + ": " + error);
    list.push_back(std::move(d));
  }
  if (!r.done()) return malformed("block evidence", r.error());
  out = std::move(list);
  return Status::success();
}

Hash last_commit_hash(const std::optional<Certificate>& last_commit) {
  return last_commit ? last_commit->hash() : Hash{};
}

Bytes encode_last_commit(const std::optional<Certificate>& last_commit) {
  if (last_commit) return last_commit->encode();
  rlp::Encoder e;
  e.begin_list().end_list();
  return e.finish();
}

Status decode_last_commit(ByteView raw, std::optional<Certificate>& out) {
  rlp::ListReader r(raw);
  if (r.ok() && r.at_end()) {
    out.reset();
    return Status::success();
  }
  if (!r.ok()) return malformed("last_commit", r.error());
  Certificate c;
  if (Status s = decode_certificate(raw, c); !s.ok()) return s;
  out = std::move(c);
  return Status::success();
}

Status decode_block(ByteView raw, Block& out) {
  rlp::ListReader r(raw);
  Block b;
  ByteView header = r.raw();
  rlp::ListReader txs = r.list();
  while (txs.ok() && !txs.at_end()) {
    ByteView tx = txs.bytes();
    b.txs.emplace_back(tx.begin(), tx.end());
  }
  if (!txs.done()) return malformed("block transactions", txs.error());
  ByteView sig = r.bytes();
  ByteView last_commit = r.raw();
  ByteView evidence = r.raw();
  if (!r.done()) return malformed("block", r.error());
  if (Status s = decode_header(header, b.header); !s.ok()) return s;
  if (Status s = decode_last_commit(last_commit, b.last_commit); !s.ok()) return s;
  if (Status s = decode_evidence_list(evidence, b.header.chain_id, b.evidence); !s.ok()) return s;
  auto signature = Signature::from_bytes(sig);
  if (!signature) return reject(ChainCode::kMalformed, "block signature must be 65 bytes");
  b.sig = *signature;
  out = std::move(b);
  return Status::success();
}

Bytes encode_event(const Event& e) {
  rlp::Encoder enc;
  encode_event_into(enc, e);
  return enc.finish();
}

Bytes Receipt::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(code).str(reason).str(message).begin_list();
  for (const Event& ev : events) encode_event_into(e, ev);
  e.end_list().end_list();
  return e.finish();
}

Hash Receipt::commitment() const {
  rlp::Encoder e;
  e.begin_list().uint(code).str(reason).begin_list();
  for (const Event& ev : events) encode_event_into(e, ev);
  e.end_list().end_list();
  return keccak256(e.finish());
}

Status decode_receipt(ByteView raw, Receipt& out) {
  rlp::ListReader r(raw);
  Receipt rc;
  uint64_t code = r.u64();
  rc.reason = r.str();
  rc.message = r.str();
  rlp::ListReader events = r.list();
  while (events.ok() && !events.at_end()) {
    rlp::ListReader er = events.list();
    Event ev;
    if (!decode_event_from(er, ev)) return malformed("event", er.error());
    rc.events.push_back(std::move(ev));
  }
  if (!events.done() || !r.done() || code > UINT32_MAX) return malformed("receipt", r.error());
  rc.code = static_cast<uint32_t>(code);
  out = std::move(rc);
  return Status::success();
}

bool decode_event(ByteView raw, Event& out) {
  rlp::ListReader r(raw);
  Event e;
  if (!decode_event_from(r, e)) return false;
  out = std::move(e);
  return true;
}

Hash list_root(const std::vector<Hash>& leaves) {
  if (leaves.empty()) return Hash{};
  return list_root_range(leaves, 0, leaves.size());
}

Hash receipts_root(const std::vector<Receipt>& receipts, const std::vector<Event>& block_events) {
  std::vector<Hash> leaves;
  leaves.reserve(receipts.size() + 1);
  for (const Receipt& r : receipts) leaves.push_back(r.commitment());
  if (!block_events.empty()) {
    Receipt block_receipt;
    block_receipt.events = block_events;
    leaves.push_back(block_receipt.commitment());
  }
  return list_root(leaves);
}

}  // namespace vest
