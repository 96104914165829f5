// The state commitment: a 16-ary sparse Merkle tree over hashed keys.
//
// Each state entry (key, value) is a leaf at path keccak256(key), read as 64
// nibbles. A leaf sits at the shallowest depth where no other leaf shares its
// prefix; internal nodes exist at every depth above it. Only the current tree
// is stored, one node per path, so an update touches the nodes on the paths of
// the changed keys and nothing else: a block's cost grows with its writes, not
// with the size of the state. The precise node and hash formats are in
// docs/protocol.md ("State root").
//
//   empty tree   root = 32 zero bytes
//   leaf         keccak256(0x00 || key_hash || value_hash)
//   internal     keccak256(0x01 || child_bitmap (2 bytes, big-endian, bit i = nibble i)
//                          || the hashes of the present children in nibble order)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/bytes.h"

namespace vest::merkle {

// Where the tree's nodes are read from. A node's storage key is its path:
// one byte holding the depth (0..64) then the path nibbles packed two per byte,
// high nibble first, the last low nibble zero when the depth is odd.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // The stored node at `path_key`, or nullopt when there is none.
  virtual std::optional<Bytes> get_node(ByteView path_key) const = 0;
};

struct Update {
  Hash key_hash;
  std::optional<Hash> value_hash;  // nullopt removes the key
};

struct NodeWrite {
  Bytes path_key;
  std::optional<Bytes> node;  // nullopt deletes the node at path_key
};

// Hash of the empty tree (32 zero bytes).
Hash empty_root();

// Applies `updates` (at most one per key hash, any order; removing an absent
// key is not an error) to the tree stored in `nodes` and returns the new root.
// Appends to `writes` the node changes that bring the store to the new tree.
Hash apply(const NodeReader& nodes, std::vector<Update> updates, std::vector<NodeWrite>& writes);

// Root of the stored tree (empty_root() for an empty store).
Hash root(const NodeReader& nodes);

// What audit() found in a stored tree.
struct Audit {
  Hash root;             // recomputed from the leaves up; meaningful when problem is empty
  uint64_t nodes = 0;    // internal nodes and leaves visited
  uint64_t leaves = 0;
  std::string problem;   // the first malformed or inconsistent node; empty when the tree is sound
};

// Walks every node reachable from the root, for the offline consistency check:
// each node decodes, sits where the canonical shape puts it, agrees with its
// parent's leaf_bitmap, and hashes to the copy its parent holds. Unlike the
// other functions here, a malformed node is reported, not asserted on; the
// walk stops at the first problem.
Audit audit(const NodeReader& nodes);

// Inclusion or exclusion proof for one key: the sibling hashes of each
// internal node on the path, and the leaf found at the end (if any).
struct Proof {
  struct Level {
    uint16_t bitmap = 0;
    std::vector<Hash> siblings;  // hashes of present children except the path's, in order
  };
  std::vector<Level> levels;             // from the root down
  std::optional<Hash> leaf_key_hash;     // the leaf where the path ends, if any
  std::optional<Hash> leaf_value_hash;
};

Proof prove(const NodeReader& nodes, const Hash& key_hash);

// True when `proof` shows that `key_hash` maps to `value_hash` (or, with
// nullopt, that it is absent) in the tree with root `root`.
bool verify(const Hash& root, const Hash& key_hash, const std::optional<Hash>& value_hash,
            const Proof& proof);

}  // namespace vest::merkle
