// The validator's key with its signer state (consensus/sign_state.h): every
// proposal and vote signature is recorded durably before it is returned, and
// nothing that would conflict with an earlier signature is signed, whatever
// the process went through in between. The key stays here: chain/ never sees
// it, and no log line or error names it. Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "chain/block.h"
#include "chain/certificate.h"
#include "consensus/messages.h"
#include "consensus/sign_state.h"

namespace vest::consensus {

class Signer {
 public:
  // The signer of `key` (a valid secp256k1 secret key) with the state kept in
  // `state_file`; nullptr with `error` when the state cannot be read.
  static std::unique_ptr<Signer> open(const PrivateKey& key, const std::filesystem::path& state_file,
                                      std::string& error);

  // The address that signatures of this signer recover to.
  const Address& address() const { return address_; }

  // Signs `vote` (docs/protocol.md, "Votes and certificates"). A vote of the
  // last signed height, round and type that differs only in its time gets the
  // signature recorded then, and `vote.time` is set to that time: a restarted
  // validator that rebuilt the vote at another moment sends what it signed
  // before. Refuses (false, `error` says why) a vote before the last signed
  // one, a different vote at its place, and everything once stopped.
  bool sign_vote(Vote& vote, Signature& sig, std::string& error);
  // Signs `proposal`, with the same rules (the same proposal again gets the
  // same signature).
  bool sign_proposal(const Proposal& proposal, Signature& sig, std::string& error);
  // The proposer signature of a block's header (block_signing_digest). Not
  // recorded: the proposal that names the block is.
  Signature sign_block(const Hash& block_hash) const;

  // Refuses every signature from now on (this process): another process signs
  // with this key. Keeps the first reason; true when this call stopped it.
  bool stop(const std::string& reason);
  // Why signing stopped; empty while it goes on.
  std::string stopped() const;
  // The last signature recorded, if any.
  std::optional<SignRecord> last() const;

 private:
  Signer(const PrivateKey& key, SignState state) : key_(key), address_(address_of(key)), state_(std::move(state)) {}
  bool sign_recorded(uint64_t height, uint32_t round, SignStep step, uint64_t time, const Bytes& sign_bytes,
                     const Hash& digest, Signature& sig, std::string& error);

  const PrivateKey key_;
  const Address address_;
  mutable std::mutex mutex_;
  SignState state_;      // guarded by mutex_
  std::string stopped_;  // guarded by mutex_
};

}  // namespace vest::consensus
