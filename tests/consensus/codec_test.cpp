// Consensus message encodings: round trips, strict decoding, duplicate-vote evidence.
#include <catch2/catch.hpp>

#include "chain/keccak.h"
#include "chain/rlp.h"
#include "consensus/codec.h"

using namespace vest;
using namespace vest::consensus;

namespace {

const PrivateKey kKey = *PrivateKey::from(keccak256(as_bytes("codec validator")).view());
const PrivateKey kOther = *PrivateKey::from(keccak256(as_bytes("codec other")).view());
constexpr uint64_t kChain = 7357;

Hash block(uint64_t n) { return keccak256(as_bytes("block " + std::to_string(n))); }

SignedVote signed_vote(const PrivateKey& key, VoteType type, uint64_t h, uint32_t r, const Hash& b) {
  SignedVote v{Vote{type, h, r, b, 1700000000 + h, kChain}, address_of(key), {}};
  v.sig = sign(key, v.vote.signing_digest());
  return v;
}

SignedProposal signed_proposal(uint64_t h, uint32_t r, const Hash& b, std::optional<uint32_t> pol) {
  SignedProposal p{Proposal{kChain, h, r, b, pol}, address_of(kKey), {}};
  p.sig = sign(kKey, p.proposal.signing_digest());
  return p;
}

}  // namespace

TEST_CASE("codec: votes and proposals round-trip and keep their signatures valid", "[consensus][codec]") {
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
  for (auto pol : {std::optional<uint32_t>{}, std::optional<uint32_t>{0}, std::optional<uint32_t>{UINT32_MAX - 1}}) {
    const SignedProposal p = signed_proposal(5, UINT32_MAX, block(2), pol);
    SignedProposal back;
    std::string error;
    REQUIRE(decode_proposal(encode_proposal(p), kChain, back, error));
    CHECK(back == p);
    CHECK(verify(back));
  }
}

TEST_CASE("codec: malformed votes and proposals are refused, saying why", "[consensus][codec]") {
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

  auto proposal_with = [&](Bytes pol, uint64_t round) {
    rlp::Encoder e;
    e.begin_list().uint(5).uint(round).fixed(block(2)).raw(pol).fixed(address_of(kKey)).bytes(Bytes(65, 1)).end_list();
    return e.finish();
  };
  const std::vector<std::pair<Bytes, std::string>> bad_proposals = {
      {proposal_with(Bytes{0xc2, 0x01, 0x02}, 1), "proposal: "},  // two POL rounds
      {proposal_with(Bytes{0x80}, 1), "proposal: "},              // POL not a list
      {proposal_with(Bytes{0xc0}, uint64_t{UINT32_MAX} + 1), "proposal: round does not fit 32 bits"},
  };
  for (const auto& [raw, why] : bad_proposals) {
    SignedProposal out;
    std::string error;
    CHECK_FALSE(decode_proposal(raw, kChain, out, error));
    CHECK(error.rfind(why, 0) == 0);
  }
}

TEST_CASE("codec: a duplicate vote is one evidence whichever way round, and nothing else is one",
          "[consensus][codec]") {
  const SignedVote a = signed_vote(kKey, VoteType::kPrecommit, 7, 1, block(1));
  const SignedVote b = signed_vote(kKey, VoteType::kPrecommit, 7, 1, block(2));
  auto ab = make_duplicate_vote(a, b), ba = make_duplicate_vote(b, a);
  REQUIRE(ab);
  REQUIRE(ba);
  CHECK(*ab == *ba);
  CHECK(ab->first.vote.block_hash < ab->second.vote.block_hash);
  DuplicateVote back;
  std::string error;
  REQUIRE(decode_duplicate_vote(encode_duplicate_vote(*ab), kChain, back, error));
  CHECK(back == *ab);

  // A vote for nil and one for a block at one place are a duplicate too.
  CHECK(make_duplicate_vote(a, signed_vote(kKey, VoteType::kPrecommit, 7, 1, Hash{})));
  // Not duplicates: the same vote, another round, type, height or voter, a bad signature.
  CHECK_FALSE(make_duplicate_vote(a, a));
  CHECK_FALSE(make_duplicate_vote(a, signed_vote(kKey, VoteType::kPrecommit, 7, 2, block(2))));
  CHECK_FALSE(make_duplicate_vote(a, signed_vote(kKey, VoteType::kPrevote, 7, 1, block(2))));
  CHECK_FALSE(make_duplicate_vote(a, signed_vote(kKey, VoteType::kPrecommit, 8, 1, block(2))));
  SignedVote stranger = signed_vote(kOther, VoteType::kPrecommit, 7, 1, block(2));
  CHECK_FALSE(make_duplicate_vote(a, stranger));
  stranger.voter = a.voter;  // claims to be the validator
  CHECK_FALSE(make_duplicate_vote(a, stranger));

  // On the wire: the wrong order, a forged second vote.
  DuplicateVote swapped{ab->second, ab->first};
  CHECK_FALSE(decode_duplicate_vote(encode_duplicate_vote(swapped), kChain, back, error));
  CHECK(error == "duplicate vote: not in canonical order");
  DuplicateVote forged{a, stranger};
  CHECK_FALSE(decode_duplicate_vote(encode_duplicate_vote(forged), kChain, back, error));
  CHECK(error == "duplicate vote: not two signed votes of one validator for one height, round and type");
  // Read as another chain's: the signatures fail.
  CHECK_FALSE(decode_duplicate_vote(encode_duplicate_vote(*ab), kChain + 1, back, error));
}
