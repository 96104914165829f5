// The node key: a long-lived Ed25519 key that names a node on the network.
//
// Stored in <datadir>/node_key as the 32-byte Ed25519 seed (RFC 8032 private key) in hex,
// one line, mode 0600. The node id is the lowercase hex of the first 20 bytes of
// SHA-256(Ed25519 public key); docs/protocol.md, section 8 specifies both.
#pragma once

#include <filesystem>
#include <memory>

#include "p2p/crypto.h"
#include "p2p/types.h"

namespace vest::p2p {

// The id of the node whose Ed25519 public key is `pub`: SHA-256(pub)[0..20).
NodeId node_id_of(const Key32& pub);

class NodeKey {
 public:
  // A fresh random key; nullopt when OpenSSL fails.
  static std::optional<NodeKey> generate();
  // The key of a 32-byte seed; nullopt when OpenSSL refuses it.
  static std::optional<NodeKey> from_seed(const Key32& seed);
  // Loads <datadir>/node_key, or creates it (and the folder) when absent: written to a
  // temporary file, synced, renamed into place, folder synced. Refuses a key file that the
  // group or others may read, and a file that is not one 64-digit hex line. On failure,
  // nullopt and a message naming the file in `error` (never the key).
  static std::optional<NodeKey> load_or_create(const std::filesystem::path& datadir, std::string& error);

  const Key32& public_key() const { return public_; }
  const NodeId& id() const { return id_; }
  // Ed25519 signature of `message`.
  Signature64 sign(ByteView message) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;  // holds the private key; never printed
  Key32 public_{};
  NodeId id_{};
};

// The key file's name inside a data directory.
inline constexpr const char* kNodeKeyFile = "node_key";

}  // namespace vest::p2p
