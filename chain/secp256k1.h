// secp256k1 keys and recoverable ECDSA signatures (Ethereum-compatible), over
// libsecp256k1. Signatures are 65 bytes r || s || v with v the recovery id 0 or
// 1, and s must be in the lower half of the group order ("low-S"): the other
// form of the same signature is refused, so a signed transaction has one
// encoding and one hash.
#pragma once

#include <optional>

#include "chain/address.h"
#include "chain/bytes.h"

namespace vest {

using PrivateKey = FixedBytes<32>;

struct Signature {
  FixedBytes<32> r;
  FixedBytes<32> s;
  uint8_t v = 0;  // recovery id: 0 or 1

  Bytes to_bytes() const;  // 65 bytes r || s || v
  // Splits 65 bytes into r, s, v; nullopt on another length. No range checks.
  static std::optional<Signature> from_bytes(ByteView b);
  friend bool operator==(const Signature&, const Signature&) = default;
};

enum class SigError {
  kOk,
  kMalformed,  // v not 0 or 1, r or s zero or not below the group order
  kHighS,      // s above half the group order
  kInvalid,    // no public key recovers, or the signature does not verify
};

const char* to_string(SigError e);

// True for 32 bytes that are a valid secret key (nonzero, below the order).
bool is_valid_private_key(const PrivateKey& key);
// A fresh key from the operating system's random source.
PrivateKey generate_private_key();
// 64-byte uncompressed public key x || y (no 0x04 prefix). `key` must be valid.
Bytes public_key(const PrivateKey& key);
Address address_of(const PrivateKey& key);

// Deterministic (RFC 6979) signature over a 32-byte digest, always low-S.
Signature sign(const PrivateKey& key, const Hash& digest);

// Checks ranges and low-S, then recovers the signer's address.
SigError recover(const Hash& digest, const Signature& sig, Address& signer);

// Order n of the group and n/2, big-endian, for tests and tools that build
// the high-S twin of a signature (s' = n - s, v' = v ^ 1).
FixedBytes<32> group_order();
FixedBytes<32> half_group_order();

}  // namespace vest
