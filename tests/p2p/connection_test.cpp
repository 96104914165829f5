// Connections over real sockets on 127.0.0.1 with ephemeral ports and real crypto. Every
// wait is bounded; every node, connection and thread is stopped by its destructor.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include <boost/asio/post.hpp>

#include "tests/p2p/p2p_util.h"

using namespace vest::p2p;
using namespace vest::p2p::test;
using Clock = std::chrono::steady_clock;

namespace {

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
  return b;
}

// Resident memory of this process in bytes.
size_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("p2p: two nodes handshake and exchange messages both ways", "[p2p][connection]") {
  IoThread io;
  Recorder dialler;
  TestNode a(io), b(io);
  a.listen();
  auto out = b.dial(a.endpoint(), a.id(), dialler);
  REQUIRE(dialler.wait_open());
  Recorder& accepted = a.inbound(0);
  REQUIRE(accepted.wait_open());
  // Each side authenticated the other's node key.
  CHECK(dialler.peer().id == a.id());
  CHECK(dialler.peer().public_key == a.key().public_key());
  CHECK(accepted.peer().id == b.id());
  CHECK(accepted.peer().protocol_version == kProtocolVersion);

  Bytes small = {'t', 'x'};
  Bytes big = pattern(300 * 1024, 3);  // several TCP segments, one frame
  REQUIRE(out->send(MessageType::kTx, small) == Error::kOk);
  REQUIRE(out->send(MessageType::kBlock, big) == Error::kOk);
  auto in = a.inbound_connection(0);
  REQUIRE(in);
  REQUIRE(in->send(MessageType::kStatus, Bytes{1, 2, 3}) == Error::kOk);
  REQUIRE(in->send(MessageType::kProposal, Bytes{}) == Error::kOk);

  REQUIRE(accepted.wait_messages(2));
  auto got = accepted.messages();
  CHECK(got[0].type == MessageType::kTx);
  CHECK(got[0].payload == small);
  CHECK(got[1].type == MessageType::kBlock);
  CHECK(got[1].payload == big);
  REQUIRE(dialler.wait_messages(2));
  auto back = dialler.messages();
  CHECK(back[0].type == MessageType::kStatus);
  CHECK(back[0].payload == Bytes({1, 2, 3}));
  CHECK(back[1].type == MessageType::kProposal);
  CHECK(back[1].payload.empty());

  // Reserved and oversized messages are refused at send, without closing.
  CHECK(out->send(MessageType::kPing, Bytes(8)) == Error::kUnknownType);
  CHECK(out->send(MessageType::kAuth, Bytes(161)) == Error::kUnknownType);
  CHECK(out->send(MessageType::kTx, Bytes((1u << 20) + 1)) == Error::kMessageTooLarge);
  CHECK(out->is_open());

  out->close();
  CHECK(dialler.wait_closed().code == Error::kClosedLocally);
  CHECK(accepted.wait_closed().code == Error::kClosedByPeer);
}

TEST_CASE("p2p: a peer of another chain, genesis or version is refused, with the reason", "[p2p][connection]") {
  IoThread io;
  struct Case {
    uint64_t chain;
    uint8_t genesis;
    uint32_t version;
    Error expected;
    const char* detail;
  };
  for (const Case& c : {Case{8, 0xaa, kProtocolVersion, Error::kWrongChain, "peer is on chain 8, this node on 7"},
                        Case{7, 0xbb, kProtocolVersion, Error::kWrongGenesis, "bbbb"},
                        Case{7, 0xaa, 1, Error::kWrongVersion, "needs at least 2"}}) {
    Recorder dialler;
    TestNode a(io), b(io, c.chain, genesis_of(c.genesis));
    if (c.expected == Error::kWrongVersion) {  // a needs version 2, b speaks 1
      a.identity().protocol_version = 2;
      a.identity().min_protocol_version = 2;
    }
    b.identity().protocol_version = c.version;
    a.listen();
    b.dial(a.endpoint(), a.id(), dialler);
    CloseReason at_a = a.inbound(0).wait_closed();
    CHECK(at_a.code == c.expected);
    CHECK_THAT(at_a.message(), Catch::Contains(c.detail));
    CloseReason at_b = dialler.wait_closed();
    CHECK(at_b.code != Error::kOk);
    // Chain and genesis differ both ways: b refuses a too (or sees a's close first). b
    // accepts a's newer version, then sees a close.
    if (c.expected != Error::kWrongVersion) {
      CHECK_FALSE(dialler.wait_open(1ms));
      CHECK((at_b.code == c.expected || at_b.code == Error::kClosedByPeer || at_b.code == Error::kIo));
    }
  }
}

TEST_CASE("p2p: dialling the wrong node id is refused", "[p2p][connection]") {
  IoThread io;
  Recorder dialler;
  TestNode a(io), b(io), c(io);
  a.listen();
  b.dial(a.endpoint(), c.id(), dialler);  // a's address, c's id
  CloseReason at_b = dialler.wait_closed();
  CHECK(at_b.code == Error::kWrongNodeId);
  CHECK_THAT(at_b.detail, Catch::Contains("dialled " + to_string(c.id()) + " but reached " + to_string(a.id())));
  // a refuses too: the hello names the node b meant to reach.
  CloseReason at_a = a.inbound(0).wait_closed();
  CHECK((at_a.code == Error::kWrongNodeId || at_a.code == Error::kClosedByPeer));
  CHECK_FALSE(a.inbound(0).wait_open(10ms));
}

TEST_CASE("p2p: a node dialling itself is refused", "[p2p][connection]") {
  IoThread io;
  Recorder dialler;
  TestNode a(io);
  a.listen();
  a.dial(a.endpoint(), a.id(), dialler);
  CloseReason out = dialler.wait_closed();
  CHECK(out.code == Error::kSelf);
  CHECK_THAT(out.detail, Catch::Contains(to_string(a.id())));
  CloseReason in = a.inbound(0).wait_closed();
  CHECK((in.code == Error::kSelf || in.code == Error::kClosedByPeer));
}

TEST_CASE("p2p: a length prefix claiming 1 GiB is refused without allocating", "[p2p][connection][limits]") {
  IoThread io;
  TestNode a(io);
  a.options().handshake_timeout = 30s;  // only the length check can end it in time
  a.options().idle_timeout = 30s;
  a.listen();
  RawPeer raw(a.port());
  TestNode peer_identity(io);
  REQUIRE(raw.handshake(peer_identity.identity(), a.id()));
  REQUIRE(a.inbound(0).wait_open());
  size_t before = resident_bytes();
  uint8_t prefix[4];
  put_u32(prefix, 1u << 30);
  raw.send(ByteView(prefix, 4));  // the prefix alone: no body follows
  auto t0 = Clock::now();
  CloseReason r = a.inbound(0).wait_closed();
  CHECK(r.code == Error::kFrameTooLarge);
  CHECK_THAT(r.detail, Catch::Contains("1073741824"));
  CHECK(Clock::now() - t0 < 5s);
  CHECK(raw.wait_eof());
  // A 1 GiB buffer would have been zero-filled, so resident memory would have grown by it.
  CHECK(resident_bytes() < before + (64u << 20));
}

TEST_CASE("p2p: a frame longer than its type's limit is refused before its body", "[p2p][connection][limits]") {
  IoThread io;
  TestNode a(io);
  a.options().idle_timeout = 30s;
  a.listen();
  RawPeer raw(a.port());
  TestNode peer_identity(io);
  REQUIRE(raw.handshake(peer_identity.identity(), a.id()));
  // A ping (8 bytes at most) claiming a 64 KiB payload; only its first byte is sent.
  std::array<uint8_t, kAeadNonceBytes> nonce{};
  REQUIRE(raw.send_cipher().next_nonce(nonce));
  Bytes plain(64 * 1024 + 1, 0);
  plain[0] = static_cast<uint8_t>(MessageType::kPing);
  uint8_t header[4];
  put_u32(header, static_cast<uint32_t>(plain.size() + kAeadTagBytes));
  Bytes frame(header, header + 4);
  REQUIRE(aead_seal(raw.send_cipher().key(), nonce, ByteView(header, 4), plain, frame));
  raw.send(ByteView(frame).first(5));
  CloseReason r = a.inbound(0).wait_closed();
  CHECK(r.code == Error::kMessageTooLarge);
  CHECK_THAT(r.detail, Catch::Contains("ping"));
}

TEST_CASE("p2p: garbage before the handshake disconnects", "[p2p][connection]") {
  IoThread io;
  TestNode a(io);
  a.listen();
  RawPeer raw(a.port());
  std::string http = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nxxxxxxxxxxxxx";  // 49 bytes
  raw.send(ByteView(reinterpret_cast<const uint8_t*>(http.data()), http.size()));
  CHECK(a.inbound(0).wait_closed().code == Error::kNotProtocol);
  CHECK(raw.wait_eof());

  // The right magic with an all-zero (low-order) ephemeral key.
  RawPeer zero(a.port());
  Bytes eph(kMagic, kMagic + 4);
  eph.resize(kEphemeralMessageBytes, 0);
  zero.send(eph);
  CHECK(a.inbound(1).wait_closed().code == Error::kBadKey);
  CHECK(zero.wait_eof());
}

TEST_CASE("p2p: garbage after the handshake disconnects", "[p2p][connection]") {
  IoThread io;
  TestNode a(io);
  a.options().idle_timeout = 30s;
  a.listen();
  std::mt19937 rng(12345);
  for (int i = 0; i < 4; ++i) {
    RawPeer raw(a.port());
    TestNode peer_identity(io);
    REQUIRE(raw.handshake(peer_identity.identity(), a.id()));
    Bytes junk(4 + 40);
    put_u32(junk.data(), 40);  // a plausible length, then bytes not sealed with the key
    for (size_t j = 4; j < junk.size(); ++j) junk[j] = static_cast<uint8_t>(rng());
    raw.send(junk);
    Error e = a.inbound(static_cast<size_t>(i)).wait_closed().code;
    // Refused at the type byte (not a known type or size) or at the tag.
    CHECK((e == Error::kBadTag || e == Error::kUnknownType || e == Error::kMessageTooLarge || e == Error::kMalformed));
    CHECK(a.inbound(static_cast<size_t>(i)).messages().empty());
    CHECK(raw.wait_eof());
  }
}

TEST_CASE("p2p: a tampered ciphertext byte closes the connection", "[p2p][connection]") {
  IoThread io;
  TestNode a(io);
  a.options().idle_timeout = 30s;
  a.listen();
  RawPeer raw(a.port());
  TestNode peer_identity(io);
  REQUIRE(raw.handshake(peer_identity.identity(), a.id()));
  Bytes good, bad;
  REQUIRE(encode_frame(raw.send_cipher(), MessageType::kTx, Bytes{'o', 'k'}, good) == Error::kOk);
  REQUIRE(encode_frame(raw.send_cipher(), MessageType::kTx, pattern(100, 1), bad) == Error::kOk);
  bad[4 + 50] ^= 0x80;  // one payload byte of the second frame
  raw.send(good);
  REQUIRE(a.inbound(0).wait_messages(1));
  raw.send(bad);
  CloseReason r = a.inbound(0).wait_closed();
  CHECK(r.code == Error::kBadTag);
  CHECK(a.inbound(0).messages().size() == 1);  // the tampered frame never reached the node
  CHECK(raw.wait_eof());
}

TEST_CASE("p2p: a peer that never completes the handshake is dropped at the timeout", "[p2p][connection][timeout]") {
  IoThread io;
  TestNode a(io), other(io);
  a.options().handshake_timeout = 300ms;
  a.listen();
  auto t0 = Clock::now();
  RawPeer silent(a.port());  // connects and says nothing
  Recorder& first = a.inbound(0);
  RawPeer half(a.port());  // sends its ephemeral key, never its auth frame
  Handshaker hs(other.identity(), std::nullopt);
  Bytes eph;
  REQUIRE(hs.start(eph) == Error::kOk);
  half.send(eph);
  CHECK(first.wait_closed().code == Error::kHandshakeTimeout);
  CHECK(a.inbound(1).wait_closed().code == Error::kHandshakeTimeout);
  CHECK(silent.wait_eof());
  CHECK(half.wait_eof());
  auto elapsed = Clock::now() - t0;
  CHECK(elapsed >= 290ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("p2p: pings keep a quiet connection open, a silent peer is dropped", "[p2p][connection][timeout]") {
  IoThread io;
  ConnectionOptions fast;
  fast.ping_interval = 40ms;
  fast.idle_timeout = 250ms;
  Recorder dialler;
  TestNode a(io, 7, genesis_of(0xaa), fast), b(io, 7, genesis_of(0xaa), fast);
  a.listen();
  auto out = b.dial(a.endpoint(), a.id(), dialler);
  REQUIRE(dialler.wait_open());
  // Four idle timeouts without a message: the pings and pongs keep both sides alive.
  std::this_thread::sleep_for(1s);
  CHECK(out->is_open());
  CHECK(a.inbound(0).wait_closed(1ms).code == Error::kOk);

  // A raw peer completes the handshake and then answers nothing.
  RawPeer raw(a.port());
  REQUIRE(raw.handshake(b.identity(), a.id()));
  auto t0 = Clock::now();
  CloseReason r = a.inbound(1).wait_closed();
  CHECK(r.code == Error::kIdleTimeout);
  CHECK(Clock::now() - t0 >= 200ms);
  CHECK(Clock::now() - t0 < 3s);
  CHECK(out->is_open());  // the honest peer is unaffected
}

TEST_CASE("p2p: a peer that does not read is dropped when the send queue is full", "[p2p][connection][limits]") {
  IoThread io;
  TestNode a(io);
  a.options().max_send_queue_bytes = 1u << 20;
  a.options().idle_timeout = 30s;
  a.listen();
  RawPeer raw(a.port(), 4096);  // a small receive buffer, and it never reads after the handshake
  TestNode peer_identity(io);
  REQUIRE(raw.handshake(peer_identity.identity(), a.id()));
  REQUIRE(a.inbound(0).wait_open());  // a has checked the raw peer's auth too
  auto in = a.inbound_connection(0);
  REQUIRE(in);
  // Offer 100 KiB blocks, one per turn of the io thread, until the connection drops; the
  // kernel buffers take a few MiB, the queue at most 1 MiB, 400 frames are far more.
  std::atomic<int> offered{0};
  std::function<void()> offer = [&] {
    if (!in->is_open() || offered >= 400) return;
    (void)in->send(MessageType::kBlock, Bytes(100 * 1024, 1));
    ++offered;
    boost::asio::post(io.executor(), offer);
  };
  boost::asio::post(io.executor(), offer);
  CloseReason r = a.inbound(0).wait_closed(10s);
  CHECK(r.code == Error::kSendQueueFull);
  CHECK(offered < 400);
  // Let the offering loop see the close before `offer` goes out of scope.
  for (int i = 0; i < 200 && offered < 400 && in->is_open(); ++i) std::this_thread::sleep_for(5ms);
  a.stop();
  io.stop();
}

TEST_CASE("p2p: the receive rate limit slows a fast sender to the rate", "[p2p][connection][rate]") {
  IoThread io;
  ConnectionOptions limited;
  limited.recv_rate = 400 * 1024;   // bytes per second
  limited.recv_burst = 110 * 1024;  // one frame
  Recorder dialler;
  TestNode a(io, 7, genesis_of(0xaa), limited), b(io);
  a.listen();
  auto out = b.dial(a.endpoint(), a.id(), dialler);
  REQUIRE(dialler.wait_open());
  REQUIRE(a.inbound(0).wait_open());
  auto t0 = Clock::now();
  for (int i = 0; i < 6; ++i) REQUIRE(out->send(MessageType::kBlock, Bytes(100 * 1024, static_cast<uint8_t>(i))) == Error::kOk);
  REQUIRE(a.inbound(0).wait_messages(6, 10s));
  auto elapsed = Clock::now() - t0;
  // 600 KiB at 400 KiB/s with a 110 KiB burst: at least (600 - 110) / 400 s = 1.2 s.
  CHECK(elapsed >= 1100ms);
  CHECK(elapsed < 5s);
  CHECK(out->is_open());  // throttled, not dropped
  auto got = a.inbound(0).messages();
  for (int i = 0; i < 6; ++i) CHECK(got[static_cast<size_t>(i)].payload == Bytes(100 * 1024, static_cast<uint8_t>(i)));
}
