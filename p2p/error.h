// Why a peer connection ended or was refused. Every close carries one of these codes and a
// message for a person (never key material).
#pragma once

#include <string>

namespace vest::p2p {

enum class [[nodiscard]] Error {
  kOk = 0,
  kClosedLocally,     // close() was called
  kClosedByPeer,      // the peer closed the TCP connection
  kIo,                // a socket error
  kConnectFailed,     // dialling did not reach the peer
  kHandshakeTimeout,  // the handshake did not complete in time
  kIdleTimeout,       // nothing received from the peer (not even a pong) in time
  kNotProtocol,       // the first bytes are not a vestchain p2p hello
  kBadKey,            // an unusable ephemeral key (low-order point, all-zero secret)
  kBadSignature,      // the peer's signature over the handshake does not verify
  kWrongVersion,      // an incompatible protocol version
  kWrongChain,        // another chain id
  kWrongGenesis,      // another genesis hash
  kWrongNodeId,       // the dialled node id is not the peer's (either side)
  kSelf,              // a connection to ourselves
  kFrameTooLarge,     // a length prefix above the global maximum or below the minimum
  kMessageTooLarge,   // a length above the limit of the message type
  kUnknownType,       // a message type not in the limits table
  kUnexpectedType,    // a known type at the wrong time (an auth message after the handshake)
  kBadTag,            // a frame that does not authenticate
  kMalformed,         // a message whose payload does not have its fixed shape
  kSendQueueFull,     // the peer reads too slowly: the send queue reached its byte limit
  kNonceExhausted,    // 2^64 frames in one direction
  kCrypto,            // OpenSSL failed locally
};

// A short name of the code ("bad tag").
const char* to_string(Error e);

// A code with what happened, for logs: "wrong chain: peer is on chain 7, this node on 9".
struct CloseReason {
  Error code = Error::kOk;
  std::string detail;
  std::string message() const;
};

}  // namespace vest::p2p
