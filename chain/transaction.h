// Transactions: their canonical encoding, signing payload and hash.
// The byte-level specification is docs/protocol.md ("Transactions").
//
//   signed tx      = RLP[chain_id, nonce, fee, kind, payload, sig]
//   signing digest = keccak256(RLP["vestchain/tx/v1", chain_id, nonce, fee, kind, payload])
//   tx hash        = keccak256(signed tx)
//
// `kind` names the message (each contract publishes its kinds and payload
// encodings in its messages.h); `payload` is the message's own RLP encoding.
// `sig` is 65 bytes r || s || v with low-S; the sender is recovered from it.
#pragma once

#include <optional>
#include <string_view>

#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/secp256k1.h"
#include "chain/status.h"

namespace vest {

constexpr std::string_view kTxDomain = "vestchain/tx/v1";

struct Transaction {
  uint64_t chain_id = 0;
  uint64_t nonce = 0;
  Amount fee = 0;
  uint64_t kind = 0;
  Bytes payload;
  Signature sig;

  Hash signing_digest() const;
  Bytes encode() const;
  // Signs in place with `key` (sets sig).
  void sign(const PrivateKey& key);
};

// Strict decode of a signed transaction. Refuses non-canonical RLP, trailing
// bytes and a signature field that is not 65 bytes (kMalformed). Does not
// check the signature itself.
Status decode_transaction(ByteView raw, Transaction& out);

// Recovers the sender, refusing high-S and malformed signatures.
Status recover_sender(const Transaction& tx, Address& sender);

// A decoded transaction with its hash, raw bytes and verified sender: what the
// mempool admits and blocks carry.
struct VerifiedTx {
  Transaction tx;
  Bytes raw;
  Hash hash;
  Address sender;
};

// decode + chain id + size + signature, everything that needs no state.
Status verify_transaction(ByteView raw, uint64_t chain_id, uint64_t max_tx_bytes, VerifiedTx& out);

}  // namespace vest
