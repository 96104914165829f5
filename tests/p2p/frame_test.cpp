#include <catch2/catch.hpp>

#include "p2p/frame.h"
#include "p2p/handshake.h"
#include "p2p/rate_limit.h"

using namespace vest::p2p;

namespace {
Key32 key_of(uint8_t b) {
  Key32 k;
  k.fill(b);
  return k;
}
}  // namespace

TEST_CASE("frame: round trip, one nonce per frame, counters in step", "[p2p][frame]") {
  CipherState send(key_of(1)), recv(key_of(1));
  Bytes payload = {'h', 'i'};
  Bytes a, b;
  REQUIRE(encode_frame(send, MessageType::kTx, payload, a) == Error::kOk);
  REQUIRE(encode_frame(send, MessageType::kTx, payload, b) == Error::kOk);
  CHECK(a.size() == 4 + 1 + payload.size() + 16);
  CHECK(get_u32(a.data()) == 1 + payload.size() + 16);
  CHECK(a != b);  // the same message twice: different nonces, different bytes
  Bytes wire = a;
  wire.insert(wire.end(), b.begin(), b.end());
  Message m;
  size_t used = 0;
  REQUIRE(decode_frame(recv, wire, m, used) == Error::kOk);
  CHECK(used == a.size());
  CHECK(m.type == MessageType::kTx);
  CHECK(m.payload == payload);
  REQUIRE(decode_frame(recv, ByteView(wire).subspan(used), m, used) == Error::kOk);
  CHECK(m.payload == payload);
  CHECK(recv.counter() == 2);
  // Replaying the first frame fails: the receiver's counter has moved on.
  CHECK(decode_frame(recv, a, m, used) != Error::kOk);
}

TEST_CASE("frame: a partial frame waits, the wrong key fails the tag", "[p2p][frame]") {
  CipherState send(key_of(1));
  Bytes f;
  REQUIRE(encode_frame(send, MessageType::kStatus, Bytes(10, 7), f) == Error::kOk);
  for (size_t n = 0; n < f.size(); ++n) {
    CipherState recv(key_of(1));
    Message m;
    size_t used = 1;
    CHECK(decode_frame(recv, ByteView(f).first(n), m, used) == Error::kOk);
    CHECK(used == 0);
    CHECK(recv.counter() == 0);
  }
  CipherState other(key_of(2));
  Message m;
  size_t used = 0;
  Error e = decode_frame(other, f, m, used);
  CHECK((e == Error::kBadTag || e == Error::kUnknownType || e == Error::kMessageTooLarge || e == Error::kMalformed));
  for (size_t i = 4; i < f.size(); ++i) {  // every flipped byte after the prefix
    Bytes t = f;
    t[i] ^= 0x01;
    CipherState recv(key_of(1));
    e = decode_frame(recv, t, m, used);
    CHECK(e != Error::kOk);
  }
  Bytes t = f;
  t[3] ^= 0x01;  // the length is authenticated data too
  CipherState recv(key_of(1));
  CHECK(decode_frame(recv, t, m, used) != Error::kOk);
}

TEST_CASE("frame: lengths checked against the global and per-type limits first", "[p2p][frame]") {
  Message m;
  size_t used = 0;
  CipherState recv(key_of(1));
  // A prefix claiming 1 GiB is refused from its 4 bytes alone.
  uint8_t huge[4];
  put_u32(huge, 1u << 30);
  CHECK(decode_frame(recv, ByteView(huge, 4), m, used) == Error::kFrameTooLarge);
  uint8_t tiny[4];
  put_u32(tiny, kMinFrameLength - 1);
  CHECK(decode_frame(recv, ByteView(tiny, 4), m, used) == Error::kFrameTooLarge);
  CHECK(check_frame_length(kMaxFrameLength) == Error::kOk);
  CHECK(check_frame_length(kMaxFrameLength + 1) == Error::kFrameTooLarge);

  // A ping that claims 1000 bytes is refused once its type byte is seen, before the body.
  CipherState send(key_of(1));
  std::array<uint8_t, kAeadNonceBytes> nonce{};
  REQUIRE(send.next_nonce(nonce));
  uint8_t header[4];
  put_u32(header, 1000);
  Bytes plain(1000 - 16, 0);
  plain[0] = static_cast<uint8_t>(MessageType::kPing);
  Bytes frame(header, header + 4);
  REQUIRE(aead_seal(send.key(), nonce, ByteView(header, 4), plain, frame));
  CHECK(decode_frame(recv, ByteView(frame).first(5), m, used) == Error::kMessageTooLarge);

  // Unknown types, and sizes outside the table, are refused on both sides.
  CHECK(encode_frame(send, static_cast<MessageType>(0x7f), {}, frame) == Error::kUnknownType);
  CHECK(encode_frame(send, MessageType::kTx, Bytes((1u << 20) + 1), frame) == Error::kMessageTooLarge);
  CHECK(encode_frame(send, MessageType::kPing, Bytes(7), frame) == Error::kMalformed);
  plain.assign(10, 0);
  plain[0] = 0x7f;
  frame.assign(header, header + 4);
  put_u32(frame.data(), 10 + 16);
  CipherState s2(key_of(3)), r2(key_of(3));
  REQUIRE(s2.next_nonce(nonce));
  REQUIRE(aead_seal(s2.key(), nonce, ByteView(frame.data(), 4), plain, frame));
  CHECK(decode_frame(r2, frame, m, used) == Error::kUnknownType);
}

TEST_CASE("frame: the nonce counter never wraps", "[p2p][frame]") {
  CipherState s(key_of(1), UINT64_MAX - 1);
  Bytes f;
  CHECK(encode_frame(s, MessageType::kTx, Bytes{1}, f) == Error::kOk);
  CHECK(encode_frame(s, MessageType::kTx, Bytes{1}, f) == Error::kNonceExhausted);
}

TEST_CASE("auth message: one encoding per value", "[p2p][handshake]") {
  AuthMessage a;
  a.public_key = key_of(9);
  a.hello.chain_id = 0x0102030405060708;
  a.hello.genesis_hash = key_of(5);
  a.hello.dialled = NodeId{};
  a.hello.dialled->fill(3);
  Bytes enc = encode_auth(a);
  REQUIRE(enc.size() == kAuthBytes);
  AuthMessage back;
  REQUIRE(decode_auth(enc, back) == Error::kOk);
  CHECK(encode_auth(back) == enc);
  CHECK(back.hello.dialled == a.hello.dialled);
  Bytes bad = enc;
  bad[96 + 44] = 2;  // flag other than 0/1
  CHECK(decode_auth(bad, back) == Error::kMalformed);
  bad[96 + 44] = 0;  // flag 0 with an id
  CHECK(decode_auth(bad, back) == Error::kMalformed);
  CHECK(decode_auth(ByteView(enc).first(160), back) == Error::kMalformed);
}

TEST_CASE("token bucket: a burst, then the rate, debt carried", "[p2p][rate]") {
  using namespace std::chrono;
  auto t0 = steady_clock::time_point{} + seconds(100);
  TokenBucket b(1000, 500, t0);  // 1000 bytes/s, 500 bytes burst
  CHECK(b.take(500, t0).count() == 0);
  CHECK(b.take(100, t0) == milliseconds(100));  // 100 bytes in debt: 100 ms
  CHECK(b.take(0, t0 + milliseconds(100)).count() == 0);
  // A long quiet period refills only to the burst.
  CHECK(b.take(500, t0 + seconds(60)).count() == 0);
  CHECK(b.take(1, t0 + seconds(60)) == milliseconds(1));
  TokenBucket unlimited(0, 0, t0);
  CHECK(unlimited.take(1u << 30, t0).count() == 0);
}
