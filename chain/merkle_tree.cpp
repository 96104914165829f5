// Stored node format (the value stored under a node's path key):
//
//   leaf      0x00 || key_hash (32) || value_hash (32)                      65 bytes
//   internal  0x01 || bitmap (2, big-endian) || leaf_bitmap (2, big-endian)
//                  || the hashes of the present children in nibble order    5 + 32*n bytes
//
// bitmap bit i (value 1 << i) is set when the child at nibble i is present;
// leaf_bitmap bit i is set when that child is a leaf (a subset of bitmap). A
// parent holds its children's hashes, so its own hash is recomputed without
// reading them. A leaf's stored bytes are exactly its hash preimage; an
// internal node's hash leaves out leaf_bitmap (see merkle_tree.h).
//
// Canonical shape, a function of the set of keys alone: an internal node sits
// at path P exactly when at least two keys start with P; a leaf sits one nibble
// below its deepest ancestor, i.e. at the shallowest depth where its prefix is
// unique. So an internal node has two or more children, or a single internal
// child, and a tree of one key is a leaf at the root (depth 0, path key 0x00).
// Two distinct keys diverge by nibble 63: internal nodes lie at depths 0..63
// and leaves at depths 0..64.
//
// A malformed stored node means a corrupt store; it fails an assertion.

#include "chain/merkle_tree.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <span>
#include <variant>

#include "chain/keccak.h"

namespace vest::merkle {

namespace {

constexpr uint8_t kLeafTag = 0x00;
constexpr uint8_t kInternalTag = 0x01;
constexpr int kMaxDepth = 64;  // nibbles in a key hash
constexpr size_t kLeafSize = 1 + 32 + 32;
constexpr size_t kInternalHeaderSize = 1 + 2 + 2;

struct Leaf {
  Hash key_hash;
  Hash value_hash;
};

struct Internal {
  uint16_t bitmap = 0;
  uint16_t leaf_bitmap = 0;          // subset of bitmap
  std::array<Hash, 16> children{};  // zero where absent
};

// The content of one position of the tree: nothing, a leaf or an internal node.
using Content = std::variant<std::monostate, Leaf, Internal>;

int nibble(const Hash& h, int i) {
  uint8_t b = h.bytes[static_cast<size_t>(i / 2)];
  return i % 2 == 0 ? b >> 4 : b & 0x0f;
}

// `h` with nibble `i` replaced by `n`.
Hash with_nibble(Hash h, int i, int n) {
  uint8_t& b = h.bytes[static_cast<size_t>(i / 2)];
  b = i % 2 == 0 ? static_cast<uint8_t>((b & 0x0f) | n << 4) : static_cast<uint8_t>((b & 0xf0) | n);
  return h;
}

bool by_key(const Update& a, const Update& b) { return a.key_hash < b.key_hash; }

bool has_bit(uint16_t bits, int i) { return (bits >> i & 1) != 0; }

// The path key of the position at `depth` on the path of `key`.
Bytes path_key(const Hash& key, int depth) {
  assert(depth >= 0 && depth <= kMaxDepth);
  Bytes out;
  out.reserve(1 + static_cast<size_t>(depth + 1) / 2);
  out.push_back(static_cast<uint8_t>(depth));
  for (int i = 0; i < depth / 2; ++i) out.push_back(key.bytes[static_cast<size_t>(i)]);
  if (depth % 2 != 0) out.push_back(key.bytes[static_cast<size_t>(depth / 2)] & 0xf0);
  return out;
}

void put_u16_be(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

uint16_t get_u16_be(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

Hash leaf_hash(const Hash& key_hash, const Hash& value_hash) {
  Keccak256 h;
  h.update(ByteView(&kLeafTag, 1)).update(key_hash.view()).update(value_hash.view());
  return h.final();
}

// Hashes an internal node from its bitmap and the present children's hashes,
// `child(i)` giving the hash at nibble i.
template <typename ChildHash>
Hash internal_hash(uint16_t bitmap, ChildHash child) {
  uint8_t header[3] = {kInternalTag, static_cast<uint8_t>(bitmap >> 8), static_cast<uint8_t>(bitmap)};
  Keccak256 h;
  h.update(ByteView(header, sizeof header));
  for (int i = 0; i < 16; ++i)
    if (has_bit(bitmap, i)) h.update(child(i).view());
  return h.final();
}

Hash hash_of(const Content& c) {
  if (const auto* leaf = std::get_if<Leaf>(&c)) return leaf_hash(leaf->key_hash, leaf->value_hash);
  if (const auto* in = std::get_if<Internal>(&c))
    return internal_hash(in->bitmap,
                         [&](int i) -> const Hash& { return in->children[static_cast<size_t>(i)]; });
  return empty_root();
}

std::optional<Bytes> encode(const Content& c) {
  if (const auto* leaf = std::get_if<Leaf>(&c)) {
    Bytes out;
    out.reserve(kLeafSize);
    out.push_back(kLeafTag);
    append(out, leaf->key_hash.view());
    append(out, leaf->value_hash.view());
    return out;
  }
  if (const auto* in = std::get_if<Internal>(&c)) {
    assert(in->bitmap != 0 && (in->leaf_bitmap & ~in->bitmap) == 0);
    Bytes out;
    out.reserve(kInternalHeaderSize + 32 * static_cast<size_t>(std::popcount(in->bitmap)));
    out.push_back(kInternalTag);
    put_u16_be(out, in->bitmap);
    put_u16_be(out, in->leaf_bitmap);
    for (int i = 0; i < 16; ++i)
      if (has_bit(in->bitmap, i)) append(out, in->children[static_cast<size_t>(i)].view());
    return out;
  }
  return std::nullopt;
}

// The content a stored node holds; nullopt when its bytes are malformed.
std::optional<Content> parse(const std::optional<Bytes>& stored) {
  if (!stored) return std::monostate{};
  const Bytes& b = *stored;
  if (b.empty()) return std::nullopt;
  if (b[0] == kLeafTag) {
    if (b.size() != kLeafSize) return std::nullopt;
    Leaf leaf;
    std::copy_n(b.begin() + 1, 32, leaf.key_hash.bytes.begin());
    std::copy_n(b.begin() + 33, 32, leaf.value_hash.bytes.begin());
    return leaf;
  }
  if (b[0] != kInternalTag || b.size() < kInternalHeaderSize) return std::nullopt;
  Internal in;
  in.bitmap = get_u16_be(b.data() + 1);
  in.leaf_bitmap = get_u16_be(b.data() + 3);
  if (in.bitmap == 0 || (in.leaf_bitmap & ~in.bitmap) != 0) return std::nullopt;
  if (b.size() != kInternalHeaderSize + 32 * static_cast<size_t>(std::popcount(in.bitmap))) return std::nullopt;
  auto p = b.begin() + kInternalHeaderSize;
  for (int i = 0; i < 16; ++i) {
    if (!has_bit(in.bitmap, i)) continue;
    std::copy_n(p, 32, in.children[static_cast<size_t>(i)].bytes.begin());
    p += 32;
  }
  return in;
}

Content decode(const std::optional<Bytes>& stored) {
  std::optional<Content> c = parse(stored);
  assert(c && "malformed state tree node");
  return c ? std::move(*c) : Content{};
}

Content read(const NodeReader& nodes, const Hash& ref, int depth) {
  return decode(nodes.get_node(path_key(ref, depth)));
}

// Reads a child that its parent lists as present, leaf or not.
Content read_child(const NodeReader& nodes, const Hash& ref, int depth, bool is_leaf) {
  Content c = read(nodes, ref, depth);
  assert(is_leaf ? std::holds_alternative<Leaf>(c) : std::holds_alternative<Internal>(c));
  (void)is_leaf;
  return c;
}

void set_child(Internal& in, int n, const Content& c) {
  uint16_t bit = static_cast<uint16_t>(1u << n);
  in.bitmap = std::holds_alternative<std::monostate>(c) ? in.bitmap & ~bit : in.bitmap | bit;
  in.leaf_bitmap = std::holds_alternative<Leaf>(c) ? in.leaf_bitmap | bit : in.leaf_bitmap & ~bit;
  in.children[static_cast<size_t>(n)] = hash_of(c);
}

// One call of apply(). Each position on the updated paths is read at most once
// and written at most once.
class Applier {
 public:
  Applier(const NodeReader& nodes, std::vector<NodeWrite>& writes) : nodes_(nodes), writes_(writes) {}

  // The new content of the position at `depth` on the path of `ref`, which
  // holds `old`, after `updates` (sorted, distinct, non-empty, all under this
  // position). Writes every change strictly below the position; the caller
  // places the returned content (see place()), because a returned leaf may
  // move further up.
  Content update(const Hash& ref, int depth, const Content& old, std::span<const Update> updates) {
    assert(!updates.empty());
    if (const auto* in = std::get_if<Internal>(&old)) return update_children(ref, depth, *in, updates);

    // Nothing is stored below an empty position or a leaf: the new subtree is
    // built from the inserted entries and the old leaf, if it stays.
    const Leaf* old_leaf = std::get_if<Leaf>(&old);
    bool all_inserts =
        std::all_of(updates.begin(), updates.end(), [](const Update& u) { return u.value_hash.has_value(); });
    if (!old_leaf && all_inserts) return build(ref, depth, updates);
    std::vector<Update> entries;
    entries.reserve(updates.size() + 1);
    bool leaf_updated = false;
    for (const Update& u : updates) {
      if (old_leaf && u.key_hash == old_leaf->key_hash) leaf_updated = true;
      if (u.value_hash) entries.push_back(u);
    }
    if (old_leaf && !leaf_updated) {
      Update kept{old_leaf->key_hash, old_leaf->value_hash};
      auto at = std::lower_bound(entries.begin(), entries.end(), kept,
                                 by_key);
      entries.insert(at, kept);
    }
    if (entries.empty()) return std::monostate{};
    return build(ref, depth, entries);
  }

  // Writes the change, if any, at the position at `depth` on the path of `ref`.
  void place(const Hash& ref, int depth, const Content& old, const Content& now) {
    std::optional<Bytes> old_node = encode(old);
    std::optional<Bytes> new_node = encode(now);
    if (old_node == new_node) return;
    writes_.push_back(NodeWrite{path_key(ref, depth), std::move(new_node)});
  }

 private:
  // A subtree of the non-empty, sorted, distinct `entries` (all inserts) at a
  // position where nothing is stored below.
  Content build(const Hash& ref, int depth, std::span<const Update> entries) {
    assert(!entries.empty());
    if (entries.size() == 1) return Leaf{entries[0].key_hash, *entries[0].value_hash};
    return update_children(ref, depth, Internal{}, entries);
  }

  struct Touched {
    Hash ref;
    Content old;
    Content now;
  };

  // The position holds `old` (no children when the position was empty or a
  // leaf whose entry is among `updates`). Updates each child with updates,
  // then applies the shape rules: no children leaves nothing, a lone leaf
  // child moves up, anything else is an internal node.
  Content update_children(const Hash& ref, int depth, const Internal& old, std::span<const Update> updates) {
    assert(depth < kMaxDepth);
    Internal now = old;
    std::vector<Touched> touched;  // on the heap: the recursion may be 64 deep
    touched.reserve(std::min<size_t>(updates.size(), 16));
    std::array<int8_t, 16> touched_at;  // index in `touched`, -1 when untouched
    touched_at.fill(-1);
    size_t i = 0;
    while (i < updates.size()) {
      int n = nibble(updates[i].key_hash, depth);
      size_t j = i + 1;
      while (j < updates.size() && nibble(updates[j].key_hash, depth) == n) ++j;
      const Hash& child_ref = updates[i].key_hash;
      Content child_old = has_bit(old.bitmap, n)
                              ? read_child(nodes_, child_ref, depth + 1, has_bit(old.leaf_bitmap, n))
                              : Content{};
      Content child_now = update(child_ref, depth + 1, child_old, updates.subspan(i, j - i));
      set_child(now, n, child_now);
      touched_at[static_cast<size_t>(n)] = static_cast<int8_t>(touched.size());
      touched.push_back(Touched{child_ref, std::move(child_old), std::move(child_now)});
      i = j;
    }

    Content result;
    if (now.bitmap != 0 && std::has_single_bit(now.bitmap) && now.leaf_bitmap == now.bitmap) {
      // The lone leaf moves up into this position.
      int n = std::countr_zero(now.bitmap);
      int8_t at = touched_at[static_cast<size_t>(n)];
      if (at >= 0) {
        Touched& t = touched[static_cast<size_t>(at)];
        result = std::move(t.now);
        t.now = std::monostate{};
      } else {
        Hash child_ref = with_nibble(ref, depth, n);
        touched.push_back(Touched{child_ref, read_child(nodes_, child_ref, depth + 1, true), Content{}});
        result = touched.back().old;
      }
    } else if (now.bitmap != 0) {
      result = now;
    }
    for (const Touched& t : touched) place(t.ref, depth + 1, t.old, t.now);
    return result;
  }

  const NodeReader& nodes_;
  std::vector<NodeWrite>& writes_;
};

bool shares_prefix(const Hash& a, const Hash& b, int nibbles) {
  for (int i = 0; i < nibbles; ++i)
    if (nibble(a, i) != nibble(b, i)) return false;
  return true;
}

// One call of audit(): a depth-first walk that recomputes every hash.
class Auditor {
 public:
  Auditor(const NodeReader& nodes, Audit& out) : nodes_(nodes), out_(out) {}

  // The hash of `c`, found at `depth` on the path of `ref`, recomputed from
  // the leaves below it; nullopt once a problem is recorded.
  std::optional<Hash> walk(const Hash& ref, int depth, const Content& c) {
    ++out_.nodes;
    if (const auto* leaf = std::get_if<Leaf>(&c)) {
      if (!shares_prefix(leaf->key_hash, ref, depth)) return fail(ref, depth, "leaf of a key hash off its path");
      ++out_.leaves;
      return leaf_hash(leaf->key_hash, leaf->value_hash);
    }
    const Internal& in = std::get<Internal>(c);
    if (depth >= kMaxDepth) return fail(ref, depth, "internal node below the last nibble");
    if (std::popcount(in.bitmap) < 2 && in.leaf_bitmap != 0)
      return fail(ref, depth, "internal node with a lone leaf child (the leaf belongs here)");
    for (int i = 0; i < 16; ++i) {
      if (!has_bit(in.bitmap, i)) continue;
      Hash child_ref = with_nibble(ref, depth, i);
      std::optional<Bytes> stored = nodes_.get_node(path_key(child_ref, depth + 1));
      if (!stored) return fail(child_ref, depth + 1, "missing node that its parent lists");
      std::optional<Content> child = parse(stored);
      if (!child) return fail(child_ref, depth + 1, "malformed node");
      if (std::holds_alternative<Leaf>(*child) != has_bit(in.leaf_bitmap, i))
        return fail(child_ref, depth + 1, "node kind differs from its parent's leaf_bitmap");
      std::optional<Hash> h = walk(child_ref, depth + 1, *child);
      if (!h) return std::nullopt;
      if (*h != in.children[static_cast<size_t>(i)])
        return fail(child_ref, depth + 1, "hash differs from the one its parent holds");
    }
    return hash_of(c);
  }

  std::nullopt_t fail(const Hash& ref, int depth, const std::string& what) {
    out_.problem = "state tree node at depth " + std::to_string(depth) + " (path key " +
                   to_hex_0x(path_key(ref, depth)) + "): " + what;
    return std::nullopt;
  }

 private:
  const NodeReader& nodes_;
  Audit& out_;
};

}  // namespace

Hash empty_root() { return Hash{}; }

Audit audit(const NodeReader& nodes) {
  Audit out;
  Hash any;
  std::optional<Content> root = parse(nodes.get_node(path_key(any, 0)));
  Auditor auditor(nodes, out);
  if (!root) {
    auditor.fail(any, 0, "malformed node");
  } else if (std::holds_alternative<std::monostate>(*root)) {
    out.root = empty_root();
  } else if (auto h = auditor.walk(any, 0, *root)) {
    out.root = *h;
  }
  return out;
}

Hash apply(const NodeReader& nodes, std::vector<Update> updates, std::vector<NodeWrite>& writes) {
  std::sort(updates.begin(), updates.end(), by_key);
  for (size_t i = 1; i < updates.size(); ++i) assert(updates[i - 1].key_hash != updates[i].key_hash);

  Hash any;  // the root's path key does not depend on the key
  Content old = read(nodes, any, 0);
  if (updates.empty()) return hash_of(old);
  Applier applier(nodes, writes);
  Content now = applier.update(any, 0, old, updates);
  applier.place(any, 0, old, now);
  return hash_of(now);
}

Hash root(const NodeReader& nodes) { return hash_of(read(nodes, Hash{}, 0)); }

Proof prove(const NodeReader& nodes, const Hash& key_hash) {
  Proof proof;
  Content c = read(nodes, key_hash, 0);
  for (int depth = 0;; ++depth) {
    if (const auto* leaf = std::get_if<Leaf>(&c)) {
      proof.leaf_key_hash = leaf->key_hash;
      proof.leaf_value_hash = leaf->value_hash;
      return proof;
    }
    const auto* in = std::get_if<Internal>(&c);
    if (!in) {
      assert(depth == 0);  // only the root position of an empty tree is empty
      return proof;
    }
    int n = nibble(key_hash, depth);
    Proof::Level level;
    level.bitmap = in->bitmap;
    for (int i = 0; i < 16; ++i)
      if (has_bit(in->bitmap, i) && i != n) level.siblings.push_back(in->children[static_cast<size_t>(i)]);
    proof.levels.push_back(std::move(level));
    if (!has_bit(in->bitmap, n)) return proof;
    c = read_child(nodes, key_hash, depth + 1, has_bit(in->leaf_bitmap, n));
  }
}

bool verify(const Hash& root, const Hash& key_hash, const std::optional<Hash>& value_hash,
            const Proof& proof) {
  if (proof.levels.size() > static_cast<size_t>(kMaxDepth)) return false;
  if (proof.leaf_key_hash.has_value() != proof.leaf_value_hash.has_value()) return false;
  int depth = static_cast<int>(proof.levels.size());

  // The hash of the position where the path ends; nullopt for an empty slot.
  std::optional<Hash> current;
  if (proof.leaf_key_hash) {
    const Hash& leaf_key = *proof.leaf_key_hash;
    if (!shares_prefix(leaf_key, key_hash, depth)) return false;
    if (value_hash) {
      if (leaf_key != key_hash || *proof.leaf_value_hash != *value_hash) return false;
    } else if (leaf_key == key_hash) {
      return false;
    }
    current = leaf_hash(leaf_key, *proof.leaf_value_hash);
  } else if (value_hash) {
    return false;
  }

  for (int d = depth - 1; d >= 0; --d) {
    const Proof::Level& level = proof.levels[static_cast<size_t>(d)];
    int n = nibble(key_hash, d);
    bool on_path = has_bit(level.bitmap, n);
    // Only the last level may end at an empty slot.
    if (on_path != current.has_value()) return false;
    size_t expected = static_cast<size_t>(std::popcount(level.bitmap)) - (on_path ? 1 : 0);
    if (level.siblings.size() != expected) return false;
    size_t s = 0;
    current = internal_hash(level.bitmap, [&](int i) -> const Hash& {
      return i == n ? *current : level.siblings[s++];
    });
  }
  return current ? *current == root : root == empty_root();
}

}  // namespace vest::merkle
