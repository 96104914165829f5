// Evidence waiting for a block: duplicate votes this node found or was given,
// checked on entry against the chain as the next blocks would check them
// (Chain::check_evidence), one per offence (voter, height, round, type),
// bounded in count, bytes and per validator, forgotten once a block commits
// the offence or once it is too old for the next block. The proposer takes
// pending() into Chain::propose, which leaves out anything that fails after
// all. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "chain/chain.h"

namespace vest::node {

struct EvidencePoolLimits {
  size_t max_items = 1024;
  size_t max_bytes = 1u << 20;
  size_t max_per_validator = 16;
};

class EvidencePool {
 public:
  explicit EvidencePool(EvidencePoolLimits limits = {}) : limits_(limits) {}

  // Takes `evidence` when the first block that may carry it (the head + 1, or
  // the block after the evidence's height) would accept it on `chain`'s head,
  // and the pool holds neither its offence nor too much. A refusal has code 1
  // and names the rule in its reason: a rule of evidence (bad_evidence,
  // evidence_expired, evidence_not_validator, evidence_committed,
  // docs/protocol.md section 4), evidence_too_new (above the head + 1: nobody
  // votes there yet), evidence_known, evidence_pool_full or
  // evidence_validator_limit.
  Status add(const DuplicateVote& evidence, const Chain& chain);

  // What a block at `block_height` may carry: at most `max` items of lower
  // height, lowest hash first.
  std::vector<DuplicateVote> pending(uint64_t block_height, size_t max) const;

  // After block `head` committed `committed`: forgets those offences, and
  // every item more than `max_age` below the next block.
  void after_block(uint64_t head, uint64_t max_age, const std::vector<DuplicateVote>& committed);
  // Forgets the items with these hashes (a proposal found them invalid).
  void remove(const std::vector<Hash>& hashes);

  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    DuplicateVote evidence;
    Hash hash;
    size_t bytes = 0;
  };
  void erase(std::map<Bytes, Entry, BytesLess>::iterator it);  // caller holds mutex_

  const EvidencePoolLimits limits_;
  mutable std::mutex mutex_;
  std::map<Bytes, Entry, BytesLess> by_offence_;  // guarded by mutex_; key: evidence_key()
  std::map<Address, size_t> per_validator_;       // guarded by mutex_
  size_t bytes_ = 0;                              // guarded by mutex_
};

}  // namespace vest::node
