// The primitives of the peer protocol, all from OpenSSL 3 EVP (docs/protocol.md, section 8):
// SHA-256, X25519, HKDF-SHA256, ChaCha20-Poly1305 and Ed25519 verification. Nothing here
// throws; failures are reported by the return value.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "p2p/types.h"

namespace vest::p2p {

constexpr size_t kAeadTagBytes = 16;
constexpr size_t kAeadNonceBytes = 12;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

Key32 sha256(ByteView data);
// Fills `out` from OpenSSL's CSPRNG; false when it fails.
[[nodiscard]] bool random_bytes(uint8_t* out, size_t n);

// An ephemeral X25519 key pair, used for one connection and dropped.
class X25519Key {
 public:
  // A fresh key pair; nullopt when OpenSSL fails.
  static std::optional<X25519Key> generate();
  const Key32& public_key() const { return public_; }
  // The shared secret with `peer`; false when the peer key is unusable, including a
  // low-order point whose result is all zero bytes.
  [[nodiscard]] bool derive(const Key32& peer, Key32& shared) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  Key32 public_{};
};

// HKDF-SHA256 (RFC 5869) of `ikm` with `salt` and `info` into out[0..n).
[[nodiscard]] bool hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, uint8_t* out, size_t n);

// ChaCha20-Poly1305 (RFC 8439): the ciphertext of `plaintext` followed by the 16-byte tag.
[[nodiscard]] bool aead_seal(const Key32& key, const std::array<uint8_t, kAeadNonceBytes>& nonce, ByteView aad,
                             ByteView plaintext, Bytes& out);

// ChaCha20-Poly1305 decryption in two steps, so the first plaintext bytes can be read before
// the rest of the ciphertext has arrived. Nothing decrypted is authentic before finish()
// returns true.
class AeadOpener {
 public:
  [[nodiscard]] bool begin(const Key32& key, const std::array<uint8_t, kAeadNonceBytes>& nonce, ByteView aad);
  // Decrypts in.size() bytes into out (same size).
  [[nodiscard]] bool update(ByteView in, uint8_t* out);
  // Checks the tag over everything passed to update().
  [[nodiscard]] bool finish(ByteView tag);

 private:
  CipherCtxPtr ctx_;
};

// True when `sig` is a valid Ed25519 signature of `message` by the raw public key `pub`.
bool ed25519_verify(const Key32& pub, ByteView message, const Signature64& sig);

}  // namespace vest::p2p
