// Validator set changes by the genesis `validator_admin`: one message sets one
// validator's power (docs/protocol.md, section 4, "Validator set changes").
// The sets themselves are chain/'s (chain/validator_set.h): this contract
// decides who may change them and schedules the change there, for blocks from
// H + 2 on; what makes a set valid (at least one validator, at most 100, no
// zero power, a total within 64 bits) is ValidatorSet's, and a change that
// breaks it is refused with no state change. The contract keeps no state of
// its own: the admin is a chain parameter (chain/params), handed over by
// contracts/roles.
//
// Events: validators.power_set {validator, power, previous, effectiveHeight},
// naming the validator and the admin.
#pragma once

#include "chain/contract.h"
#include "contracts/validators/messages.h"

namespace vest::validators {

class Validators : public Contract {
 public:
  std::string_view name() const override { return "validators"; }
  std::vector<uint64_t> kinds() const override { return {kSetPowerKind}; }
  // Reads nothing: the genesis `validators` and `validator_admin` are chain/'s.
  Status init_genesis(State& state, const boost::json::object& genesis) override;
  Status check(uint64_t kind, ByteView payload) const override;
  Status apply(Context& ctx, uint64_t kind, ByteView payload) override;
};

}  // namespace vest::validators
