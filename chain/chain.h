// A chain: the store, the executor and the rules that take it from one block
// to the next, in three steps that share one rule set:
//   propose   selects and executes candidates into an unsigned block;
//   validate  checks a block from anywhere against the head and executes it;
//   commit    writes an executed block (and the new head) in one batch.
// The chain holds no key: whoever proposes signs the header itself
// (consensus/signer.h). It is the single writer of the store; reads may come from
// any thread through store(). propose, validate and commit run on one thread.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chain/block_validation.h"
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

// A block executed on top of one head, with everything commit writes. Its
// writes are held in memory over the store; it is meant for the head it was
// executed on (parent hash) and commit refuses it once the head has moved.
// Movable, not copyable.
struct ExecutedBlock {
  Block block;                       // header, transactions' bytes, signature (zero until signed)
  std::vector<VerifiedTx> txs;       // in block order
  std::vector<Receipt> receipts;     // one per transaction
  std::vector<Event> block_events;   // from the begin_block hooks
  std::unique_ptr<CachedReader> base;
  std::unique_ptr<Overlay> state;    // the block's writes, over *base
  std::vector<merkle::NodeWrite> tree_writes;
  // The block's own commit certificate, when the committer has it (a
  // validator signs its precommit before commit); commit stores it.
  std::optional<Certificate> certificate;

  const BlockHeader& header() const { return block.header; }
  Hash hash() const { return block.header.hash(); }
};

// A proposal: the unsigned block, and the candidates left out because they
// cannot be in it (each with the rule it breaks): transactions by hash,
// evidence by its hash.
struct Proposal {
  ExecutedBlock executed;
  std::vector<std::pair<Hash, Status>> dropped;
  std::vector<std::pair<Hash, BlockCheck>> dropped_evidence;
};

// Verifies the signed transactions `raws` (verify_transaction with the chain
// id and size limit, possibly in parallel): one status per transaction and,
// where it is ok, out[i] in the same order. node/ passes its VerifyPool.
using TxBatchVerifier = std::function<std::vector<Status>(const std::vector<Bytes>& raws, uint64_t chain_id,
                                                          uint64_t max_tx_bytes, std::vector<VerifiedTx>& out)>;

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

  // The validator set that certifies the next block (head + 1).
  ValidatorSet validators() const;
  // The set that certifies block `height` and the first height it certifies
  // (where the proposer priorities start from zero, docs/protocol.md section
  // 10), for any height up to head + kValidatorSetDelay; nullopt above, where
  // blocks not yet executed may still change it.
  std::optional<ValidatorsAt> validators_at(uint64_t height) const;

  // Builds the next block by `proposer` (a member of the set) at `time`
  // (raised to the head's time when before it) from `candidates` in order,
  // leaving out those that cannot be included and stopping at the block
  // limits. It carries `evidence` in ascending hash order, up to
  // max_block_evidence items, leaving out repeats and every item that breaks
  // a rule of evidence (as validate() checks them). Its last_commit is the
  // head's stored certificate (none on top of genesis; without a stored one,
  // validate() refuses the block). The result is what validate() accepts once
  // the proposer has signed it: sign header().signing_digest() into
  // executed.block.sig, then commit().
  Proposal propose(const std::vector<VerifiedTx>& candidates, const std::vector<DuplicateVote>& evidence,
                   uint64_t time, const Address& proposer);

  // Checks `evidence` by the rules of one item of evidence (bad_evidence to
  // evidence_committed, docs/protocol.md section 4) as a block at
  // `block_height` (above the head) would, on the head's state; changes
  // nothing. Thread-safe (it reads the store).
  BlockCheck check_evidence(const DuplicateVote& evidence, uint64_t block_height) const;

  // Checks `block` against the head by the rules of docs/protocol.md section 4,
  // in that order, executing its transactions; on success `out` is ready to
  // commit. Transaction signatures are checked by `verify` when given, on the
  // calling thread otherwise. Neither changes the store.
  BlockCheck validate(const Block& block, ExecutedBlock& out, const TxBatchVerifier& verify = {});
  // The same for a block's bytes, which must be its one strict encoding.
  BlockCheck validate(ByteView raw, ExecutedBlock& out, const TxBatchVerifier& verify = {});

  // Writes `block` (a signed proposal, or a block validate() accepted), its
  // certificate when it has one, and the new head in one synced batch. False,
  // with nothing written, when the head is no longer the block's parent, the
  // certificate does not verify for the block, or the write fails.
  bool commit(const ExecutedBlock& block, std::string& error);

 private:
  Chain(std::unique_ptr<ChainStore> store, Executor& executor) : store_(std::move(store)), executor_(executor) {}
  // Starts `out` on the head: base reader, overlay, begin_block hooks.
  void begin(ExecutedBlock& out, const BlockEnv& env);
  // Rule bad_last_commit of validate().
  BlockCheck check_last_commit(const Block& block, const Head& parent) const;
  // The rules of one item of evidence in a block at `height`, over `state`
  // (the block's writes so far); when they hold, records the offence in
  // `state` and appends its event to `events`.
  BlockCheck apply_evidence(State& state, uint64_t height, const DuplicateVote& evidence,
                            std::vector<Event>& events) const;

  std::unique_ptr<ChainStore> store_;
  Executor& executor_;
  Hash genesis_hash_;
};

}  // namespace vest
