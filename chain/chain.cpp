#include "chain/chain.h"

#include <boost/json.hpp>

#include <cassert>

#include "chain/keccak.h"

namespace vest {

namespace {

// An empty tree store, for building genesis.
class EmptyTree : public merkle::NodeReader {
 public:
  std::optional<Bytes> get_node(ByteView) const override { return std::nullopt; }
};

}  // namespace

Status build_genesis(const Genesis& genesis, Executor& executor, GenesisBlock& out) {
  assert(executor.params() == genesis.params && "the executor must be built from this genesis");
  static const EmptyState kEmpty;
  out.state = std::make_unique<Overlay>(kEmpty);
  if (Status s = executor.init_genesis(genesis.doc, *out.state); !s.ok()) return s;
  EmptyTree tree;
  out.tree_writes.clear();
  BlockHeader& h = out.block.header;
  h.chain_id = genesis.params.chain_id;
  h.height = 0;
  h.time = genesis.params.genesis_time;
  h.proposer = genesis.params.validator;
  h.tx_root = list_root({});
  h.receipts_root = list_root({});
  h.state_root = compute_state_root(tree, *out.state, out.tree_writes);
  out.block.txs.clear();
  out.block.sig = Signature{};
  return Status::success();
}

std::unique_ptr<Chain> Chain::open(const std::filesystem::path& datadir, const Genesis& genesis, Executor& executor,
                                   std::string& error) {
  auto store = ChainStore::open(datadir, error);
  if (!store) return nullptr;
  auto stored = store->genesis_hash();
  if (!stored && store->head()) {
    error = "data directory " + datadir.string() + " has blocks but no genesis record: it is corrupt";
    return nullptr;
  }
  // The same document builds the same genesis: a store made from it needs no
  // rebuild (which, for a large genesis, costs time and memory at every start).
  const Hash document = keccak256(as_bytes(boost::json::serialize(genesis.doc)));
  Hash genesis_hash;
  if (stored && store->genesis_document_hash() == document) {
    genesis_hash = *stored;
  } else {
    GenesisBlock g;
    if (Status s = build_genesis(genesis, executor, g); !s.ok()) {
      error = "genesis: " + s.message;
      return nullptr;
    }
    genesis_hash = g.block.header.hash();
    if (stored && *stored != genesis_hash) {
      error = "data directory " + datadir.string() + " belongs to another chain (genesis " +
              to_hex_0x(stored->view()) + "); this genesis is " + to_hex_0x(genesis_hash.view()) +
              ". Use another --datadir.";
      return nullptr;
    }
    if (!stored) {
      BlockCommit c;
      c.block = g.block;
      c.state_writes = g.state.get();
      c.tree_writes = std::move(g.tree_writes);
      store->set_genesis_hash_on_next_commit(genesis_hash, document);
      if (!store->commit(c, error)) return nullptr;
    }
  }
  std::unique_ptr<Chain> chain(new Chain(std::move(store), executor));
  chain->genesis_hash_ = genesis_hash;
  return chain;
}

bool Chain::produce(const std::vector<VerifiedTx>& candidates, uint64_t time, const PrivateKey& key, Produced& out,
                    std::string& error) {
  const Head parent = head();
  const ChainParams& p = params();
  BlockEnv env{p.chain_id, parent.height + 1, std::max(time, parent.time), address_of(key)};
  CachedReader base(*store_);
  Overlay block_state(base);
  std::vector<Event> block_events;
  executor_.begin_block(block_state, env, block_events);

  out = Produced{};
  uint64_t bytes = 0;
  for (const VerifiedTx& tx : candidates) {
    if (out.included.size() >= p.max_block_txs || bytes + tx.raw.size() > p.max_block_bytes) break;
    Receipt receipt;
    Status s = executor_.apply(block_state, env, tx, receipt);
    if (!s.ok()) {
      out.dropped.emplace_back(tx.hash, std::move(s));
      continue;
    }
    bytes += tx.raw.size();
    out.included.push_back(tx);
    out.receipts.push_back(std::move(receipt));
  }

  BlockCommit c;
  BlockHeader& h = c.block.header;
  h.chain_id = p.chain_id;
  h.height = env.height;
  h.parent_hash = parent.hash;
  h.time = env.time;
  h.proposer = env.proposer;
  std::vector<Hash> tx_hashes;
  for (const VerifiedTx& tx : out.included) tx_hashes.push_back(tx.hash);
  h.tx_root = list_root(tx_hashes);
  // The block's own events commit as one more receipt, after the transactions'.
  h.receipts_root = receipts_root(out.receipts, block_events);
  h.state_root = compute_state_root(store_->tree(), block_state, c.tree_writes);
  c.block.sig = sign(key, h.signing_digest());
  c.txs = out.included;
  c.receipts = out.receipts;
  c.block_events = block_events;
  c.state_writes = &block_state;
  if (!store_->commit(c, error)) return false;
  out.block = StoredBlock{h, c.block.sig, tx_hashes, block_events, h.hash()};
  return true;
}

}  // namespace vest
