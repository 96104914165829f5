#include "wallet/scrypt.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <random>

#include "tests/util/test_util.h"

using namespace vest;

namespace {

Bytes derive(std::string_view password, std::string_view salt, uint64_t n, uint32_t r, uint32_t p, size_t len) {
  Bytes out(len);
  REQUIRE(wallet::scrypt(as_bytes(password), as_bytes(salt), n, r, p, out.data(), out.size()));
  return out;
}

}  // namespace

TEST_CASE("scrypt: RFC 7914 test vectors", "[scrypt]") {
  CHECK(to_hex(derive("", "", 16, 1, 1, 64)) ==
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  CHECK(to_hex(derive("password", "NaCl", 1024, 8, 16, 64)) ==
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST_CASE("scrypt: agrees with OpenSSL where OpenSSL accepts the parameters", "[scrypt]") {
  std::mt19937 rng(7);
  struct P {
    uint64_t n;
    uint32_t r, p;
  };
  for (P params : {P{2, 1, 1}, P{4, 2, 3}, P{256, 1, 1}, P{1024, 8, 1}, P{2048, 3, 2}, P{16384, 8, 1}}) {
    std::string password(rng() % 40, 'x'), salt(rng() % 40, 'y');
    for (auto& c : password) c = static_cast<char>(rng());
    for (auto& c : salt) c = static_cast<char>(rng());
    Bytes ours = derive(password, salt, params.n, params.r, params.p, 32 + rng() % 64);
    Bytes theirs(ours.size());
    REQUIRE(EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const uint8_t*>(salt.data()),
                           salt.size(), params.n, params.r, params.p, 0, theirs.data(), theirs.size()) == 1);
    CHECK(ours == theirs);
  }
}

TEST_CASE("scrypt: refuses bad parameters", "[scrypt]") {
  uint8_t out[32];
  CHECK_FALSE(wallet::scrypt({}, {}, 0, 1, 1, out, 32));
  CHECK_FALSE(wallet::scrypt({}, {}, 1, 1, 1, out, 32));
  CHECK_FALSE(wallet::scrypt({}, {}, 1000, 1, 1, out, 32));
  CHECK_FALSE(wallet::scrypt({}, {}, 1024, 0, 1, out, 32));
  CHECK_FALSE(wallet::scrypt({}, {}, 1024, 1, 0, out, 32));
  CHECK_FALSE(wallet::scrypt({}, {}, 1024, 1u << 15, 1u << 15, out, 32));
  // n = 2^18 with r = 1, which OpenSSL refuses, is accepted (ethereum/tests uses it).
  CHECK(wallet::scrypt({}, {}, 1u << 18, 1, 1, out, 32));
}
