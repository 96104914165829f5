#include "contracts/validators/messages.h"

#include "chain/rlp.h"

namespace vest::validators {

const char* reason_of(Code code) {
  switch (code) {
    case Code::kNotAdmin: return "not_validator_admin";
    case Code::kSetFixed: return "validator_set_fixed";
    case Code::kInvalidChange: return "invalid_validator_change";
    case Code::kMalformedPayload: return "malformed_payload";
  }
  return "unknown";
}

Status reject(Code code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

Bytes SetPower::encode() const {
  rlp::Encoder e;
  e.begin_list().fixed(validator).uint(power).end_list();
  return e.finish();
}

Status SetPower::decode(ByteView payload, SetPower& out) {
  rlp::ListReader r(payload);
  SetPower m;
  m.validator = r.fixed<20>();
  m.power = r.u64();
  if (!r.done())
    return reject(Code::kMalformedPayload, std::string("set_power payload: ") + rlp::to_string(r.error()));
  out = m;
  return Status::success();
}

}  // namespace vest::validators
