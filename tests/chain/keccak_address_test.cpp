#include <catch2/catch.hpp>

#include "chain/address.h"
#include "chain/keccak.h"
#include "tests/util/test_util.h"

using namespace vest;
namespace json = boost::json;

TEST_CASE("keccak256 matches the known answers", "[keccak]") {
  auto v = test::load_vectors("ethereum/generated_keccak_eip55_accounts.json");
  const auto& cases = v.at("keccak256").as_array();
  REQUIRE(cases.size() > 0);
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    Bytes input;
    if (o.contains("utf8")) {
      auto s = o.at("utf8").as_string();
      input.assign(s.begin(), s.end());
    } else if (o.contains("repeatA")) {
      input.assign(static_cast<size_t>(o.at("repeatA").as_int64()), 'a');
    } else {
      input = test::unhex(o.at("hex").as_string());
    }
    std::string expected(o.at("hash").as_string());
    CHECK(to_hex_0x(keccak256(input).view()) == expected);
    // The same answer when fed one byte at a time crosses every block boundary.
    Keccak256 h;
    for (uint8_t b : input) h.update(ByteView(&b, 1));
    CHECK(to_hex_0x(h.final().view()) == expected);
  }
}

TEST_CASE("EIP-55 checksums match, and a wrong checksum is refused", "[address]") {
  auto v = test::load_vectors("ethereum/generated_keccak_eip55_accounts.json");
  for (const auto& c : v.at("eip55").as_array()) {
    std::string lower(c.at("lower").as_string());
    std::string sum(c.at("checksummed").as_string());
    auto a = parse_address(lower);
    REQUIRE(a);
    CHECK(to_checksum(*a) == sum);
    CHECK(parse_address(sum) == a);
    // Flip the case of one letter: a mixed-case address with a wrong checksum.
    std::string bad = sum;
    for (size_t i = 2; i < bad.size(); ++i) {
      if (std::isalpha(static_cast<unsigned char>(bad[i]))) {
        bad[i] = std::islower(static_cast<unsigned char>(bad[i])) ? std::toupper(bad[i]) : std::tolower(bad[i]);
        break;
      }
    }
    if (bad != sum && bad != lower) {
      Address out;
      CHECK(parse_address(bad, out) == AddressError::kBadChecksum);
    }
  }
}

TEST_CASE("addresses: malformed text is refused", "[address]") {
  Address out;
  CHECK(parse_address("", out) == AddressError::kMalformed);
  CHECK(parse_address("0x1234", out) == AddressError::kMalformed);
  CHECK(parse_address("f39fd6e51aad88f6f4ce6ab8827279cfffb92266", out) == AddressError::kMalformed);
  CHECK(parse_address("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266", out) == AddressError::kMalformed);
  CHECK(parse_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226600", out) == AddressError::kMalformed);
  CHECK(parse_address("0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266", out) == AddressError::kOk);
}

TEST_CASE("development accounts: address from public key", "[address]") {
  auto v = test::load_vectors("ethereum/generated_keccak_eip55_accounts.json");
  for (const auto& c : v.at("devAccounts").as_array()) {
    Bytes pub = test::unhex(c.at("publicKeyUncompressed").as_string());
    REQUIRE(pub.size() == 65);
    Address a = address_from_pubkey(ByteView(pub).subspan(1));
    CHECK(to_checksum(a) == std::string(c.at("address").as_string()));
  }
}
