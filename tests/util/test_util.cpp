#include "tests/util/test_util.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace vest::test {

void skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
  std::exit(kSkipExitCode);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

boost::json::value load_vectors(const std::string& relative) {
  std::filesystem::path p = std::filesystem::path(VEST_TESTVECTORS_DIR) / relative;
  if (!std::filesystem::exists(p)) skip("test vectors not found at " + p.string());
  return boost::json::parse(read_file(p));
}

Bytes unhex(std::string_view s) {
  auto b = from_hex(s);
  REQUIRE(b.has_value());
  return *b;
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    path_ = base / ("vest-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(path_)) break;
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Signature high_s_twin(const Signature& sig) {
  Signature twin = sig;
  FixedBytes<32> n = group_order();
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n.bytes[i] - sig.s.bytes[i] - borrow;
    borrow = d < 0;
    twin.s.bytes[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  twin.v ^= 1;
  return twin;
}

}  // namespace vest::test
