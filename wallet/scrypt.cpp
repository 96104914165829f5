#include "wallet/scrypt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>
#include <new>

namespace vest::wallet {

namespace {

inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

inline void quarter_round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
  b ^= rotl(a + d, 7);
  c ^= rotl(b + a, 9);
  d ^= rotl(c + b, 13);
  a ^= rotl(d + c, 18);
}

// The Salsa20/8 core on 16 words, in place: four double rounds, then the input
// added back word by word.
void salsa20_8(uint32_t b[16]) {
  uint32_t x[16];
  std::memcpy(x, b, sizeof x);
  for (int i = 0; i < 8; i += 2) {
    // Column round.
    quarter_round(x[0], x[4], x[8], x[12]);
    quarter_round(x[5], x[9], x[13], x[1]);
    quarter_round(x[10], x[14], x[2], x[6]);
    quarter_round(x[15], x[3], x[7], x[11]);
    // Row round.
    quarter_round(x[0], x[1], x[2], x[3]);
    quarter_round(x[5], x[6], x[7], x[4]);
    quarter_round(x[10], x[11], x[8], x[9]);
    quarter_round(x[15], x[12], x[13], x[14]);
  }
  for (int i = 0; i < 16; ++i) b[i] += x[i];
}

// scryptBlockMix: `in` is 2r blocks of 16 words; `out` receives the mixed
// blocks, even-indexed results first, then odd-indexed ones.
void block_mix(const uint32_t* in, uint32_t* out, uint32_t r) {
  uint32_t x[16];
  std::memcpy(x, in + (2 * r - 1) * 16, sizeof x);
  for (uint32_t i = 0; i < 2 * r; ++i) {
    for (int k = 0; k < 16; ++k) x[k] ^= in[i * 16 + k];
    salsa20_8(x);
    uint32_t dest = (i % 2 == 0) ? i / 2 : r + i / 2;
    std::memcpy(out + dest * 16, x, sizeof x);
  }
}

// scryptROMix on one 128r-byte chunk held as 32r words; v holds n * 32r words
// and scratch 32r words.
void ro_mix(uint32_t* x, uint32_t r, uint64_t n, uint32_t* v, uint32_t* scratch) {
  const size_t words = 32 * static_cast<size_t>(r);
  for (uint64_t i = 0; i < n; ++i) {
    std::memcpy(v + i * words, x, words * sizeof(uint32_t));
    block_mix(x, scratch, r);
    std::memcpy(x, scratch, words * sizeof(uint32_t));
  }
  for (uint64_t i = 0; i < n; ++i) {
    // Integerify: the first 64 bits (little-endian) of the last block, mod n.
    const uint32_t* last = x + (2 * r - 1) * 16;
    uint64_t j = ((static_cast<uint64_t>(last[1]) << 32) | last[0]) & (n - 1);
    const uint32_t* vj = v + j * words;
    for (size_t k = 0; k < words; ++k) x[k] ^= vj[k];
    block_mix(x, scratch, r);
    std::memcpy(x, scratch, words * sizeof(uint32_t));
  }
}

bool pbkdf2_sha256_once(ByteView password, ByteView salt, uint8_t* out, size_t out_len) {
  if (password.size() > INT_MAX || salt.size() > INT_MAX || out_len > INT_MAX) return false;
  return PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()), static_cast<int>(password.size()),
                           salt.data(), static_cast<int>(salt.size()), 1, EVP_sha256(), static_cast<int>(out_len),
                           out) == 1;
}

// A word array zeroed before it is freed.
struct Words {
  explicit Words(size_t count) : data(new (std::nothrow) uint32_t[count]), size(count) {}
  ~Words() {
    if (data) OPENSSL_cleanse(data.get(), size * sizeof(uint32_t));
  }
  std::unique_ptr<uint32_t[]> data;
  size_t size;
};

}  // namespace

bool scrypt(ByteView password, ByteView salt, uint64_t n, uint32_t r, uint32_t p, uint8_t* out, size_t out_len) {
  if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0) return false;
  if (static_cast<uint64_t>(r) * p >= (uint64_t{1} << 30)) return false;
  const size_t words = 32 * static_cast<size_t>(r);  // one 128r-byte chunk
  if (n > SIZE_MAX / sizeof(uint32_t) / words) return false;

  Words b(words * p), v(words * static_cast<size_t>(n)), scratch(words);
  if (!b.data || !v.data || !scratch.data) return false;

  // B = PBKDF2(password, salt, 1, 128 r p), read as little-endian words.
  const size_t b_bytes = words * p * sizeof(uint32_t);
  std::unique_ptr<uint8_t[]> bytes(new (std::nothrow) uint8_t[b_bytes]);
  if (!bytes) return false;
  bool ok = pbkdf2_sha256_once(password, salt, bytes.get(), b_bytes);
  if (ok) {
    for (size_t i = 0; i < words * p; ++i) {
      const uint8_t* q = bytes.get() + 4 * i;
      b.data[i] = uint32_t{q[0]} | uint32_t{q[1]} << 8 | uint32_t{q[2]} << 16 | uint32_t{q[3]} << 24;
    }
    for (uint32_t i = 0; i < p; ++i) ro_mix(b.data.get() + i * words, r, n, v.data.get(), scratch.data.get());
    for (size_t i = 0; i < words * p; ++i) {
      uint8_t* q = bytes.get() + 4 * i;
      uint32_t w = b.data[i];
      q[0] = static_cast<uint8_t>(w);
      q[1] = static_cast<uint8_t>(w >> 8);
      q[2] = static_cast<uint8_t>(w >> 16);
      q[3] = static_cast<uint8_t>(w >> 24);
    }
    // DK = PBKDF2(password, B, 1, out_len).
    ok = pbkdf2_sha256_once(password, ByteView(bytes.get(), b_bytes), out, out_len);
  }
  OPENSSL_cleanse(bytes.get(), b_bytes);
  return ok;
}

}  // namespace vest::wallet
