// Signed votes and duplicate-vote evidence (chain/certificate.h,
// chain/evidence.h): round trips, strict decoding, one evidence whichever way
// round, and every pair that is not evidence refused, saying why.
#include <catch2/catch.hpp>

#include "chain/evidence.h"
#include "chain/keccak.h"
#include "chain/rlp.h"

using namespace vest;

namespace {

const PrivateKey kKey = *PrivateKey::from(keccak256(as_bytes("codec validator")).view());
const PrivateKey kOther = *PrivateKey::from(keccak256(as_bytes("codec other")).view());
constexpr uint64_t kChain = 7357;

Hash block(uint64_t n) { return keccak256(as_bytes("block " + std::to_string(n))); }

SignedVote signed_vote(const PrivateKey& key, VoteType type, uint64_t h, uint32_t r, const Hash& b,
                       uint64_t chain = kChain) {
  SignedVote v{Vote{type, h, r, b, 1700000000 + h, chain}, address_of(key), {}};
  v.sig = sign(key, v.vote.signing_digest());
  return v;
}

}  // namespace

TEST_CASE("signed votes round-trip and keep their signatures valid", "[evidence]") {
  for (VoteType t : {VoteType::kPrevote, VoteType::kPrecommit}) {
    for (const Hash& b : {block(1), Hash{}}) {
      const SignedVote v = signed_vote(kKey, t, 12, 3, b);
      SignedVote back;
      std::string error;
      REQUIRE(decode_vote(encode_vote(v), kChain, back, error));
      CHECK(back == v);
      CHECK(verify(back));
      // The same bytes read on another chain carry that chain's id: the signature fails.
      REQUIRE(decode_vote(encode_vote(v), kChain + 1, back, error));
      CHECK_FALSE(verify(back));
    }
  }
}

TEST_CASE("malformed votes are refused, saying why", "[evidence]") {
  const SignedVote v = signed_vote(kKey, VoteType::kPrevote, 12, 3, block(1));
  Bytes trailing = encode_vote(v);
  trailing.push_back(0x80);
  auto vote_with = [&](uint64_t type, uint64_t round, size_t sig_bytes) {
    rlp::Encoder e;
    e.begin_list().uint(type).uint(12).uint(round).fixed(block(1)).uint(1).fixed(v.voter);
    e.bytes(Bytes(sig_bytes, 1)).end_list();
    return e.finish();
  };
  const std::vector<std::pair<Bytes, std::string>> bad = {
      {trailing, "vote: "},
      {vote_with(3, 0, 65), "vote: unknown type 3"},
      {vote_with(0, 0, 65), "vote: unknown type 0"},
      {vote_with(1, uint64_t{UINT32_MAX} + 1, 65), "vote: round does not fit 32 bits"},
      {vote_with(1, 0, 64), "vote: signature must be 65 bytes"},
      {Bytes{0xc0}, "vote: "},
  };
  for (const auto& [raw, why] : bad) {
    SignedVote out;
    std::string error;
    CHECK_FALSE(decode_vote(raw, kChain, out, error));
    CHECK(error.rfind(why, 0) == 0);
  }
}

TEST_CASE("a duplicate vote is one evidence whichever way round", "[evidence]") {
  const SignedVote a = signed_vote(kKey, VoteType::kPrecommit, 7, 1, block(1));
  const SignedVote b = signed_vote(kKey, VoteType::kPrecommit, 7, 1, block(2));
  auto ab = make_duplicate_vote(a, b), ba = make_duplicate_vote(b, a);
  REQUIRE(ab);
  REQUIRE(ba);
  CHECK(*ab == *ba);
  CHECK(ab->hash() == ba->hash());
  CHECK(ab->hash() == keccak256(encode_duplicate_vote(*ab)));
  CHECK(ab->first.vote.block_hash < ab->second.vote.block_hash);
  CHECK(ab->height() == 7);
  CHECK(ab->voter() == address_of(kKey));
  CHECK(duplicate_vote_problem(*ab).empty());
  DuplicateVote back;
  std::string error;
  REQUIRE(decode_duplicate_vote(encode_duplicate_vote(*ab), kChain, back, error));
  CHECK(back == *ab);
  // The encoding is RLP[vote, vote], each the signed vote encoding.
  rlp::Encoder e;
  e.begin_list().raw(encode_vote(ab->first)).raw(encode_vote(ab->second)).end_list();
  CHECK(encode_duplicate_vote(*ab) == e.finish());

  // A vote for nil and one for a block at one place are a duplicate too, nil first.
  auto with_nil = make_duplicate_vote(a, signed_vote(kKey, VoteType::kPrecommit, 7, 1, Hash{}));
  REQUIRE(with_nil);
  CHECK(with_nil->first.vote.block_hash == Hash{});
}

TEST_CASE("pairs that are no duplicate vote are refused, saying why", "[evidence]") {
  // lo < hi bytewise: a pair (vote for lo, vote for hi) is in canonical order.
  const Hash lo = block(1) < block(2) ? block(1) : block(2);
  const Hash hi = block(1) < block(2) ? block(2) : block(1);
  const SignedVote a = signed_vote(kKey, VoteType::kPrecommit, 7, 1, lo);
  const SignedVote b = signed_vote(kKey, VoteType::kPrecommit, 7, 1, hi);
  const DuplicateVote good{a, b};
  REQUIRE(duplicate_vote_problem(good).empty());
  SignedVote stranger = signed_vote(kOther, VoteType::kPrecommit, 7, 1, hi);
  SignedVote forged = stranger;
  forged.voter = a.voter;  // claims to be the validator
  const std::vector<std::pair<SignedVote, std::string>> not_duplicates = {
      {a, "both votes are for one block"},
      {signed_vote(kKey, VoteType::kPrecommit, 7, 2, hi), "the votes are of two rounds"},
      {signed_vote(kKey, VoteType::kPrevote, 7, 1, hi), "the votes are of two types"},
      {signed_vote(kKey, VoteType::kPrecommit, 8, 1, hi), "the votes are of two heights"},
      {signed_vote(kKey, VoteType::kPrecommit, 7, 1, hi, kChain + 1), "the votes are of two chains"},
      {stranger, "the votes are of two voters"},
      {forged, "the second vote's signature is not its voter's"},
  };
  for (const auto& [other, why] : not_duplicates) {
    INFO(why);
    CHECK_FALSE(make_duplicate_vote(a, other));
    CHECK_FALSE(make_duplicate_vote(other, a));
    CHECK(duplicate_vote_problem(DuplicateVote{a, other}) == why);
  }
  // A pair whose lower block's vote is forged.
  SignedVote forged_first = signed_vote(kOther, VoteType::kPrecommit, 7, 1, lo);
  forged_first.voter = a.voter;
  CHECK(duplicate_vote_problem(DuplicateVote{forged_first, b}) == "the first vote's signature is not its voter's");
  CHECK(duplicate_vote_problem(DuplicateVote{b, a}) == "not in canonical order (the lower block hash first)");

  // On the wire: the wrong order, a forged second vote, another chain, bad form.
  DuplicateVote back;
  std::string error;
  DuplicateVote swapped{b, a};
  CHECK_FALSE(decode_duplicate_vote(encode_duplicate_vote(swapped), kChain, back, error));
  CHECK(error == "duplicate vote: not in canonical order (the lower block hash first)");
  // The form alone does not look at the order or the signatures.
  REQUIRE(decode_duplicate_vote_form(encode_duplicate_vote(swapped), kChain, back, error));
  CHECK(back == swapped);
  CHECK_FALSE(decode_duplicate_vote(encode_duplicate_vote(DuplicateVote{a, forged}), kChain, back, error));
  CHECK(error == "duplicate vote: the second vote's signature is not its voter's");
  // Read as another chain's: the signatures fail.
  CHECK_FALSE(decode_duplicate_vote(encode_duplicate_vote(good), kChain + 1, back, error));
  CHECK(error == "duplicate vote: the first vote's signature is not its voter's");
  Bytes trailing = encode_duplicate_vote(good);
  trailing.push_back(0x80);
  CHECK_FALSE(decode_duplicate_vote_form(trailing, kChain, back, error));
  CHECK(error.rfind("duplicate vote: ", 0) == 0);
  rlp::Encoder three;
  three.begin_list().raw(encode_vote(a)).raw(encode_vote(b)).raw(encode_vote(b)).end_list();
  CHECK_FALSE(decode_duplicate_vote_form(three.finish(), kChain, back, error));
  rlp::Encoder bad_vote;
  bad_vote.begin_list().raw(encode_vote(a)).raw(Bytes{0xc0}).end_list();
  CHECK_FALSE(decode_duplicate_vote_form(bad_vote.finish(), kChain, back, error));
  CHECK(error.rfind("duplicate vote: vote: ", 0) == 0);
}
