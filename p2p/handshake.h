// The handshake of a peer connection, in the style of CometBFT's SecretConnection
// (docs/protocol.md, section 8). Both sides run the same steps at the same time:
//
//   1. send   magic "VSTP" ‖ ephemeral X25519 public key (32)                 36 bytes, clear
//   2. derive shared = X25519(own ephemeral, peer ephemeral), refusing an all-zero result;
//             (lo, hi) = the two ephemeral keys sorted bytewise;
//             okm = HKDF-SHA256(ikm = shared, salt = "", info = kHkdfInfo ‖ lo ‖ hi, 96 bytes)
//             key_lo = okm[0..32): frames sent by the side whose ephemeral key is lo
//             key_hi = okm[32..64): frames sent by the other side
//             challenge = okm[64..96)
//   3. send   one frame of type auth (frame.h), counter 0:
//             node public key (32) ‖ Ed25519 signature (64) ‖ hello (65)
//             signed bytes = kAuthDomain ‖ challenge ‖ hello
//             hello = protocol version u32 ‖ chain id u64 ‖ genesis hash (32) ‖
//                     dialled flag u8 (0 or 1) ‖ dialled node id (20; zero when flag is 0)
//   4. check  the peer's signature, then: not ourselves, a compatible version, the same chain
//             id and genesis hash, and the node id each side dialled.
//
// Handshaker holds the state between the steps; it does no I/O and reads no clock.
#pragma once

#include "p2p/frame.h"
#include "p2p/node_key.h"

namespace vest::p2p {

constexpr uint32_t kProtocolVersion = 1;
inline constexpr uint8_t kMagic[4] = {'V', 'S', 'T', 'P'};
constexpr size_t kHelloBytes = 4 + 8 + 32 + 1 + 20;
constexpr size_t kAuthBytes = 32 + 64 + kHelloBytes;
constexpr size_t kEphemeralMessageBytes = sizeof kMagic + 32;
inline constexpr std::string_view kHkdfInfo = "vestchain/p2p/secret/v1";
inline constexpr std::string_view kAuthDomain = "vestchain/p2p/auth/v1";
static_assert(kAuthBytes == 161);

struct Hello {
  uint32_t protocol_version = kProtocolVersion;
  uint64_t chain_id = 0;
  Key32 genesis_hash{};
  std::optional<NodeId> dialled;  // set by the side that dials
};

struct AuthMessage {
  Key32 public_key{};
  Signature64 signature{};
  Hello hello;
};

// Exactly kHelloBytes / kAuthBytes; decoding refuses any other size, a flag other than 0 or
// 1, and a non-zero id with flag 0 (one encoding per value).
Bytes encode_hello(const Hello& h);
Bytes encode_auth(const AuthMessage& a);
Error decode_auth(ByteView in, AuthMessage& out);
// The bytes each side signs.
Bytes auth_signed_bytes(const Key32& challenge, const Hello& hello);

// What this node states and expects.
struct LocalIdentity {
  const NodeKey* key = nullptr;  // outlives every handshake and connection using it
  uint64_t chain_id = 0;
  Key32 genesis_hash{};
  uint32_t protocol_version = kProtocolVersion;
  uint32_t min_protocol_version = kProtocolVersion;  // peers below are refused
};

// The authenticated peer.
struct PeerInfo {
  NodeId id{};
  Key32 public_key{};
  uint32_t protocol_version = 0;
};

class Handshaker {
 public:
  // `dialled` is the node id this side dialled (nullopt when the peer dialled us).
  Handshaker(LocalIdentity local, std::optional<NodeId> dialled);

  // Step 1: the 36 bytes to send. kCrypto when no ephemeral key could be made.
  Error start(Bytes& out);
  // Step 2 and 3: given the peer's 36 bytes, appends the auth frame to send to `out`.
  Error on_ephemeral(ByteView in, Bytes& out);
  // The direction state for reading the peer's auth frame (valid after on_ephemeral).
  CipherState& recv() { return recv_; }
  // Step 4: the peer's decrypted auth message (type already known to be kAuth).
  // On failure `detail` says what differed.
  Error on_auth(ByteView payload, PeerInfo& peer, std::string& detail);

  // The direction states for the frames after the handshake (valid after on_auth).
  CipherState& send() { return send_; }

 private:
  LocalIdentity local_;
  std::optional<NodeId> dialled_;
  std::optional<X25519Key> ephemeral_;
  Key32 challenge_{};
  CipherState send_, recv_;
};

}  // namespace vest::p2p
