#include "p2p/error.h"

namespace vest::p2p {

const char* to_string(Error e) {
  switch (e) {
    case Error::kOk: return "ok";
    case Error::kClosedLocally: return "closed locally";
    case Error::kClosedByPeer: return "closed by peer";
    case Error::kIo: return "socket error";
    case Error::kConnectFailed: return "connect failed";
    case Error::kHandshakeTimeout: return "handshake timeout";
    case Error::kIdleTimeout: return "idle timeout";
    case Error::kNotProtocol: return "not a vestchain peer";
    case Error::kBadKey: return "bad ephemeral key";
    case Error::kBadSignature: return "bad handshake signature";
    case Error::kWrongVersion: return "incompatible protocol version";
    case Error::kWrongChain: return "wrong chain";
    case Error::kWrongGenesis: return "wrong genesis";
    case Error::kWrongNodeId: return "wrong node id";
    case Error::kSelf: return "connection to self";
    case Error::kFrameTooLarge: return "frame length out of range";
    case Error::kMessageTooLarge: return "message too large for its type";
    case Error::kUnknownType: return "unknown message type";
    case Error::kUnexpectedType: return "unexpected message type";
    case Error::kBadTag: return "bad tag";
    case Error::kMalformed: return "malformed message";
    case Error::kSendQueueFull: return "send queue full (slow reader)";
    case Error::kNonceExhausted: return "nonce exhausted";
    case Error::kCrypto: return "local crypto failure";
  }
  return "unknown error";
}

std::string CloseReason::message() const {
  std::string out = to_string(code);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

}  // namespace vest::p2p
