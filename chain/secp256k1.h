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

// Plain (non-recoverable) ECDSA verification, for checking against outside test
// suites such as Wycheproof. `pubkey_serialized` is a SEC1 public key: 33 bytes
// compressed, 65 bytes uncompressed (0x04 prefix), or the 64-byte x || y form
// that public_key() returns; false on anything else or a point off the curve.

// True when `der` is a strict DER signature (the exact bytes a canonical
// encoder would produce: no BER forms, padding or trailing data), r and s are
// in [1, n), s is low (s <= n/2; high-S is refused, not normalized), and it
// verifies over `digest` under the public key.
bool verify_der_strict(ByteView pubkey_serialized, const Hash& digest, ByteView der);
// True when `sig64` is r || s (32 bytes each, big-endian), r and s are in
// [1, n), s is low or `allow_high_s` is set, and it verifies over `digest`.
bool verify_compact(ByteView pubkey_serialized, const Hash& digest, ByteView sig64,
                    bool allow_high_s);

// Order n of the group and n/2, big-endian, for tests and tools that build
// the high-S twin of a signature (s' = n - s, v' = v ^ 1).
FixedBytes<32> group_order();
FixedBytes<32> half_group_order();

}  // namespace vest
