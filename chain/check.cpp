#include "chain/check.h"

#include "chain/executor.h"
#include "chain/keccak.h"

namespace vest {

namespace {

std::string hex(const Hash& h) { return to_hex_0x(h.view()); }

// A state key for a person: printable ASCII as is, other bytes as \xNN.
std::string printable(ByteView key) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : key) {
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out.push_back(static_cast<char>(b));
    } else {
      out += "\\x";
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0x0f]);
    }
  }
  return out;
}

class Checker {
 public:
  Checker(const ChainStore& store, CheckReport& report) : store_(store), report_(report) {}

  bool fail(std::string problem) {
    report_.problem = std::move(problem);
    return false;
  }
  void pass(std::string line) { report_.passed.push_back(std::move(line)); }

  bool genesis(const Hash& genesis_hash) {
    auto stored = store_.genesis_hash();
    if (!stored) return fail("the store has no genesis record");
    if (*stored != genesis_hash)
      return fail("the store belongs to another chain: its genesis is " + hex(*stored) + ", the genesis file's is " +
                  hex(genesis_hash));
    auto head = store_.head();
    if (!head) return fail("the store has no head record");
    head_ = *head;
    pass("genesis " + hex(genesis_hash) + " is the genesis file's");
    return true;
  }

  bool blocks(const Hash& genesis_hash) {
    Hash parent_hash;
    uint64_t parent_time = 0, chain_id = 0;
    for (uint64_t h = 0; h <= head_.height; ++h) {
      const std::string name = "block " + std::to_string(h);
      bool corrupt = false;
      auto b = store_.find_block(h, corrupt);
      if (corrupt) return fail(name + " does not decode");
      if (!b) return fail(name + " is missing (the head record is at block " + std::to_string(head_.height) + ")");
      const BlockHeader& hd = b->header;
      if (hd.height != h) return fail(name + " says it is at height " + std::to_string(hd.height));
      if (h == 0) {
        if (b->hash != genesis_hash) return fail("block 0 is " + hex(b->hash) + ", not the genesis block");
        chain_id = hd.chain_id;
      } else {
        if (hd.parent_hash != parent_hash)
          return fail(name + " names parent " + hex(hd.parent_hash) + ", block " + std::to_string(h - 1) + " is " +
                      hex(parent_hash));
        if (hd.chain_id != chain_id) return fail(name + " has chain id " + std::to_string(hd.chain_id));
        if (hd.time < parent_time) return fail(name + " is older than its parent");
      }
      auto indexed = store_.height_of(b->hash);
      if (indexed != h)
        return fail(name + " (" + hex(b->hash) + ") is indexed by hash at " +
                    (indexed ? "height " + std::to_string(*indexed) : std::string("no height")));
      parent_hash = b->hash;
      parent_time = hd.time;
      if (h == head_.height) head_block_ = *b;
    }
    const BlockHeader& last = head_block_.header;
    if (head_.hash != head_block_.hash || head_.time != last.time || head_.state_root != last.state_root)
      return fail("the head record (" + hex(head_.hash) + ") does not describe block " +
                  std::to_string(head_.height) + " (" + hex(head_block_.hash) + ")");
    bool corrupt = false;
    if (store_.find_block(head_.height + 1, corrupt) || corrupt)
      return fail("block " + std::to_string(head_.height + 1) + " is stored above the head record");
    pass("blocks 0.." + std::to_string(head_.height) + " present and linked by parent hash; head " + hex(head_.hash));
    return true;
  }

  bool state() {
    merkle::Audit tree = merkle::audit(store_.tree());
    if (!tree.problem.empty()) return fail(tree.problem);
    const std::string name = "block " + std::to_string(head_.height);
    if (tree.root != head_block_.header.state_root)
      return fail("the state tree's root recomputed from its leaves is " + hex(tree.root) + ", " + name +
                  "'s state_root is " + hex(head_block_.header.state_root));
    uint64_t entries = 0;
    std::string problem;
    store_.scan({}, {}, [&](ByteView key, ByteView value) {
      ++entries;
      Hash key_hash = keccak256(key);
      merkle::Proof proof = merkle::prove(store_.tree(), key_hash);
      if (proof.leaf_key_hash != key_hash) {
        problem = "state entry " + printable(key) + " has no leaf in the state tree";
      } else if (proof.leaf_value_hash != keccak256(value)) {
        problem = "state entry " + printable(key) + " differs from its leaf in the state tree";
      }
      return problem.empty();
    });
    if (!problem.empty()) return fail(problem);
    if (entries != tree.leaves)
      return fail("the state tree has " + std::to_string(tree.leaves) + " leaves for " + std::to_string(entries) +
                  " state entries");
    pass("state " + std::to_string(entries) + " entries, each a leaf of the state tree (" +
         std::to_string(tree.nodes) + " nodes) whose root, recomputed, is " + name + "'s state_root");
    return true;
  }

  bool invariants(const std::vector<Contract*>& contracts) {
    auto snapshot = store_.snapshot();
    for (const Contract* c : contracts) {
      if (c->invariants().empty()) continue;
      std::string problem = c->check_invariants(*snapshot);
      if (!problem.empty()) return fail(problem);
      pass(std::string(c->name()) + ": " + std::string(c->invariants()));
    }
    return true;
  }

  bool transactions(uint64_t recent_blocks) {
    if (recent_blocks == 0) return true;
    auto params = read_params(store_);
    if (!params) return fail("the state has no chain parameters");
    uint64_t from = head_.height + 1 > recent_blocks ? head_.height + 1 - recent_blocks : 0;
    uint64_t count = 0;
    for (uint64_t h = from; h <= head_.height; ++h) {
      const std::string name = "block " + std::to_string(h);
      auto b = store_.block(h);  // blocks() found it and decoded it
      if (list_root(b->tx_hashes) != b->header.tx_root) return fail(name + ": tx_root does not match its transactions");
      if (evidence_root(b->evidence) != b->header.evidence_hash)
        return fail(name + ": evidence_hash does not match its evidence");
      std::vector<Receipt> receipts;
      for (uint32_t i = 0; i < b->tx_hashes.size(); ++i) {
        const Hash& hash = b->tx_hashes[i];
        const std::string where = "transaction " + hex(hash) + " (" + name + ", index " + std::to_string(i) + ")";
        auto rec = store_.transaction(hash);
        if (!rec) return fail(where + " has no index entry, or no receipt where its entry points");
        if (rec->height != h || rec->index != i)
          return fail(where + " is indexed at block " + std::to_string(rec->height) + ", index " +
                      std::to_string(rec->index));
        if (keccak256(rec->raw) != hash) return fail(where + ": its stored bytes hash to " + hex(keccak256(rec->raw)));
        receipts.push_back(std::move(rec->receipt));
      }
      if (receipts_root(receipts, b->events) != b->header.receipts_root)
        return fail(name + ": receipts_root does not match its receipts");
      if (h > 0) {
        Address signer;
        auto certifying = validators_at(store_, h);
        if (!certifying) return fail(name + ": the state holds no validator set for its height");
        const ValidatorSet& set = certifying->set;
        if (b->header.validators_hash != set.hash())
          return fail(name + ": validators_hash is not the hash of the set of its height");
        if (!set.contains(b->header.proposer)) return fail(name + ": proposed by another than a validator");
        if (recover(b->header.signing_digest(), b->sig, signer) != SigError::kOk || signer != b->header.proposer)
          return fail(name + ": the signature is not the proposer's");
        if (b->header.last_commit_hash != last_commit_hash(b->last_commit))
          return fail(name + ": last_commit_hash does not match its last_commit");
        if (h > 1) {
          auto parent = store_.block(h - 1);
          if (!b->last_commit) return fail(name + ": carries no certificate of block " + std::to_string(h - 1));
          auto parent_set = validators_at(store_, h - 1);
          if (!parent_set) return fail(name + ": the state holds no validator set for its parent's height");
          CertificateCheck c =
              verify_certificate(*b->last_commit, parent_set->set, params->chain_id, h - 1, parent->hash);
          if (!c.ok()) return fail(name + ": last_commit: " + to_string(c.result) + ": " + c.message);
        }
        if (auto own = store_.certificate(h)) {
          CertificateCheck c = verify_certificate(*own, set, params->chain_id, h, b->hash);
          if (!c.ok()) return fail(name + ": stored certificate: " + to_string(c.result) + ": " + c.message);
        }
      }
      count += b->tx_hashes.size();
    }
    pass("transactions " + std::to_string(count) + " in blocks " + std::to_string(from) + ".." +
         std::to_string(head_.height) + ", each indexed at its block with its receipt; tx roots, receipt roots " +
         "and signatures match, certificates verify, evidence hashes match");
    return true;
  }

 private:
  const ChainStore& store_;
  CheckReport& report_;
  Head head_;
  StoredBlock head_block_;
};

}  // namespace

CheckReport check_store(const ChainStore& store, const Hash& genesis_hash, const std::vector<Contract*>& contracts,
                        uint64_t recent_blocks) {
  CheckReport report;
  Checker c(store, report);
  (void)(c.genesis(genesis_hash) && c.blocks(genesis_hash) && c.state() && c.invariants(contracts) &&
         c.transactions(recent_blocks));
  return report;
}

}  // namespace vest
