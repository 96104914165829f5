#include "chain/secp256k1.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vest {

namespace {

// n, the order of the secp256k1 group, and floor(n / 2), big-endian.
constexpr uint8_t kOrder[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
constexpr uint8_t kHalfOrder[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

// Ends the process on a broken invariant of the crypto layer (an assert that
// holds in every build, whatever NDEBUG says).
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "vest: secp256k1: %s\n", what);
  std::abort();
}

// Fills `out` from the operating system's random source, or ends the process.
void random_bytes(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) fatal("no random bytes from the OS");
}

// The shared context: created and randomized once (thread-safe static
// initialization), then only used through const pointers, which libsecp256k1
// allows from any number of threads at once.
const secp256k1_context* ctx() {
  static const secp256k1_context* const context = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c == nullptr) fatal("cannot create a context");
    uint8_t seed[32];
    random_bytes(seed, sizeof seed);
    if (secp256k1_context_randomize(c, seed) != 1) fatal("cannot randomize the context");
    OPENSSL_cleanse(seed, sizeof seed);
    return c;
  }();
  return context;
}

// Big-endian comparison of two 32-byte numbers.
int compare32(const uint8_t* a, const uint8_t* b) { return std::memcmp(a, b, 32); }

bool is_zero32(const uint8_t* a) {
  uint8_t acc = 0;
  for (int i = 0; i < 32; ++i) acc |= a[i];
  return acc == 0;
}

// r or s in [1, n).
bool in_scalar_range(const uint8_t* x) { return !is_zero32(x) && compare32(x, kOrder) < 0; }

bool is_low_s(const uint8_t* s) { return compare32(s, kHalfOrder) <= 0; }

// Parses a SEC1 public key (33 or 65 bytes) or the 64-byte x || y form.
bool parse_pubkey(ByteView serialized, secp256k1_pubkey& out) {
  if (serialized.size() == 64) {
    uint8_t full[65];
    full[0] = 0x04;
    std::memcpy(full + 1, serialized.data(), 64);
    return secp256k1_ec_pubkey_parse(ctx(), &out, full, sizeof full) == 1;
  }
  if (serialized.size() != 33 && serialized.size() != 65) return false;
  return secp256k1_ec_pubkey_parse(ctx(), &out, serialized.data(), serialized.size()) == 1;
}

}  // namespace

Bytes Signature::to_bytes() const {
  Bytes out;
  out.reserve(65);
  append(out, r.view());
  append(out, s.view());
  out.push_back(v);
  return out;
}

std::optional<Signature> Signature::from_bytes(ByteView b) {
  if (b.size() != 65) return std::nullopt;
  Signature sig;
  std::memcpy(sig.r.data(), b.data(), 32);
  std::memcpy(sig.s.data(), b.data() + 32, 32);
  sig.v = b[64];
  return sig;
}

const char* to_string(SigError e) {
  switch (e) {
    case SigError::kOk: return "ok";
    case SigError::kMalformed: return "malformed signature";
    case SigError::kHighS: return "signature s value is not low";
    case SigError::kInvalid: return "invalid signature";
  }
  return "unknown signature error";
}

bool is_valid_private_key(const PrivateKey& key) {
  return secp256k1_ec_seckey_verify(ctx(), key.data()) == 1;
}

PrivateKey generate_private_key() {
  PrivateKey key;
  do {
    random_bytes(key.data(), key.size());
  } while (!is_valid_private_key(key));
  return key;
}

Bytes public_key(const PrivateKey& key) {
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_create(ctx(), &pub, key.data()) != 1) fatal("public_key: invalid private key");
  uint8_t out[65];
  size_t len = sizeof out;
  secp256k1_ec_pubkey_serialize(ctx(), out, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  assert(len == 65 && out[0] == 0x04);
  return Bytes(out + 1, out + 65);
}

Address address_of(const PrivateKey& key) { return address_from_pubkey(public_key(key)); }

Signature sign(const PrivateKey& key, const Hash& digest) {
  secp256k1_ecdsa_recoverable_signature rsig;
  // A null nonce function selects RFC 6979 without extra entropy: deterministic.
  if (secp256k1_ecdsa_sign_recoverable(ctx(), &rsig, digest.data(), key.data(), nullptr, nullptr) != 1)
    fatal("sign: invalid private key");
  uint8_t compact[64];
  int recid = -1;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx(), compact, &recid, &rsig);
  Signature sig;
  std::memcpy(sig.r.data(), compact, 32);
  std::memcpy(sig.s.data(), compact + 32, 32);
  sig.v = static_cast<uint8_t>(recid);
  // libsecp256k1 always produces low-S, and Ethereum needs recid 0 or 1 only
  // (2 and 3 need r >= p - n, about 2^-128 likely); check both anyway.
  if (!is_low_s(sig.s.data()) || (recid != 0 && recid != 1)) fatal("sign: unexpected signature form");
  return sig;
}

SigError recover(const Hash& digest, const Signature& sig, Address& signer) {
  // Range checks first: the compact parser accepts r = 0 or s = 0 and its
  // success says nothing about whether the signature is usable.
  if (sig.v > 1) return SigError::kMalformed;
  if (!in_scalar_range(sig.r.data()) || !in_scalar_range(sig.s.data())) return SigError::kMalformed;
  if (!is_low_s(sig.s.data())) return SigError::kHighS;

  uint8_t compact[64];
  std::memcpy(compact, sig.r.data(), 32);
  std::memcpy(compact + 32, sig.s.data(), 32);
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx(), &rsig, compact, sig.v) != 1)
    return SigError::kInvalid;
  secp256k1_pubkey pub;
  if (secp256k1_ecdsa_recover(ctx(), &pub, &rsig, digest.data()) != 1) return SigError::kInvalid;
  uint8_t out[65];
  size_t len = sizeof out;
  secp256k1_ec_pubkey_serialize(ctx(), out, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  signer = address_from_pubkey(ByteView(out + 1, 64));
  return SigError::kOk;
}

bool verify_der_strict(ByteView pubkey_serialized, const Hash& digest, ByteView der) {
  secp256k1_pubkey pub;
  if (!parse_pubkey(pubkey_serialized, pub)) return false;
  // A canonical DER signature of two 32-byte integers is at most 72 bytes.
  if (der.empty() || der.size() > 72) return false;
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_der(ctx(), &sig, der.data(), der.size()) != 1) return false;
  // The parser is lax (it accepts, for one, out-of-range integers by zeroing the
  // signature): only the exact bytes a canonical encoder gives back are strict DER.
  uint8_t again[72];
  size_t again_len = sizeof again;
  if (secp256k1_ecdsa_signature_serialize_der(ctx(), again, &again_len, &sig) != 1) return false;
  if (again_len != der.size() || std::memcmp(again, der.data(), again_len) != 0) return false;
  uint8_t compact[64];
  secp256k1_ecdsa_signature_serialize_compact(ctx(), compact, &sig);
  if (!in_scalar_range(compact) || !in_scalar_range(compact + 32)) return false;
  if (!is_low_s(compact + 32)) return false;
  return secp256k1_ecdsa_verify(ctx(), &sig, digest.data(), &pub) == 1;
}

bool verify_compact(ByteView pubkey_serialized, const Hash& digest, ByteView sig64, bool allow_high_s) {
  if (sig64.size() != 64) return false;
  if (!in_scalar_range(sig64.data()) || !in_scalar_range(sig64.data() + 32)) return false;
  if (!allow_high_s && !is_low_s(sig64.data() + 32)) return false;
  secp256k1_pubkey pub;
  if (!parse_pubkey(pubkey_serialized, pub)) return false;
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx(), &sig, sig64.data()) != 1) return false;
  // secp256k1_ecdsa_verify accepts only low-S; the caller allowed the other
  // form, so verify its low-S twin, which holds exactly when the original does.
  secp256k1_ecdsa_signature_normalize(ctx(), &sig, &sig);
  return secp256k1_ecdsa_verify(ctx(), &sig, digest.data(), &pub) == 1;
}

FixedBytes<32> group_order() {
  FixedBytes<32> out;
  std::memcpy(out.data(), kOrder, 32);
  return out;
}

FixedBytes<32> half_group_order() {
  FixedBytes<32> out;
  std::memcpy(out.data(), kHalfOrder, 32);
  return out;
}

}  // namespace vest
