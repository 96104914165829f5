// The mempool: verified transactions waiting for a block. Admission runs every
// rule a block would (signature, chain id, fee, nonce, fee balance, the
// contract's pre-check) against the latest state. Per sender, transactions
// are kept in nonce order without gaps; across senders, in arrival order.
// Bounded in count, bytes and per-sender count. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "chain/executor.h"
#include "chain/transaction.h"

namespace vest::node {

struct MempoolLimits {
  size_t max_txs = 20000;
  size_t max_bytes = 64u << 20;
  size_t max_per_sender = 256;
};

class Mempool {
 public:
  explicit Mempool(MempoolLimits limits) : limits_(limits) {}

  // What admission checks against: the latest committed state and the block
  // that would follow it.
  struct Latest {
    std::shared_ptr<const StateReader> state;
    BlockEnv next;
  };

  // Admits `tx` if it could follow the sender's pending transactions in the
  // next block. A transaction with the nonce of a pending one replaces it when
  // its fee is at least 10% higher. `latest` is called under the pool's lock,
  // so the state it gives is never older than the one the last after_block()
  // re-checked against (a state read before that block would see its
  // transactions' nonces unused, and the pool without them: a gap).
  Status add(const VerifiedTx& tx, const Executor& executor, const std::function<Latest()>& latest);

  // Candidates for the next block, in order, at most `max_txs`.
  std::vector<VerifiedTx> select(size_t max_txs) const;

  // After a block: drops what it included or dropped, then re-checks the
  // remaining transactions of the `touched` accounts against `state` and drops
  // those that can no longer be included (with their successors). Returns the
  // hashes removed without being included, with why.
  std::vector<std::pair<Hash, Status>> after_block(const std::vector<Hash>& included,
                                                   const std::vector<std::pair<Hash, Status>>& dropped,
                                                   const std::set<Address>& touched, const Executor& executor,
                                                   const StateReader& state, const BlockEnv& next);

  std::optional<VerifiedTx> get(const Hash& hash) const;
  // Pending transactions of `sender`.
  size_t count(const Address& sender) const;
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    VerifiedTx tx;
    uint64_t seq;  // arrival order
  };
  // Removes the sender's entries from `nonce` on; appends their hashes to `out`.
  void remove_from(const Address& sender, uint64_t nonce, const Status& why,
                   std::vector<std::pair<Hash, Status>>& out);
  void erase_entry(const Address& sender, uint64_t nonce);

  MempoolLimits limits_;
  mutable std::mutex mutex_;
  std::map<Address, std::map<uint64_t, Entry>> by_sender_;  // guarded by mutex_
  std::map<Hash, std::pair<Address, uint64_t>> by_hash_;    // guarded by mutex_
  uint64_t next_seq_ = 0;                                   // guarded by mutex_
  size_t bytes_ = 0;                                        // guarded by mutex_
};

}  // namespace vest::node
