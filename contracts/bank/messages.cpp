#include "contracts/bank/messages.h"

#include "chain/rlp.h"

namespace vest::bank {

Status reject(Code code, std::string message) {
  const char* reason = "unknown";
  switch (code) {
    case Code::kInsufficientFunds: reason = "insufficient_funds"; break;
    case Code::kUnknownAsset: reason = "unknown_asset"; break;
    case Code::kZeroAmount: reason = "zero_amount"; break;
    case Code::kOverflow: reason = "overflow"; break;
    case Code::kMalformedPayload: reason = "malformed_payload"; break;
    case Code::kModuleAccount: reason = "module_account"; break;
  }
  return Status{static_cast<uint32_t>(code), reason, std::move(message)};
}

Bytes Transfer::encode() const {
  rlp::Encoder e;
  e.begin_list().fixed(to).str(asset).uint(amount).end_list();
  return e.finish();
}

Status Transfer::decode(ByteView payload, Transfer& out) {
  rlp::ListReader r(payload);
  Transfer t;
  t.to = r.fixed<20>();
  t.asset = r.str();
  t.amount = r.u128v();
  if (!r.done()) return reject(Code::kMalformedPayload, std::string("transfer payload: ") + rlp::to_string(r.error()));
  out = std::move(t);
  return Status::success();
}

}  // namespace vest::bank
