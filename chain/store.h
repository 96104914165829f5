// The chain's storage: one LevelDB database holding state, state tree, blocks,
// transactions, receipts and the explorer indexes. Each block is written in one
// synced WriteBatch together with the head pointer, so a crash leaves the store
// at the previous block or the new one, never in between.
//
// Key layout (documented in docs/protocol.md, "Storage"):
//   M<name>                         meta: "genesis", "head", "version"
//   s<key>                          current state value
//   h<key><height u64><len(key) u16>   state value before block <height> changed it
//   m<path>                         state tree node (chain/merkle_tree.h)
//   b<height u64>                   stored block: header, signature, tx hashes, last_commit, evidence
//   c<height u64>                   the commit certificate this node holds for the block
//   B<hash>                         block height by block hash
//   t<tx hash>                      transaction: height, index, raw bytes, sender
//   r<height u64><index u32>        receipt
//   a<address><height u64><index u32>          transactions touching an address
//   e<address><height u64><index u32><ev u16>  events naming an address
//   v<height u64><index u32>                   evidence committed by the block, by position
//   V<address><height u64><index u32>          the same, by the validator it accuses
// Integers are big-endian so that keys sort in chain order.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "chain/block.h"
#include "chain/merkle_tree.h"
#include "chain/state.h"
#include "chain/transaction.h"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class Snapshot;
}  // namespace leveldb

namespace vest {

struct Head {
  uint64_t height = 0;
  Hash hash;
  uint64_t time = 0;
  Hash state_root;
};

// A stored block: everything but the transactions' bytes, which are kept once,
// under their hashes.
struct StoredBlock {
  BlockHeader header;
  Signature sig;
  std::vector<Hash> tx_hashes;
  std::vector<Event> events;  // emitted at the start of the block, outside any transaction
  std::optional<Certificate> last_commit;  // the parent's certificate, as the block carried it
  std::vector<DuplicateVote> evidence;     // as the block carried it
  Hash hash;
};

// The index that events of the block itself (not of a transaction) use in
// receipts and explorer indexes.
constexpr uint32_t kBlockEventsIndex = UINT32_MAX;

struct TxRecord {
  Hash hash;
  uint64_t height = 0;
  uint32_t index = 0;
  Bytes raw;
  Address sender;
  Receipt receipt;
};

// The stored forms of a block (under b<height>) and of a transaction (under
// t<hash>), docs/protocol.md ("Storage"):
//   stored block = RLP[header, sig, [tx hash, ...], [event, ...], last_commit, [evidence, ...]]
//   stored tx    = RLP[height, index, signed tx, sender]
// The decoders are strict and false on anything else; a decoded block's hash
// is its header's hash, a decoded transaction gets no hash or receipt.
Bytes encode_stored_block(const StoredBlock& b);
bool decode_stored_block(ByteView raw, StoredBlock& out);
Bytes encode_stored_tx(const TxRecord& t);
bool decode_stored_tx(ByteView raw, TxRecord& out);

// One piece of evidence a block committed (ChainStore::committed_evidence).
struct CommittedEvidence {
  uint64_t height = 0;  // the block that committed it
  uint32_t index = 0;   // its position in that block's evidence
  DuplicateVote evidence;
};

// Where an explorer listing stands: the (height, index) of the last item
// returned; the next page starts strictly before (or after) it.
struct Cursor {
  uint64_t height = 0;
  uint32_t index = 0;
  uint16_t sub = 0;
};

// A consistent read-only view of the state at one committed block.
class StateSnapshot : public StateReader {
 public:
  StateSnapshot(const leveldb::DB* db, const leveldb::Snapshot* snap, Head head);
  ~StateSnapshot() override;
  std::optional<Bytes> get(ByteView key) const override;
  void scan(ByteView prefix, ByteView start, const ScanFn& fn) const override;
  const Head& head() const { return head_; }
  const leveldb::DB* db() const { return db_; }
  const leveldb::Snapshot* leveldb_snapshot() const { return snap_; }

 private:
  const leveldb::DB* db_;
  const leveldb::Snapshot* snap_;
  Head head_;
};

// State as of an older block, read from the history entries. Slower than a
// snapshot of the head: each read is one seek, and a scan also walks the
// history entries under its prefix (reads for explorers, not for consensus).
class HistoricalState : public StateReader {
 public:
  HistoricalState(std::shared_ptr<const StateSnapshot> base, uint64_t height);
  std::optional<Bytes> get(ByteView key) const override;
  // Entries are those of the base snapshot whose value at `height` exists.
  void scan(ByteView prefix, ByteView start, const ScanFn& fn) const override;

 private:
  std::shared_ptr<const StateSnapshot> base_;
  uint64_t height_;
};

// Everything one block writes.
struct BlockCommit {
  Block block;                          // header, signature and last_commit (txs unused)
  const Certificate* certificate = nullptr;  // the block's own certificate, when known
  std::vector<VerifiedTx> txs;          // in block order
  std::vector<Receipt> receipts;        // one per tx
  std::vector<Event> block_events;      // from begin_block hooks
  const Overlay* state_writes = nullptr;
  std::vector<merkle::NodeWrite> tree_writes;
};

class ChainStore : public StateReader {
 public:
  ~ChainStore() override;

  enum class OpenMode {
    kCreate,    // create the directory and an empty database when absent
    kExisting,  // refuse a directory without a database (vestd check)
  };

  // Opens or creates the database in `dir`. Refuses a corrupt one with a
  // message that says what to do.
  static std::unique_ptr<ChainStore> open(const std::filesystem::path& dir, std::string& error,
                                          OpenMode mode = OpenMode::kCreate);

  // Latest committed state (each call sees whatever is committed at the time).
  std::optional<Bytes> get(ByteView key) const override;
  void scan(ByteView prefix, ByteView start, const ScanFn& fn) const override;

  // A consistent view of the head state: its head() is the block that
  // committed exactly this state, even while another thread commits.
  std::shared_ptr<const StateSnapshot> snapshot() const;

  // The state tree's nodes as committed.
  const merkle::NodeReader& tree() const;

  std::optional<Hash> genesis_hash() const;
  std::optional<Hash> genesis_document_hash() const;
  std::optional<Head> head() const;

  // Writes `c` and the new head in one synced batch. `genesis` marks block 0.
  bool commit(const BlockCommit& c, std::string& error);
  // Compacts the whole database, blocking until done: after a bulk load (a
  // large genesis) reads then find each key in one sorted run.
  void compact() const;
  // Records the genesis hash and the hash of the genesis document it was built
  // from; done once, in the genesis block's batch.
  void set_genesis_hash_on_next_commit(const Hash& h, const Hash& document) {
    pending_genesis_ = h;
    pending_genesis_document_ = document;
  }

  std::optional<StoredBlock> block(uint64_t height) const;
  // block() for the consistency check: a stored block that does not decode
  // sets `corrupt` and gives nullopt, where block() fails an assertion.
  std::optional<StoredBlock> find_block(uint64_t height, bool& corrupt) const;
  std::optional<uint64_t> height_of(const Hash& block_hash) const;
  // The commit certificate stored for the block at `height` (the node's own
  // for each block it certified; a block's successor also carries it).
  std::optional<Certificate> certificate(uint64_t height) const;
  std::optional<TxRecord> transaction(const Hash& tx_hash) const;
  // The signed bytes of a committed transaction, without reading its receipt
  // (what a block served to a peer needs).
  std::optional<Bytes> transaction_bytes(const Hash& tx_hash) const;
  std::optional<Receipt> receipt(uint64_t height, uint32_t index) const;

  // Transactions that touch `account`, newest first: sender, or named in an
  // event. Starts after `after` (exclusive) when given.
  std::vector<std::pair<Cursor, Hash>> account_transactions(const Address& account, std::optional<Cursor> after,
                                                            size_t limit) const;
  // Events naming `account`, newest first, after `after` (exclusive).
  std::vector<Cursor> account_events(const Address& account, std::optional<Cursor> after, size_t limit) const;
  // Evidence committed in blocks `from` to `to` (both included), newest
  // first, strictly before `after` when given, at most `limit`; only that
  // accusing `validator` when given.
  std::vector<CommittedEvidence> committed_evidence(const std::optional<Address>& validator, uint64_t from,
                                                    uint64_t to, std::optional<Cursor> after, size_t limit) const;

 private:
  ChainStore() = default;
  // LevelDB uses but does not own its cache and filter policy; declared
  // before db_, they are destroyed after it.
  std::unique_ptr<leveldb::Cache> block_cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<merkle::NodeReader> tree_;
  mutable std::mutex head_mutex_;
  std::optional<Head> head_;
  std::optional<Hash> pending_genesis_;
  Hash pending_genesis_document_;
};

// State root after applying `writes` to the committed tree of `store`; the node
// changes go to `tree_writes`.
Hash compute_state_root(const merkle::NodeReader& tree, const Overlay& writes,
                        std::vector<merkle::NodeWrite>& tree_writes);

}  // namespace vest
