// scrypt (RFC 7914) over OpenSSL's PBKDF2-HMAC-SHA256. OpenSSL has scrypt too,
// but it enforces the RFC's n < 2^(16 r), which refuses keystores that geth and
// ethers.js read without complaint (n = 2^18 with r = 1, as in ethereum/tests).
#pragma once

#include <cstddef>
#include <cstdint>

#include "chain/bytes.h"

namespace vest::wallet {

// Derives out_len bytes into `out`. False when n is not a power of two of at
// least 2, r or p is 0, r * p >= 2^30, memory cannot be had, or OpenSSL fails.
// The caller bounds n, r and p (this allocates 128 * r * n bytes and does work
// in proportion to n * r * p).
bool scrypt(ByteView password, ByteView salt, uint64_t n, uint32_t r, uint32_t p, uint8_t* out, size_t out_len);

}  // namespace vest::wallet
