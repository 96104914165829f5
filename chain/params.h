// Chain-wide parameters, fixed by genesis (but for validator_admin, which
// contracts/roles hands over) and committed in the state under
// "chain/params" (the validator sets under "chain/valset/", chain/validator_set.h). Contract
// parameters live in their own genesis sections.
#pragma once

#include <optional>
#include <string>

#include "chain/address.h"
#include "chain/amount.h"
#include "chain/validator_set.h"

namespace vest {

// The largest max_block_bytes and max_tx_bytes a genesis may set (chain/genesis.cpp).
constexpr uint64_t kMaxBlockBytesLimit = 4u << 20;
constexpr uint64_t kMaxTxBytesLimit = 1u << 20;
// The bounds of evidence_max_age_blocks and max_block_evidence (chain/genesis.cpp).
constexpr uint64_t kMaxEvidenceAgeLimit = 10000000;
constexpr uint64_t kMaxBlockEvidenceLimit = 256;

struct ChainParams {
  uint64_t chain_id = 0;
  std::string chain_name;
  uint64_t genesis_time = 0;
  ValidatorSet validators;     // the genesis validator set; later ones are in the state (validators_at)
  // Who may change the validator set (contracts/validators); none: it never changes.
  std::optional<Address> validator_admin;
  Amount min_fee = 0;          // per transaction, native base units
  uint64_t block_time_ms = 1000;
  uint64_t max_block_bytes = 1 << 20;  // at most kMaxBlockBytesLimit
  uint64_t max_block_txs = 10000;
  uint64_t max_tx_bytes = 64 * 1024;  // at most kMaxTxBytesLimit
  // Evidence of height E may be in block H when E < H and H - E <= this (1 to kMaxEvidenceAgeLimit).
  uint64_t evidence_max_age_blocks = 100000;
  uint64_t max_block_evidence = 32;  // evidence items per block, 1 to kMaxBlockEvidenceLimit

  friend bool operator==(const ChainParams&, const ChainParams&) = default;
};

}  // namespace vest
