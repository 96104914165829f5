// Validators with real keys, signed consensus messages and action filters for
// the tests of consensus/.
#pragma once

#include <string>
#include <vector>

#include "chain/keccak.h"
#include "consensus/core.h"
#include "tests/util/test_util.h"

namespace vest::consensus::test {

constexpr uint64_t kChainId = 77;

// A block hash named by `name`.
inline Hash value(const std::string& name) { return keccak256(as_bytes("block " + name)); }

// Validators with the given powers, each with its key; positions are set order.
struct Committee {
  ValidatorSet set;
  std::vector<PrivateKey> keys;  // set order

  explicit Committee(const std::vector<uint64_t>& powers, const std::string& tag = "validator") {
    std::vector<Validator> vals;
    std::vector<PrivateKey> ks;
    for (size_t i = 0; i < powers.size(); ++i) {
      ks.push_back(vest::test::test_key(tag + " " + std::to_string(i)));
      vals.push_back({address_of(ks.back()), powers[i]});
    }
    std::string error;
    set = *ValidatorSet::make(vals, error);
    for (const Validator& v : set.validators())
      for (const auto& k : ks)
        if (address_of(k) == v.address) keys.push_back(k);
  }

  const Address& addr(size_t i) const { return set.validators().at(i).address; }

  SignedVote sign_vote(size_t i, const Vote& v) const { return {v, addr(i), sign(keys.at(i), v.signing_digest())}; }

  SignedVote vote(size_t i, VoteType type, uint64_t height, uint32_t round, const Hash& block,
                  uint64_t time = 1000) const {
    return sign_vote(i, Vote{type, height, round, block, time, kChainId});
  }
  SignedVote prevote(size_t i, uint64_t height, uint32_t round, const Hash& block) const {
    return vote(i, VoteType::kPrevote, height, round, block);
  }
  SignedVote precommit(size_t i, uint64_t height, uint32_t round, const Hash& block) const {
    return vote(i, VoteType::kPrecommit, height, round, block);
  }

  SignedProposal sign_proposal(size_t i, const Proposal& p) const {
    return {p, addr(i), sign(keys.at(i), p.signing_digest())};
  }
  SignedProposal proposal(size_t i, uint64_t height, uint32_t round, const Hash& block,
                          std::optional<uint32_t> pol_round = std::nullopt) const {
    return sign_proposal(i, Proposal{kChainId, height, round, block, pol_round});
  }

  StartHeight start(uint64_t height, std::optional<size_t> self) const {
    return StartHeight{height, set, ProposerSchedule(set), self ? std::optional<Address>(addr(*self)) : std::nullopt};
  }
};

// The actions of type A among `actions`, in order.
template <class A>
std::vector<A> only(const std::vector<Action>& actions) {
  std::vector<A> out;
  for (const auto& a : actions)
    if (const auto* x = std::get_if<A>(&a)) out.push_back(*x);
  return out;
}

}  // namespace vest::consensus::test
