// Peer frames and the handshake's auth message (p2p/frame.h, p2p/handshake.h).
//   - as wire bytes under a fixed key: frames are opened in turn until one fails or is
//     incomplete; each one opened re-encodes, at the same counter, to exactly its bytes; a
//     failure is a named error and leaves the counter where it was;
//   - as a plaintext (type byte, payload) sealed into a frame: it opens exactly when the
//     limits table allows the type and size, and then unchanged; the first 5 bytes alone
//     already give the same verdict on type and size;
//   - as an auth message: what decodes re-encodes to the input.
#include <cstring>

#include "p2p/handshake.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/p2p_frame.h"

using namespace vest::p2p;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  const Key32 key = vest::fuzz::p2p_frame_key();

  CipherState recv(key);
  size_t off = 0;
  while (off < size) {
    CipherState before = recv;
    Message m;
    size_t used = 0;
    Error e = decode_frame(recv, in.subspan(off), m, used);
    if (e != Error::kOk) {
      FUZZ_CHECK(std::strcmp(to_string(e), "unknown error") != 0);
      FUZZ_CHECK(recv.counter() == before.counter());
      break;
    }
    if (used == 0) break;
    FUZZ_CHECK(recv.counter() == before.counter() + 1);
    const MessageLimit* limit = find_limit(static_cast<uint8_t>(m.type));
    FUZZ_CHECK(limit && m.payload.size() <= limit->max_payload && m.payload.size() >= limit->min_payload);
    Bytes again;
    FUZZ_CHECK(encode_frame(before, m.type, m.payload, again) == Error::kOk);
    FUZZ_CHECK(again.size() == used && std::equal(again.begin(), again.end(), in.begin() + off));
    off += used;
  }

  if (size >= 1 && size - 1 <= kMaxFrameLength - kFrameOverhead) {
    CipherState send(key), open(key), peek(key);
    std::array<uint8_t, kAeadNonceBytes> nonce{};
    FUZZ_CHECK(send.next_nonce(nonce));
    uint8_t header[kFrameHeaderBytes];
    put_u32(header, static_cast<uint32_t>(size + kAeadTagBytes));
    Bytes frame(header, header + kFrameHeaderBytes);
    FUZZ_CHECK(aead_seal(key, nonce, ByteView(header, kFrameHeaderBytes), in, frame));
    const MessageLimit* limit = find_limit(data[0]);
    bool allowed = limit && size - 1 <= limit->max_payload && size - 1 >= limit->min_payload;
    Message m;
    size_t used = 0;
    Error e = decode_frame(open, frame, m, used);
    FUZZ_CHECK((e == Error::kOk) == allowed);
    if (allowed) {
      FUZZ_CHECK(used == frame.size() && static_cast<uint8_t>(m.type) == data[0]);
      FUZZ_CHECK(m.payload.size() == size - 1 && std::equal(m.payload.begin(), m.payload.end(), data + 1));
    }
    Error early = decode_frame(peek, ByteView(frame).first(kFrameHeaderBytes + 1), m, used);
    FUZZ_CHECK(allowed ? (early == Error::kOk && used == 0) : early == e);
  }

  AuthMessage auth;
  if (decode_auth(in, auth) == Error::kOk) {
    Bytes again = encode_auth(auth);
    FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data));
  }
  return 0;
}
