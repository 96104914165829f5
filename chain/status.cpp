#include "chain/status.h"

namespace vest {

const char* reason_of(ChainCode code) {
  switch (code) {
    case ChainCode::kMalformed: return "malformed";
    case ChainCode::kTooLarge: return "too_large";
    case ChainCode::kWrongChainId: return "wrong_chain_id";
    case ChainCode::kBadSignature: return "bad_signature";
    case ChainCode::kHighS: return "high_s";
    case ChainCode::kNonceTooLow: return "nonce_too_low";
    case ChainCode::kNonceTooHigh: return "nonce_too_high";
    case ChainCode::kFeeTooLow: return "fee_too_low";
    case ChainCode::kInsufficientFee: return "insufficient_fee";
    case ChainCode::kUnknownKind: return "unknown_kind";
    case ChainCode::kMempoolFull: return "mempool_full";
    case ChainCode::kSenderQueueFull: return "sender_queue_full";
    case ChainCode::kAlreadyKnown: return "already_known";
    case ChainCode::kReplacementUnderpriced: return "replacement_underpriced";
  }
  return "unknown";
}

Status reject(ChainCode code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

}  // namespace vest
