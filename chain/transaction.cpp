#include "chain/transaction.h"

#include "chain/keccak.h"
#include "chain/rlp.h"

namespace vest {

Hash Transaction::signing_digest() const {
  rlp::Encoder e;
  e.begin_list().str(kTxDomain).uint(chain_id).uint(nonce).uint(fee).uint(kind).bytes(payload).end_list();
  return keccak256(e.finish());
}

Bytes Transaction::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(chain_id).uint(nonce).uint(fee).uint(kind).bytes(payload).bytes(sig.to_bytes()).end_list();
  return e.finish();
}

void Transaction::sign(const PrivateKey& key) { sig = vest::sign(key, signing_digest()); }

Status decode_transaction(ByteView raw, Transaction& out) {
  rlp::ListReader r(raw);
  Transaction tx;
  tx.chain_id = r.u64();
  tx.nonce = r.u64();
  tx.fee = r.u128v();
  tx.kind = r.u64();
  ByteView payload = r.bytes();
  ByteView sig = r.bytes();
  if (!r.done()) return reject(ChainCode::kMalformed, std::string("transaction encoding: ") + rlp::to_string(r.error()));
  auto s = Signature::from_bytes(sig);
  if (!s) return reject(ChainCode::kMalformed, "signature must be 65 bytes");
  tx.payload.assign(payload.begin(), payload.end());
  tx.sig = *s;
  out = std::move(tx);
  return Status::success();
}

Status recover_sender(const Transaction& tx, Address& sender) {
  switch (recover(tx.signing_digest(), tx.sig, sender)) {
    case SigError::kOk: return Status::success();
    case SigError::kHighS: return reject(ChainCode::kHighS, "signature s is in the upper half of the order; use the low-S form");
    case SigError::kMalformed: return reject(ChainCode::kBadSignature, "signature r, s or v out of range");
    case SigError::kInvalid: break;
  }
  return reject(ChainCode::kBadSignature, "no signer recovers from the signature");
}

Status verify_transaction(ByteView raw, uint64_t chain_id, uint64_t max_tx_bytes, VerifiedTx& out) {
  if (raw.size() > max_tx_bytes)
    return reject(ChainCode::kTooLarge, "transaction is " + std::to_string(raw.size()) + " bytes, limit " +
                                            std::to_string(max_tx_bytes));
  VerifiedTx v;
  if (Status s = decode_transaction(raw, v.tx); !s.ok()) return s;
  if (v.tx.chain_id != chain_id)
    return reject(ChainCode::kWrongChainId, "transaction is for chain " + std::to_string(v.tx.chain_id) +
                                                ", this is chain " + std::to_string(chain_id));
  if (Status s = recover_sender(v.tx, v.sender); !s.ok()) return s;
  v.raw.assign(raw.begin(), raw.end());
  v.hash = keccak256(raw);
  out = std::move(v);
  return Status::success();
}

}  // namespace vest
