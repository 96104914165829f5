// Vote sets: one counted vote per validator, power tallies with the integer
// thresholds, conflicts, and the commit certificate that verify_certificate
// (chain/certificate.h) accepts.
#include <catch2/catch.hpp>

#include "tests/consensus/consensus_util.h"

using namespace vest;
using namespace vest::consensus;
using namespace vest::consensus::test;

namespace {

std::shared_ptr<const ValidatorSet> shared(const Committee& c) { return std::make_shared<const ValidatorSet>(c.set); }

}  // namespace

TEST_CASE("thresholds are strict and in integers", "[consensus][vote_set]") {
  CHECK_FALSE(more_than_two_thirds(2, 3));  // exactly 2/3 is not enough
  CHECK(more_than_two_thirds(3, 4));
  CHECK_FALSE(more_than_two_thirds(6, 9));
  CHECK(more_than_two_thirds(7, 10));
  CHECK_FALSE(more_than_one_third(1, 3));  // exactly 1/3 is not enough
  CHECK(more_than_one_third(2, 5));
  CHECK_FALSE(more_than_one_third(0, 1));
  // No overflow near 2^64: (2^64-1) * 3 does not fit 64 bits.
  CHECK(more_than_two_thirds(UINT64_MAX, UINT64_MAX));
  CHECK_FALSE(more_than_two_thirds(UINT64_MAX / 3 * 2, UINT64_MAX));
  CHECK(more_than_one_third(UINT64_MAX / 3 + 1, UINT64_MAX));
  CHECK_FALSE(more_than_one_third(UINT64_MAX / 3, UINT64_MAX));
}

TEST_CASE("a vote set counts each validator's first vote with its power", "[consensus][vote_set]") {
  Committee c({1, 2, 3, 4});  // total 10: more than 2/3 needs 7
  VoteSet set(shared(c), 5, 1, VoteType::kPrevote);
  const Hash a = value("a"), b = value("b");
  auto power = [&](size_t i) { return c.set.validators()[i].power; };
  // Find the positions of powers 4 and 3 (set order is by address).
  size_t p4 = 0, p3 = 0, p2 = 0, p1 = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (power(i) == 4) p4 = i;
    if (power(i) == 3) p3 = i;
    if (power(i) == 2) p2 = i;
    if (power(i) == 1) p1 = i;
  }

  CHECK(set.add(c.prevote(p4, 5, 1, a)) == VoteAdd::kAdded);
  CHECK(set.add(c.prevote(p2, 5, 1, a)) == VoteAdd::kAdded);
  CHECK(set.power_for(a) == 6);
  CHECK_FALSE(set.two_thirds_for(a));  // 6 * 3 = 18 is not more than 20
  CHECK_FALSE(set.two_thirds_any());

  SECTION("the same vote again, or with another time, changes nothing") {
    CHECK(set.add(c.prevote(p4, 5, 1, a)) == VoteAdd::kDuplicate);
    CHECK(set.add(c.vote(p4, VoteType::kPrevote, 5, 1, a, 2000)) == VoteAdd::kDuplicate);
    CHECK(set.power_for(a) == 6);
    CHECK(set.vote_at(p4)->vote.time == 1000);
  }
  SECTION("a second vote for another block is a conflict: the first one stays the validator's vote") {
    SignedVote kept;
    CHECK(set.add(c.prevote(p4, 5, 1, b), &kept) == VoteAdd::kConflict);
    CHECK(kept == c.prevote(p4, 5, 1, a));
    CHECK(set.power_for(a) == 6);
    CHECK(set.power_for(b) == 0);
    CHECK(set.power_any() == 6);
    CHECK(set.add(c.prevote(p4, 5, 1, Hash{}), &kept) == VoteAdd::kConflict);  // nil is another block too
    CHECK(set.vote_at(p4)->vote.block_hash == a);

    // Counted in b's own tally on request, once, and never in "anything".
    CHECK(set.add_conflicting(c.prevote(p4, 5, 1, b)));
    CHECK_FALSE(set.add_conflicting(c.prevote(p4, 5, 1, b)));
    CHECK(set.power_for(b) == 4);
    CHECK(set.power_for(a) == 6);
    CHECK(set.power_any() == 6);
    CHECK(set.votes_for(b) == std::vector<SignedVote>{c.prevote(p4, 5, 1, b)});
    // Only conflicts: a first vote, its duplicate, or a non-member are refused.
    CHECK_FALSE(set.add_conflicting(c.prevote(p4, 5, 1, a)));
    CHECK_FALSE(set.add_conflicting(c.prevote(p3, 5, 1, b)));
    CHECK(set.power_for(b) == 4);
  }
  SECTION("votes of another height, round or type, or by a non-member, are refused") {
    CHECK(set.add(c.prevote(p3, 6, 1, a)) == VoteAdd::kWrongVote);
    CHECK(set.add(c.prevote(p3, 5, 2, a)) == VoteAdd::kWrongVote);
    CHECK(set.add(c.precommit(p3, 5, 1, a)) == VoteAdd::kWrongVote);
    Committee other({1}, "outsider");
    CHECK(set.add(other.prevote(0, 5, 1, a)) == VoteAdd::kNotMember);
    CHECK(set.power_any() == 6);
  }
  SECTION("more than 2/3 for one block, and for anything") {
    CHECK(set.add(c.prevote(p1, 5, 1, Hash{})) == VoteAdd::kAdded);
    CHECK(set.power_any() == 7);
    CHECK(set.two_thirds_any());         // 7 of 10, split between a and nil
    CHECK_FALSE(set.two_thirds_for(a));  // neither has 7
    CHECK_FALSE(set.two_thirds_for(Hash{}));
    CHECK(set.add(c.prevote(p3, 5, 1, a)) == VoteAdd::kAdded);
    CHECK(set.two_thirds_for(a));
    CHECK(set.votes().size() == 4);
    CHECK(set.votes_for(a).size() == 3);
    CHECK(set.votes_for(Hash{}).size() == 1);
  }
}

TEST_CASE("nil can have more than 2/3", "[consensus][vote_set]") {
  Committee c({1, 1, 1, 1});
  VoteSet set(shared(c), 1, 0, VoteType::kPrevote);
  for (size_t i = 0; i < 3; ++i) REQUIRE(set.add(c.prevote(i, 1, 0, Hash{})) == VoteAdd::kAdded);
  CHECK(set.two_thirds_for(Hash{}));
  CHECK_FALSE(set.two_thirds_for(value("a")));
}

TEST_CASE("the precommits for a block make a certificate that verify_certificate accepts", "[consensus][vote_set]") {
  Committee c({1, 1, 1, 1});
  const Hash block = value("final");
  VoteSet set(shared(c), 9, 2, VoteType::kPrecommit);
  REQUIRE(set.add(c.vote(0, VoteType::kPrecommit, 9, 2, block, 1111)) == VoteAdd::kAdded);
  REQUIRE(set.add(c.vote(2, VoteType::kPrecommit, 9, 2, Hash{}, 1112)) == VoteAdd::kAdded);  // nil: absent
  REQUIRE(set.add(c.vote(3, VoteType::kPrecommit, 9, 2, block, 1113)) == VoteAdd::kAdded);

  // Two of four: not final yet.
  Certificate two = set.certificate(block);
  CHECK(verify_certificate(two, c.set, kChainId, 9, block).result == CertificateValidation::kNotEnoughPower);

  REQUIRE(set.add(c.vote(1, VoteType::kPrecommit, 9, 2, block, 1114)) == VoteAdd::kAdded);
  Certificate cert = set.certificate(block);
  CHECK(cert.height == 9);
  CHECK(cert.round == 2);
  CHECK(cert.block_hash == block);
  REQUIRE(cert.entries.size() == 4);
  CHECK(cert.entries[0]->time == 1111);
  CHECK(cert.entries[1]->time == 1114);
  CHECK_FALSE(cert.entries[2]);  // its precommit is for nil
  CHECK(cert.entries[3]->time == 1113);
  // A conflicting precommit for the block, counted in its tally, enters the certificate once.
  REQUIRE(set.add(c.vote(2, VoteType::kPrecommit, 9, 2, block, 1115)) == VoteAdd::kConflict);
  REQUIRE(set.add_conflicting(c.vote(2, VoteType::kPrecommit, 9, 2, block, 1115)));
  Certificate with_conflict = set.certificate(block);
  CHECK(with_conflict.entries[2]->time == 1115);
  CHECK(verify_certificate(with_conflict, c.set, kChainId, 9, block).ok());
  auto check = verify_certificate(cert, c.set, kChainId, 9, block);
  INFO(check.message);
  CHECK(check.ok());
  // The same precommits certify nothing on another chain.
  CHECK(verify_certificate(cert, c.set, kChainId + 1, 9, block).result == CertificateValidation::kWrongSigner);
  // Encoded and decoded, it is the same certificate.
  Certificate back;
  REQUIRE(decode_certificate(cert.encode(), back).ok());
  CHECK(back == cert);
}

TEST_CASE("signed messages verify against their signer only", "[consensus][messages]") {
  Committee c({1, 1});
  SignedVote v = c.prevote(0, 3, 1, value("x"));
  CHECK(verify(v));
  SignedVote other = v;
  other.voter = c.addr(1);
  CHECK_FALSE(verify(other));
  other = v;
  other.vote.round = 2;  // the signature is over round 1
  CHECK_FALSE(verify(other));
  other = v;
  other.sig = vest::test::high_s_twin(v.sig);
  CHECK_FALSE(verify(other));

  SignedProposal p = c.proposal(1, 3, 1, value("x"), 0);
  CHECK(verify(p));
  SignedProposal q = p;
  q.proposal.pol_round.reset();  // "no POL" signs other bytes than "POL round 0"
  CHECK_FALSE(verify(q));
  q = p;
  q.proposal.chain_id = kChainId + 1;
  CHECK_FALSE(verify(q));
  q = p;
  q.proposer = c.addr(0);
  CHECK_FALSE(verify(q));
}

TEST_CASE("proposal sign bytes: domain, chain id and every field", "[consensus][messages]") {
  Proposal p{7, 10, 3, value("b"), std::nullopt};
  // RLP["vestchain/proposal/v1", 7, 10, 3, block_hash, []]
  Bytes expected;
  const std::string domain = "vestchain/proposal/v1";
  Bytes payload;
  payload.push_back(static_cast<uint8_t>(0x80 + domain.size()));
  append(payload, as_bytes(domain));
  payload.push_back(0x07);
  payload.push_back(0x0a);
  payload.push_back(0x03);
  payload.push_back(0xa0);
  append(payload, p.block_hash.view());
  payload.push_back(0xc0);
  REQUIRE(payload.size() == 59);  // over 55 bytes: a long-form list header
  expected = {0xf8, 59};
  append(expected, payload);
  CHECK(to_hex(p.sign_bytes()) == to_hex(expected));

  // With a POL round 0 the last item is RLP[0] = 0xc1 0x80.
  p.pol_round = 0;
  Bytes with_pol = p.sign_bytes();
  CHECK(with_pol.size() == expected.size() + 1);
  CHECK(with_pol[with_pol.size() - 2] == 0xc1);
  CHECK(with_pol.back() == 0x80);
  CHECK(p.signing_digest() == keccak256(with_pol));
}
