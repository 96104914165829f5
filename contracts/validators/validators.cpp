#include "contracts/validators/validators.h"

#include <cassert>

#include "chain/executor.h"
#include "chain/validator_set.h"

namespace vest::validators {

Status Validators::init_genesis(State& state, const boost::json::object& genesis) {
  (void)state;
  (void)genesis;
  return Status::success();
}

Status Validators::check(uint64_t kind, ByteView payload) const {
  assert(kind == kSetPowerKind);
  (void)kind;
  SetPower m;
  if (Status s = SetPower::decode(payload, m); !s.ok()) return s;
  if (m.validator.is_zero()) return reject(Code::kInvalidChange, "the zero address cannot be a validator");
  return Status::success();
}

Status Validators::apply(Context& ctx, uint64_t kind, ByteView payload) {
  if (Status s = check(kind, payload); !s.ok()) return s;
  SetPower m;
  (void)SetPower::decode(payload, m);
  auto params = read_params(ctx.state);
  assert(params && "the state holds the chain parameters from genesis on");
  if (!params->validator_admin)
    return reject(Code::kSetFixed, "the genesis names no validator_admin: this chain's validator set never changes");
  if (ctx.sender != *params->validator_admin)
    return reject(Code::kNotAdmin, "only the validator admin " + to_checksum(*params->validator_admin) +
                                       " changes the validator set");
  // The newest set, which a change earlier in this block or in the previous
  // one may have scheduled and not yet in effect.
  auto latest = latest_validators(ctx.state);
  assert(latest && "the state holds a validator set from genesis on");
  std::string error;
  auto next = latest->set.with_power(m.validator, m.power, error);
  if (!next) return reject(Code::kInvalidChange, error);
  const auto index = latest->set.index_of(m.validator);
  const uint64_t previous = index ? latest->set.validators()[*index].power : 0;
  schedule_validators(ctx.state, ctx.block.height, *next);
  ctx.emit(Event{"validators.power_set",
                 {m.validator, ctx.sender},
                 {{"validator", to_checksum(m.validator)},
                  {"power", std::to_string(m.power)},
                  {"previous", std::to_string(previous)},
                  {"effectiveHeight", std::to_string(ctx.block.height + kValidatorSetDelay)}}});
  return Status::success();
}

}  // namespace vest::validators
