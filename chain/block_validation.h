// The rules a block must satisfy to follow the head, one value per rule, in
// the order Chain::validate checks them (docs/protocol.md, section 4).
#pragma once

#include <cstdint>
#include <string>

#include "chain/status.h"

namespace vest {

enum class [[nodiscard]] BlockValidation : uint8_t {
  kOk = 0,
  kBadEncoding,           // the bytes are not one strict block encoding (trailing bytes included)
  kWrongChainId,          // header chain id is not the chain's
  kWrongHeight,           // height is not the head's + 1
  kWrongParent,           // parent hash is not the head's hash
  kTimeBeforeParent,      // time is before the head's time
  kWrongProposer,         // proposer is not the chain's validator
  kBadSignature,          // the signature is malformed, high-S or recovers to another address
  kTooManyTxs,            // more than max_block_txs transactions
  kTooLarge,              // transactions add up to more than max_block_bytes
  kTxRootMismatch,        // tx_root is not the list root of the transactions' hashes
  kBadTransaction,        // a transaction breaks a rule of protocol section 3 (1-5) at its position
  kReceiptsRootMismatch,  // receipts_root differs from the executed receipts'
  kStateRootMismatch,     // state_root differs from the state after execution
};

// Stable snake_case name of the rule ("ok" for kOk), e.g. "wrong_parent".
const char* to_string(BlockValidation v);

// The outcome of validating a block: the first rule broken and a message a
// person can read. For kBadTransaction, `tx` is the transaction's rejection
// (its chain code and reason) and `tx_index` its position in the block.
struct [[nodiscard]] BlockCheck {
  BlockValidation result = BlockValidation::kOk;
  std::string message;
  Status tx;
  uint32_t tx_index = 0;

  bool ok() const { return result == BlockValidation::kOk; }
};

}  // namespace vest
