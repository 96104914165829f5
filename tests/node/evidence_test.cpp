// Evidence of a double sign (node/wire.h): two signed headers of one chain,
// height and proposer, in one canonical order, and nothing else.
#include <catch2/catch.hpp>

#include "chain/keccak.h"
#include "node/wire.h"

using namespace vest;
using node::DoubleSign;
using node::SignedHeader;

namespace {

PrivateKey key_of(const char* seed) { return *PrivateKey::from(keccak256(as_bytes(seed)).view()); }

SignedHeader signed_header(const PrivateKey& key, uint64_t chain_id, uint64_t height, uint8_t tag) {
  SignedHeader s;
  s.header.chain_id = chain_id;
  s.header.height = height;
  s.header.time = 1700000000;
  s.header.proposer = address_of(key);
  s.header.state_root.bytes.fill(tag);
  s.sig = sign(key, s.header.signing_digest());
  return s;
}

}  // namespace

TEST_CASE("evidence: two headers of one chain, height and proposer, either way round, are one evidence",
          "[node][evidence]") {
  const PrivateKey key = key_of("validator");
  const SignedHeader a = signed_header(key, 7357, 10, 1), b = signed_header(key, 7357, 10, 2);
  auto ab = node::make_double_sign(a, b), ba = node::make_double_sign(b, a);
  REQUIRE(ab);
  REQUIRE(ba);
  CHECK(node::encode_evidence(*ab) == node::encode_evidence(*ba));
  CHECK(ab->first.header.hash() < ab->second.header.hash());
  CHECK(ab->proposer() == address_of(key));

  DoubleSign decoded;
  std::string error;
  REQUIRE(node::decode_evidence(node::encode_evidence(*ab), decoded, error));
  CHECK(decoded.first == ab->first);
  CHECK(decoded.second == ab->second);
}

TEST_CASE("evidence: what is not a double sign is refused, saying why", "[node][evidence]") {
  const PrivateKey key = key_of("validator"), other = key_of("someone else");
  const SignedHeader a = signed_header(key, 7357, 10, 1);
  // One header twice, two heights, two proposers.
  CHECK_FALSE(node::make_double_sign(a, a));
  CHECK_FALSE(node::make_double_sign(a, signed_header(key, 7357, 11, 2)));
  CHECK_FALSE(node::make_double_sign(a, signed_header(other, 7357, 10, 2)));
  // Two headers of one key and height on two chains: a key used on two chains signs
  // two blocks at a height without any double sign on either.
  const SignedHeader foreign = signed_header(key, 9999, 10, 2);
  CHECK_FALSE(node::make_double_sign(a, foreign));
  // A header whose signature is not its proposer's.
  SignedHeader forged = signed_header(key, 7357, 10, 3);
  forged.sig = sign(other, forged.header.signing_digest());
  CHECK_FALSE(node::make_double_sign(a, forged));

  // The same pairs, encoded by hand as a peer could send them, are refused on decoding.
  auto pair_bytes = [](const SignedHeader& x, const SignedHeader& y) {
    DoubleSign d{x, y};  // no check: what a peer may put on the wire
    return node::encode_evidence(d);
  };
  for (const Bytes& raw : {pair_bytes(a, foreign), pair_bytes(a, forged), pair_bytes(a, a)}) {
    DoubleSign out;
    std::string error;
    CHECK_FALSE(node::decode_evidence(raw, out, error));
    CHECK(error == "evidence does not show two headers of one chain and height signed by one proposer");
  }
  // A valid pair in the wrong order.
  auto d = node::make_double_sign(a, signed_header(key, 7357, 10, 2));
  REQUIRE(d);
  DoubleSign out;
  std::string error;
  CHECK_FALSE(node::decode_evidence(pair_bytes(d->second, d->first), out, error));
  CHECK(error == "evidence is not in canonical order");
  // Trailing bytes.
  Bytes raw = node::encode_evidence(*d);
  raw.push_back(0);
  CHECK_FALSE(node::decode_evidence(raw, out, error));
}
