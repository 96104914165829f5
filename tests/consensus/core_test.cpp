// The consensus core rule by rule (the line numbers are those of Algorithm 1
// of arXiv 1807.04938): one validator's Core driven with messages signed by
// real keys, checking the actions it answers with.
#include <catch2/catch.hpp>

#include "tests/consensus/consensus_util.h"

using namespace vest;
using namespace vest::consensus;
using namespace vest::consensus::test;

namespace {

const Hash kNil{};

Timeouts test_timeouts() {
  Timeouts t;
  t.propose = {40, 10};
  t.prevote = {10, 5};
  t.precommit = {10, 5};
  return t;
}

// One validator's Core and what it asked for. Own proposals and votes are
// signed and fed back, as the node does.
struct Node {
  const Committee& c;
  std::optional<size_t> self;
  Core core{Config{kChainId, test_timeouts(), 4}};
  uint64_t now = 1000;
  std::vector<Action> log;  // every action so far

  Node(const Committee& committee, std::optional<size_t> self_index) : c(committee), self(self_index) {}

  std::vector<Action> in(Event e) {
    std::vector<Action> all;
    std::vector<Event> queue{std::move(e)};
    for (size_t i = 0; i < queue.size(); ++i) {
      auto actions = core.handle({now, queue[i]});
      for (const auto& a : actions) {
        if (const auto* v = std::get_if<BroadcastVote>(&a)) queue.push_back(c.sign_vote(*self, v->vote));
        if (const auto* p = std::get_if<BroadcastProposal>(&a)) queue.push_back(c.sign_proposal(*self, p->proposal));
      }
      all.insert(all.end(), actions.begin(), actions.end());
    }
    log.insert(log.end(), all.begin(), all.end());
    return all;
  }
  std::vector<Action> start(uint64_t height = 1) { return in(c.start(height, self)); }
  std::vector<Action> timeout(uint32_t round, Step step, uint64_t height = 1) {
    return in(TimeoutFired{height, round, step});
  }
  std::vector<Action> valid(const Hash& block, bool ok = true, uint64_t height = 1) {
    return in(ValueChecked{height, block, ok});
  }
  // Prevotes (or precommits) from the validators at `from` for `block`.
  std::vector<Action> votes(VoteType type, std::vector<size_t> from, uint32_t round, const Hash& block,
                            uint64_t height = 1) {
    std::vector<Action> all;
    for (size_t i : from) {
      auto a = in(c.vote(i, type, height, round, block));
      all.insert(all.end(), a.begin(), a.end());
    }
    return all;
  }
};

std::vector<Vote> votes_cast(const std::vector<Action>& actions) {
  std::vector<Vote> out;
  for (const auto& b : only<BroadcastVote>(actions)) out.push_back(b.vote);
  return out;
}

bool cast(const std::vector<Action>& actions, VoteType type, uint32_t round, const Hash& block) {
  for (const auto& v : votes_cast(actions))
    if (v.type == type && v.round == round && v.block_hash == block) return true;
  return false;
}

bool scheduled(const std::vector<Action>& actions, uint32_t round, Step step) {
  for (const auto& t : only<ScheduleTimeout>(actions))
    if (t.round == round && t.step == step) return true;
  return false;
}

// Four validators of power 1: at height 1 the proposer of round r is
// position r % 4 (all priorities start at zero, ties go to the lower
// address). The tested node is position 3.
const Committee& four() {
  static const Committee c({1, 1, 1, 1});
  return c;
}

}  // namespace

TEST_CASE("timeouts grow per round and saturate", "[consensus][core]") {
  Timeouts t = test_timeouts();
  CHECK(t.duration_ms(Step::kPropose, 0) == 40);
  CHECK(t.duration_ms(Step::kPropose, 3) == 70);
  CHECK(t.duration_ms(Step::kPrevote, 2) == 20);
  CHECK(t.duration_ms(Step::kPrecommit, 4) == 30);
  Timeouts defaults;
  CHECK(defaults.duration_ms(Step::kPropose, 2) == 4000);
  t.precommit = {UINT64_MAX - 1, UINT64_MAX};
  CHECK(t.duration_ms(Step::kPrecommit, 0) == UINT64_MAX - 1);
  CHECK(t.duration_ms(Step::kPrecommit, 1) == UINT64_MAX);
}

TEST_CASE("a single validator proposes, votes and decides with a certificate", "[consensus][core]") {
  Committee c({5});
  Node n(c, 0);
  auto a = n.start(1);
  REQUIRE(only<RequestValue>(a).size() == 1);
  CHECK(only<RequestValue>(a)[0].round == 0);
  CHECK(scheduled(a, 0, Step::kPropose));

  const Hash b = value("solo");
  a = n.in(ValueReady{1, 0, b});
  REQUIRE(only<BroadcastProposal>(a).size() == 1);
  CHECK(only<BroadcastProposal>(a)[0].proposal == Proposal{kChainId, 1, 0, b, std::nullopt});
  REQUIRE(only<CheckValue>(a).size() == 1);  // its own block is checked like any other
  CHECK(votes_cast(a).empty());

  a = n.valid(b);
  CHECK(cast(a, VoteType::kPrevote, 0, b));
  CHECK(cast(a, VoteType::kPrecommit, 0, b));
  REQUIRE(only<Decide>(a).size() == 1);
  const Decide d = only<Decide>(a)[0];
  CHECK(d.height == 1);
  CHECK(d.round == 0);
  CHECK(d.block_hash == b);
  auto check = verify_certificate(d.certificate, c.set, kChainId, 1, b);
  INFO(check.message);
  CHECK(check.ok());
  CHECK(n.core.decided());
  CHECK(n.core.locked_value() == b);

  // Decided: nothing more happens at this height.
  CHECK(n.timeout(0, Step::kPrecommit).empty());
  // The next height starts afresh.
  a = n.start(2);
  CHECK_FALSE(n.core.decided());
  CHECK(n.core.height() == 2);
  CHECK(n.core.locked_round() == -1);
  CHECK(only<RequestValue>(a).size() == 1);
}

TEST_CASE("line 22: prevote a valid proposal, nil for an invalid one, after the node's answer", "[consensus][core]") {
  Node n(four(), 3);
  n.start();
  const Hash b = value("b");
  auto a = n.in(four().proposal(0, 1, 0, b));
  REQUIRE(only<CheckValue>(a).size() == 1);
  CHECK(only<CheckValue>(a)[0].block_hash == b);
  CHECK(votes_cast(a).empty());  // waits for the answer
  CHECK(n.core.step() == Step::kPropose);

  SECTION("valid") {
    a = n.valid(b);
    CHECK(cast(a, VoteType::kPrevote, 0, b));
    CHECK(n.core.step() == Step::kPrevote);
  }
  SECTION("invalid") {
    a = n.valid(b, false);
    CHECK(cast(a, VoteType::kPrevote, 0, kNil));
  }
  SECTION("an answer for another block or height changes nothing") {
    CHECK(n.in(ValueChecked{1, value("other"), true}).empty());
    CHECK(n.in(ValueChecked{2, b, true}).empty());
    CHECK(n.core.step() == Step::kPropose);
  }
}

TEST_CASE("proposals that do not count", "[consensus][core]") {
  Node n(four(), 3);
  n.start();
  const Hash b = value("b");
  SECTION("from another validator than the round's proposer") {
    CHECK(n.in(four().proposal(1, 1, 0, b)).empty());
  }
  SECTION("for another height or chain") {
    CHECK(n.in(four().proposal(0, 2, 0, b)).empty());
    CHECK(n.in(four().sign_proposal(0, Proposal{kChainId + 1, 1, 0, b, std::nullopt})).empty());
  }
  SECTION("from a non-member") {
    Committee outsider({1}, "outsider");
    CHECK(n.in(outsider.proposal(0, 1, 0, b)).empty());
  }
  SECTION("for nil, or with a POL round not below its round") {
    CHECK(n.in(four().proposal(0, 1, 0, kNil)).empty());
    CHECK(n.in(four().proposal(0, 1, 0, b, 0)).empty());
  }
  // None of them made the node ask for validity or vote; the real one still counts.
  CHECK(n.core.step() == Step::kPropose);
  auto a = n.in(four().proposal(0, 1, 0, b));
  CHECK(only<CheckValue>(a).size() == 1);
}

TEST_CASE("timeouts act only while height, round and step match (lines 57-67)", "[consensus][core]") {
  Node n(four(), 3);
  n.start();
  // Stale or foreign timeouts do nothing.
  CHECK(n.timeout(0, Step::kPrevote).empty());
  CHECK(n.timeout(1, Step::kPropose).empty());
  CHECK(n.timeout(0, Step::kPropose, 2).empty());
  // Propose timeout in propose: prevote nil.
  auto a = n.timeout(0, Step::kPropose);
  CHECK(cast(a, VoteType::kPrevote, 0, kNil));
  CHECK(n.core.step() == Step::kPrevote);
  CHECK(n.timeout(0, Step::kPropose).empty());  // already past propose
  // Prevote timeout in prevote: precommit nil.
  a = n.timeout(0, Step::kPrevote);
  CHECK(cast(a, VoteType::kPrecommit, 0, kNil));
  CHECK(n.core.step() == Step::kPrecommit);
  // Precommit timeout: the next round, with a longer propose timeout.
  a = n.timeout(0, Step::kPrecommit);
  CHECK(n.core.round() == 1);
  CHECK(n.core.step() == Step::kPropose);
  REQUIRE(only<ScheduleTimeout>(a).size() == 1);
  CHECK(only<ScheduleTimeout>(a)[0].duration_ms == 50);
  CHECK(n.timeout(0, Step::kPrecommit).empty());  // round 0 is over
  // Round 3 is this node's: it asks for a block.
  n.timeout(1, Step::kPropose);
  n.timeout(1, Step::kPrevote);
  n.timeout(1, Step::kPrecommit);
  n.timeout(2, Step::kPropose);
  n.timeout(2, Step::kPrevote);
  a = n.timeout(2, Step::kPrecommit);
  CHECK(n.core.round() == 3);
  REQUIRE(only<RequestValue>(a).size() == 1);
  CHECK(only<RequestValue>(a)[0].round == 3);
  // A value for a past round is ignored; one for this round is proposed.
  CHECK(n.in(ValueReady{1, 2, value("late")}).empty());
  a = n.in(ValueReady{1, 3, value("mine")});
  REQUIRE(only<BroadcastProposal>(a).size() == 1);
  CHECK(only<BroadcastProposal>(a)[0].proposal.round == 3);
}

TEST_CASE("lines 34, 44, 47: polka of mixed votes, nil polka, precommits of anything", "[consensus][core]") {
  Node n(four(), 3);
  n.start();
  n.timeout(0, Step::kPropose);  // prevote nil
  // Three prevotes (with its own) for different things: more than 2/3 for anything.
  auto a = n.votes(VoteType::kPrevote, {0}, 0, value("x"));
  CHECK_FALSE(scheduled(a, 0, Step::kPrevote));
  a = n.votes(VoteType::kPrevote, {1}, 0, value("y"));
  CHECK(scheduled(a, 0, Step::kPrevote));
  CHECK(n.core.step() == Step::kPrevote);  // no polka for one value
  // Once only.
  a = n.votes(VoteType::kPrevote, {2}, 0, kNil);
  CHECK_FALSE(scheduled(a, 0, Step::kPrevote));

  SECTION("2f+1 nil prevotes precommit nil") {
    Node m(four(), 3);
    m.start();
    m.timeout(0, Step::kPropose);
    a = m.votes(VoteType::kPrevote, {0, 1}, 0, kNil);
    CHECK(cast(a, VoteType::kPrecommit, 0, kNil));
    CHECK(m.core.step() == Step::kPrecommit);
    CHECK(m.core.locked_round() == -1);
  }
  SECTION("2f+1 precommits of anything schedule the precommit timeout once") {
    n.timeout(0, Step::kPrevote);  // precommit nil
    a = n.votes(VoteType::kPrecommit, {0}, 0, value("x"));
    CHECK_FALSE(scheduled(a, 0, Step::kPrecommit));
    a = n.votes(VoteType::kPrecommit, {1}, 0, kNil);
    CHECK(scheduled(a, 0, Step::kPrecommit));
    a = n.votes(VoteType::kPrecommit, {2}, 0, kNil);
    CHECK_FALSE(scheduled(a, 0, Step::kPrecommit));
    CHECK(n.core.round() == 0);
  }
}

TEST_CASE("locking: a polka locks, and another block is then prevoted nil until a newer POL", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  const Hash b = value("b"), w = value("w");
  n.in(c.proposal(0, 1, 0, b));
  n.valid(b);  // prevote b
  // Line 36: polka for b in prevote: lock, precommit b, valid value b.
  auto a = n.votes(VoteType::kPrevote, {0, 1}, 0, b);
  CHECK(cast(a, VoteType::kPrecommit, 0, b));
  CHECK(n.core.locked_value() == b);
  CHECK(n.core.locked_round() == 0);
  CHECK(n.core.valid_value() == b);
  CHECK(n.core.valid_round() == 0);
  // No decision: precommits go elsewhere; round 1.
  n.votes(VoteType::kPrecommit, {0, 1}, 0, kNil);
  n.timeout(0, Step::kPrecommit);
  REQUIRE(n.core.round() == 1);

  // Round 1: the proposer offers w afresh. Locked on b: prevote nil (line 26), even though w is valid.
  a = n.in(c.proposal(1, 1, 1, w));
  n.valid(w);
  CHECK(cast(n.log, VoteType::kPrevote, 1, kNil));
  CHECK_FALSE(cast(n.log, VoteType::kPrevote, 1, w));

  SECTION("a polka for w in round 1 relocks on w (line 36)") {
    n.votes(VoteType::kPrevote, {0, 1, 2}, 1, w);
    // Line 36 in prevote: the polka for w in this round relocks on w.
    CHECK(cast(n.log, VoteType::kPrecommit, 1, w));
    CHECK(n.core.locked_value() == w);
    CHECK(n.core.locked_round() == 1);
  }
  SECTION("a POL round without a polka for the block: wait, then prevote nil") {
    n.votes(VoteType::kPrevote, {0, 1}, 1, kNil);  // nil polka: precommit nil
    CHECK(cast(n.log, VoteType::kPrecommit, 1, kNil));
    n.timeout(1, Step::kPrecommit);
    REQUIRE(n.core.round() == 2);
    // Round 2's proposer offers w with "pol_round 0", but the polka of round 0 was for b.
    a = n.in(c.proposal(2, 1, 2, w, 0));
    CHECK(votes_cast(a).empty());  // line 28 needs 2f+1 prevotes for w in round 0: waits
    a = n.timeout(2, Step::kPropose);
    CHECK(cast(a, VoteType::kPrevote, 2, kNil));
    CHECK(n.core.locked_value() == b);
  }
  SECTION("b re-proposed with its POL round is prevoted (line 28, locked value)") {
    n.votes(VoteType::kPrevote, {0, 1}, 1, kNil);
    n.timeout(1, Step::kPrecommit);
    a = n.in(c.proposal(2, 1, 2, b, 0));
    CHECK(cast(a, VoteType::kPrevote, 2, b));
  }
}

TEST_CASE("line 28: a POL at or above the lock round unlocks", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  const Hash b = value("b"), w = value("w");
  n.in(c.proposal(0, 1, 0, b));
  n.valid(b);
  n.votes(VoteType::kPrevote, {0, 1}, 0, b);  // locked on b in round 0
  REQUIRE(n.core.locked_round() == 0);
  n.votes(VoteType::kPrecommit, {0, 1}, 0, kNil);
  n.timeout(0, Step::kPrecommit);
  // Round 1: a polka for w that this node missed the proposal of (it prevotes nil on timeout).
  n.timeout(1, Step::kPropose);
  n.votes(VoteType::kPrevote, {0, 1, 2}, 1, w);
  CHECK(n.core.locked_value() == b);  // no proposal for w known in round 1: line 36 does not apply
  n.votes(VoteType::kPrecommit, {0, 1}, 1, kNil);
  n.timeout(1, Step::kPrecommit);
  REQUIRE(n.core.round() == 2);
  // Round 2: w with pol_round 1 >= locked round 0, and 2f+1 prevotes for w in round 1.
  auto a = n.in(c.proposal(2, 1, 2, w, 1));
  CHECK(votes_cast(a).empty());  // validity of w first
  a = n.valid(w);
  CHECK(cast(a, VoteType::kPrevote, 2, w));
}

TEST_CASE("line 28: a POL older than the lock round does not unlock", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  const Hash b = value("b"), w = value("w");
  // Round 0: this node misses the proposal and precommits nil; a polka for w forms without it.
  n.timeout(0, Step::kPropose);
  n.timeout(0, Step::kPrevote);
  n.votes(VoteType::kPrevote, {0, 1, 2}, 0, w);
  CHECK(n.core.locked_round() == -1);
  n.timeout(0, Step::kPrecommit);
  // Round 1: b, with a polka: locked on b in round 1.
  n.in(c.proposal(1, 1, 1, b));
  n.valid(b);
  n.votes(VoteType::kPrevote, {0, 1}, 1, b);
  REQUIRE(n.core.locked_value() == b);
  REQUIRE(n.core.locked_round() == 1);
  n.votes(VoteType::kPrecommit, {0, 1}, 1, kNil);
  n.timeout(1, Step::kPrecommit);
  REQUIRE(n.core.round() == 2);
  // Round 2: w with its real POL of round 0, older than the lock: prevote nil, valid or not.
  auto a = n.in(c.proposal(2, 1, 2, w, 0));
  a = n.valid(w);
  CHECK(cast(n.log, VoteType::kPrevote, 2, kNil));
  CHECK_FALSE(cast(n.log, VoteType::kPrevote, 2, w));
  CHECK(n.core.locked_value() == b);
}

TEST_CASE("line 36 after precommitting nil updates the valid value without locking", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  const Hash b = value("b");
  n.timeout(0, Step::kPropose);  // prevote nil before the proposal arrived
  n.timeout(0, Step::kPrevote);  // and precommit nil
  REQUIRE(n.core.step() == Step::kPrecommit);
  n.in(c.proposal(0, 1, 0, b));
  n.valid(b);
  n.votes(VoteType::kPrevote, {0, 1, 2}, 0, b);
  CHECK(n.core.valid_value() == b);
  CHECK(n.core.valid_round() == 0);
  CHECK(n.core.locked_round() == -1);
  CHECK_FALSE(cast(n.log, VoteType::kPrecommit, 0, b));

  SECTION("as proposer it later offers its valid value with the valid round as POL round") {
    for (uint32_t r = 0; r < 3; ++r) {
      n.timeout(r, Step::kPropose);
      n.timeout(r, Step::kPrevote);
      n.timeout(r, Step::kPrecommit);
    }
    REQUIRE(n.core.round() == 3);  // this node's round
    auto proposals = only<BroadcastProposal>(n.log);
    REQUIRE(proposals.size() == 1);
    CHECK(proposals[0].proposal.block_hash == b);
    CHECK(proposals[0].proposal.pol_round == 0u);
    CHECK(only<RequestValue>(n.log).empty());  // no new block asked for
  }
}

TEST_CASE("line 49: a decision at an earlier round while in a later one", "[consensus][core]") {
  const Committee& c = four();
  const Hash b = value("b");
  auto to_round_1 = [&](Node& n) {
    n.start();
    n.in(c.proposal(0, 1, 0, b));
    n.valid(b);                    // prevote b
    n.timeout(0, Step::kPrevote);  // no polka seen: precommit nil
    n.timeout(0, Step::kPrecommit);
    REQUIRE(n.core.round() == 1);
  };
  SECTION("three of four precommits of round 0 for b decide b at round 0") {
    Node n(c, 3);
    to_round_1(n);
    auto a = n.votes(VoteType::kPrecommit, {0, 1}, 0, b);
    CHECK(only<Decide>(a).empty());
    a = n.votes(VoteType::kPrecommit, {2}, 0, b);
    REQUIRE(only<Decide>(a).size() == 1);
    const Decide d = only<Decide>(a)[0];
    CHECK(d.round == 0);
    CHECK(d.block_hash == b);
    REQUIRE(d.certificate.entries.size() == 4);
    CHECK_FALSE(d.certificate.entries[3]);  // its own precommit of round 0 was nil
    CHECK(verify_certificate(d.certificate, c.set, kChainId, 1, b).ok());
  }
  SECTION("an equivocator counts once for the block, and only for a proposed block") {
    Node n(c, 3);
    to_round_1(n);
    n.votes(VoteType::kPrecommit, {0}, 0, kNil);
    auto a = n.votes(VoteType::kPrecommit, {0}, 0, b);  // 0 also precommits b: evidence, counted for b
    CHECK(only<Equivocation>(a).size() == 1);
    n.votes(VoteType::kPrecommit, {0}, 0, b);  // again: still once
    a = n.votes(VoteType::kPrecommit, {1}, 0, b);
    CHECK(only<Decide>(a).empty());  // b: 0 and 1, two of four
    a = n.votes(VoteType::kPrecommit, {2}, 0, b);
    REQUIRE(only<Decide>(a).size() == 1);
    const Certificate cert = only<Decide>(a)[0].certificate;
    CHECK(cert.entries[0]);
    auto check = verify_certificate(cert, c.set, kChainId, 1, b);
    INFO(check.message);
    CHECK(check.ok());
  }
  SECTION("a conflicting vote for a block not yet proposed is dropped, and counts once it is re-sent") {
    const Hash z = value("z");
    Node n(c, 3);
    to_round_1(n);
    n.votes(VoteType::kPrecommit, {0}, 0, kNil);
    n.votes(VoteType::kPrecommit, {0}, 0, z);  // z is nobody's proposal yet: not counted
    n.in(c.proposal(1, 1, 1, z));              // round 1's proposer offers z
    n.valid(z);
    auto a = n.votes(VoteType::kPrecommit, {1, 2}, 0, z);
    CHECK(only<Decide>(a).empty());  // 1 and 2 only
    a = n.votes(VoteType::kPrecommit, {0}, 0, z);  // gossip brings 0's z again
    REQUIRE(only<Decide>(a).size() == 1);
    CHECK(only<Decide>(a)[0].block_hash == z);
    CHECK(only<Decide>(a)[0].round == 0);
  }
}

TEST_CASE("decision needs the block and its validity", "[consensus][core]") {
  const Committee& c = four();
  const Hash b = value("b");
  SECTION("precommits for an unknown block: no decision until its proposal arrives") {
    Node n(c, 3);
    n.start();
    auto a = n.votes(VoteType::kPrecommit, {0, 1, 2}, 0, b);
    CHECK(only<Decide>(a).empty());
    a = n.in(c.proposal(0, 1, 0, b));
    CHECK(only<Decide>(a).empty());
    CHECK(only<CheckValue>(a).size() == 1);
    a = n.valid(b);
    REQUIRE(only<Decide>(a).size() == 1);
    CHECK(only<Decide>(a)[0].round == 0);
    CHECK(verify_certificate(only<Decide>(a)[0].certificate, c.set, kChainId, 1, b).ok());
  }
  SECTION("an invalid block is never decided") {
    Node n(c, 3);
    n.start();
    n.in(c.proposal(0, 1, 0, b));
    n.valid(b, false);
    auto a = n.votes(VoteType::kPrecommit, {0, 1, 2}, 0, b);
    CHECK(only<Decide>(a).empty());
    CHECK_FALSE(n.core.decided());
  }
  SECTION("a decision in a later round than the node's, found with the round's proposal") {
    Node n(c, 3);
    n.start();
    // Round 2's proposal and precommits arrive while the node is in round 0.
    n.in(c.proposal(2, 1, 2, b));
    auto a = n.votes(VoteType::kPrecommit, {0, 1, 2}, 2, b);
    // The precommits of round 2 took it there (f+1), and the block is checked.
    CHECK(n.core.round() == 2);
    a = n.valid(b);
    REQUIRE(only<Decide>(a).size() == 1);
    CHECK(only<Decide>(a)[0].round == 2);
  }
}

TEST_CASE("line 55: skip to a round where more than 1/3 of the power sent something", "[consensus][core]") {
  Committee c({1, 1, 1, 3});  // total 6: two of power 1 are exactly 1/3
  size_t big = 0;
  std::vector<size_t> small;
  for (size_t i = 0; i < 4; ++i) {
    if (c.set.validators()[i].power == 3)
      big = i;
    else
      small.push_back(i);
  }
  Node n(c, small[0]);
  n.start();
  n.votes(VoteType::kPrevote, {small[1]}, 5, kNil);
  CHECK(n.core.round() == 0);
  n.votes(VoteType::kPrecommit, {small[2]}, 5, kNil);
  CHECK(n.core.round() == 0);  // exactly 1/3: not enough
  SECTION("a third sender goes over 1/3") {
    auto a = n.votes(VoteType::kPrevote, {big}, 5, kNil);
    CHECK(n.core.round() == 5);
    CHECK(n.core.step() == Step::kPropose);
    CHECK(scheduled(a, 5, Step::kPropose));
  }
  SECTION("a proposal counts as a message of its round") {
    uint32_t round = 1;
    while (n.core.proposer_of(round) != c.addr(big)) ++round;
    n.in(c.proposal(big, 1, round, value("p")));
    CHECK(n.core.round() == round);
  }
  SECTION("messages of lower rounds never move it back") {
    n.votes(VoteType::kPrevote, {big, small[1]}, 7, kNil);
    REQUIRE(n.core.round() == 7);
    n.votes(VoteType::kPrevote, {big}, 5, kNil);
    CHECK(n.core.round() == 7);
  }
}

TEST_CASE("a validator's messages are kept for a bounded number of future rounds", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  // Validator 0 floods rounds 10..19; only its first 4 future rounds are kept.
  for (uint32_t r = 10; r < 20; ++r) n.votes(VoteType::kPrevote, {0}, r, kNil);
  // With validator 1 in round 15 (not kept for 0), nothing reaches 1/3... 2 of 4 would.
  n.votes(VoteType::kPrevote, {1}, 15, kNil);
  CHECK(n.core.round() == 0);
  // In round 13 (kept for 0), two of four: more than 1/3.
  n.votes(VoteType::kPrevote, {1}, 13, kNil);
  CHECK(n.core.round() == 13);
  // Now 0's kept future rounds are fewer: its later messages count again.
  n.votes(VoteType::kPrevote, {0, 1}, 16, kNil);
  CHECK(n.core.round() == 16);
}

TEST_CASE("equivocation: reported once, in canonical order, and the equivocator counts once per block",
          "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  const Hash x = value("x"), y = value("y");
  n.in(c.proposal(0, 1, 0, y));
  n.valid(y);  // own prevote y
  auto a = n.in(c.prevote(1, 1, 0, x));
  CHECK(only<Equivocation>(a).empty());
  CHECK(n.in(c.prevote(1, 1, 0, x)).empty());  // the same vote again is no evidence
  a = n.in(c.prevote(1, 1, 0, y));
  auto ev = only<Equivocation>(a);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].first.vote.block_hash < ev[0].second.vote.block_hash);
  CHECK(ev[0].first.voter == c.addr(1));
  CHECK((ev[0].first == c.prevote(1, 1, 0, x) || ev[0].second == c.prevote(1, 1, 0, x)));
  CHECK((ev[0].first == c.prevote(1, 1, 0, y) || ev[0].second == c.prevote(1, 1, 0, y)));
  CHECK(only<Equivocation>(n.in(c.prevote(1, 1, 0, value("z")))).empty());  // reported once

  // 1's vote for y (the proposal) counts for y, once: y has 3 and 1, two of four.
  CHECK(n.in(c.prevote(1, 1, 0, y)).empty());
  CHECK(n.core.step() == Step::kPrevote);
  // 2's vote makes three of four for y: a polka. "Anything" counted 1 once (x): 3 of 4 too.
  a = n.votes(VoteType::kPrevote, {2}, 0, y);
  CHECK(scheduled(a, 0, Step::kPrevote));
  CHECK(cast(a, VoteType::kPrecommit, 0, y));

  // A precommit of the same round is another (round, type): its own report.
  n.in(c.precommit(1, 1, 0, x));
  CHECK(only<Equivocation>(n.in(c.precommit(1, 1, 0, kNil))).size() == 1);
}

TEST_CASE("a decided height still reports a late vote that conflicts with one it holds, and does nothing else",
          "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  const Hash b = value("b"), x = value("x");
  n.in(c.proposal(0, 1, 0, b));
  n.valid(b);
  n.votes(VoteType::kPrevote, {0, 1}, 0, b);
  auto a = n.votes(VoteType::kPrecommit, {0, 1}, 0, b);
  REQUIRE(only<Decide>(a).size() == 1);
  REQUIRE(n.core.decided());

  // Validator 1 prevoted and precommitted b; its votes for x arrive after the decision.
  a = n.in(c.prevote(1, 1, 0, x));
  REQUIRE(a.size() == 1);
  auto ev = only<Equivocation>(a);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].first.voter == c.addr(1));
  CHECK((ev[0].first == c.prevote(1, 1, 0, x) || ev[0].second == c.prevote(1, 1, 0, x)));
  CHECK((ev[0].first == c.prevote(1, 1, 0, b) || ev[0].second == c.prevote(1, 1, 0, b)));
  CHECK(n.in(c.prevote(1, 1, 0, value("z"))).empty());  // reported once
  a = n.in(c.precommit(1, 1, 0, kNil));
  CHECK(a.size() == 1);
  CHECK(only<Equivocation>(a).size() == 1);

  // Anything else changes nothing: a first vote, the same vote again, a vote of a
  // round or height it kept nothing of, a timeout, a proposal.
  CHECK(n.in(c.precommit(2, 1, 0, b)).empty());
  CHECK(n.in(c.prevote(0, 1, 0, b)).empty());
  CHECK(n.votes(VoteType::kPrevote, {0, 1, 2}, 7, kNil).empty());
  CHECK(n.in(c.prevote(0, 2, 0, x)).empty());
  CHECK(n.timeout(0, Step::kPrecommit).empty());
  CHECK(n.in(c.proposal(1, 1, 1, x)).empty());
  CHECK(n.core.decided());
  CHECK(n.core.height() == 1);
  CHECK(n.core.round() == 0);
}

TEST_CASE("votes that do not count: another chain, height, type, or a non-member", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  n.timeout(0, Step::kPropose);
  Committee outsider({1, 1}, "outsider");
  n.in(outsider.prevote(0, 1, 0, kNil));
  n.in(outsider.prevote(1, 1, 0, kNil));
  n.in(c.sign_vote(0, Vote{VoteType::kPrevote, 1, 0, kNil, 1000, kChainId + 1}));
  n.in(c.prevote(1, 2, 0, kNil));
  n.in(c.sign_vote(2, Vote{static_cast<VoteType>(7), 1, 0, kNil, 1000, kChainId}));
  CHECK(n.core.step() == Step::kPrevote);  // none of them counted
  auto a = n.votes(VoteType::kPrevote, {0, 1}, 0, kNil);
  CHECK(cast(a, VoteType::kPrecommit, 0, kNil));
}

TEST_CASE("never two own votes of one (round, type)", "[consensus][core]") {
  const Committee& c = four();
  SECTION("a timeout after voting asks for nothing") {
    Node n(c, 3);
    n.start();
    n.in(c.proposal(0, 1, 0, value("b")));
    n.valid(value("b"));
    REQUIRE(cast(n.log, VoteType::kPrevote, 0, value("b")));
    CHECK(votes_cast(n.timeout(0, Step::kPropose)).empty());
  }
  SECTION("an own vote from an earlier life (WAL) is adopted: same step, no other vote, and its lock") {
    Node n(c, 3);
    n.start();
    const Hash b = value("b");
    // Before the restart the node prevoted and precommitted b in round 1; the inputs that led there were lost.
    auto a = n.in(c.precommit(3, 1, 1, b));
    CHECK(n.core.round() == 1);
    CHECK(n.core.step() == Step::kPrecommit);
    CHECK(n.core.locked_value() == b);
    CHECK(n.core.locked_round() == 1);
    n.in(c.prevote(3, 1, 1, b));
    CHECK(votes_cast(n.timeout(1, Step::kPropose)).empty());
    CHECK(votes_cast(n.timeout(1, Step::kPrevote)).empty());
    // Round 2: another block afresh is prevoted nil (locked on b).
    n.timeout(1, Step::kPrecommit);
    n.in(c.proposal(2, 1, 2, value("w")));
    n.valid(value("w"));
    CHECK(cast(n.log, VoteType::kPrevote, 2, kNil));
    for (const auto& v : votes_cast(n.log)) CHECK(v.round == 2);  // nothing cast in round 1
  }
}

TEST_CASE("an own proposal from an earlier life: no second proposal for its round", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 1);  // the proposer of round 1
  n.start();
  const Hash b = value("b");
  // The WAL holds this validator's proposal and prevote of round 1; what led there was lost.
  auto a = n.in(c.proposal(1, 1, 1, b));
  a = n.in(c.prevote(1, 1, 1, b));
  CHECK(n.core.round() == 1);
  CHECK(n.core.step() == Step::kPrevote);
  CHECK(only<RequestValue>(n.log).empty());
  CHECK(only<BroadcastProposal>(n.log).empty());
  // Its block is checked like any other; nothing new is proposed when the node offers a value.
  CHECK(only<CheckValue>(n.log).size() == 1);
  CHECK(n.in(ValueReady{1, 1, value("another")}).empty());
}

TEST_CASE("a node without a validator key follows and decides without voting", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, std::nullopt);
  n.start();
  const Hash b = value("b");
  n.in(c.proposal(0, 1, 0, b));
  n.valid(b);
  n.votes(VoteType::kPrevote, {0, 1, 2}, 0, b);
  auto a = n.votes(VoteType::kPrecommit, {0, 1, 2}, 0, b);
  REQUIRE(only<Decide>(a).size() == 1);
  CHECK(votes_cast(n.log).empty());
  CHECK(only<RequestValue>(n.log).empty());
}

TEST_CASE("gossip forwards the round's proposal and votes, the rounds of validators behind, and POL prevotes",
          "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  n.start();
  CHECK(n.in(GossipTick{}).empty());  // nothing yet
  const Hash b = value("b");
  n.in(c.proposal(0, 1, 0, b));
  n.valid(b);
  auto g = only<Gossip>(n.in(GossipTick{}));
  REQUIRE(g.size() == 1);
  CHECK(g[0].proposals == std::vector<SignedProposal>{c.proposal(0, 1, 0, b)});
  CHECK(g[0].votes == std::vector<SignedVote>{c.prevote(3, 1, 0, b)});

  n.votes(VoteType::kPrevote, {0, 1}, 0, b);  // polka: lock, precommit, valid value
  n.votes(VoteType::kPrecommit, {0, 1}, 0, kNil);
  n.timeout(0, Step::kPrecommit);
  REQUIRE(n.core.round() == 1);
  // Validators 0 and 1 were last heard in round 0: everything of round 0 is forwarded.
  g = only<Gossip>(n.in(GossipTick{}));
  REQUIRE(g.size() == 1);
  CHECK(g[0].proposals.empty());
  std::vector<SignedVote> round0 = {c.prevote(0, 1, 0, b), c.prevote(1, 1, 0, b), c.prevote(3, 1, 0, b),
                                    c.precommit(0, 1, 0, kNil), c.precommit(1, 1, 0, kNil),
                                    c.precommit(3, 1, 0, b)};
  auto same_votes = [](std::vector<SignedVote> x, std::vector<SignedVote> y) {
    auto key = [](const SignedVote& v) { return std::make_tuple(v.vote.round, v.vote.type, v.voter, v.vote.block_hash); };
    auto less = [&](const SignedVote& p, const SignedVote& q) { return key(p) < key(q); };
    std::sort(x.begin(), x.end(), less);
    std::sort(y.begin(), y.end(), less);
    return x == y;
  };
  CHECK(same_votes(g[0].votes, round0));

  // Round 1's proposer re-offers b with POL 0; 0 and 1 are now heard in round 1.
  n.in(c.proposal(1, 1, 1, b, 0));  // own prevote b (locked on b)
  n.votes(VoteType::kPrevote, {0}, 1, b);
  g = only<Gossip>(n.in(GossipTick{}));
  REQUIRE(g.size() == 1);
  CHECK(g[0].proposals == std::vector<SignedProposal>{c.proposal(1, 1, 1, b, 0)});
  // Round 1's votes and the POL of round 0; round 0's precommits no longer.
  CHECK(same_votes(g[0].votes, {c.prevote(0, 1, 1, b), c.prevote(3, 1, 1, b), c.prevote(0, 1, 0, b),
                                c.prevote(1, 1, 0, b), c.prevote(3, 1, 0, b)}));
}

TEST_CASE("the same inputs give the same actions (replay)", "[consensus][core]") {
  const Committee& c = four();
  Node n(c, 3);
  std::vector<Event> inputs;
  auto feed = [&](Event e) {
    inputs.push_back(e);
    return n.core.handle({n.now, e});
  };
  std::vector<std::vector<Action>> first;
  const Hash b = value("b");
  first.push_back(feed(c.start(1, 3)));
  first.push_back(feed(c.proposal(0, 1, 0, b)));
  first.push_back(feed(ValueChecked{1, b, true}));
  first.push_back(feed(c.prevote(3, 1, 0, b)));
  first.push_back(feed(c.prevote(0, 1, 0, b)));
  first.push_back(feed(c.prevote(1, 1, 0, value("other"))));
  first.push_back(feed(TimeoutFired{1, 0, Step::kPrevote}));
  first.push_back(feed(c.prevote(2, 1, 0, b)));
  first.push_back(feed(c.precommit(1, 1, 0, kNil)));
  first.push_back(feed(TimeoutFired{1, 0, Step::kPrecommit}));
  Core again(Config{kChainId, test_timeouts(), 4});
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto actions = again.handle({n.now, inputs[i]});
    INFO("input " << i);
    REQUIRE(actions.size() == first[i].size());
    for (size_t j = 0; j < actions.size(); ++j) CHECK(actions[j].index() == first[i][j].index());
    CHECK(votes_cast(actions) == votes_cast(first[i]));
  }
  CHECK(again.round() == n.core.round());
  CHECK(again.step() == n.core.step());
  CHECK(again.locked_round() == n.core.locked_round());
}
