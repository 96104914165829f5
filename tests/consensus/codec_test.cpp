// Consensus message encodings: proposals round-trip and decode strictly. Votes
// and duplicate-vote evidence are chain/'s (tests/chain/evidence_test.cpp).
#include <catch2/catch.hpp>

#include "chain/keccak.h"
#include "chain/rlp.h"
#include "consensus/codec.h"

using namespace vest;
using namespace vest::consensus;

namespace {

const PrivateKey kKey = *PrivateKey::from(keccak256(as_bytes("codec validator")).view());
constexpr uint64_t kChain = 7357;

Hash block(uint64_t n) { return keccak256(as_bytes("block " + std::to_string(n))); }

SignedProposal signed_proposal(uint64_t h, uint32_t r, const Hash& b, std::optional<uint32_t> pol) {
  SignedProposal p{Proposal{kChain, h, r, b, pol}, address_of(kKey), {}};
  p.sig = sign(kKey, p.proposal.signing_digest());
  return p;
}

}  // namespace

TEST_CASE("codec: proposals round-trip and keep their signatures valid", "[consensus][codec]") {
  for (auto pol : {std::optional<uint32_t>{}, std::optional<uint32_t>{0}, std::optional<uint32_t>{UINT32_MAX - 1}}) {
    const SignedProposal p = signed_proposal(5, UINT32_MAX, block(2), pol);
    SignedProposal back;
    std::string error;
    REQUIRE(decode_proposal(encode_proposal(p), kChain, back, error));
    CHECK(back == p);
    CHECK(verify(back));
    // Read on another chain: that chain's id goes into the signed bytes.
    REQUIRE(decode_proposal(encode_proposal(p), kChain + 1, back, error));
    CHECK_FALSE(verify(back));
  }
}

TEST_CASE("codec: malformed proposals are refused, saying why", "[consensus][codec]") {
  auto proposal_with = [&](Bytes pol, uint64_t round) {
    rlp::Encoder e;
    e.begin_list().uint(5).uint(round).fixed(block(2)).raw(pol).fixed(address_of(kKey)).bytes(Bytes(65, 1)).end_list();
    return e.finish();
  };
  Bytes trailing = encode_proposal(signed_proposal(5, 1, block(2), std::nullopt));
  trailing.push_back(0x80);
  const std::vector<std::pair<Bytes, std::string>> bad_proposals = {
      {proposal_with(Bytes{0xc2, 0x01, 0x02}, 1), "proposal: "},  // two POL rounds
      {proposal_with(Bytes{0x80}, 1), "proposal: "},              // POL not a list
      {proposal_with(Bytes{0xc0}, uint64_t{UINT32_MAX} + 1), "proposal: round does not fit 32 bits"},
      {trailing, "proposal: "},
  };
  for (const auto& [raw, why] : bad_proposals) {
    SignedProposal out;
    std::string error;
    CHECK_FALSE(decode_proposal(raw, kChain, out, error));
    CHECK(error.rfind(why, 0) == 0);
  }
}

TEST_CASE("codec: the consensus names of votes and evidence are chain's", "[consensus][codec]") {
  // The core and its peers use chain/'s encodings, so what a node gossips is
  // what a block carries as evidence.
  STATIC_REQUIRE(std::is_same_v<consensus::SignedVote, vest::SignedVote>);
  STATIC_REQUIRE(std::is_same_v<consensus::DuplicateVote, vest::DuplicateVote>);
  SignedVote v{Vote{VoteType::kPrevote, 3, 0, block(1), 1700000000, kChain}, address_of(kKey), {}};
  v.sig = sign(kKey, v.vote.signing_digest());
  CHECK(consensus::encode_vote(v) == vest::encode_vote(v));
  CHECK(consensus::verify(v));
}
