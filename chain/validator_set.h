// The validator set: who certifies blocks and with how much voting power.
// Fixed by genesis and kept in the state under "chain/validators"; every block
// header carries the hash of the set that certifies it. The byte-level
// specification is docs/protocol.md (section 4, "Validator set").
//
//   validator set  = RLP[[address, power], ...]   addresses strictly ascending
//   validators hash = keccak256(validator set)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/address.h"
#include "chain/bytes.h"
#include "chain/state.h"

namespace vest {

constexpr std::string_view kValidatorsKey = "chain/validators";

struct Validator {
  Address address;
  uint64_t power = 0;  // > 0

  friend bool operator==(const Validator&, const Validator&) = default;
};

// Invariants: at least one validator; every power > 0; addresses distinct and
// in ascending byte order (the canonical order, which certificates follow);
// the total power fits in 64 bits. Only make() and decode() build one.
class ValidatorSet {
 public:
  ValidatorSet() = default;  // empty: no set yet (not a valid set for any rule)

  // Builds the set from validators in any order. Refuses (with `error` saying
  // which entry, by its position in `validators`) an empty list, a zero
  // power, a repeated address or a total power beyond 64 bits.
  static std::optional<ValidatorSet> make(std::vector<Validator> validators, std::string& error);

  // Strict decoding of the state encoding: refuses addresses out of order or
  // repeated, a zero power, an empty list and a total beyond 64 bits.
  static std::optional<ValidatorSet> decode(ByteView raw);

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

// The set in `state` (under kValidatorsKey), or nullopt when absent or not a
// valid encoding.
std::optional<ValidatorSet> read_validator_set(const StateReader& state);

}  // namespace vest
