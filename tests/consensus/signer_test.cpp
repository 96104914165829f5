// The validator's signer: a signature leaves only after its record is on disk;
// nothing conflicting is ever signed, across restarts and SIGKILLs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "chain/keccak.h"
#include "consensus/signer.h"
#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::consensus;

namespace {

const PrivateKey kKey = *PrivateKey::from(keccak256(as_bytes("signer test validator")).view());

Hash block(uint64_t n) { return keccak256(as_bytes("block " + std::to_string(n))); }

Vote vote_of(VoteType type, uint64_t h, uint32_t r, const Hash& b, uint64_t time = 1700000000) {
  return Vote{type, h, r, b, time, 7357};
}

}  // namespace

TEST_CASE("signer: the same vote gets the same signature, another at its place or before is refused",
          "[consensus][signer]") {
  test::TempDir dir;
  std::string error;
  auto signer = Signer::open(kKey, dir.path() / "signer_state.json", error);
  REQUIRE(signer);
  CHECK(signer->address() == address_of(kKey));

  Vote prevote = vote_of(VoteType::kPrevote, 4, 0, block(1));
  Signature first, again;
  REQUIRE(signer->sign_vote(prevote, first, error));
  CHECK(verify(SignedVote{prevote, signer->address(), first}));
  Vote same = prevote;
  REQUIRE(signer->sign_vote(same, again, error));
  CHECK(again == first);

  // Rebuilt later (a restart): only the time differs, so the earlier vote is what gets signed.
  Vote later = vote_of(VoteType::kPrevote, 4, 0, block(1), 1700000099);
  REQUIRE(signer->sign_vote(later, again, error));
  CHECK(later.time == prevote.time);
  CHECK(again == first);

  Vote other = vote_of(VoteType::kPrevote, 4, 0, block(2));
  Signature sig;
  CHECK_FALSE(signer->sign_vote(other, sig, error));
  CHECK(error == "refused to sign a prevote of height 4 round 0: this validator signed another one there");
  Vote nil = vote_of(VoteType::kPrevote, 4, 0, Hash{});
  CHECK_FALSE(signer->sign_vote(nil, sig, error));

  // On to the precommit, then nothing of the prevote step again.
  Vote precommit = vote_of(VoteType::kPrecommit, 4, 0, block(1));
  REQUIRE(signer->sign_vote(precommit, sig, error));
  Vote old = prevote;
  CHECK_FALSE(signer->sign_vote(old, sig, error));
  CHECK(error ==
        "refused to sign a prevote of height 4 round 0: this validator already signed a precommit of height 4 round 0");

  // Proposals come before votes in a round.
  Proposal p{7357, 4, 1, block(3), std::nullopt};
  REQUIRE(signer->sign_proposal(p, sig, error));
  CHECK(verify(SignedProposal{p, signer->address(), sig}));
  Signature psig = sig;
  REQUIRE(signer->sign_proposal(p, sig, error));
  CHECK(sig == psig);
  Proposal p2{7357, 4, 1, block(4), std::nullopt};
  CHECK_FALSE(signer->sign_proposal(p2, sig, error));
  Proposal pol = p;
  pol.pol_round = 0;  // the same block with another POL round is another proposal
  CHECK_FALSE(signer->sign_proposal(pol, sig, error));
}

TEST_CASE("signer: a restarted signer refuses what would conflict with the signatures before", "[consensus][signer]") {
  test::TempDir dir;
  const auto state = dir.path() / "signer_state.json";
  std::string error;
  Signature sig;
  {
    auto signer = Signer::open(kKey, state, error);
    REQUIRE(signer);
    Vote v = vote_of(VoteType::kPrecommit, 9, 2, block(9));
    REQUIRE(signer->sign_vote(v, sig, error));
  }
  auto signer = Signer::open(kKey, state, error);
  REQUIRE(signer);
  Vote v = vote_of(VoteType::kPrecommit, 9, 2, block(10));
  Signature other;
  CHECK_FALSE(signer->sign_vote(v, other, error));
  Vote same = vote_of(VoteType::kPrecommit, 9, 2, block(9), 1800000000);
  REQUIRE(signer->sign_vote(same, other, error));
  CHECK(other == sig);
  Vote next = vote_of(VoteType::kPrevote, 9, 3, block(10));
  CHECK(signer->sign_vote(next, other, error));
}

TEST_CASE("signer: once stopped, nothing is signed", "[consensus][signer]") {
  test::TempDir dir;
  std::string error;
  auto signer = Signer::open(kKey, dir.path() / "signer_state.json", error);
  REQUIRE(signer);
  signer->stop("a block signed by this key came from a peer");
  signer->stop("a second reason");
  CHECK(signer->stopped() == "a block signed by this key came from a peer");
  Vote v = vote_of(VoteType::kPrevote, 1, 0, block(1));
  Signature sig;
  CHECK_FALSE(signer->sign_vote(v, sig, error));
  CHECK(error == "signing stopped: a block signed by this key came from a peer");
  CHECK_FALSE(signer->last());
}

// A child process signs votes as fast as it can and reports each signature it
// released through a pipe; it is killed with SIGKILL at a random moment. The
// restarted signer must refuse a different vote at every place the child
// reported, and at every place before: a signature never leaves before its record.
TEST_CASE("signer: SIGKILL at any moment never lets a released signature be contradicted", "[consensus][signer]") {
  test::TempDir dir;
  const auto state = dir.path() / "signer_state.json";
  std::mt19937_64 rng(20261204);
  uint64_t reported = 0;
  for (int kill = 0; kill < 20; ++kill) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      std::string error;
      auto signer = Signer::open(kKey, state, error);
      if (!signer) ::_exit(3);
      const uint64_t start = signer->last() ? signer->last()->height + 1 : 1;
      for (uint64_t h = start;; ++h) {
        for (VoteType t : {VoteType::kPrevote, VoteType::kPrecommit}) {
          Vote v = vote_of(t, h, 0, block(h));
          Signature sig;
          if (!signer->sign_vote(v, sig, error)) ::_exit(4);
          // Released: tell the world.
          if (::write(fds[1], &h, sizeof h) != sizeof h) ::_exit(5);
        }
      }
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 30000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    uint64_t h = 0;
    while (::read(fds[0], &h, sizeof h) == sizeof h) reported = std::max(reported, h);
    ::close(fds[0]);

    std::string error;
    auto signer = Signer::open(kKey, state, error);
    INFO(error);
    REQUIRE(signer);
    if (reported == 0) continue;
    REQUIRE(signer->last());
    CHECK(signer->last()->height >= reported);
    // A conflicting vote at the last place reported, or at any before it, is refused.
    for (uint64_t at : {reported, reported > 1 ? reported - 1 : reported}) {
      Vote conflicting = vote_of(VoteType::kPrevote, at, 0, block(at + 1000000));
      Signature sig;
      CHECK_FALSE(signer->sign_vote(conflicting, sig, error));
    }
  }
  CHECK(reported > 0);
}
