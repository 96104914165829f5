// Frames of an established peer connection (docs/protocol.md, section 8):
//
//   frame     = length (u32 big-endian) ‖ ciphertext ‖ tag (16 bytes)
//   plaintext = type (u8) ‖ payload
//
// `length` counts ciphertext and tag (1 + payload + 16). Frames are sealed with
// ChaCha20-Poly1305 under the sender's direction key, the nonce is the direction's frame
// counter (4 zero bytes ‖ u64 big-endian), the additional data the 4 length bytes.
// A receiver checks the length against the global maximum before reading anything more,
// then decrypts the type byte alone and checks the length against that type's limit
// before allocating or reading the body; the type is authentic only once the tag verifies.
//
// Everything here is pure (no sockets, no clock), so the fuzz target tests/fuzz/p2p_frame.cpp
// drives the same code as a connection.
#pragma once

#include "p2p/crypto.h"
#include "p2p/error.h"
#include "p2p/types.h"

namespace vest::p2p {

enum class MessageType : uint8_t {
  kAuth = 0x00,          // handshake only: the signed hello
  kPing = 0x01,          // u64 nonce
  kPong = 0x02,          // the u64 nonce of the ping answered
  kStatus = 0x10,        // the channels below belong to the node; p2p/ knows only their limits
  kBlockRequest = 0x11,
  kBlock = 0x12,
  kEvidence = 0x13,
  kVoteEvidence = 0x14,  // two conflicting votes of one validator
  kTx = 0x20,
  kProposal = 0x30,      // a consensus proposal with its block
  kVote = 0x31,
};

struct MessageLimit {
  MessageType type;
  const char* name;
  uint32_t min_payload;
  uint32_t max_payload;
};

// The limits table; a type not listed is refused.
inline constexpr MessageLimit kMessageLimits[] = {
    {MessageType::kAuth, "auth", 161, 161},
    {MessageType::kPing, "ping", 8, 8},
    {MessageType::kPong, "pong", 8, 8},
    {MessageType::kStatus, "status", 0, 256},
    {MessageType::kBlockRequest, "block_request", 0, 64},
    {MessageType::kBlock, "block", 0, 8u << 20},
    {MessageType::kEvidence, "evidence", 0, 4096},
    {MessageType::kVoteEvidence, "vote_evidence", 0, 1024},
    {MessageType::kTx, "tx", 0, 1u << 20},  // the largest max_tx_bytes a genesis may set
    {MessageType::kProposal, "proposal", 0, 8u << 20},
    {MessageType::kVote, "vote", 0, 256},
};

constexpr uint32_t kFrameHeaderBytes = 4;
constexpr uint32_t kFrameOverhead = 1 + kAeadTagBytes;  // type byte and tag

constexpr uint32_t max_payload_of_table() {
  uint32_t m = 0;
  for (const auto& l : kMessageLimits) m = l.max_payload > m ? l.max_payload : m;
  return m;
}
// The global bounds of the length prefix.
constexpr uint32_t kMaxFrameLength = max_payload_of_table() + kFrameOverhead;
constexpr uint32_t kMinFrameLength = kFrameOverhead;
static_assert(kMaxFrameLength == (8u << 20) + 17);

// The limit of `type`, or nullptr for an unknown type.
constexpr const MessageLimit* find_limit(uint8_t type) {
  for (const auto& l : kMessageLimits)
    if (static_cast<uint8_t>(l.type) == type) return &l;
  return nullptr;
}
const char* type_name(uint8_t type);

// One direction's key and frame counter. The counter never repeats: after 2^64 - 1 frames
// the state refuses to seal or open more.
class CipherState {
 public:
  CipherState() = default;
  explicit CipherState(const Key32& key, uint64_t counter = 0) : key_(key), counter_(counter) {}
  const Key32& key() const { return key_; }
  uint64_t counter() const { return counter_; }
  // The next nonce, advancing the counter; false when exhausted.
  [[nodiscard]] bool next_nonce(std::array<uint8_t, kAeadNonceBytes>& nonce);

 private:
  Key32 key_{};
  uint64_t counter_ = 0;
};

struct Message {
  MessageType type = MessageType::kPing;
  Bytes payload;
};

// Appends the frame of (type, payload) to `out`. Refuses a type or size outside the table
// (kUnknownType, kMessageTooLarge, kMalformed for a size below the type's minimum).
Error encode_frame(CipherState& send, MessageType type, ByteView payload, Bytes& out);

// kOk when `length` is within the global bounds, else kFrameTooLarge.
Error check_frame_length(uint32_t length);

// Opens one frame in two steps, so that no more than the type's limit is ever read.
class FrameOpener {
 public:
  // `header` is the 4 length bytes (already checked with check_frame_length), `first` the
  // first ciphertext byte. Sets the (not yet authentic) type; refuses an unknown type or a
  // length outside the type's limits. The counter of `recv` advances.
  Error begin(CipherState& recv, const uint8_t* header, uint8_t first, MessageType& type);
  // `rest` is the remaining length - 1 bytes; on kOk, `payload` is the authentic payload.
  Error finish(ByteView rest, Bytes& payload);
  // The decrypted type byte of the last begin(), for error messages: not authentic.
  uint8_t raw_type() const { return raw_type_; }

 private:
  AeadOpener aead_;
  uint8_t raw_type_ = 0;
  uint32_t length_ = 0;
};

// Decodes the frame at the front of `wire`. kOk with consumed == 0 when `wire` holds less
// than a whole frame (and nothing wrong was seen yet); kOk with consumed > 0 and `out` set
// for a frame; otherwise the error that closes the connection.
Error decode_frame(CipherState& recv, ByteView wire, Message& out, size_t& consumed);

}  // namespace vest::p2p
