// A chain: the store, the executor and the rules that take it from one block
// to the next. Produces blocks (the proposer) and is the single writer of the
// store; reads may come from any thread through store().
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "chain/executor.h"
#include "chain/genesis.h"
#include "chain/store.h"

namespace vest {

// Builds the genesis block and its state writes without touching any store.
struct GenesisBlock {
  Block block;
  std::unique_ptr<Overlay> state;
  std::vector<merkle::NodeWrite> tree_writes;
};
Status build_genesis(const Genesis& genesis, Executor& executor, GenesisBlock& out);

class Chain {
 public:
  // Opens the store in `datadir` for `genesis`, writing the genesis block into
  // an empty one. Refuses a store that belongs to another genesis.
  static std::unique_ptr<Chain> open(const std::filesystem::path& datadir, const Genesis& genesis,
                                     Executor& executor, std::string& error);

  const ChainStore& store() const { return *store_; }
  Head head() const { return *store_->head(); }
  const Hash& genesis_hash() const { return genesis_hash_; }
  const ChainParams& params() const { return executor_.params(); }
  Executor& executor() { return executor_; }

  struct Produced {
    StoredBlock block;
    std::vector<VerifiedTx> included;
    std::vector<Receipt> receipts;
    std::vector<std::pair<Hash, Status>> dropped;  // candidates that could not be included
  };

  // Builds, signs and commits the next block at `time` (not before the head's)
  // from `candidates` in order, leaving out those that cannot be included and
  // stopping at the block limits. The caller guarantees that its key is the
  // validator's.
  bool produce(const std::vector<VerifiedTx>& candidates, uint64_t time, const PrivateKey& key, Produced& out,
               std::string& error);

 private:
  Chain(std::unique_ptr<ChainStore> store, Executor& executor) : store_(std::move(store)), executor_(executor) {}
  std::unique_ptr<ChainStore> store_;
  Executor& executor_;
  Hash genesis_hash_;
};

}  // namespace vest
