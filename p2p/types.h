// Byte types of the p2p library. p2p/ depends on libraries only (docs/developer-notes.md),
// so it keeps its own small vocabulary instead of chain/bytes.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vest::p2p {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Key32 = std::array<uint8_t, 32>;
using Signature64 = std::array<uint8_t, 64>;
// A node id: the first 20 bytes of SHA-256 of the node's Ed25519 public key (docs/protocol.md, section 8).
using NodeId = std::array<uint8_t, 20>;

// Lowercase hex, no prefix.
std::string to_hex(ByteView bytes);
// Exactly 2*N hex digits (either case, no prefix) to N bytes; nullopt otherwise.
std::optional<Bytes> from_hex(std::string_view text);
std::string to_string(const NodeId& id);
// 40 hex digits to a node id; nullopt otherwise.
std::optional<NodeId> parse_node_id(std::string_view text);

// Big-endian fixed-width integers.
inline void put_u32(uint8_t* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put_u64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}
inline uint32_t get_u32(const uint8_t* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | in[i];
  return v;
}
inline uint64_t get_u64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

}  // namespace vest::p2p
