// Encrypted key files in the Web3 Secret Storage format, version 3 (the
// "keystore" of geth, ethers.js and MetaMask exports): the private key is
// encrypted with AES-128-CTR under a key derived from the password by scrypt
// (or, when reading, PBKDF2-HMAC-SHA256), and a keccak256 MAC tells a wrong
// password from a right one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/address.h"
#include "chain/secp256k1.h"

namespace vest::wallet {

// scrypt cost parameters written into new keystores. The defaults are geth's
// "standard" ones (about 256 MiB and a second of work); tests use a small n.
struct ScryptParams {
  uint64_t n = 262144;  // CPU/memory cost, a power of two
  uint32_t r = 8;       // block size
  uint32_t p = 1;       // parallelism
};

enum class KeystoreError {
  kOk,
  kMalformed,        // not JSON, or a field missing, of the wrong type or size
  kUnsupported,      // another version, cipher, kdf or prf, or kdf parameters out of bounds
  kWrongPassword,    // the MAC does not match: wrong password (or a tampered file)
  kBadKey,           // decrypted, but not a valid secp256k1 private key
  kAddressMismatch,  // the file's "address" is not the decrypted key's
  kCryptoFailure,    // OpenSSL failed (for one, no memory for scrypt)
};

const char* to_string(KeystoreError e);

// Bounds on the key derivation parameters a file may ask for, so a hostile
// file cannot make decryption take gigabytes or hours. Values outside them are
// refused with kUnsupported, and encrypt_keystore refuses to write them.
constexpr uint64_t kMaxScryptN = uint64_t{1} << 20;
constexpr uint32_t kMaxScryptR = 16;
constexpr uint32_t kMaxScryptP = 16;
constexpr uint64_t kMaxScryptMemory = (uint64_t{1} << 30) + (uint64_t{1} << 20);  // 1 GiB + 1 MiB
constexpr uint64_t kMaxScryptWork = uint64_t{1} << 24;                             // n * r * p
constexpr uint64_t kMaxPbkdf2Iterations = uint64_t{1} << 24;
constexpr size_t kMaxSaltBytes = 1024;

// True when scrypt with these parameters stays within the bounds above and n
// is a power of two (at least 2).
bool scrypt_params_acceptable(uint64_t n, uint64_t r, uint64_t p);

// A keystore file's fields, read and checked against the bounds above but not
// decrypted: parsing costs no key derivation.
struct KeystoreFile {
  enum class Kdf { kScrypt, kPbkdf2 };
  Kdf kdf = Kdf::kScrypt;
  uint64_t n = 0, r = 0, p = 0;  // scrypt: scrypt_params_acceptable(n, r, p)
  uint64_t c = 0;                // pbkdf2-hmac-sha256 iterations: 1..kMaxPbkdf2Iterations
  Bytes salt;                    // at most kMaxSaltBytes
  FixedBytes<16> iv;
  FixedBytes<32> ciphertext;
  Hash mac;
  std::optional<Address> address;  // the "address" field, when present
};

// Passwords are used as their bytes, as geth does (ethers.js applies NFKC
// normalization first, which changes nothing for ASCII or already-normalized text).

// Encrypts `key` under `password` into v3 JSON
// text with a fresh random salt, IV and UUID v4 id. Throws
// std::invalid_argument for an invalid key or parameters outside the bounds,
// std::runtime_error when scrypt, AES or the random source fails.
std::string encrypt_keystore(const PrivateKey& key, std::string_view password,
                             const ScryptParams& params = {});

// Decrypts v3 JSON text (kdf scrypt or pbkdf2, cipher aes-128-ctr; at most
// 64 KiB) into `out`, checking the MAC in constant time.
// `out` is written only on kOk. When `detail` is given, it receives a short
// English reason on failure (the offending field for kMalformed); it never
// holds secret material.
KeystoreError decrypt_keystore(std::string_view json, std::string_view password, PrivateKey& out,
                               std::string* detail = nullptr);

// The first half of decrypt_keystore: reads the text into `out` (written only
// on kOk) without deriving a key; never answers kWrongPassword or later errors.
KeystoreError parse_keystore(std::string_view json, KeystoreFile& out, std::string* detail = nullptr);
// The second half: derives the key from `password` and decrypts.
KeystoreError decrypt_keystore(const KeystoreFile& file, std::string_view password, PrivateKey& out,
                               std::string* detail = nullptr);

// A folder of keystore files, one account per file, named as geth names them:
// UTC--<ISO 8601 time with '-' for ':'>--<lowercase address without 0x>.
class KeystoreDir {
 public:
  explicit KeystoreDir(std::filesystem::path dir);

  const std::filesystem::path& path() const { return dir_; }

  // The accounts in the folder, each once, in file-name order (oldest first).
  // The address is read from each file's "address" field, else from its name;
  // hidden files, folders and files that are neither are ignored. Empty when
  // the folder does not exist.
  std::vector<Address> list() const;

  // The first file (in file-name order) holding `account`, if any.
  std::optional<std::filesystem::path> find(const Address& account) const;

  // Writes `json_text` into a new file for `account` (mode 0600; the folder is
  // created with mode 0700 when absent) and returns its path. The file appears
  // complete or not at all (written aside, then renamed). Throws
  // std::invalid_argument when the text names another address and
  // std::filesystem::filesystem_error on I/O failure.
  std::filesystem::path save(const std::string& json_text, const Address& account);

 private:
  std::filesystem::path dir_;
};

}  // namespace vest::wallet
