// Builds and signs transactions offline, from the message definitions that
// each contract publishes.
#pragma once

#include "chain/transaction.h"

namespace vest::wallet {

struct TxParams {
  uint64_t chain_id = 0;
  uint64_t nonce = 0;
  Amount fee = 0;
};

// A signed transaction carrying one message.
Transaction build_signed(const TxParams& p, uint64_t kind, Bytes payload, const PrivateKey& key);

}  // namespace vest::wallet
