#include "wallet/keystore.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <system_error>

#include "chain/keccak.h"
#include "wallet/scrypt.h"

namespace vest::wallet {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kDerivedKeyBytes = 32;
constexpr size_t kIvBytes = 16;
constexpr size_t kMacBytes = 32;
constexpr size_t kKeyBytes = 32;
constexpr size_t kSaltBytesWritten = 32;
// Keystore files are well under a kilobyte; anything much larger is not one.
constexpr uintmax_t kMaxKeystoreFileBytes = 64 * 1024;

// Zeroes a secret buffer when it goes out of scope.
template <size_t N>
struct SecretBuffer {
  uint8_t bytes[N];
  ~SecretBuffer() { OPENSSL_cleanse(bytes, N); }
};

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// AES-128-CTR of `in` into `out` (same size); encryption and decryption are
// the same operation in counter mode.
bool aes128_ctr(const uint8_t* key16, const uint8_t* iv16, const uint8_t* in, size_t len, uint8_t* out) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return false;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, key16, iv16) != 1) return false;
  int out_len = 0;
  if (EVP_EncryptUpdate(ctx.get(), out, &out_len, in, static_cast<int>(len)) != 1) return false;
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out + out_len, &final_len) != 1) return false;
  return static_cast<size_t>(out_len + final_len) == len;
}

// keccak256(DK[16..32) || ciphertext), the v3 MAC.
Hash keystore_mac(const uint8_t* derived_key, ByteView ciphertext) {
  Keccak256 h;
  h.update(ByteView(derived_key + 16, 16));
  h.update(ciphertext);
  return h.final();
}

// Callers have checked the parameters with scrypt_params_acceptable.
bool derive_scrypt(std::string_view password, ByteView salt, uint64_t n, uint64_t r, uint64_t p, uint8_t* out32) {
  return scrypt(as_bytes(password), salt, n, static_cast<uint32_t>(r), static_cast<uint32_t>(p), out32,
                kDerivedKeyBytes);
}

bool pbkdf2_sha256(std::string_view password, ByteView salt, uint64_t iterations, uint8_t* out32) {
  if (password.size() > static_cast<size_t>(INT32_MAX)) return false;
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                           static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                           static_cast<int>(kDerivedKeyBytes), out32) == 1;
}

std::string random_uuid_v4() {
  uint8_t b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("keystore: no random bytes");
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = to_hex(ByteView(b, sizeof b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
         "-" + hex.substr(20);
}

// Reading fields: each helper returns false and names the field on failure.
class FieldReader {
 public:
  explicit FieldReader(std::string* detail) : detail_(detail) {}

  KeystoreError fail(KeystoreError e, const std::string& why) {
    if (detail_) *detail_ = why;
    return e;
  }

  const json::object* object(const json::object& o, std::string_view key, std::string_view name) {
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_object()) {
      missing_ = std::string(name);
      return nullptr;
    }
    return &v->get_object();
  }

  const json::string* string(const json::object& o, std::string_view key, std::string_view name) {
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_string()) {
      missing_ = std::string(name);
      return nullptr;
    }
    return &v->get_string();
  }

  // A non-negative integer (JSON numbers without fraction or exponent).
  std::optional<uint64_t> unsigned_int(const json::object& o, std::string_view key, std::string_view name) {
    const json::value* v = o.if_contains(key);
    if (v && v->is_uint64()) return v->get_uint64();
    if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
    missing_ = std::string(name);
    return std::nullopt;
  }

  // Hex text (optional 0x) of `size` bytes, or of at most `max_size` bytes when size is 0.
  std::optional<Bytes> hex(const json::object& o, std::string_view key, std::string_view name, size_t size,
                           size_t max_size = 0) {
    const json::string* s = string(o, key, name);
    if (!s) return std::nullopt;
    auto b = from_hex(std::string_view(s->data(), s->size()));
    if (!b || (size != 0 && b->size() != size) || (size == 0 && b->size() > max_size)) {
      missing_ = std::string(name);
      return std::nullopt;
    }
    return b;
  }

  KeystoreError malformed() { return fail(KeystoreError::kMalformed, "missing or malformed field " + missing_); }

 private:
  std::string* detail_;
  std::string missing_;
};

// geth's file name: UTC--2006-01-02T15-04-05.999999999Z--<address>.
std::string keystore_file_name(const Address& account) {
  auto now = std::chrono::system_clock::now();
  auto since_epoch = now.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count();
  std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "UTC--%04d-%02d-%02dT%02d-%02d-%02d.%09lldZ--", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(nanos));
  return std::string(buf) + to_hex(account.view());
}

// The "address" field of keystore text, nullopt when absent or not an address.
std::optional<Address> address_field(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::value* a = v.get_object().if_contains("address");
  if (!a || !a->is_string()) return std::nullopt;
  auto b = from_hex(std::string_view(a->get_string().data(), a->get_string().size()));
  if (!b) return std::nullopt;
  return Address::from(*b);
}

// The address at the end of a geth-style file name ("...--<40 hex>").
std::optional<Address> address_from_name(const std::string& name) {
  auto pos = name.rfind("--");
  if (pos == std::string::npos) return std::nullopt;
  std::string_view tail = std::string_view(name).substr(pos + 2);
  if (tail.size() != 40) return std::nullopt;
  auto b = from_hex(tail);
  if (!b) return std::nullopt;
  return Address::from(*b);
}

// Regular, non-hidden files of `dir`, sorted by name, with the account each holds.
std::vector<std::pair<fs::path, Address>> scan(const fs::path& dir) {
  std::vector<std::pair<fs::path, Address>> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return out;
  std::vector<fs::path> files;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code fec;
    if (!it->is_regular_file(fec) || fec) continue;
    files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::error_code fec;
    uintmax_t size = fs::file_size(p, fec);
    if (fec || size > kMaxKeystoreFileBytes) continue;
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::optional<Address> a = address_field(text);
    if (!a) a = address_from_name(p.filename().string());
    if (a) out.emplace_back(p, *a);
  }
  return out;
}

[[noreturn]] void throw_io(const std::string& what, const fs::path& p, int err) {
  throw fs::filesystem_error("keystore: " + what, p, std::error_code(err, std::generic_category()));
}

}  // namespace

const char* to_string(KeystoreError e) {
  switch (e) {
    case KeystoreError::kOk: return "ok";
    case KeystoreError::kMalformed: return "malformed keystore";
    case KeystoreError::kUnsupported: return "unsupported keystore format or parameters";
    case KeystoreError::kWrongPassword: return "wrong password";
    case KeystoreError::kBadKey: return "the keystore holds an invalid private key";
    case KeystoreError::kAddressMismatch: return "the keystore address does not match its key";
    case KeystoreError::kCryptoFailure: return "cryptographic library failure";
  }
  return "unknown keystore error";
}

bool scrypt_params_acceptable(uint64_t n, uint64_t r, uint64_t p) {
  if (n < 2 || n > kMaxScryptN || (n & (n - 1)) != 0) return false;
  if (r < 1 || r > kMaxScryptR || p < 1 || p > kMaxScryptP) return false;
  // What scrypt() allocates: 128 r n bytes for V, 128 r p for B, 128 r scratch.
  if (128 * r * (n + p + 1) > kMaxScryptMemory) return false;
  return n * r * p <= kMaxScryptWork;
}

std::string encrypt_keystore(const PrivateKey& key, std::string_view password, const ScryptParams& params) {
  if (!is_valid_private_key(key)) throw std::invalid_argument("keystore: invalid private key");
  if (!scrypt_params_acceptable(params.n, params.r, params.p))
    throw std::invalid_argument("keystore: scrypt parameters out of bounds");

  uint8_t salt[kSaltBytesWritten];
  uint8_t iv[kIvBytes];
  if (RAND_bytes(salt, sizeof salt) != 1 || RAND_bytes(iv, sizeof iv) != 1)
    throw std::runtime_error("keystore: no random bytes");

  SecretBuffer<kDerivedKeyBytes> dk;
  if (!derive_scrypt(password, ByteView(salt, sizeof salt), params.n, params.r, params.p, dk.bytes))
    throw std::runtime_error("keystore: scrypt failed");
  uint8_t ciphertext[kKeyBytes];
  if (!aes128_ctr(dk.bytes, iv, key.data(), kKeyBytes, ciphertext))
    throw std::runtime_error("keystore: AES-128-CTR failed");
  Hash mac = keystore_mac(dk.bytes, ByteView(ciphertext, sizeof ciphertext));

  json::object kdfparams;
  kdfparams["dklen"] = kDerivedKeyBytes;
  kdfparams["n"] = params.n;
  kdfparams["p"] = params.p;
  kdfparams["r"] = params.r;
  kdfparams["salt"] = to_hex(ByteView(salt, sizeof salt));
  json::object crypto;
  crypto["cipher"] = "aes-128-ctr";
  crypto["cipherparams"] = json::object{{"iv", to_hex(ByteView(iv, sizeof iv))}};
  crypto["ciphertext"] = to_hex(ByteView(ciphertext, sizeof ciphertext));
  crypto["kdf"] = "scrypt";
  crypto["kdfparams"] = std::move(kdfparams);
  crypto["mac"] = to_hex(mac.view());
  json::object root;
  root["address"] = to_hex(address_of(key).view());
  root["crypto"] = std::move(crypto);
  root["id"] = random_uuid_v4();
  root["version"] = 3;
  return json::serialize(root);
}

KeystoreError parse_keystore(std::string_view text, KeystoreFile& out, std::string* detail) {
  FieldReader f(detail);
  if (text.size() > kMaxKeystoreFileBytes) return f.fail(KeystoreError::kMalformed, "too large for a keystore");
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return f.fail(KeystoreError::kMalformed, "not JSON: " + ec.message());
  if (!doc.is_object()) return f.fail(KeystoreError::kMalformed, "not a JSON object");
  const json::object& root = doc.get_object();
  KeystoreFile file;

  auto version = f.unsigned_int(root, "version", "version");
  if (!version) return f.malformed();
  if (*version != 3) return f.fail(KeystoreError::kUnsupported, "version " + std::to_string(*version));

  // geth writes "crypto"; some older tools wrote "Crypto".
  const json::object* crypto = root.contains("crypto") ? f.object(root, "crypto", "crypto")
                                                       : f.object(root, "Crypto", "crypto");
  if (!crypto) return f.malformed();

  const json::string* cipher = f.string(*crypto, "cipher", "crypto.cipher");
  if (!cipher) return f.malformed();
  if (*cipher != "aes-128-ctr") return f.fail(KeystoreError::kUnsupported, "cipher " + std::string(*cipher));
  const json::object* cipherparams = f.object(*crypto, "cipherparams", "crypto.cipherparams");
  if (!cipherparams) return f.malformed();
  auto iv = f.hex(*cipherparams, "iv", "crypto.cipherparams.iv", kIvBytes);
  if (!iv) return f.malformed();
  auto ciphertext = f.hex(*crypto, "ciphertext", "crypto.ciphertext", kKeyBytes);
  if (!ciphertext) return f.malformed();
  auto mac = f.hex(*crypto, "mac", "crypto.mac", kMacBytes);
  if (!mac) return f.malformed();
  file.iv = *FixedBytes<kIvBytes>::from(*iv);
  file.ciphertext = *FixedBytes<kKeyBytes>::from(*ciphertext);
  file.mac = *Hash::from(*mac);

  if (root.contains("address")) {
    auto a = f.hex(root, "address", "address", Address::size());
    if (!a) return f.malformed();
    file.address = Address::from(*a);
  }

  const json::string* kdf = f.string(*crypto, "kdf", "crypto.kdf");
  if (!kdf) return f.malformed();
  const json::object* kdfparams = f.object(*crypto, "kdfparams", "crypto.kdfparams");
  if (!kdfparams) return f.malformed();
  auto dklen = f.unsigned_int(*kdfparams, "dklen", "crypto.kdfparams.dklen");
  if (!dklen) return f.malformed();
  if (*dklen != kDerivedKeyBytes) return f.fail(KeystoreError::kUnsupported, "dklen " + std::to_string(*dklen));
  auto salt = f.hex(*kdfparams, "salt", "crypto.kdfparams.salt", 0, kMaxSaltBytes);
  if (!salt) return f.malformed();
  file.salt = std::move(*salt);

  if (*kdf == "scrypt") {
    auto n = f.unsigned_int(*kdfparams, "n", "crypto.kdfparams.n");
    if (!n) return f.malformed();
    auto r = f.unsigned_int(*kdfparams, "r", "crypto.kdfparams.r");
    if (!r) return f.malformed();
    auto p = f.unsigned_int(*kdfparams, "p", "crypto.kdfparams.p");
    if (!p) return f.malformed();
    if (!scrypt_params_acceptable(*n, *r, *p))
      return f.fail(KeystoreError::kUnsupported, "scrypt parameters out of bounds (n=" + std::to_string(*n) +
                                                     ", r=" + std::to_string(*r) + ", p=" + std::to_string(*p) + ")");
    file.kdf = KeystoreFile::Kdf::kScrypt;
    file.n = *n;
    file.r = *r;
    file.p = *p;
  } else if (*kdf == "pbkdf2") {
    const json::string* prf = f.string(*kdfparams, "prf", "crypto.kdfparams.prf");
    if (!prf) return f.malformed();
    if (*prf != "hmac-sha256") return f.fail(KeystoreError::kUnsupported, "prf " + std::string(*prf));
    auto c = f.unsigned_int(*kdfparams, "c", "crypto.kdfparams.c");
    if (!c) return f.malformed();
    if (*c < 1 || *c > kMaxPbkdf2Iterations)
      return f.fail(KeystoreError::kUnsupported, "pbkdf2 iterations out of bounds: " + std::to_string(*c));
    file.kdf = KeystoreFile::Kdf::kPbkdf2;
    file.c = *c;
  } else {
    return f.fail(KeystoreError::kUnsupported, "kdf " + std::string(*kdf));
  }
  out = std::move(file);
  return KeystoreError::kOk;
}

KeystoreError decrypt_keystore(const KeystoreFile& file, std::string_view password, PrivateKey& out,
                               std::string* detail) {
  FieldReader f(detail);
  SecretBuffer<kDerivedKeyBytes> dk;
  if (file.kdf == KeystoreFile::Kdf::kScrypt) {
    if (!scrypt_params_acceptable(file.n, file.r, file.p))
      return f.fail(KeystoreError::kUnsupported, "scrypt parameters out of bounds");
    if (!derive_scrypt(password, file.salt, file.n, file.r, file.p, dk.bytes))
      return f.fail(KeystoreError::kCryptoFailure, "scrypt failed");
  } else {
    if (file.c < 1 || file.c > kMaxPbkdf2Iterations)
      return f.fail(KeystoreError::kUnsupported, "pbkdf2 iterations out of bounds");
    if (!pbkdf2_sha256(password, file.salt, file.c, dk.bytes))
      return f.fail(KeystoreError::kCryptoFailure, "pbkdf2 failed");
  }

  Hash expected = keystore_mac(dk.bytes, file.ciphertext.view());
  if (CRYPTO_memcmp(expected.data(), file.mac.data(), kMacBytes) != 0)
    return f.fail(KeystoreError::kWrongPassword, "MAC mismatch: wrong password or corrupted file");

  PrivateKey key;
  if (!aes128_ctr(dk.bytes, file.iv.data(), file.ciphertext.data(), kKeyBytes, key.data()))
    return f.fail(KeystoreError::kCryptoFailure, "AES-128-CTR failed");
  if (!is_valid_private_key(key)) {
    OPENSSL_cleanse(key.data(), key.size());
    return f.fail(KeystoreError::kBadKey, "decrypted key is not a valid secp256k1 private key");
  }
  if (file.address && *file.address != address_of(key)) {
    OPENSSL_cleanse(key.data(), key.size());
    return f.fail(KeystoreError::kAddressMismatch, "the address field does not match the key");
  }
  out = key;
  OPENSSL_cleanse(key.data(), key.size());
  return KeystoreError::kOk;
}

KeystoreError decrypt_keystore(std::string_view text, std::string_view password, PrivateKey& out,
                               std::string* detail) {
  KeystoreFile file;
  if (KeystoreError e = parse_keystore(text, file, detail); e != KeystoreError::kOk) return e;
  return decrypt_keystore(file, password, out, detail);
}

KeystoreDir::KeystoreDir(fs::path dir) : dir_(std::move(dir)) {}

std::vector<Address> KeystoreDir::list() const {
  std::vector<Address> out;
  std::set<Address> seen;
  for (const auto& [path, account] : scan(dir_))
    if (seen.insert(account).second) out.push_back(account);
  return out;
}

std::optional<fs::path> KeystoreDir::find(const Address& account) const {
  for (const auto& [path, a] : scan(dir_))
    if (a == account) return path;
  return std::nullopt;
}

fs::path KeystoreDir::save(const std::string& json_text, const Address& account) {
  if (auto named = address_field(json_text); named && *named != account)
    throw std::invalid_argument("keystore: the text holds another address");

  std::error_code ec;
  if (!fs::exists(dir_, ec)) {
    if (dir_.has_parent_path() && !dir_.parent_path().empty()) fs::create_directories(dir_.parent_path());
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) throw_io("cannot create folder", dir_, errno);
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);
  }

  std::string name = keystore_file_name(account);
  fs::path final_path = dir_ / name;
  fs::path tmp_path = dir_ / ("." + name + ".tmp");
  if (fs::exists(final_path)) throw_io("file exists", final_path, EEXIST);

  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw_io("cannot create file", tmp_path, errno);
  const char* p = json_text.data();
  size_t left = json_text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp_path.c_str());
      throw_io("cannot write file", tmp_path, err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  int sync_result = ::fsync(fd);
  int sync_errno = errno;
  if (::close(fd) != 0 || sync_result != 0) {
    int err = sync_result != 0 ? sync_errno : errno;
    ::unlink(tmp_path.c_str());
    throw_io("cannot write file", tmp_path, err);
  }
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_path.c_str());
    throw_io("cannot rename file", final_path, err);
  }
  return final_path;
}

}  // namespace vest::wallet
