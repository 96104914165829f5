#include "chain/chain.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>

#include "chain/keccak.h"
#include "chain/rlp.h"

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
  h.version = kBlockVersion;
  h.chain_id = genesis.params.chain_id;
  h.height = 0;
  h.time = genesis.params.genesis_time;
  h.proposer = Address{};  // nobody proposes the genesis block
  h.validators_hash = genesis.params.validators.hash();
  h.last_commit_hash = Hash{};
  h.tx_root = list_root({});
  h.receipts_root = list_root({});
  h.state_root = compute_state_root(tree, *out.state, out.tree_writes);
  out.block.txs.clear();
  out.block.sig = Signature{};
  out.block.last_commit.reset();
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

const char* to_string(BlockValidation v) {
  switch (v) {
    case BlockValidation::kOk: return "ok";
    case BlockValidation::kBadEncoding: return "bad_encoding";
    case BlockValidation::kWrongVersion: return "wrong_version";
    case BlockValidation::kWrongChainId: return "wrong_chain_id";
    case BlockValidation::kWrongHeight: return "wrong_height";
    case BlockValidation::kWrongParent: return "wrong_parent";
    case BlockValidation::kTimeBeforeParent: return "time_before_parent";
    case BlockValidation::kWrongValidatorsHash: return "wrong_validators_hash";
    case BlockValidation::kWrongProposer: return "wrong_proposer";
    case BlockValidation::kBadSignature: return "bad_signature";
    case BlockValidation::kBadLastCommit: return "bad_last_commit";
    case BlockValidation::kTooManyTxs: return "too_many_txs";
    case BlockValidation::kTooLarge: return "too_large";
    case BlockValidation::kTxRootMismatch: return "tx_root_mismatch";
    case BlockValidation::kEvidenceHashMismatch: return "evidence_hash_mismatch";
    case BlockValidation::kTooMuchEvidence: return "too_much_evidence";
    case BlockValidation::kEvidenceOutOfOrder: return "evidence_out_of_order";
    case BlockValidation::kBadEvidence: return "bad_evidence";
    case BlockValidation::kEvidenceTooNew: return "evidence_too_new";
    case BlockValidation::kEvidenceExpired: return "evidence_expired";
    case BlockValidation::kEvidenceNotValidator: return "evidence_not_validator";
    case BlockValidation::kEvidenceCommitted: return "evidence_committed";
    case BlockValidation::kBadTransaction: return "bad_transaction";
    case BlockValidation::kReceiptsRootMismatch: return "receipts_root_mismatch";
    case BlockValidation::kStateRootMismatch: return "state_root_mismatch";
  }
  return "unknown";
}

namespace {

BlockCheck refuse(BlockValidation v, std::string message) {
  return BlockCheck{v, std::move(message), {}, 0, CertificateValidation::kOk, 0};
}

std::string hex(const Hash& h) { return to_hex_0x(h.view()); }

}  // namespace

BlockCheck Chain::check_last_commit(const Block& block, const Head& parent) const {
  using V = BlockValidation;
  const BlockHeader& h = block.header;
  if (h.last_commit_hash != last_commit_hash(block.last_commit))
    return refuse(V::kBadLastCommit, "last_commit_hash " + hex(h.last_commit_hash) + " is not the hash of last_commit " +
                                         hex(last_commit_hash(block.last_commit)));
  if (parent.height == 0) {
    if (block.last_commit)
      return refuse(V::kBadLastCommit, "the first block after genesis carries no last_commit");
    return BlockCheck{};
  }
  if (!block.last_commit)
    return refuse(V::kBadLastCommit, "block carries no certificate of its parent " + std::to_string(parent.height));
  // The parent was certified by the set of its own height.
  const ValidatorSet set = validators_at(parent.height)->set;
  CertificateCheck c = verify_certificate(*block.last_commit, set, params().chain_id, parent.height, parent.hash);
  if (!c.ok())
    return BlockCheck{V::kBadLastCommit, std::string("last_commit: ") + to_string(c.result) + ": " + c.message, {},
                      0, c.result};
  return BlockCheck{};
}

BlockCheck Chain::apply_evidence(State& state, uint64_t height, const DuplicateVote& d,
                                 std::vector<Event>& events) const {
  using V = BlockValidation;
  const ChainParams& p = params();
  const Vote& vote = d.first.vote;
  if (vote.chain_id != p.chain_id)
    return refuse(V::kBadEvidence, "the votes are of chain " + std::to_string(vote.chain_id) + ", this is chain " +
                                       std::to_string(p.chain_id));
  if (std::string problem = duplicate_vote_problem(d); !problem.empty()) return refuse(V::kBadEvidence, problem);
  const std::string what = "evidence of height " + std::to_string(d.height());
  if (d.height() >= height)
    return refuse(V::kEvidenceTooNew, what + " is not below the block's height " + std::to_string(height));
  if (height - d.height() > p.evidence_max_age_blocks)
    return refuse(V::kEvidenceExpired, what + " is more than evidence_max_age_blocks " +
                                           std::to_string(p.evidence_max_age_blocks) + " below block " +
                                           std::to_string(height));
  auto set = vest::validators_at(state, d.height());
  assert(set && "the state holds a validator set from genesis on");
  const auto index = set->set.index_of(d.voter());
  if (!index)
    return refuse(V::kEvidenceNotValidator, to_checksum(d.voter()) + " was not a validator at height " +
                                                std::to_string(d.height()));
  const Bytes key = evidence_key(d);
  if (auto recorded = state.get(key)) {
    rlp::ListReader r(*recorded);
    const uint64_t in_block = r.u64();
    return refuse(V::kEvidenceCommitted, "the " + std::string(to_string(vote.type)) + " offence of " +
                                             to_checksum(d.voter()) + " at height " + std::to_string(d.height()) +
                                             " round " + std::to_string(vote.round) +
                                             " is already committed (block " + std::to_string(in_block) + ")");
  }
  const Hash hash = d.hash();
  rlp::Encoder e;
  e.begin_list().uint(height).fixed(hash).end_list();
  state.put(key, e.finish());
  events.push_back(Event{"consensus.evidence",
                         {d.voter()},
                         {{"validator", to_checksum(d.voter())},
                          {"power", std::to_string(set->set.validators()[*index].power)},
                          {"height", std::to_string(d.height())},
                          {"round", std::to_string(vote.round)},
                          {"type", std::string(to_string(vote.type))},
                          {"blockA", hex(vote.block_hash)},
                          {"blockB", hex(d.second.vote.block_hash)},
                          {"evidence", hex(hash)}}});
  return BlockCheck{};
}

BlockCheck Chain::check_evidence(const DuplicateVote& evidence, uint64_t block_height) const {
  assert(block_height > head().height);
  Overlay scratch(*store_);
  std::vector<Event> events;
  return apply_evidence(scratch, block_height, evidence, events);
}

void Chain::begin(ExecutedBlock& out, const BlockEnv& env) {
  out.base = std::make_unique<CachedReader>(*store_);
  out.state = std::make_unique<Overlay>(*out.base);
  executor_.begin_block(*out.state, env, out.block_events);
}

ValidatorSet Chain::validators() const { return validators_at(head().height + 1)->set; }

std::optional<ValidatorsAt> Chain::validators_at(uint64_t height) const {
  if (height > head().height + kValidatorSetDelay) return std::nullopt;
  auto v = vest::validators_at(*store_, height);
  assert(v && "the state holds a valid validator set from genesis on");
  return v;
}

Proposal Chain::propose(const std::vector<VerifiedTx>& candidates, const std::vector<DuplicateVote>& evidence,
                        uint64_t time, const Address& proposer) {
  const Head parent = head();
  const ChainParams& p = params();
  const BlockEnv env{p.chain_id, parent.height + 1, std::max(time, parent.time), proposer};
  Proposal out;
  ExecutedBlock& x = out.executed;
  begin(x, env);

  // Evidence in ascending hash order, each item checked as validate() checks it.
  std::vector<std::pair<Hash, const DuplicateVote*>> sorted;
  for (const DuplicateVote& d : evidence) sorted.emplace_back(d.hash(), &d);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Hash> evidence_hashes;
  for (const auto& [hash, d] : sorted) {
    if (x.block.evidence.size() >= p.max_block_evidence) break;
    if (!evidence_hashes.empty() && evidence_hashes.back() == hash) continue;
    if (BlockCheck c = apply_evidence(*x.state, env.height, *d, x.block_events); !c.ok()) {
      out.dropped_evidence.emplace_back(hash, std::move(c));
      continue;
    }
    evidence_hashes.push_back(hash);
    x.block.evidence.push_back(*d);
  }

  uint64_t bytes = 0;
  for (const VerifiedTx& tx : candidates) {
    if (x.txs.size() >= p.max_block_txs || bytes + tx.raw.size() > p.max_block_bytes) break;
    if (tx.raw.size() > p.max_tx_bytes) {
      out.dropped.emplace_back(tx.hash, reject(ChainCode::kTooLarge, "transaction larger than max_tx_bytes"));
      continue;
    }
    Receipt receipt;
    Status s = executor_.apply(*x.state, env, tx, receipt);
    if (!s.ok()) {
      out.dropped.emplace_back(tx.hash, std::move(s));
      continue;
    }
    bytes += tx.raw.size();
    x.txs.push_back(tx);
    x.receipts.push_back(std::move(receipt));
  }

  BlockHeader& h = x.block.header;
  h.version = kBlockVersion;
  h.chain_id = p.chain_id;
  h.height = env.height;
  h.parent_hash = parent.hash;
  h.time = env.time;
  h.proposer = env.proposer;
  h.validators_hash = validators().hash();
  if (parent.height > 0) x.block.last_commit = store_->certificate(parent.height);
  h.last_commit_hash = last_commit_hash(x.block.last_commit);
  h.evidence_hash = list_root(evidence_hashes);
  std::vector<Hash> tx_hashes;
  for (const VerifiedTx& tx : x.txs) {
    tx_hashes.push_back(tx.hash);
    x.block.txs.push_back(tx.raw);
  }
  h.tx_root = list_root(tx_hashes);
  // The block's own events commit as one more receipt, after the transactions'.
  h.receipts_root = receipts_root(x.receipts, x.block_events);
  h.state_root = compute_state_root(store_->tree(), *x.state, x.tree_writes);
  x.block.sig = Signature{};
  return out;
}

BlockCheck Chain::validate(ByteView raw, ExecutedBlock& out, const TxBatchVerifier& verify) {
  Block block;
  if (Status s = decode_block(raw, block); !s.ok()) return refuse(BlockValidation::kBadEncoding, s.message);
  return validate(block, out, verify);
}

BlockCheck Chain::validate(const Block& block, ExecutedBlock& out, const TxBatchVerifier& verify) {
  using V = BlockValidation;
  const Head parent = head();
  const ChainParams& p = params();
  const BlockHeader& h = block.header;
  if (h.version != kBlockVersion)
    return refuse(V::kWrongVersion, "block version " + std::to_string(h.version) + ", this node reads version " +
                                        std::to_string(kBlockVersion));
  if (h.chain_id != p.chain_id)
    return refuse(V::kWrongChainId, "block is for chain " + std::to_string(h.chain_id) + ", this is chain " +
                                        std::to_string(p.chain_id));
  if (h.height != parent.height + 1)
    return refuse(V::kWrongHeight, "block height " + std::to_string(h.height) + " does not follow the head at " +
                                       std::to_string(parent.height));
  if (h.parent_hash != parent.hash)
    return refuse(V::kWrongParent, "block's parent " + hex(h.parent_hash) + " is not the head " + hex(parent.hash));
  if (h.time < parent.time)
    return refuse(V::kTimeBeforeParent, "block time " + std::to_string(h.time) + " is before its parent's " +
                                            std::to_string(parent.time));
  // The set that certifies this block, fixed in its parent's state.
  const ValidatorSet set = validators();
  if (h.validators_hash != set.hash())
    return refuse(V::kWrongValidatorsHash, "validators_hash " + hex(h.validators_hash) + " is not the set's " +
                                               hex(set.hash()));
  if (!set.contains(h.proposer))
    return refuse(V::kWrongProposer, "proposer " + to_checksum(h.proposer) + " is not in the validator set");
  Address signer;
  if (SigError e = recover(h.signing_digest(), block.sig, signer); e != SigError::kOk)
    return refuse(V::kBadSignature, std::string("block signature: ") + vest::to_string(e));
  if (signer != h.proposer)
    return refuse(V::kBadSignature, "block signature recovers to " + to_checksum(signer) + ", not the proposer");
  if (BlockCheck c = check_last_commit(block, parent); !c.ok()) return c;
  if (block.txs.size() > p.max_block_txs)
    return refuse(V::kTooManyTxs, std::to_string(block.txs.size()) + " transactions, more than max_block_txs " +
                                      std::to_string(p.max_block_txs));
  uint64_t bytes = 0;
  std::vector<Hash> tx_hashes;
  tx_hashes.reserve(block.txs.size());
  for (const Bytes& raw : block.txs) {
    bytes += raw.size();
    tx_hashes.push_back(keccak256(raw));
  }
  if (bytes > p.max_block_bytes)
    return refuse(V::kTooLarge, "transactions take " + std::to_string(bytes) + " bytes, more than max_block_bytes " +
                                    std::to_string(p.max_block_bytes));
  if (list_root(tx_hashes) != h.tx_root)
    return refuse(V::kTxRootMismatch, "tx_root " + hex(h.tx_root) + " is not the transactions' " +
                                          hex(list_root(tx_hashes)));
  std::vector<Hash> evidence_hashes;
  evidence_hashes.reserve(block.evidence.size());
  for (const DuplicateVote& d : block.evidence) evidence_hashes.push_back(d.hash());
  if (list_root(evidence_hashes) != h.evidence_hash)
    return refuse(V::kEvidenceHashMismatch, "evidence_hash " + hex(h.evidence_hash) + " is not the evidence's " +
                                                hex(list_root(evidence_hashes)));
  if (block.evidence.size() > p.max_block_evidence)
    return refuse(V::kTooMuchEvidence, std::to_string(block.evidence.size()) +
                                           " items of evidence, more than max_block_evidence " +
                                           std::to_string(p.max_block_evidence));
  for (size_t i = 1; i < evidence_hashes.size(); ++i) {
    if (!(evidence_hashes[i - 1] < evidence_hashes[i])) {
      BlockCheck c = refuse(V::kEvidenceOutOfOrder, "evidence " + std::to_string(i) + " " + hex(evidence_hashes[i]) +
                                                        " does not follow " + hex(evidence_hashes[i - 1]) +
                                                        " in ascending hash order");
      c.evidence_index = static_cast<uint32_t>(i);
      return c;
    }
  }

  // Rules 1-2 of protocol section 3 need no state: all at once, on the pool when given.
  std::vector<VerifiedTx> verified;
  std::vector<Status> statuses;
  if (verify) {
    statuses = verify(block.txs, p.chain_id, p.max_tx_bytes, verified);
  } else {
    verified.resize(block.txs.size());
    for (size_t i = 0; i < block.txs.size(); ++i)
      statuses.push_back(verify_transaction(block.txs[i], p.chain_id, p.max_tx_bytes, verified[i]));
  }
  assert(statuses.size() == block.txs.size() && verified.size() == block.txs.size());

  const BlockEnv env{p.chain_id, h.height, h.time, h.proposer};
  ExecutedBlock x;
  begin(x, env);
  for (size_t i = 0; i < block.evidence.size(); ++i) {
    if (BlockCheck c = apply_evidence(*x.state, h.height, block.evidence[i], x.block_events); !c.ok()) {
      c.message = "evidence " + std::to_string(i) + " " + hex(evidence_hashes[i]) + ": " + c.message;
      c.evidence_index = static_cast<uint32_t>(i);
      return c;
    }
  }
  for (size_t i = 0; i < block.txs.size(); ++i) {
    Status s = std::move(statuses[i]);
    Receipt receipt;
    if (s.ok()) s = executor_.apply(*x.state, env, verified[i], receipt);
    if (!s.ok()) {
      std::string message = "transaction " + std::to_string(i) + " " + hex(tx_hashes[i]) + ": " + s.reason +
                            ": " + s.message;
      return BlockCheck{V::kBadTransaction, std::move(message), std::move(s), static_cast<uint32_t>(i),
                        CertificateValidation::kOk, 0};
    }
    x.txs.push_back(std::move(verified[i]));
    x.receipts.push_back(std::move(receipt));
  }
  const Hash receipts = receipts_root(x.receipts, x.block_events);
  if (receipts != h.receipts_root)
    return refuse(V::kReceiptsRootMismatch, "receipts_root " + hex(h.receipts_root) + " is not the executed " +
                                                hex(receipts));
  const Hash state = compute_state_root(store_->tree(), *x.state, x.tree_writes);
  if (state != h.state_root)
    return refuse(V::kStateRootMismatch, "state_root " + hex(h.state_root) + " is not the executed " + hex(state));
  x.block = block;
  out = std::move(x);
  return BlockCheck{};
}

bool Chain::commit(const ExecutedBlock& block, std::string& error) {
  const Head parent = head();
  const BlockHeader& h = block.header();
  if (h.height != parent.height + 1 || h.parent_hash != parent.hash) {
    error = "block " + std::to_string(h.height) + " was executed on another head than " +
            std::to_string(parent.height) + " " + hex(parent.hash);
    return false;
  }
  assert(block.state && block.txs.size() == block.receipts.size());
  if (block.certificate) {
    CertificateCheck check = verify_certificate(*block.certificate, validators(), params().chain_id, h.height,
                                                block.hash());
    if (!check.ok()) {
      error = "certificate of block " + std::to_string(h.height) + ": " + to_string(check.result) + ": " +
              check.message;
      return false;
    }
  }
  BlockCommit c;
  c.block.header = h;
  c.block.sig = block.block.sig;
  c.block.last_commit = block.block.last_commit;
  c.block.evidence = block.block.evidence;
  c.certificate = block.certificate ? &*block.certificate : nullptr;
  c.txs = block.txs;
  c.receipts = block.receipts;
  c.block_events = block.block_events;
  c.state_writes = block.state.get();
  c.tree_writes = block.tree_writes;
  return store_->commit(c, error);
}

}  // namespace vest
