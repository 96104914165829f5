// The rules a block must satisfy to follow the head, one value per rule, in
// the order Chain::validate checks them (docs/protocol.md, section 4).
#pragma once

#include <cstdint>
#include <string>

#include "chain/certificate.h"
#include "chain/status.h"

namespace vest {

enum class [[nodiscard]] BlockValidation : uint8_t {
  kOk = 0,
  kBadEncoding,           // the bytes are not one strict block encoding (trailing bytes included)
  kWrongVersion,          // header version is not kBlockVersion
  kWrongChainId,          // header chain id is not the chain's
  kWrongHeight,           // height is not the head's + 1
  kWrongParent,           // parent hash is not the head's hash
  kTimeBeforeParent,      // time is before the head's time
  kWrongValidatorsHash,   // validators_hash is not the hash of the validator set in the head's state
  kWrongProposer,         // proposer is not a member of the validator set
  kBadSignature,          // the signature is malformed, high-S or recovers to another address
  kBadLastCommit,         // last_commit is missing, unexpected, not the one last_commit_hash names,
                          // or not a valid certificate of the head under the head's validator set
  kTooManyTxs,            // more than max_block_txs transactions
  kTooLarge,              // transactions add up to more than max_block_bytes
  kTxRootMismatch,        // tx_root is not the list root of the transactions' hashes
  kEvidenceHashMismatch,  // evidence_hash is not the list root of the evidence hashes
  kTooMuchEvidence,       // more than max_block_evidence items of evidence
  kEvidenceOutOfOrder,    // evidence hashes not strictly ascending (a repeat included)
  kBadEvidence,           // an item is not a valid duplicate vote of this chain (chain/evidence.h)
  kEvidenceTooNew,        // an item's height is not below the block's
  kEvidenceExpired,       // an item is more than evidence_max_age_blocks below the block
  kEvidenceNotValidator,  // an item's voter was not in the validator set of the item's height
  kEvidenceCommitted,     // an item's offence (voter, height, round, type) is already committed,
                          // by an earlier block or earlier in this one
  kBadTransaction,        // a transaction breaks a rule of protocol section 3 (1-5) at its position
  kReceiptsRootMismatch,  // receipts_root differs from the executed receipts'
  kStateRootMismatch,     // state_root differs from the state after execution
};

// Stable snake_case name of the rule ("ok" for kOk), e.g. "wrong_parent".
const char* to_string(BlockValidation v);

// The outcome of validating a block: the first rule broken and a message a
// person can read. For kBadTransaction, `tx` is the transaction's rejection
// (its chain code and reason) and `tx_index` its position in the block. For
// kBadLastCommit, `last_commit` is the certificate rule broken when the
// certificate was present and named by the header but does not verify. For
// the rules of one item of evidence (kBadEvidence to kEvidenceCommitted),
// `evidence_index` is its position in the block.
struct [[nodiscard]] BlockCheck {
  BlockValidation result = BlockValidation::kOk;
  std::string message;
  Status tx;
  uint32_t tx_index = 0;
  CertificateValidation last_commit = CertificateValidation::kOk;
  uint32_t evidence_index = 0;

  bool ok() const { return result == BlockValidation::kOk; }
};

}  // namespace vest
