// The validator's signing key, held on the node side only: chain/ proposes and
// validates blocks and verifies certificates but never sees a private key. Thread-safe (immutable).
#pragma once

#include "chain/block.h"
#include "chain/certificate.h"
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

  // A vote's signature: low-S ECDSA over vote.signing_digest()
  // (docs/protocol.md, section 4, "Votes and certificates").
  Signature sign_vote(const Vote& vote) const { return sign(key_, vote.signing_digest()); }

 private:
  PrivateKey key_;
  Address address_;
};

}  // namespace vest::node
