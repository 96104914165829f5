// Messages of the bank contract and their encodings (docs/protocol.md,
// "Messages"). Wallets build these; only contracts/bank executes them.
#pragma once

#include <string>

#include "chain/address.h"
#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/status.h"

namespace vest::bank {

// Moves `amount` base units of `asset` from the sender to `to`.
// payload = RLP[to (20 bytes), asset symbol, amount]
constexpr uint64_t kTransferKind = 1;

struct Transfer {
  Address to;
  std::string asset;
  Amount amount = 0;

  Bytes encode() const;
  // Strict decode; the values are checked by the contract.
  static Status decode(ByteView payload, Transfer& out);
};

// Rejection codes of the bank contract (100..199).
enum class Code : uint32_t {
  kInsufficientFunds = 100,
  kUnknownAsset = 101,
  kZeroAmount = 102,
  kOverflow = 103,
  kMalformedPayload = 104,
  kModuleAccount = 105,  // the recipient is a keyless module account
};

Status reject(Code code, std::string message);

}  // namespace vest::bank
