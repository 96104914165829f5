#include "consensus/signer.h"

namespace vest::consensus {

std::unique_ptr<Signer> Signer::open(const PrivateKey& key, const std::filesystem::path& state_file,
                                     std::string& error) {
  auto state = SignState::load(state_file, error);
  if (!state) return nullptr;
  return std::unique_ptr<Signer>(new Signer(key, std::move(*state)));
}

namespace {

std::string place(uint64_t height, uint32_t round, SignStep step) {
  return std::string(to_string(step)) + " of height " + std::to_string(height) + " round " + std::to_string(round);
}

}  // namespace

bool Signer::sign_recorded(uint64_t height, uint32_t round, SignStep step, uint64_t time, const Bytes& sign_bytes,
                           const Hash& digest, Signature& sig, std::string& error) {
  if (!stopped_.empty()) {
    error = "signing stopped: " + stopped_;
    return false;
  }
  switch (state_.check(height, round, step, sign_bytes)) {
    case SignDecision::kSame:
      sig = state_.last()->sig;
      return true;
    case SignDecision::kRegression:
      error = "refused to sign a " + place(height, round, step) + ": this validator already signed a " +
              place(state_.last()->height, state_.last()->round, state_.last()->step);
      return false;
    case SignDecision::kConflict:
      error = "refused to sign a " + place(height, round, step) + ": this validator signed another one there";
      return false;
    case SignDecision::kSign:
      break;
  }
  SignRecord record{height, round, step, time, sign_bytes, sign(key_, digest)};
  if (!state_.record(record, error)) return false;
  sig = record.sig;
  return true;
}

bool Signer::sign_vote(Vote& vote, Signature& sig, std::string& error) {
  const SignStep step = vote.type == VoteType::kPrevote ? SignStep::kPrevote : SignStep::kPrecommit;
  std::lock_guard lock(mutex_);
  const auto& last = state_.last();
  if (last && last->height == vote.height && last->round == vote.round && last->step == step &&
      last->time != vote.time) {
    Vote at_last_time = vote;
    at_last_time.time = last->time;
    if (at_last_time.sign_bytes() == last->sign_bytes) vote.time = last->time;
  }
  return sign_recorded(vote.height, vote.round, step, vote.time, vote.sign_bytes(), vote.signing_digest(), sig,
                       error);
}

bool Signer::sign_proposal(const Proposal& proposal, Signature& sig, std::string& error) {
  std::lock_guard lock(mutex_);
  return sign_recorded(proposal.height, proposal.round, SignStep::kProposal, 0, proposal.sign_bytes(),
                       proposal.signing_digest(), sig, error);
}

Signature Signer::sign_block(const Hash& block_hash) const { return sign(key_, block_signing_digest(block_hash)); }

bool Signer::stop(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (!stopped_.empty()) return false;
  stopped_ = reason;
  return true;
}

std::string Signer::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

std::optional<SignRecord> Signer::last() const {
  std::lock_guard lock(mutex_);
  return state_.last();
}

}  // namespace vest::consensus
