// The Tendermint consensus algorithm (Buchman, Kwon, Milosevic: "The latest
// gossip on BFT consensus", arXiv 1807.04938, Algorithm 1) as a deterministic
// state machine: the node hands it one input at a time and carries out the
// actions it returns. No I/O, clock, thread or randomness inside; the same
// inputs always give the same actions, which is what replaying a WAL relies
// on. The rules, timeouts and messages are in docs/protocol.md, section 10.
//
// Contract with the node:
// - Signatures are checked before input (consensus/messages.h, verify): the
//   core takes a message's signer as given. It checks everything else: chain
//   id, height, membership, that a proposal comes from its round's proposer.
// - Validity of a block is the node's to judge. The core asks once per block
//   hash and height (CheckValue) and waits for the answer (ValueChecked)
//   before prevoting, precommitting or deciding for that block.
// - BroadcastProposal and BroadcastVote name exactly what to sign. The node
//   signs, makes the signed message durable (WAL, fsync), sends it to its
//   peers and feeds it back as an input; only then does the core count it.
//   The core never asks for two different votes of one (height, round, type),
//   nor two proposals of one (height, round), and once it has been fed a vote
//   of its own validator it never asks for another of that (round, type).
// - A vote's time is the `now` of the input that caused it: recording inputs
//   with their `now` makes a replay ask for byte-identical votes.
// - Messages of another height are dropped; the node buffers or re-gossips.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <variant>
#include <vector>

#include "consensus/messages.h"
#include "consensus/proposer.h"
#include "consensus/vote_set.h"

namespace vest::consensus {

enum class Step : uint8_t { kPropose = 0, kPrevote = 1, kPrecommit = 2 };

// "propose", "prevote" or "precommit".
const char* to_string(Step s);

// A step's timeout: base_ms + delta_ms * round.
struct TimeoutParams {
  uint64_t base_ms = 0;
  uint64_t delta_ms = 0;
};

struct Timeouts {
  TimeoutParams propose{3000, 500};
  TimeoutParams prevote{1000, 500};
  TimeoutParams precommit{1000, 500};

  // The duration of `step`'s timeout in `round`, saturating at UINT64_MAX.
  uint64_t duration_ms(Step step, uint32_t round) const;
};

struct Config {
  uint64_t chain_id = 0;
  Timeouts timeouts;
  // A validator's messages are kept for at most this many rounds above the
  // current one (the rest are dropped), which bounds memory per validator.
  uint32_t max_future_rounds = 4;
};

// ---- Inputs ----

// Begin `height` with its validator set and proposer schedule (the priorities
// at the start of the height). `self` is this node's validator address, or
// nullopt for a node that follows without voting. Drops all state of the
// previous height.
struct StartHeight {
  uint64_t height = 0;
  ValidatorSet validators;
  ProposerSchedule schedule;
  std::optional<Address> self;
};

// A timeout scheduled earlier (ScheduleTimeout) has expired.
struct TimeoutFired {
  uint64_t height = 0;
  uint32_t round = 0;
  Step step = Step::kPropose;
};

// The node's answer to CheckValue.
struct ValueChecked {
  uint64_t height = 0;
  Hash block_hash;
  bool valid = false;
};

// The node's answer to RequestValue: a block it built for (height, round).
struct ValueReady {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
};

// The node's periodic timer for re-sending (Gossip).
struct GossipTick {};

using Event = std::variant<StartHeight, SignedProposal, SignedVote, TimeoutFired, ValueChecked, ValueReady, GossipTick>;

struct Input {
  uint64_t now = 0;  // the node's clock in seconds when it took the input; the time of votes it causes
  Event event;
};

// ---- Actions ----

// Sign `proposal`, persist it, send it to every peer, feed it back.
struct BroadcastProposal {
  Proposal proposal;
};

// Sign `vote`, persist it, send it to every peer, feed it back.
struct BroadcastVote {
  Vote vote;
};

// Feed TimeoutFired{height, round, step} after `duration_ms`.
struct ScheduleTimeout {
  uint64_t height = 0;
  uint32_t round = 0;
  Step step = Step::kPropose;
  uint64_t duration_ms = 0;
};

// Build a block for (height, round) and feed ValueReady with its hash.
struct RequestValue {
  uint64_t height = 0;
  uint32_t round = 0;
};

// Validate the block `block_hash` proposed at (height, round) and feed ValueChecked.
struct CheckValue {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
};

// `block_hash` is final at `height`: commit it with `certificate`, then feed
// StartHeight for the next height.
struct Decide {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
  Certificate certificate;
};

// Evidence: one validator signed two votes of one (height, round, type) for
// different blocks. `first` has the smaller block hash (canonical order).
struct Equivocation {
  SignedVote first;
  SignedVote second;
};

// Re-send these (already signed) messages to every peer: the current
// round's proposal, this validator's own votes of the current round, and the
// prevotes that justify the proposal's pol_round and this validator's valid
// value. What liveness needs when messages get lost.
struct Gossip {
  std::vector<SignedProposal> proposals;
  std::vector<SignedVote> votes;
};

using Action = std::variant<BroadcastProposal, BroadcastVote, ScheduleTimeout, RequestValue, CheckValue, Decide,
                            Equivocation, Gossip>;

// The state machine. A value: copying a Core copies its whole state.
class Core {
 public:
  // A core that ignores every input until its first StartHeight.
  explicit Core(Config config);

  // Takes one input and returns the actions it causes, in the order to carry
  // them out. Inputs before the first StartHeight are ignored; once the
  // height is decided, only a vote of it that conflicts with a vote held for
  // its round causes anything (an Equivocation).
  std::vector<Action> handle(const Input& input);

  bool started() const { return started_; }
  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  Step step() const { return step_; }
  // True once the height is decided (until the next StartHeight).
  bool decided() const { return decided_; }
  const std::optional<Hash>& locked_value() const { return locked_value_; }
  int64_t locked_round() const { return locked_round_; }  // -1: none
  const std::optional<Hash>& valid_value() const { return valid_value_; }
  int64_t valid_round() const { return valid_round_; }  // -1: none
  // The address of the proposer of `round` at the current height.
  const Address& proposer_of(uint32_t round);
  const Config& config() const { return config_; }

 private:
  // Everything received for one round of the current height.
  struct RoundState {
    std::optional<SignedProposal> proposal;   // the round's proposer's first proposal
    std::vector<SignedProposal> candidates;   // unchecked proposals of a future round, one per sender
    VoteSet prevotes;
    VoteSet precommits;
    std::vector<bool> heard;                  // by set position: sent anything for this round
    uint64_t heard_power = 0;
  };

  void start_height(const StartHeight& s);
  void on_proposal(const SignedProposal& p);
  void on_vote(const SignedVote& v);
  // A vote of the decided height: checked against the votes held (evidence), nothing else.
  void on_late_vote(const SignedVote& v);
  void report_equivocation(size_t index, const SignedVote& kept, const SignedVote& other);
  void on_timeout(const TimeoutFired& t);
  void on_value_ready(const ValueReady& v);
  void on_gossip_tick();

  // Runs the rules until none applies.
  void settle();
  bool try_decide();
  bool try_prevote();
  bool try_schedule_prevote_timeout();
  bool try_precommit_value();
  bool try_precommit_nil();
  bool try_schedule_precommit_timeout();
  bool try_round_skip();

  void start_round(uint32_t round);
  void propose(const Hash& block, int64_t pol_round);
  void cast_vote(VoteType type, const Hash& block);
  void adopt_own_vote(const SignedVote& v);
  void schedule(Step step);
  // The validity of `block`: true/false when known, nullopt while asked.
  std::optional<bool> validity(const Hash& block, uint32_t round);
  void accept_proposal(RoundState& rs, const SignedProposal& p);
  void settle_candidates(uint32_t round);
  size_t proposer_index(uint32_t round);
  RoundState& round_state(uint32_t round);
  bool admit(size_t index, uint32_t round);
  void hear(RoundState& rs, size_t index);

  Config config_;
  std::vector<Action> out_;
  uint64_t now_ = 0;

  bool started_ = false;
  uint64_t height_ = 0;
  uint32_t round_ = 0;
  Step step_ = Step::kPropose;
  bool decided_ = false;
  std::shared_ptr<const ValidatorSet> validators_;
  std::optional<size_t> self_;
  ProposerSchedule schedule_;        // advanced past the rounds in proposers_
  std::vector<size_t> proposers_;    // proposer position per round, computed so far

  std::optional<Hash> locked_value_;
  int64_t locked_round_ = -1;
  std::optional<Hash> valid_value_;
  int64_t valid_round_ = -1;

  std::map<uint32_t, RoundState> rounds_;
  std::vector<std::set<uint32_t>> rounds_heard_;   // by set position: rounds with a message kept
  std::set<Hash> known_values_;                    // blocks of the accepted proposals
  std::map<Hash, bool> validity_;
  std::set<Hash> validity_asked_;
  std::set<uint32_t> decision_rounds_;             // rounds where precommits reached 2/3 for a block
  std::map<std::pair<uint32_t, VoteType>, Vote> own_votes_;
  std::set<uint32_t> proposed_rounds_;
  std::set<std::tuple<size_t, uint32_t, VoteType>> equivocators_;
  int64_t prevote_timeout_round_ = -1;             // "for the first time" of lines 34, 36 and 47
  int64_t precommit_value_round_ = -1;
  int64_t precommit_timeout_round_ = -1;
};

}  // namespace vest::consensus
