// Helpers shared by the test programs.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/keccak.h"
#include "chain/secp256k1.h"

// Catch prints 128-bit amounts in decimal.
namespace Catch {
template <>
struct StringMaker<unsigned __int128> {
  static std::string convert(unsigned __int128 v) { return vest::to_decimal(v); }
};
}  // namespace Catch

namespace vest::test {

// Exit code that ctest reports as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
constexpr int kSkipExitCode = 4;

// Prints why and ends the test program with kSkipExitCode.
[[noreturn]] void skip(const std::string& why);

// A fixed key derived from `name`, the same in every run.
inline PrivateKey test_key(const std::string& name) {
  return *PrivateKey::from(keccak256(as_bytes("vestchain test key " + name)).view());
}

// Parses ../shared/testvectors/<relative>; skips the test when the folder is absent.
boost::json::value load_vectors(const std::string& relative);

std::string read_file(const std::filesystem::path& p);

// Hex text (with or without 0x) to bytes; fails the test on bad hex.
Bytes unhex(std::string_view s);

// The other valid-looking form of a signature, refused as high-S:
// s' = n - s, v' = v ^ 1.
Signature high_s_twin(const Signature& sig);

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace vest::test
