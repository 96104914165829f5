#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <set>

#include "chain/keccak.h"
#include "chain/merkle_tree.h"

using namespace vest;
using namespace vest::merkle;

namespace {

// An in-memory node store that counts and logs its reads.
class MemStore : public NodeReader {
 public:
  std::optional<Bytes> get_node(ByteView path_key) const override {
    Bytes key(path_key.begin(), path_key.end());
    ++reads;
    read_log.push_back(key);
    auto it = nodes.find(key);
    if (it == nodes.end()) return std::nullopt;
    return it->second;
  }

  void write(const std::vector<NodeWrite>& writes) {
    for (const NodeWrite& w : writes) {
      if (w.node)
        nodes[w.path_key] = *w.node;
      else
        nodes.erase(w.path_key);
    }
  }

  // Applies `updates`, checks that no node was read or written twice, and
  // stores the writes.
  Hash apply_checked(const std::vector<Update>& updates, size_t* write_count = nullptr) {
    read_log.clear();
    std::vector<NodeWrite> writes;
    Hash r = apply(*this, updates, writes);
    std::set<Bytes> read_once(read_log.begin(), read_log.end());
    CHECK(read_once.size() == read_log.size());
    std::set<Bytes> written;
    for (const NodeWrite& w : writes) CHECK(written.insert(w.path_key).second);
    write(writes);
    if (write_count) *write_count = writes.size();
    return r;
  }

  std::map<Bytes, Bytes> nodes;
  mutable size_t reads = 0;
  mutable std::vector<Bytes> read_log;
};

using Model = std::map<Hash, Hash>;

int nibble_at(const Hash& h, int i) {
  uint8_t b = h.bytes[static_cast<size_t>(i / 2)];
  return i % 2 == 0 ? b >> 4 : b & 0x0f;
}

Hash reference_leaf_hash(const Hash& k, const Hash& v) {
  Bytes pre{0x00};
  append(pre, k.view());
  append(pre, v.view());
  return keccak256(pre);
}

// The root computed from scratch: a lone key is a leaf, two or more keys an
// internal node over the groups of their next nibble. Counts the nodes.
Hash reference_hash(Model::const_iterator begin, Model::const_iterator end, int depth, size_t& node_count) {
  if (begin == end) return Hash{};
  ++node_count;
  if (std::next(begin) == end) return reference_leaf_hash(begin->first, begin->second);
  uint16_t bitmap = 0;
  std::vector<Hash> children;
  while (begin != end) {
    int n = nibble_at(begin->first, depth);
    auto group_end = begin;
    while (group_end != end && nibble_at(group_end->first, depth) == n) ++group_end;
    bitmap = static_cast<uint16_t>(bitmap | 1u << n);
    children.push_back(reference_hash(begin, group_end, depth + 1, node_count));
    begin = group_end;
  }
  Bytes pre{0x01, static_cast<uint8_t>(bitmap >> 8), static_cast<uint8_t>(bitmap)};
  for (const Hash& c : children) append(pre, c.view());
  return keccak256(pre);
}

Hash reference_root(const Model& m, size_t* node_count = nullptr) {
  size_t count = 0;
  Hash r = reference_hash(m.begin(), m.end(), 0, count);
  if (node_count) *node_count = count;
  return r;
}

Hash random_hash(std::mt19937_64& rng) {
  Hash h;
  for (size_t i = 0; i < 32; i += 8) {
    uint64_t x = rng();
    for (size_t j = 0; j < 8; ++j) h.bytes[i + j] = static_cast<uint8_t>(x >> (8 * j));
  }
  return h;
}

// A hash sharing the first `keep` nibbles of `base`, random after.
Hash near_hash(std::mt19937_64& rng, const Hash& base, int keep) {
  Hash h = random_hash(rng);
  for (int i = 0; i < keep; ++i) {
    uint8_t& b = h.bytes[static_cast<size_t>(i / 2)];
    int n = nibble_at(base, i);
    b = i % 2 == 0 ? static_cast<uint8_t>((b & 0x0f) | n << 4) : static_cast<uint8_t>((b & 0xf0) | n);
  }
  return h;
}

Hash hash_of_byte(uint8_t b) {
  Hash h;
  h.bytes.fill(b);
  return h;
}

// `base` with its last nibble set to `n`.
Hash with_last_nibble(Hash base, int n) {
  base.bytes[31] = static_cast<uint8_t>((base.bytes[31] & 0xf0) | n);
  return base;
}

void apply_to_model(Model& m, const std::vector<Update>& updates) {
  for (const Update& u : updates) {
    if (u.value_hash)
      m[u.key_hash] = *u.value_hash;
    else
      m.erase(u.key_hash);
  }
}

std::vector<Update> inserts_of(const Model& m) {
  std::vector<Update> out;
  for (const auto& [k, v] : m) out.push_back(Update{k, v});
  return out;
}

// The store built from scratch with one batch of inserts.
std::map<Bytes, Bytes> fresh_store(const Model& m) {
  MemStore s;
  s.apply_checked(inserts_of(m));
  return s.nodes;
}

// Applies `updates` to both the store and the model and checks the store
// against the reference tree.
void apply_and_check(MemStore& s, Model& m, const std::vector<Update>& updates) {
  size_t write_count = 0;
  Hash r = s.apply_checked(updates, &write_count);
  Model before = m;
  apply_to_model(m, updates);
  if (m == before) REQUIRE(write_count == 0);
  size_t node_count = 0;
  Hash expected = reference_root(m, &node_count);
  REQUIRE(r == expected);
  REQUIRE(root(s) == expected);
  REQUIRE(s.nodes.size() == node_count);
}

bool proves(const MemStore& s, const Hash& r, const Hash& key, const std::optional<Hash>& value) {
  return verify(r, key, value, prove(s, key));
}

}  // namespace

TEST_CASE("merkle: the empty tree", "[merkle]") {
  MemStore s;
  CHECK(empty_root() == Hash{});
  CHECK(root(s) == empty_root());

  std::vector<NodeWrite> writes;
  CHECK(apply(s, {}, writes) == empty_root());
  CHECK(apply(s, {Update{hash_of_byte(7), std::nullopt}}, writes) == empty_root());
  CHECK(writes.empty());

  Hash k = hash_of_byte(7);
  Proof p = prove(s, k);
  CHECK(p.levels.empty());
  CHECK_FALSE(p.leaf_key_hash);
  CHECK(verify(empty_root(), k, std::nullopt, p));
  CHECK_FALSE(verify(empty_root(), k, hash_of_byte(1), p));
  CHECK_FALSE(verify(hash_of_byte(1), k, std::nullopt, p));
}

TEST_CASE("merkle: a single key is a leaf at the root", "[merkle]") {
  MemStore s;
  Model m;
  Hash k = hash_of_byte(0xab), v = hash_of_byte(0x01);
  apply_and_check(s, m, {Update{k, v}});
  CHECK(root(s) == reference_leaf_hash(k, v));
  REQUIRE(s.nodes.size() == 1);
  Bytes leaf{0x00};
  append(leaf, k.view());
  append(leaf, v.view());
  CHECK(s.nodes == std::map<Bytes, Bytes>{{Bytes{0x00}, leaf}});

  // The same value again, and removing an absent key, change nothing.
  std::vector<NodeWrite> writes;
  CHECK(apply(s, {Update{k, v}, Update{hash_of_byte(0xac), std::nullopt}}, writes) == root(s));
  CHECK(writes.empty());

  Proof p = prove(s, k);
  CHECK(p.levels.empty());
  CHECK(verify(root(s), k, v, p));
  CHECK_FALSE(verify(root(s), k, hash_of_byte(2), p));
  CHECK_FALSE(verify(root(s), k, std::nullopt, p));
  // Exclusion of another key: the path ends at the root leaf.
  Hash other = hash_of_byte(0x11);
  CHECK(proves(s, root(s), other, std::nullopt));
  CHECK_FALSE(proves(s, root(s), other, v));

  apply_and_check(s, m, {Update{k, hash_of_byte(0x02)}});
  CHECK(root(s) == reference_leaf_hash(k, hash_of_byte(0x02)));
  apply_and_check(s, m, {Update{k, std::nullopt}});
  CHECK(s.nodes.empty());
  CHECK(root(s) == empty_root());
}

TEST_CASE("merkle: the stored node format and path keys", "[merkle]") {
  // Keys 0x12... and 0x13...: a root with one internal child at nibble 1,
  // which holds two leaves at nibbles 2 and 3.
  Hash k2 = hash_of_byte(0x00), k3 = hash_of_byte(0x00);
  k2.bytes[0] = 0x12;
  k3.bytes[0] = 0x13;
  Hash v2 = hash_of_byte(0x22), v3 = hash_of_byte(0x33);
  MemStore s;
  Model m;
  apply_and_check(s, m, {Update{k3, v3}, Update{k2, v2}});

  Hash l2 = reference_leaf_hash(k2, v2), l3 = reference_leaf_hash(k3, v3);
  Bytes mid_preimage{0x01, 0x00, 0x0c};
  append(mid_preimage, l2.view());
  append(mid_preimage, l3.view());
  Hash mid = keccak256(mid_preimage);
  Bytes root_preimage{0x01, 0x00, 0x02};
  append(root_preimage, mid.view());
  CHECK(root(s) == keccak256(root_preimage));

  Bytes root_node{0x01, 0x00, 0x02, 0x00, 0x00};
  append(root_node, mid.view());
  Bytes mid_node{0x01, 0x00, 0x0c, 0x00, 0x0c};
  append(mid_node, l2.view());
  append(mid_node, l3.view());
  Bytes leaf2{0x00}, leaf3{0x00};
  append(leaf2, k2.view());
  append(leaf2, v2.view());
  append(leaf3, k3.view());
  append(leaf3, v3.view());
  std::map<Bytes, Bytes> expected{
      {Bytes{0x00}, root_node},
      {Bytes{0x01, 0x10}, mid_node},
      {Bytes{0x02, 0x12}, leaf2},
      {Bytes{0x02, 0x13}, leaf3},
  };
  CHECK(s.nodes == expected);
}

TEST_CASE("merkle: two keys with a long shared prefix", "[merkle]") {
  Hash base = hash_of_byte(0x5a);
  Hash a = with_last_nibble(base, 0x3), b = with_last_nibble(base, 0xc);
  MemStore s;
  Model m;
  apply_and_check(s, m, {Update{a, hash_of_byte(1)}});
  // b pushes the root leaf down to depth 64, under a chain of 64 internal nodes.
  apply_and_check(s, m, {Update{b, hash_of_byte(2)}});
  CHECK(s.nodes.size() == 64 + 2);
  Bytes deepest{64};
  append(deepest, a.view());
  CHECK(s.nodes.count(deepest) == 1);

  Hash r = root(s);
  Proof p = prove(s, a);
  CHECK(p.levels.size() == 64);
  CHECK(verify(r, a, hash_of_byte(1), p));
  CHECK(proves(s, r, b, hash_of_byte(2)));
  // A third key in the same chain: exclusion at an empty slot at depth 63.
  Hash c = with_last_nibble(base, 0x7);
  Proof pc = prove(s, c);
  CHECK(pc.levels.size() == 64);
  CHECK_FALSE(pc.leaf_key_hash);
  CHECK(verify(r, c, std::nullopt, pc));

  // Inserting c, then deleting a and b, collapses the chain back to one leaf.
  apply_and_check(s, m, {Update{c, hash_of_byte(3)}});
  CHECK(s.nodes.size() == 64 + 3);
  std::vector<NodeWrite> writes;
  MemStore copy = s;
  Hash collapsed = apply(copy, {Update{a, std::nullopt}, Update{b, std::nullopt}}, writes);
  CHECK(collapsed == reference_leaf_hash(c, hash_of_byte(3)));
  auto deletes = static_cast<size_t>(
      std::count_if(writes.begin(), writes.end(), [](const NodeWrite& w) { return !w.node; }));
  CHECK(deletes == 63 + 3);  // the internal nodes at depths 1..63 and the three old leaves
  CHECK(writes.size() == deletes + 1);  // and the leaf written at the root
  apply_and_check(s, m, {Update{a, std::nullopt}, Update{b, std::nullopt}});
  CHECK(s.nodes.size() == 1);

  // Deleting one of two chained keys moves the other up to the root.
  apply_and_check(s, m, {Update{a, hash_of_byte(1)}});
  CHECK(s.nodes.size() == 64 + 2);
  apply_and_check(s, m, {Update{a, std::nullopt}});
  CHECK(s.nodes.size() == 1);
  CHECK(root(s) == reference_leaf_hash(c, hash_of_byte(3)));
  apply_and_check(s, m, {Update{c, std::nullopt}});
  CHECK(s.nodes.empty());
}

TEST_CASE("merkle: removal collapses several levels", "[merkle]") {
  // x and y share 5 nibbles; z and w differ from them at nibble 0 and 1.
  std::mt19937_64 rng(7);
  Hash x = random_hash(rng);
  x.bytes[0] = 0x00;
  Hash y = near_hash(rng, x, 5);
  while (nibble_at(y, 5) == nibble_at(x, 5)) y = near_hash(rng, x, 5);
  Hash z = near_hash(rng, x, 1);
  while (nibble_at(z, 1) == nibble_at(x, 1)) z = near_hash(rng, x, 1);
  Hash w = random_hash(rng);
  w.bytes[0] = 0xf0;

  MemStore s;
  Model m;
  apply_and_check(s, m, {Update{x, hash_of_byte(1)}, Update{y, hash_of_byte(2)}, Update{z, hash_of_byte(3)},
                         Update{w, hash_of_byte(4)}});
  // Root, depth 1, then the chain at depths 2..5, and four leaves.
  CHECK(s.nodes.size() == 1 + 1 + 4 + 4);
  Bytes x_at_6{6};
  append(x_at_6, ByteView(x.bytes.data(), 3));
  CHECK(s.nodes.count(x_at_6) == 1);

  // Removing y moves x from depth 6 to depth 2 (beside z under nibble 0).
  apply_and_check(s, m, {Update{y, std::nullopt}});
  CHECK(s.nodes.size() == 1 + 1 + 3);
  Bytes x_at_2{2, x.bytes[0]};
  CHECK(s.nodes.count(x_at_2) == 1);
  // Removing z moves x up to depth 1, beside w.
  apply_and_check(s, m, {Update{z, std::nullopt}});
  CHECK(s.nodes.size() == 1 + 2);
  // Removing w leaves x alone at the root.
  apply_and_check(s, m, {Update{w, std::nullopt}});
  CHECK(s.nodes.size() == 1);
  CHECK(root(s) == reference_leaf_hash(x, hash_of_byte(1)));

  // The same collapse in a single batch.
  apply_and_check(s, m, {Update{y, hash_of_byte(2)}, Update{z, hash_of_byte(3)}, Update{w, hash_of_byte(4)}});
  CHECK(s.nodes.size() == 10);
  apply_and_check(s, m, {Update{y, std::nullopt}, Update{z, std::nullopt}, Update{w, std::nullopt}});
  CHECK(s.nodes.size() == 1);
  apply_and_check(s, m, {Update{x, std::nullopt}});
  CHECK(s.nodes.empty());
}

TEST_CASE("merkle: random batches match the reference tree", "[merkle]") {
  std::mt19937_64 rng(20240611);
  MemStore s;
  Model m;
  std::vector<Hash> keys;  // every key ever inserted, present or not
  const size_t kBatchSizes[] = {0, 1, 1, 2, 3, 5, 8, 17, 40, 120};
  size_t ops = 0, peak_keys = 0;
  const int kBatches = 300;
  for (int batch = 0; batch < kBatches; ++batch) {
    size_t size = kBatchSizes[rng() % std::size(kBatchSizes)];
    // Grow the tree, then keep it steady, then shrink it.
    unsigned insert_weight = batch < 80 ? 5 : batch < 200 ? 2 : batch < 240 ? 1 : 0;
    std::map<Hash, std::optional<Hash>> batch_updates;
    while (batch_updates.size() < size) {
      unsigned op = static_cast<unsigned>(rng() % (insert_weight + 4));
      Hash key;
      std::optional<Hash> value = random_hash(rng);
      if (op < insert_weight || keys.empty()) {
        // A new key, often close to an existing one so that chains form.
        if (keys.empty() || rng() % 2 == 0) {
          key = random_hash(rng);
        } else {
          // Mostly short shared prefixes; a long one now and then, for chains.
          int keep = static_cast<int>(rng() % 16 == 0 ? rng() % 64 : rng() % 8);
          key = near_hash(rng, keys[rng() % keys.size()], keep);
        }
        keys.push_back(key);
      } else {
        // A key seen before (maybe removed since), or a present one.
        key = keys[rng() % keys.size()];
        unsigned kind = op - insert_weight;
        if (kind != 1 && !m.empty()) {
          auto it = m.lower_bound(random_hash(rng));
          key = it == m.end() ? m.begin()->first : it->first;
        }
        if (kind <= 1) {
          value = std::nullopt;
        } else if (kind == 2 && m.count(key)) {
          value = m.at(key);  // the same value again
        }
      }
      batch_updates[key] = value;
    }
    std::vector<Update> updates;
    for (const auto& [k, v] : batch_updates) updates.push_back(Update{k, v});
    std::shuffle(updates.begin(), updates.end(), rng);
    ops += updates.size();

    // The same batch in another order gives the same store.
    MemStore other = s;
    std::vector<Update> reversed(updates.rbegin(), updates.rend());
    Hash other_root = other.apply_checked(reversed);

    apply_and_check(s, m, updates);
    peak_keys = std::max(peak_keys, m.size());
    REQUIRE(other_root == root(s));
    REQUIRE(other.nodes == s.nodes);
    if (batch % 10 == 0 || batch == kBatches - 1) REQUIRE(s.nodes == fresh_store(m));

    if (batch % 25 == 0 && !keys.empty()) {
      Hash r = root(s);
      for (int i = 0; i < 10; ++i) {
        const Hash& k = keys[rng() % keys.size()];
        auto it = m.find(k);
        std::optional<Hash> v = it == m.end() ? std::nullopt : std::optional<Hash>(it->second);
        CHECK(proves(s, r, k, v));
        CHECK_FALSE(proves(s, r, k, random_hash(rng)));
      }
    }
  }
  CHECK(ops > 4000);
  WARN("keys " << m.size() << ", nodes " << s.nodes.size() << ", peak keys " << peak_keys);

  // Remove what is left, in a few batches.
  std::vector<Update> rest;
  for (const auto& [k, v] : m) rest.push_back(Update{k, std::nullopt});
  for (size_t i = 0; i < rest.size(); i += 97) {
    std::vector<Update> part(rest.begin() + static_cast<long>(i),
                             rest.begin() + static_cast<long>(std::min(rest.size(), i + 97)));
    apply_and_check(s, m, part);
  }
  CHECK(s.nodes.empty());
  CHECK(root(s) == empty_root());
}

TEST_CASE("merkle: proofs of inclusion and exclusion", "[merkle]") {
  std::mt19937_64 rng(99);
  MemStore s;
  Model m;
  std::vector<Update> updates;
  for (int i = 0; i < 500; ++i) updates.push_back(Update{random_hash(rng), random_hash(rng)});
  // Some keys close to others, for deep paths.
  for (int i = 0; i < 50; ++i)
    updates.push_back(
        Update{near_hash(rng, updates[static_cast<size_t>(i)].key_hash, 10 + i), random_hash(rng)});
  apply_and_check(s, m, updates);
  Hash r = root(s);

  for (const auto& [k, v] : m) {
    Proof p = prove(s, k);
    REQUIRE(p.leaf_key_hash == k);
    CHECK(verify(r, k, v, p));
    CHECK_FALSE(verify(r, k, random_hash(rng), p));  // a wrong value
    CHECK_FALSE(verify(r, k, std::nullopt, p));       // claiming absence
    CHECK_FALSE(verify(random_hash(rng), k, v, p));   // a wrong root
    if (!p.levels.empty()) {
      Proof tampered = p;
      auto& level = tampered.levels[rng() % tampered.levels.size()];
      if (!level.siblings.empty()) {
        level.siblings[rng() % level.siblings.size()].bytes[5] ^= 0x01;
        CHECK_FALSE(verify(r, k, v, tampered));
      }
      Proof shortened = p;
      shortened.levels.erase(shortened.levels.begin());
      CHECK_FALSE(verify(r, k, v, shortened));
      Proof flipped = p;
      flipped.levels.back().bitmap ^= 0x8001;
      CHECK_FALSE(verify(r, k, v, flipped));
    }
  }

  int at_leaf = 0, at_empty = 0;
  for (int i = 0; i < 500; ++i) {
    // Absent keys: random ones, and ones sharing a prefix with a present key.
    Hash k = random_hash(rng);
    if (i % 2 == 1) {
      const Hash& present = updates[rng() % updates.size()].key_hash;
      k = near_hash(rng, present, static_cast<int>(rng() % 12));
    }
    if (m.count(k)) continue;
    Proof p = prove(s, k);
    (p.leaf_key_hash ? at_leaf : at_empty)++;
    CHECK(verify(r, k, std::nullopt, p));
    CHECK_FALSE(verify(r, k, random_hash(rng), p));
    CHECK_FALSE(verify(random_hash(rng), k, std::nullopt, p));
    if (p.leaf_key_hash) {
      // The leaf found cannot prove the inclusion of the absent key, nor be
      // passed off as an empty slot.
      CHECK_FALSE(verify(r, k, p.leaf_value_hash, p));
      Proof no_leaf = p;
      no_leaf.leaf_key_hash.reset();
      no_leaf.leaf_value_hash.reset();
      CHECK_FALSE(verify(r, k, std::nullopt, no_leaf));
      Proof other_value = p;
      other_value.leaf_value_hash = random_hash(rng);
      CHECK_FALSE(verify(r, k, std::nullopt, other_value));
    }
    bool tampered_any = false;
    Proof tampered = p;
    for (auto& level : tampered.levels) {
      if (!level.siblings.empty()) {
        level.siblings.front().bytes[0] ^= 0x80;
        tampered_any = true;
        break;
      }
    }
    if (tampered_any) CHECK_FALSE(verify(r, k, std::nullopt, tampered));
  }
  CHECK(at_leaf > 10);
  CHECK(at_empty > 10);

  // A present key's proof does not prove another key's absence or inclusion.
  const auto& [k0, v0] = *m.begin();
  Proof p0 = prove(s, k0);
  Hash k1 = std::next(m.begin())->first;
  CHECK_FALSE(verify(r, k1, v0, p0));
}

TEST_CASE("merkle: one update in a tree of 100k keys reads few nodes", "[merkle]") {
  std::mt19937_64 rng(4242);
  MemStore s;
  std::vector<Update> updates;
  for (int i = 0; i < 100000; ++i) updates.push_back(Update{random_hash(rng), random_hash(rng)});
  std::vector<NodeWrite> writes;
  Hash r = apply(s, updates, writes);
  s.write(writes);
  REQUIRE(root(s) == r);

  size_t max_reads = 0, total_reads = 0, max_writes = 0;
  const int kTrials = 300;
  for (int i = 0; i < kTrials; ++i) {
    Update u;
    switch (i % 3) {
      case 0:
        u = Update{random_hash(rng), random_hash(rng)};  // insert
        break;
      case 1:
        u = Update{updates[rng() % updates.size()].key_hash, random_hash(rng)};  // update
        break;
      default:
        u = Update{updates[rng() % updates.size()].key_hash, std::nullopt};  // remove
        break;
    }
    s.reads = 0;
    writes.clear();
    apply(s, {u}, writes);
    max_reads = std::max(max_reads, s.reads);
    total_reads += s.reads;
    max_writes = std::max(max_writes, writes.size());
    // Not stored: each trial starts from the same tree.
  }
  WARN("reads per update: max " << max_reads << ", total " << total_reads << " in " << kTrials
                                << " updates; writes at most " << max_writes);
  CHECK(max_reads < 16);
  CHECK(max_writes < 16);
}

TEST_CASE("merkle: audit recomputes the root and names the first bad node", "[merkle]") {
  MemStore empty;
  Audit none = audit(empty);
  CHECK(none.problem.empty());
  CHECK(none.root == empty_root());
  CHECK(none.leaves == 0);

  std::mt19937_64 rng(7);
  MemStore s;
  Model m;
  std::vector<Update> updates;
  for (int i = 0; i < 500; ++i) {
    Hash k = random_hash(rng), v = random_hash(rng);
    m[k] = v;
    updates.push_back(Update{k, v});
  }
  // Two keys sharing 20 nibbles: a chain of single-child internal nodes.
  Hash deep = near_hash(rng, updates[0].key_hash, 20);
  m[deep] = hash_of_byte(1);
  updates.push_back(Update{deep, hash_of_byte(1)});
  Hash r = s.apply_checked(updates);
  size_t node_count = 0;
  REQUIRE(r == reference_root(m, &node_count));
  Audit sound = audit(s);
  CHECK(sound.problem.empty());
  CHECK(sound.root == r);
  CHECK(sound.leaves == m.size());
  CHECK(sound.nodes == node_count);

  // The deepest leaf: its path key is the longest.
  auto leaf = std::max_element(s.nodes.begin(), s.nodes.end(),
                               [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
  Bytes leaf_path = leaf->first;
  Bytes leaf_node = leaf->second;
  REQUIRE(leaf_node.size() == 65);

  SECTION("a changed value hash") {
    s.nodes[leaf_path][64] ^= 1;
    Audit a = audit(s);
    CHECK(a.problem.find("hash differs from the one its parent holds") != std::string::npos);
    CHECK(a.problem.find(to_hex_0x(leaf_path)) != std::string::npos);
  }
  SECTION("a missing node") {
    s.nodes.erase(leaf_path);
    CHECK(audit(s).problem.find("missing node that its parent lists") != std::string::npos);
  }
  SECTION("a malformed node") {
    s.nodes[leaf_path].pop_back();
    CHECK(audit(s).problem.find("malformed node") != std::string::npos);
  }
  SECTION("a leaf where its parent lists an internal node") {
    auto internal = std::find_if(s.nodes.begin(), s.nodes.end(),
                                 [](const auto& n) { return n.first.size() > 1 && n.second[0] == 0x01; });
    REQUIRE(internal != s.nodes.end());
    internal->second = leaf_node;
    CHECK(audit(s).problem.find("leaf_bitmap") != std::string::npos);
  }
  SECTION("a malformed root") {
    s.nodes[Bytes{0x00}] = Bytes{0x07};
    Audit a = audit(s);
    CHECK(a.problem.find("depth 0") != std::string::npos);
    CHECK(a.problem.find("malformed node") != std::string::npos);
  }
}
