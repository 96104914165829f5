#include "p2p/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace vest::p2p {

Key32 sha256(ByteView data) {
  Key32 out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

bool random_bytes(uint8_t* out, size_t n) { return RAND_bytes(out, static_cast<int>(n)) == 1; }

std::optional<X25519Key> X25519Key::generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  if (!raw) return std::nullopt;
  X25519Key k;
  k.key_.reset(raw, EVP_PKEY_free);
  size_t len = k.public_.size();
  if (EVP_PKEY_get_raw_public_key(raw, k.public_.data(), &len) != 1 || len != 32) return std::nullopt;
  return k;
}

bool X25519Key::derive(const Key32& peer, Key32& shared) const {
  PkeyPtr peer_key(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size()));
  if (!peer_key) return false;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key_.get(), nullptr),
                                                                   EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer_key.get()) != 1)
    return false;
  size_t len = shared.size();
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != shared.size()) return false;
  // A low-order peer point makes the secret all zero (tendermint#3010); OpenSSL refuses it
  // too, this keeps the rule visible.
  static const Key32 kZero{};
  return CRYPTO_memcmp(shared.data(), kZero.data(), shared.size()) != 0;
}

bool hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, uint8_t* out, size_t n) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) return false;
  char digest[] = "SHA256";
  // An empty salt is left out: HKDF then uses a string of HashLen zero bytes (RFC 5869 2.2).
  OSSL_PARAM params[5];
  size_t n_params = 0;
  params[n_params++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n_params++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size());
  if (!salt.empty())
    params[n_params++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size());
  params[n_params++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.data()), info.size());
  params[n_params] = OSSL_PARAM_construct_end();
  bool ok = EVP_KDF_derive(ctx, out, n, params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

bool aead_seal(const Key32& key, const std::array<uint8_t, kAeadNonceBytes>& nonce, ByteView aad,
               ByteView plaintext, Bytes& out) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_chacha20_poly1305(), nullptr, key.data(), nonce.data()) != 1)
    return false;
  int len = 0;
  if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)
    return false;
  size_t start = out.size();
  out.resize(start + plaintext.size() + kAeadTagBytes);
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), out.data() + start, &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1)
    return false;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + start + plaintext.size(), &len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagBytes,
                             out.data() + start + plaintext.size()) == 1;
}

bool AeadOpener::begin(const Key32& key, const std::array<uint8_t, kAeadNonceBytes>& nonce, ByteView aad) {
  ctx_.reset(EVP_CIPHER_CTX_new());
  if (!ctx_ || EVP_DecryptInit_ex(ctx_.get(), EVP_chacha20_poly1305(), nullptr, key.data(), nonce.data()) != 1)
    return false;
  int len = 0;
  return aad.empty() || EVP_DecryptUpdate(ctx_.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1;
}

bool AeadOpener::update(ByteView in, uint8_t* out) {
  if (!ctx_) return false;
  if (in.empty()) return true;
  int len = 0;
  return EVP_DecryptUpdate(ctx_.get(), out, &len, in.data(), static_cast<int>(in.size())) == 1 &&
         static_cast<size_t>(len) == in.size();
}

bool AeadOpener::finish(ByteView tag) {
  if (!ctx_ || tag.size() != kAeadTagBytes) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagBytes, const_cast<uint8_t*>(tag.data())) != 1)
    return false;
  uint8_t unused[16];
  int len = 0;
  bool ok = EVP_DecryptFinal_ex(ctx_.get(), unused, &len) == 1;
  ctx_.reset();
  return ok;
}

bool ed25519_verify(const Key32& pub, ByteView message, const Signature64& sig) {
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size()));
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

}  // namespace vest::p2p
