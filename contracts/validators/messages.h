// Messages of the validators contract and their encodings (docs/protocol.md,
// "Messages"). Wallets build these; only contracts/validators executes them.
#pragma once

#include "chain/address.h"
#include "chain/bytes.h"
#include "chain/status.h"

namespace vest::validators {

// Sets one validator's voting power from block H + 2 on, where H is the block
// that executes it: adds the validator when it is not in the set, removes it
// at power 0. Only the genesis `validator_admin` may send it.
// payload = RLP[validator (20 bytes), power u64]
constexpr uint64_t kSetPowerKind = 40;

struct SetPower {
  Address validator;
  uint64_t power = 0;

  Bytes encode() const;
  // Strict decode; the values are checked by the contract.
  static Status decode(ByteView payload, SetPower& out);
};

// Rejection codes of the validators contract (500..599).
enum class Code : uint32_t {
  kNotAdmin = 500,        // the sender is not the validator admin
  kSetFixed = 501,        // the genesis names no validator admin: the set never changes
  kInvalidChange = 502,   // the change breaks a rule of validator sets or changes nothing
  kMalformedPayload = 503,
};

const char* reason_of(Code code);
Status reject(Code code, std::string message);

}  // namespace vest::validators
