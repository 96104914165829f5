#include "consensus/core.h"

#include <cassert>

#include "chain/amount.h"

// Comments "line N" refer to the numbered lines of Algorithm 1 of the paper.

namespace vest::consensus {
namespace {

const Hash kNil{};

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

bool known_vote_type(VoteType t) { return t == VoteType::kPrevote || t == VoteType::kPrecommit; }

}  // namespace

const char* to_string(Step s) {
  switch (s) {
    case Step::kPropose: return "propose";
    case Step::kPrevote: return "prevote";
    case Step::kPrecommit: return "precommit";
  }
  return "unknown";
}

uint64_t Timeouts::duration_ms(Step step, uint32_t round) const {
  const TimeoutParams& p = step == Step::kPropose ? propose : step == Step::kPrevote ? prevote : precommit;
  const u128 d = u128(p.base_ms) + u128(p.delta_ms) * round;  // < 2^97: no overflow
  return d > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(d);
}

Core::Core(Config config) : config_(config) {}

std::vector<Action> Core::handle(const Input& input) {
  out_.clear();
  now_ = input.now;
  if (const auto* s = std::get_if<StartHeight>(&input.event)) {
    start_height(*s);
  } else if (started_ && !decided_) {
    std::visit(Overloaded{
                   [](const StartHeight&) {},
                   [&](const SignedProposal& p) { on_proposal(p); },
                   [&](const SignedVote& v) { on_vote(v); },
                   [&](const TimeoutFired& t) { on_timeout(t); },
                   [&](const ValueChecked& c) {
                     if (c.height == height_ && validity_asked_.count(c.block_hash) && !validity_.count(c.block_hash))
                       validity_[c.block_hash] = c.valid;
                   },
                   [&](const ValueReady& v) { on_value_ready(v); },
                   [&](const GossipTick&) { on_gossip_tick(); },
               },
               input.event);
    settle();
  } else if (started_) {
    // Decided: no more steps at this height. A vote that comes late (queued
    // behind the decision, or in the pause after it) may still show its voter
    // signing two votes at one place.
    if (const auto* v = std::get_if<SignedVote>(&input.event)) on_late_vote(*v);
  }
  return std::move(out_);
}

const Address& Core::proposer_of(uint32_t round) {
  assert(started_);
  return validators_->validators()[proposer_index(round)].address;
}

void Core::start_height(const StartHeight& s) {
  assert(!s.validators.empty() && s.schedule.size() == s.validators.size());
  started_ = true;
  height_ = s.height;
  round_ = 0;
  step_ = Step::kPropose;
  decided_ = false;
  validators_ = std::make_shared<const ValidatorSet>(s.validators);
  self_ = s.self ? validators_->index_of(*s.self) : std::nullopt;
  schedule_ = s.schedule;
  proposers_.clear();
  locked_value_.reset();
  locked_round_ = -1;
  valid_value_.reset();
  valid_round_ = -1;
  rounds_.clear();
  rounds_heard_.assign(validators_->size(), {});
  known_values_.clear();
  validity_.clear();
  validity_asked_.clear();
  decision_rounds_.clear();
  own_votes_.clear();
  proposed_rounds_.clear();
  equivocators_.clear();
  prevote_timeout_round_ = -1;
  precommit_value_round_ = -1;
  precommit_timeout_round_ = -1;
  start_round(0);  // line 10
  settle();
}

void Core::on_proposal(const SignedProposal& sp) {
  const Proposal& p = sp.proposal;
  if (p.chain_id != config_.chain_id || p.height != height_) return;
  if (p.block_hash.is_zero() || (p.pol_round && *p.pol_round >= p.round)) return;  // not a usable proposal
  auto index = validators_->index_of(sp.proposer);
  if (!index || !admit(*index, p.round)) return;
  // An own proposal fed back, or found in the WAL after a restart: never another for its round.
  if (self_ && *index == *self_) proposed_rounds_.insert(p.round);
  if (p.round <= round_) {
    if (proposer_index(p.round) != *index) return;
    RoundState& rs = round_state(p.round);
    if (rs.proposal) return;  // the first proposal of a round counts
    hear(rs, *index);
    accept_proposal(rs, sp);
    return;
  }
  // A future round: who proposes there is checked once the round matters
  // (settle_candidates), so a far-off round costs nothing until then.
  RoundState& rs = round_state(p.round);
  for (const auto& c : rs.candidates)
    if (c.proposer == sp.proposer) return;
  rs.candidates.push_back(sp);
  hear(rs, *index);
}

void Core::on_vote(const SignedVote& sv) {
  const Vote& v = sv.vote;
  if (v.chain_id != config_.chain_id || v.height != height_ || !known_vote_type(v.type)) return;
  auto index = validators_->index_of(sv.voter);
  if (!index || !admit(*index, v.round)) return;
  RoundState& rs = round_state(v.round);
  VoteSet& set = v.type == VoteType::kPrevote ? rs.prevotes : rs.precommits;
  SignedVote kept;
  auto note_precommit_quorum = [&] {
    if (v.type == VoteType::kPrecommit && !v.block_hash.is_zero() && set.two_thirds_for(v.block_hash))
      decision_rounds_.insert(v.round);
  };
  switch (set.add(sv, &kept)) {
    case VoteAdd::kAdded:
      hear(rs, *index);
      note_precommit_quorum();
      if (self_ && *index == *self_) adopt_own_vote(sv);
      break;
    case VoteAdd::kConflict:
      // The vote counts only in the tally of its own block, and only for a
      // proposed block: the rules ask "2f+1 for v" of proposed values, and
      // this bounds what is kept.
      report_equivocation(*index, kept, sv);
      if (known_values_.count(v.block_hash) && set.add_conflicting(sv)) note_precommit_quorum();
      break;
    case VoteAdd::kDuplicate:
    case VoteAdd::kNotMember:
    case VoteAdd::kWrongVote:
      break;
  }
}

void Core::on_late_vote(const SignedVote& sv) {
  const Vote& v = sv.vote;
  if (v.chain_id != config_.chain_id || v.height != height_ || !known_vote_type(v.type)) return;
  auto index = validators_->index_of(sv.voter);
  auto rs = rounds_.find(v.round);
  if (!index || rs == rounds_.end()) return;  // a round this node kept nothing of: nothing to conflict with
  VoteSet& set = v.type == VoteType::kPrevote ? rs->second.prevotes : rs->second.precommits;
  SignedVote kept;
  if (set.add(sv, &kept) == VoteAdd::kConflict) report_equivocation(*index, kept, sv);
}

void Core::report_equivocation(size_t index, const SignedVote& kept, const SignedVote& other) {
  // Once per (validator, round, type), the pair in canonical order.
  if (!equivocators_.insert({index, other.vote.round, other.vote.type}).second) return;
  Equivocation e{kept, other};
  if (e.second.vote.block_hash < e.first.vote.block_hash) std::swap(e.first, e.second);
  out_.push_back(std::move(e));
}

// Lines 57-67: a timeout acts only while (height, round, step) still match.
void Core::on_timeout(const TimeoutFired& t) {
  if (t.height != height_ || t.round != round_) return;
  switch (t.step) {
    case Step::kPropose:
      if (step_ == Step::kPropose) {
        cast_vote(VoteType::kPrevote, kNil);
        step_ = Step::kPrevote;
      }
      break;
    case Step::kPrevote:
      if (step_ == Step::kPrevote) {
        cast_vote(VoteType::kPrecommit, kNil);
        step_ = Step::kPrecommit;
      }
      break;
    case Step::kPrecommit:
      if (round_ < UINT32_MAX) start_round(round_ + 1);
      break;
  }
}

// Line 18 answered: getValue() returned.
void Core::on_value_ready(const ValueReady& v) {
  if (v.height != height_ || v.round != round_ || step_ != Step::kPropose || v.block_hash.is_zero()) return;
  if (!self_ || proposer_index(round_) != *self_ || valid_value_) return;
  propose(v.block_hash, -1);
}

// What one correct node holds, all must get (the paper's gossip assumption):
// the current round's proposal and votes; the votes of each round in which
// some validator was last heard from below the current one (it may lack
// them to time out there, or to follow to this round); and the prevotes
// behind the proposal's POL and behind this node's valid value.
void Core::on_gossip_tick() {
  Gossip g;
  std::set<std::tuple<uint32_t, VoteType, Address, Hash>> sent;
  auto add = [&](const std::vector<SignedVote>& votes) {
    for (const auto& v : votes)
      if (sent.insert({v.vote.round, v.vote.type, v.voter, v.vote.block_hash}).second) g.votes.push_back(v);
  };
  auto add_round = [&](uint32_t round) {
    auto it = rounds_.find(round);
    if (it == rounds_.end()) return;
    const RoundState& rs = it->second;
    for (const VoteSet* set : {&rs.prevotes, &rs.precommits}) {
      add(set->votes());
      if (rs.proposal) add(set->votes_for(rs.proposal->proposal.block_hash));
    }
  };
  auto add_polka = [&](int64_t round, const Hash& block) {
    if (auto it = rounds_.find(static_cast<uint32_t>(round)); it != rounds_.end())
      add(it->second.prevotes.votes_for(block));
  };
  if (auto it = rounds_.find(round_); it != rounds_.end() && it->second.proposal) {
    const Proposal& p = it->second.proposal->proposal;
    g.proposals.push_back(*it->second.proposal);
    if (p.pol_round) add_polka(*p.pol_round, p.block_hash);
  }
  add_round(round_);
  std::set<uint32_t> behind;
  for (size_t i = 0; i < rounds_heard_.size(); ++i)
    if ((!self_ || i != *self_) && !rounds_heard_[i].empty() && *rounds_heard_[i].rbegin() < round_)
      behind.insert(*rounds_heard_[i].rbegin());
  for (uint32_t r : behind) add_round(r);
  if (valid_value_) add_polka(valid_round_, *valid_value_);
  if (!g.proposals.empty() || !g.votes.empty()) out_.push_back(std::move(g));
}

void Core::settle() {
  while (!decided_) {
    if (try_decide()) return;
    if (try_prevote() || try_schedule_prevote_timeout() || try_precommit_value() || try_precommit_nil() ||
        try_schedule_precommit_timeout() || try_round_skip())
      continue;
    return;
  }
}

// Line 49, for any round. The block itself is known from any accepted
// proposal of this height: the paper's proposal of round r serves only to
// know v, which the precommits name by hash.
bool Core::try_decide() {
  for (uint32_t r : decision_rounds_) {
    RoundState& rs = rounds_.at(r);
    if (!rs.candidates.empty()) settle_candidates(r);  // 2/3 precommitted there: the round matters
    for (const Hash& block : known_values_) {
      if (!rs.precommits.two_thirds_for(block)) continue;
      auto valid = validity(block, r);
      if (!valid || !*valid) continue;
      decided_ = true;
      out_.push_back(Decide{height_, r, block, rs.precommits.certificate(block)});
      return true;
    }
  }
  return false;
}

// Lines 22-33: prevote on the proposal of the current round.
bool Core::try_prevote() {
  if (step_ != Step::kPropose) return false;
  auto it = rounds_.find(round_);
  if (it == rounds_.end() || !it->second.proposal) return false;
  const Proposal& p = it->second.proposal->proposal;
  const Hash& v = p.block_hash;
  bool allowed;
  if (!p.pol_round) {  // line 22
    allowed = locked_round_ == -1 || locked_value_ == v;
  } else {  // line 28: needs 2f+1 prevotes for v in pol_round
    auto pol = rounds_.find(*p.pol_round);
    if (pol == rounds_.end() || !pol->second.prevotes.two_thirds_for(v)) return false;
    allowed = locked_round_ <= int64_t(*p.pol_round) || locked_value_ == v;
  }
  Hash choice = kNil;
  if (allowed) {
    auto valid = validity(v, round_);
    if (!valid) return false;  // wait for the node's answer
    if (*valid) choice = v;
  }
  cast_vote(VoteType::kPrevote, choice);
  step_ = Step::kPrevote;
  return true;
}

// Line 34.
bool Core::try_schedule_prevote_timeout() {
  if (step_ != Step::kPrevote || prevote_timeout_round_ == round_) return false;
  auto it = rounds_.find(round_);
  if (it == rounds_.end() || !it->second.prevotes.two_thirds_any()) return false;
  prevote_timeout_round_ = round_;
  schedule(Step::kPrevote);
  return true;
}

// Line 36: a polka for the round's proposal locks (in prevote) and sets the valid value.
bool Core::try_precommit_value() {
  if (step_ == Step::kPropose || precommit_value_round_ == round_) return false;
  auto it = rounds_.find(round_);
  if (it == rounds_.end() || !it->second.proposal) return false;
  const Hash& v = it->second.proposal->proposal.block_hash;
  if (!it->second.prevotes.two_thirds_for(v)) return false;
  auto valid = validity(v, round_);
  if (!valid || !*valid) return false;
  precommit_value_round_ = round_;
  if (step_ == Step::kPrevote) {
    locked_value_ = v;
    locked_round_ = round_;
    cast_vote(VoteType::kPrecommit, v);
    step_ = Step::kPrecommit;
  }
  valid_value_ = v;
  valid_round_ = round_;
  return true;
}

// Line 44.
bool Core::try_precommit_nil() {
  if (step_ != Step::kPrevote) return false;
  auto it = rounds_.find(round_);
  if (it == rounds_.end() || !it->second.prevotes.two_thirds_for(kNil)) return false;
  cast_vote(VoteType::kPrecommit, kNil);
  step_ = Step::kPrecommit;
  return true;
}

// Line 47.
bool Core::try_schedule_precommit_timeout() {
  if (precommit_timeout_round_ == round_) return false;
  auto it = rounds_.find(round_);
  if (it == rounds_.end() || !it->second.precommits.two_thirds_any()) return false;
  precommit_timeout_round_ = round_;
  schedule(Step::kPrecommit);
  return true;
}

// Line 55: f+1 of the power sent something for a higher round; go to the highest such round.
bool Core::try_round_skip() {
  for (auto it = rounds_.rbegin(); it != rounds_.rend() && it->first > round_; ++it) {
    if (more_than_one_third(it->second.heard_power, validators_->total_power())) {
      start_round(it->first);
      return true;
    }
  }
  return false;
}

// Lines 11-21. Every validator schedules the propose timeout, the proposer
// too (as CometBFT does): a proposer whose block never comes moves on.
void Core::start_round(uint32_t round) {
  round_ = round;
  step_ = Step::kPropose;
  for (auto it = rounds_.begin(); it != rounds_.end() && it->first <= round; ++it)
    if (!it->second.candidates.empty()) settle_candidates(it->first);
  if (self_ && proposer_index(round) == *self_ && !proposed_rounds_.count(round)) {
    if (valid_value_)
      propose(*valid_value_, valid_round_);
    else
      out_.push_back(RequestValue{height_, round});
  }
  schedule(Step::kPropose);
}

void Core::propose(const Hash& block, int64_t pol_round) {
  if (!proposed_rounds_.insert(round_).second) return;
  Proposal p{config_.chain_id, height_, round_, block, std::nullopt};
  if (pol_round >= 0) p.pol_round = static_cast<uint32_t>(pol_round);
  out_.push_back(BroadcastProposal{p});
}

void Core::cast_vote(VoteType type, const Hash& block) {
  if (!self_) return;
  auto key = std::make_pair(round_, type);
  if (own_votes_.count(key)) return;  // never two votes of one (height, round, type)
  Vote v{type, height_, round_, block, now_, config_.chain_id};
  own_votes_.emplace(key, v);
  out_.push_back(BroadcastVote{v});
}

// A vote of our own validator that this Core did not ask for: cast before a
// restart whose WAL lost the inputs that led to it (or by a second process
// with the same key). Behave as the validator that cast it: never vote
// otherwise in its (round, type), hold the lock it implies, and be in its step.
void Core::adopt_own_vote(const SignedVote& sv) {
  const Vote& v = sv.vote;
  if (!own_votes_.emplace(std::make_pair(v.round, v.type), v).second) return;
  if (v.type == VoteType::kPrecommit && !v.block_hash.is_zero() && int64_t(v.round) > locked_round_) {
    locked_value_ = v.block_hash;
    locked_round_ = v.round;
  }
  if (v.round > round_) start_round(v.round);
  if (v.round == round_) {
    const Step s = v.type == VoteType::kPrevote ? Step::kPrevote : Step::kPrecommit;
    if (step_ < s) step_ = s;
  }
}

void Core::schedule(Step step) {
  out_.push_back(ScheduleTimeout{height_, round_, step, config_.timeouts.duration_ms(step, round_)});
}

std::optional<bool> Core::validity(const Hash& block, uint32_t round) {
  if (auto it = validity_.find(block); it != validity_.end()) return it->second;
  if (validity_asked_.insert(block).second) out_.push_back(CheckValue{height_, round, block});
  return std::nullopt;
}

void Core::accept_proposal(RoundState& rs, const SignedProposal& p) {
  rs.proposal = p;
  known_values_.insert(p.proposal.block_hash);
  (void)validity(p.proposal.block_hash, p.proposal.round);  // ask early
}

void Core::settle_candidates(uint32_t round) {
  RoundState& rs = rounds_.at(round);
  const Address& proposer = validators_->validators()[proposer_index(round)].address;
  for (const auto& c : rs.candidates)
    if (c.proposer == proposer && !rs.proposal) accept_proposal(rs, c);
  rs.candidates.clear();
}

size_t Core::proposer_index(uint32_t round) {
  while (proposers_.size() <= round) proposers_.push_back(schedule_.run());
  return proposers_[round];
}

Core::RoundState& Core::round_state(uint32_t round) {
  auto it = rounds_.find(round);
  if (it == rounds_.end()) {
    it = rounds_
             .emplace(round, RoundState{std::nullopt,
                                        {},
                                        VoteSet(validators_, height_, round, VoteType::kPrevote),
                                        VoteSet(validators_, height_, round, VoteType::kPrecommit),
                                        std::vector<bool>(validators_->size()),
                                        0})
             .first;
  }
  return it->second;
}

// Rounds above the current one are kept for at most max_future_rounds per
// validator, so no validator can make this node hold unbounded state.
bool Core::admit(size_t index, uint32_t round) {
  auto& heard = rounds_heard_[index];
  if (heard.count(round)) return true;
  if (round > round_) {
    const auto ahead = std::distance(heard.upper_bound(round_), heard.end());
    if (ahead >= static_cast<std::ptrdiff_t>(config_.max_future_rounds)) return false;
  }
  heard.insert(round);
  return true;
}

void Core::hear(RoundState& rs, size_t index) {
  if (rs.heard[index]) return;
  rs.heard[index] = true;
  rs.heard_power += validators_->validators()[index].power;
}

}  // namespace vest::consensus
