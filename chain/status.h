// Typed results for validation and execution. A rejected transaction carries a
// stable numeric code and a snake_case reason a client can switch on, plus a
// message a person can read. Codes are grouped by who defines them:
//   1..99     chain (encoding, signature, nonce, fee)   chain/status.h
//   100..199  bank                                        contracts/bank/
//   200..299  sale                                        contracts/sale/
//   300..399  vesting                                     contracts/vesting/
//   400..499  staking                                     contracts/staking/
//   500..599  validators                                  contracts/validators/
// The full table is in docs/rpc.md ("Rejection codes").
#pragma once

#include <cstdint>
#include <string>

namespace vest {

struct [[nodiscard]] Status {
  uint32_t code = 0;   // 0 = ok
  std::string reason;  // stable snake_case name of the rule, empty when ok
  std::string message;

  bool ok() const { return code == 0; }
  static Status success() { return {}; }
};

// Rules checked by chain/ itself.
enum class ChainCode : uint32_t {
  kMalformed = 1,         // bytes do not decode as a canonical transaction
  kTooLarge = 2,          // transaction larger than max_tx_bytes
  kWrongChainId = 3,
  kBadSignature = 4,      // out-of-range r/s/v or no signer recovers
  kHighS = 5,             // s in the upper half of the group order
  kNonceTooLow = 6,       // already used (replay)
  kNonceTooHigh = 7,      // gap after the account's next nonce
  kFeeTooLow = 8,         // below the genesis minimum fee
  kInsufficientFee = 9,   // cannot pay the fee in the native token
  kUnknownKind = 10,      // no contract handles this message kind
  kMempoolFull = 11,
  kSenderQueueFull = 12,  // too many pending transactions from one sender
  kAlreadyKnown = 13,     // the same transaction is already pending or committed
  kReplacementUnderpriced = 14,
};

Status reject(ChainCode code, std::string message);
const char* reason_of(ChainCode code);

}  // namespace vest
