// The offline consistency check of a stopped node's store (`vestd check`,
// docs/operations.md): does what is on disk form one valid chain whose state
// is the one its head block commits to?
#pragma once

#include <string>
#include <vector>

#include "chain/contract.h"
#include "chain/store.h"

namespace vest {

struct CheckReport {
  std::vector<std::string> passed;  // one line per check that passed, in order
  std::string problem;              // the first problem found; empty when the store is consistent

  bool ok() const { return problem.empty(); }
};

// Checks, in this order, and stops at the first problem:
// 1. the store records `genesis_hash` and has a head;
// 2. blocks 0..head are all present and decode, each carries its height and
//    chain id, is indexed by its hash, names its predecessor's hash as parent
//    and is not older than it; block 0 is the genesis block; the head record
//    is the last block (hash, time, state root); nothing is stored above it;
// 3. the state tree is sound (merkle::audit) and its root, recomputed from the
//    leaves, is the head block's state_root; its leaves are exactly the state
//    entries, each with its value's hash;
// 4. the invariants of each contract that has some hold over the state
//    (Contract::check_invariants);
// 5. in the last `recent_blocks` blocks: every transaction is stored under its
//    hash at that block and position with its receipt, and each block's
//    tx_root, evidence_hash, receipts_root and proposer signature are right.
// Reads only; the caller opened the store and keeps it open.
CheckReport check_store(const ChainStore& store, const Hash& genesis_hash, const std::vector<Contract*>& contracts,
                        uint64_t recent_blocks);

}  // namespace vest
