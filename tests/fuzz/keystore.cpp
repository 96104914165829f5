// Keystore files (wallet/keystore.h) from anywhere: parse_keystore on any
// text, and decryption with the password the seed files use when the key
// derivation is cheap. Checks that whatever parses asks for no more work or
// memory than the bounds allow, and that decryption in two steps agrees with
// decrypt_keystore in one.
#include "tests/fuzz/fuzz.h"
#include "wallet/keystore.h"

namespace {

// The password of every keystore in corpus/keystore.
constexpr std::string_view kPassword = "fuzz";
// Derivations at most this costly run (n * r * p for scrypt, c for pbkdf2),
// so every input takes milliseconds.
constexpr uint64_t kCheapWork = 1 << 12;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vest;
  using namespace vest::wallet;
  std::string_view text = vest::fuzz::input_text(data, size);

  KeystoreFile file;
  std::string detail;
  KeystoreError parsed = parse_keystore(text, file, &detail);
  if (parsed != KeystoreError::kOk) {
    FUZZ_CHECK(parsed == KeystoreError::kMalformed || parsed == KeystoreError::kUnsupported);
    FUZZ_CHECK(!detail.empty());
    return 0;
  }
  FUZZ_CHECK(file.salt.size() <= kMaxSaltBytes);
  uint64_t work = 0;
  if (file.kdf == KeystoreFile::Kdf::kScrypt) {
    FUZZ_CHECK(scrypt_params_acceptable(file.n, file.r, file.p));
    FUZZ_CHECK(file.n <= kMaxScryptN && file.r <= kMaxScryptR && file.p <= kMaxScryptP);
    FUZZ_CHECK(128 * file.r * (file.n + file.p + 1) <= kMaxScryptMemory);
    work = file.n * file.r * file.p;
    FUZZ_CHECK(work <= kMaxScryptWork);
  } else {
    FUZZ_CHECK(file.c >= 1 && file.c <= kMaxPbkdf2Iterations);
    work = file.c;
  }
  if (work > kCheapWork) return 0;

  PrivateKey key, again;
  KeystoreError two_steps = decrypt_keystore(file, kPassword, key);
  KeystoreError one_step = decrypt_keystore(text, kPassword, again);
  FUZZ_CHECK(two_steps == one_step);
  if (two_steps == KeystoreError::kOk) {
    FUZZ_CHECK(key == again);
    FUZZ_CHECK(is_valid_private_key(key));
    FUZZ_CHECK(!file.address || *file.address == address_of(key));
  }
  return 0;
}
