#include "p2p/frame.h"

namespace vest::p2p {

const char* type_name(uint8_t type) {
  const MessageLimit* l = find_limit(type);
  return l ? l->name : "unknown";
}

bool CipherState::next_nonce(std::array<uint8_t, kAeadNonceBytes>& nonce) {
  if (counter_ == UINT64_MAX) return false;
  nonce.fill(0);
  put_u64(nonce.data() + 4, counter_++);
  return true;
}

Error encode_frame(CipherState& send, MessageType type, ByteView payload, Bytes& out) {
  const MessageLimit* limit = find_limit(static_cast<uint8_t>(type));
  if (!limit) return Error::kUnknownType;
  if (payload.size() > limit->max_payload) return Error::kMessageTooLarge;
  if (payload.size() < limit->min_payload) return Error::kMalformed;
  std::array<uint8_t, kAeadNonceBytes> nonce{};
  if (!send.next_nonce(nonce)) return Error::kNonceExhausted;
  uint32_t length = static_cast<uint32_t>(payload.size()) + kFrameOverhead;
  uint8_t header[kFrameHeaderBytes];
  put_u32(header, length);
  Bytes plaintext;
  plaintext.reserve(1 + payload.size());
  plaintext.push_back(static_cast<uint8_t>(type));
  plaintext.insert(plaintext.end(), payload.begin(), payload.end());
  size_t start = out.size();
  out.insert(out.end(), header, header + kFrameHeaderBytes);
  if (!aead_seal(send.key(), nonce, ByteView(header, kFrameHeaderBytes), plaintext, out)) {
    out.resize(start);
    return Error::kCrypto;
  }
  return Error::kOk;
}

Error check_frame_length(uint32_t length) {
  return length < kMinFrameLength || length > kMaxFrameLength ? Error::kFrameTooLarge : Error::kOk;
}

Error FrameOpener::begin(CipherState& recv, const uint8_t* header, uint8_t first, MessageType& type) {
  length_ = get_u32(header);
  if (Error e = check_frame_length(length_); e != Error::kOk) return e;
  std::array<uint8_t, kAeadNonceBytes> nonce{};
  if (!recv.next_nonce(nonce)) return Error::kNonceExhausted;
  if (!aead_.begin(recv.key(), nonce, ByteView(header, kFrameHeaderBytes))) return Error::kCrypto;
  uint8_t t = 0;
  if (!aead_.update(ByteView(&first, 1), &t)) return Error::kCrypto;
  raw_type_ = t;
  const MessageLimit* limit = find_limit(t);
  if (!limit) return Error::kUnknownType;
  uint32_t payload = length_ - kFrameOverhead;
  if (payload > limit->max_payload) return Error::kMessageTooLarge;
  if (payload < limit->min_payload) return Error::kMalformed;
  type = limit->type;
  return Error::kOk;
}

Error FrameOpener::finish(ByteView rest, Bytes& payload) {
  if (rest.size() + 1 != length_) return Error::kMalformed;
  size_t n = length_ - kFrameOverhead;
  payload.resize(n);
  if (!aead_.update(rest.first(n), payload.data())) return Error::kCrypto;
  if (!aead_.finish(rest.subspan(n))) {
    payload.clear();
    return Error::kBadTag;
  }
  return Error::kOk;
}

Error decode_frame(CipherState& recv, ByteView wire, Message& out, size_t& consumed) {
  consumed = 0;
  if (wire.size() < kFrameHeaderBytes) return Error::kOk;
  uint32_t length = get_u32(wire.data());
  if (Error e = check_frame_length(length); e != Error::kOk) return e;
  if (wire.size() < kFrameHeaderBytes + 1) return Error::kOk;
  CipherState trial = recv;  // the counter advances only for a whole frame
  FrameOpener opener;
  MessageType type;
  if (Error e = opener.begin(trial, wire.data(), wire[kFrameHeaderBytes], type); e != Error::kOk) return e;
  if (wire.size() < kFrameHeaderBytes + length) return Error::kOk;
  Bytes payload;
  if (Error e = opener.finish(wire.subspan(kFrameHeaderBytes + 1, length - 1), payload); e != Error::kOk) return e;
  recv = trial;
  out.type = type;
  out.payload = std::move(payload);
  consumed = kFrameHeaderBytes + length;
  return Error::kOk;
}

}  // namespace vest::p2p
