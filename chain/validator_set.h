// The validator set: who certifies blocks and with how much voting power.
// Genesis names the first one; a change executed in block H certifies blocks
// from H + 2 on (kValidatorSetDelay). The state keeps every set with the
// height from which it certifies, so a certificate or evidence of any height
// is checked against the set of its height; every block header carries the
// hash of the set that certifies it. The byte-level specification is
// docs/protocol.md (section 4, "Validator set", and section 5).
//
//   validator set   = RLP[[address, power], ...]   addresses strictly ascending
//   validators hash = keccak256(validator set)
//   chain/valset/ ‖ (2^64 - 1 - from) u64 -> the set certifying blocks from height `from`
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/address.h"
#include "chain/bytes.h"
#include "chain/state.h"

namespace vest {

constexpr std::string_view kValidatorSetPrefix = "chain/valset/";
// The most validators a set may hold.
constexpr size_t kMaxValidators = 100;
// A set changed by block H certifies blocks from H + kValidatorSetDelay on, as
// in CometBFT: the set of H + 1 is already fixed while H executes, so the
// validators of H + 1 know who they are as soon as H is decided.
constexpr uint64_t kValidatorSetDelay = 2;

struct Validator {
  Address address;
  uint64_t power = 0;  // > 0

  friend bool operator==(const Validator&, const Validator&) = default;
};

// Invariants: 1 to kMaxValidators validators; every power > 0; addresses
// distinct and in ascending byte order (the canonical order, which
// certificates follow); the total power fits in 64 bits. Only make(),
// decode() and with_power() build one.
class ValidatorSet {
 public:
  ValidatorSet() = default;  // empty: no set yet (not a valid set for any rule)

  // Builds the set from validators in any order. Refuses (with `error` saying
  // which entry, by its position in `validators`) an empty list, more than
  // kMaxValidators, the zero address, a zero power, a repeated address or a
  // total power beyond 64 bits.
  static std::optional<ValidatorSet> make(std::vector<Validator> validators, std::string& error);

  // Strict decoding of the state encoding: refuses addresses out of order or
  // repeated, a zero power, an empty list, more than kMaxValidators and a
  // total beyond 64 bits.
  static std::optional<ValidatorSet> decode(ByteView raw);

  // This set with `address` at `power`: added when not a member, removed at
  // power 0. Refuses, with `error` saying why, a change that changes nothing
  // (the same power, or removing a non-member), the zero address, and one
  // that breaks an invariant (no validator left, more than kMaxValidators, a
  // total beyond 64 bits).
  std::optional<ValidatorSet> with_power(const Address& address, uint64_t power, std::string& error) const;

  Bytes encode() const;
  Hash hash() const;  // keccak256(encode())

  const std::vector<Validator>& validators() const { return validators_; }
  size_t size() const { return validators_.size(); }
  bool empty() const { return validators_.empty(); }
  uint64_t total_power() const { return total_; }
  // The position of `a` in canonical order, or nullopt when not a member.
  std::optional<size_t> index_of(const Address& a) const;
  bool contains(const Address& a) const { return index_of(a).has_value(); }

  friend bool operator==(const ValidatorSet&, const ValidatorSet&) = default;

 private:
  std::vector<Validator> validators_;
  uint64_t total_ = 0;
};

// A set and the first height it certifies.
struct ValidatorsAt {
  ValidatorSet set;
  uint64_t effective_from = 0;

  friend bool operator==(const ValidatorsAt&, const ValidatorsAt&) = default;
};

// The set that certifies block `height` in `state`: the entry with the highest
// `from` at most `height`. nullopt when there is none or it does not decode (a
// state that never had a genesis set, or a corrupt one). A state after block
// H knows the sets up to height H + kValidatorSetDelay; above that, the answer
// may still change.
std::optional<ValidatorsAt> validators_at(const StateReader& state, uint64_t height);
// The newest set in `state`, wherever it takes effect (nullopt as above).
std::optional<ValidatorsAt> latest_validators(const StateReader& state);
// Every set in `state`, newest first (none when an entry does not decode).
std::vector<ValidatorsAt> validator_history(const StateReader& state);

// Writes `set` as the one certifying blocks from `from` on.
void write_validators(State& state, uint64_t from, const ValidatorSet& set);
// Makes `set` the set of blocks from `height` + kValidatorSetDelay on, where
// `height` is the block executing the change.
void schedule_validators(State& state, uint64_t height, const ValidatorSet& set);

}  // namespace vest
