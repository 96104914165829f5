// The validator's signing key, held on the node side only: chain/ proposes and
// validates blocks but never sees a private key. Thread-safe (immutable).
#pragma once

#include "chain/block.h"
#include "chain/secp256k1.h"

namespace vest::node {

class Signer {
 public:
  // `key` must be a valid secp256k1 secret key.
  explicit Signer(const PrivateKey& key) : key_(key), address_(address_of(key)) {}

  // The address that signatures of this signer recover to.
  const Address& address() const { return address_; }

  // The proposer signature over a block: low-S ECDSA over
  // block_signing_digest(block_hash) (docs/protocol.md, section 4).
  Signature sign_block(const Hash& block_hash) const { return sign(key_, block_signing_digest(block_hash)); }

 private:
  PrivateKey key_;
  Address address_;
};

}  // namespace vest::node
