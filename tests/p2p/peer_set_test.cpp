// The peer set over real sockets on 127.0.0.1 with ephemeral ports. Every wait is bounded;
// every peer set, connection and thread is stopped by its destructor.
#include <catch2/catch.hpp>
#include <deque>
#include <future>

#include <boost/asio/post.hpp>

#include "p2p/peer_set.h"
#include "tests/p2p/p2p_util.h"

using namespace vest::p2p;
using namespace vest::p2p::test;
using Clock = std::chrono::steady_clock;

namespace {

// Keys live for the whole program: a connection may finish on the io thread after its peer
// set is gone, and it still reads its node key until then.
const NodeKey& new_key() {
  static std::mutex m;
  static std::deque<NodeKey> keys;
  std::lock_guard l(m);
  keys.push_back(*NodeKey::generate());
  return keys.back();
}

LocalIdentity identity_of(const NodeKey& key, uint64_t chain_id = 7) {
  LocalIdentity id;
  id.key = &key;
  id.chain_id = chain_id;
  id.genesis_hash = genesis_of(0xaa);
  return id;
}

tcp::endpoint loopback(uint16_t port) { return tcp::endpoint(asio::ip::address_v4::loopback(), port); }

// Listening on an ephemeral port, quick redials, short bans.
PeerSetOptions fast_options() {
  PeerSetOptions o;
  o.listen = loopback(0);
  o.redial_min = 20ms;
  o.redial_max = 100ms;
  o.ban_time = 300ms;
  return o;
}

// `n` distinct ports that were free a moment ago (held open together while chosen).
std::vector<uint16_t> free_ports(size_t n) {
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::acceptor>> held;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < n; ++i) {
    held.push_back(std::make_unique<tcp::acceptor>(io, loopback(0)));
    ports.push_back(held.back()->local_endpoint().port());
  }
  return ports;
}

template <class P>
bool eventually(P pred, std::chrono::milliseconds t = 3s) {
  auto deadline = Clock::now() + t;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// True when `pred` holds at every sample for `t`.
template <class P>
bool throughout(P pred, std::chrono::milliseconds t) {
  auto deadline = Clock::now() + t;
  while (Clock::now() < deadline) {
    if (!pred()) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A peer set with a key of its own, recording what its handlers saw.
class Node {
 public:
  explicit Node(IoThread& io, const NodeKey& key = new_key(), uint64_t chain_id = 7)
      : io_(io), key_(key), chain_id_(chain_id) {}
  ~Node() { stop(); }

  // Starts the peer set; the error of start() ("" on success).
  std::string start(PeerSetOptions options) {
    PeerSetHandlers h;
    h.on_connect = [this](const NodeId& id) {
      std::lock_guard l(m_);
      connects_.push_back(id);
    };
    h.on_message = [this](const NodeId& id, Message&& msg) {
      std::lock_guard l(m_);
      messages_.emplace_back(id, std::move(msg));
    };
    h.on_disconnect = [this](const NodeId&, const CloseReason& r) {
      std::lock_guard l(m_);
      disconnects_.push_back(r);
    };
    h.log_info = h.log_debug = [this](std::string_view line) {
      std::lock_guard l(m_);
      logs_.emplace_back(line);
    };
    set_ = PeerSet::create(io_.context(), identity_of(key_, chain_id_), std::move(options), std::move(h));
    std::string error;
    if (!set_->start(error)) return error.empty() ? "failed" : error;
    return "";
  }
  // Stops the set and waits until no handler of it runs anymore.
  void stop() {
    if (!set_) return;
    set_->stop();
    std::weak_ptr<PeerSet> weak = set_;
    set_.reset();
    for (int i = 0; i < 1000 && !weak.expired(); ++i) std::this_thread::sleep_for(1ms);
  }

  PeerSet& set() { return *set_; }
  const NodeId& id() const { return key_.id(); }
  const NodeKey& key() const { return key_; }
  uint16_t port() const { return set_->listen_endpoint()->port(); }
  PeerAddress address() const { return {id(), "127.0.0.1", port()}; }

  size_t connects() {
    std::lock_guard l(m_);
    return connects_.size();
  }
  std::vector<CloseReason> disconnects() {
    std::lock_guard l(m_);
    return disconnects_;
  }
  std::vector<std::pair<NodeId, Message>> messages() {
    std::lock_guard l(m_);
    return messages_;
  }
  bool logged(std::string_view part) {
    std::lock_guard l(m_);
    for (const auto& line : logs_)
      if (line.find(part) != std::string::npos) return true;
    return false;
  }

 private:
  IoThread& io_;
  const NodeKey& key_;
  const uint64_t chain_id_;
  std::shared_ptr<PeerSet> set_;
  std::mutex m_;
  std::vector<NodeId> connects_;
  std::vector<std::pair<NodeId, Message>> messages_;
  std::vector<CloseReason> disconnects_;
  std::vector<std::string> logs_;
};

PeerSetOptions dialling(std::vector<PeerAddress> peers) {
  PeerSetOptions o = fast_options();
  o.peers = std::move(peers);
  return o;
}

}  // namespace

TEST_CASE("peer set: two peer sets connect and exchange messages both ways", "[p2p][peer_set]") {
  IoThread io;
  Node a(io), b(io);
  REQUIRE(a.start(fast_options()) == "");
  REQUIRE(b.start(dialling({a.address()})) == "");
  // on_connect runs just after the peer joins the set.
  REQUIRE(eventually([&] { return a.connects() == 1 && b.connects() == 1; }));
  CHECK(a.set().size() == 1);
  CHECK(b.set().size() == 1);

  REQUIRE(a.set().send(b.id(), MessageType::kTx, Bytes{'h', 'i'}));
  b.set().broadcast(MessageType::kStatus, Bytes{1, 2, 3});
  CHECK_FALSE(a.set().send(a.id(), MessageType::kTx, Bytes{}));  // not a peer
  CHECK_FALSE(a.set().send(b.id(), MessageType::kPing, Bytes(8)));  // reserved type
  REQUIRE(eventually([&] { return a.messages().size() == 1 && b.messages().size() == 1; }));
  auto at_b = b.messages()[0];
  CHECK(at_b.first == a.id());
  CHECK(at_b.second.type == MessageType::kTx);
  CHECK(at_b.second.payload == Bytes{'h', 'i'});
  auto at_a = a.messages()[0];
  CHECK(at_a.first == b.id());
  CHECK(at_a.second.type == MessageType::kStatus);
  CHECK(at_a.second.payload == Bytes{1, 2, 3});

  // Disconnected, the configured peer is dialled again.
  a.set().disconnect(b.id(), "testing");
  REQUIRE(eventually([&] { return a.disconnects().size() == 1 && b.disconnects().size() == 1; }));
  CHECK(a.disconnects()[0].code == Error::kClosedLocally);
  REQUIRE(eventually([&] { return a.connects() == 2 && b.connects() == 2; }));
  CHECK(a.logged("disconnecting " + to_string(b.id()) + ": testing"));

  // After stop, no handler runs: b keeps redialling a closed port.
  a.set().stop();
  a.set().stop();
  CHECK(a.set().size() == 0);
  CHECK_FALSE(a.set().send(b.id(), MessageType::kTx, Bytes{}));
  REQUIRE(eventually([&] { return b.disconnects().size() == 2; }));
  size_t seen = a.disconnects().size();
  std::this_thread::sleep_for(150ms);
  CHECK(a.disconnects().size() == seen);
  CHECK(a.connects() == 2);
}

TEST_CASE("peer set: start fails naming the address when it cannot listen", "[p2p][peer_set]") {
  IoThread io;
  Node a(io), b(io);
  REQUIRE(a.start(fast_options()) == "");
  PeerSetOptions o = fast_options();
  o.listen = loopback(a.port());
  std::string error = b.start(o);
  CHECK(error.find("cannot listen on 127.0.0.1:" + std::to_string(a.port())) != std::string::npos);
}

TEST_CASE("peer set: a configured peer that starts later is reached by redial", "[p2p][peer_set][redial]") {
  IoThread io;
  uint16_t port = free_ports(1)[0];
  const NodeKey& key_b = new_key();
  Node a(io), b(io, key_b);
  REQUIRE(a.start(dialling({{key_b.id(), "127.0.0.1", port}})) == "");
  std::this_thread::sleep_for(150ms);  // several failed dials
  CHECK(a.set().size() == 0);
  CHECK(a.logged("redialling " + to_string(key_b.id())));
  PeerSetOptions o = fast_options();
  o.listen = loopback(port);
  REQUIRE(b.start(o) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1 && b.set().size() == 1; }, 2s));
  CHECK(a.set().peers()[0].direction == Direction::kOutbound);
}

TEST_CASE("peer set: a restarted peer is redialled", "[p2p][peer_set][redial]") {
  IoThread io;
  const NodeKey& key_b = new_key();
  Node a(io);
  auto b = std::make_unique<Node>(io, key_b);
  REQUIRE(b->start(fast_options()) == "");
  uint16_t port = b->port();
  REQUIRE(a.start(dialling({b->address()})) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1; }));

  b.reset();
  REQUIRE(eventually([&] { return a.disconnects().size() == 1; }));
  CHECK(a.set().size() == 0);

  b = std::make_unique<Node>(io, key_b);
  PeerSetOptions o = fast_options();
  o.listen = loopback(port);
  // The old listener closes on the io thread; bind again until it has.
  REQUIRE(eventually([&] { return b->start(o) == ""; }, 2s));
  REQUIRE(eventually([&] { return a.connects() == 2 && b->connects() == 1; }, 2s));
}

TEST_CASE("peer set: its own id is never dialled, nor peers beyond max_outbound", "[p2p][peer_set]") {
  std::atomic<int> accepted{0};
  IoThread io;
  boost::system::error_code ec;
  auto trap = Listener::open(
      io.executor(), loopback(0), [&](tcp::socket) { ++accepted; }, ec);
  REQUIRE(trap);
  trap->start();

  Node a(io), b(io), c(io);
  REQUIRE(b.start(fast_options()) == "");
  REQUIRE(c.start(fast_options()) == "");
  PeerSetOptions o = dialling({{a.id(), "127.0.0.1", trap->local_endpoint().port()}, b.address(), c.address()});
  o.max_outbound = 1;
  o.redial_min = 5ms;
  REQUIRE(a.start(o) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1; }));
  CHECK(a.set().peers()[0].id == b.id());
  std::this_thread::sleep_for(200ms);
  CHECK(accepted == 0);
  CHECK(c.set().size() == 0);
  CHECK(a.logged("this node's own id"));
  CHECK(a.logged("not dialling " + c.address().to_string()));
  trap->close();
}

TEST_CASE("peer set: two nodes dialling each other keep exactly one connection", "[p2p][peer_set][duplicate]") {
  IoThread io;
  auto ports = free_ports(2);
  const NodeKey &key_a = new_key(), &key_b = new_key();
  Node a(io, key_a), b(io, key_b);
  PeerSetOptions oa = dialling({{key_b.id(), "127.0.0.1", ports[1]}});
  oa.listen = loopback(ports[0]);
  PeerSetOptions ob = dialling({{key_a.id(), "127.0.0.1", ports[0]}});
  ob.listen = loopback(ports[1]);
  // Hold the io thread until both sets listen and dial, so that both connections race.
  std::promise<void> go;
  std::shared_future<void> gate = go.get_future().share();
  asio::post(io.executor(), [gate] { gate.wait(); });
  REQUIRE(a.start(oa) == "");
  REQUIRE(b.start(ob) == "");
  go.set_value();

  REQUIRE(eventually([&] { return a.set().size() == 1 && b.set().size() == 1; }));
  std::this_thread::sleep_for(300ms);  // let the second connection settle
  REQUIRE(a.set().size() == 1);
  REQUIRE(b.set().size() == 1);
  CHECK(a.connects() == 1);
  CHECK(b.connects() == 1);
  CHECK(a.disconnects().empty());
  CHECK(b.disconnects().empty());
  // One connection seen from both ends: the one dialled by the lower node id.
  auto pa = a.set().peers()[0], pb = b.set().peers()[0];
  CHECK(pa.direction != pb.direction);
  CHECK((pa.direction == Direction::kOutbound) == (a.id() < b.id()));
  bool duplicate_seen = a.logged("already connected") || a.logged("replaced") || b.logged("already connected") ||
                        b.logged("replaced");
  CHECK(duplicate_seen);
  // Messages flow on the connection that stayed.
  REQUIRE(a.set().send(b.id(), MessageType::kTx, Bytes{'x'}));
  REQUIRE(eventually([&] { return b.messages().size() == 1; }));
}

TEST_CASE("peer set: inbound connections beyond max_inbound are refused", "[p2p][peer_set]") {
  IoThread io;
  Node a(io), b(io);
  PeerSetOptions o = fast_options();
  o.max_inbound = 2;
  REQUIRE(a.start(o) == "");
  // Two peers that never finish the handshake still hold their places.
  auto r1 = std::make_unique<RawPeer>(a.port());
  RawPeer r2(a.port());
  RawPeer r3(a.port());
  CHECK(r3.wait_eof(2s));
  CHECK_FALSE(r1->wait_eof(200ms));
  CHECK_FALSE(r2.wait_eof(10ms));
  CHECK(a.logged("refused an inbound connection from 127.0.0.1:"));

  // One leaves; a real peer takes its place.
  r1.reset();
  REQUIRE(b.start(dialling({a.address()})) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1 && b.set().size() == 1; }));
}

TEST_CASE("peer set: a peer of another chain is refused at the handshake, not banned, and both sides log why",
          "[p2p][peer_set]") {
  IoThread io;
  Node a(io), b(io, new_key(), 8);
  REQUIRE(a.start(fast_options()) == "");
  REQUIRE(b.start(dialling({a.address()})) == "");
  REQUIRE(eventually([&] {
    return a.logged("at the handshake: wrong chain: peer is on chain 8, this node on 7") &&
           b.logged("refused " + a.address().to_string() +
                    " at the handshake: wrong chain: peer is on chain 7, this node on 8");
  }));
  CHECK(a.logged("refused an inbound connection from 127.0.0.1:"));
  CHECK(a.connects() == 0);
  CHECK(b.connects() == 0);
  CHECK(a.set().bans().empty());
  CHECK(b.set().bans().empty());

  // Garbage and silence before the handshake are no configuration to report: debug lines.
  RawPeer junk(a.port());
  junk.send(Bytes(64, 'x'));
  CHECK(junk.wait_eof(2s));
  CHECK(eventually([&] { return a.logged("failed: not a vestchain peer"); }));
}

TEST_CASE("peer set: a banned peer is disconnected and refused inbound until the ban ends", "[p2p][peer_set][ban]") {
  IoThread io;
  Node a(io), b(io);
  REQUIRE(a.start(fast_options()) == "");
  REQUIRE(b.start(dialling({a.address()})) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1; }));

  auto t0 = Clock::now();
  a.set().ban(b.id(), "testing");
  CHECK(a.set().banned(b.id()));
  auto bans = a.set().bans();
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].id == b.id());
  CHECK(bans[0].reason == "testing");
  CHECK(a.logged("banned " + to_string(b.id()) + " for 300 ms: testing"));
  REQUIRE(eventually([&] { return a.disconnects().size() == 1; }));
  // b redials every 100 ms at most; a drops it right after each handshake.
  CHECK(throughout([&] { return a.set().size() == 0; }, 200ms));
  CHECK(b.connects() > 1);
  CHECK(a.connects() == 1);

  REQUIRE(eventually([&] { return a.set().size() == 1; }, 2s));
  CHECK(Clock::now() - t0 >= 300ms);
  CHECK_FALSE(a.set().banned(b.id()));
  CHECK(a.set().bans().empty());
  CHECK(eventually([&] { return a.connects() == 2; }));
}

TEST_CASE("peer set: a banned configured peer is not dialled until the ban ends", "[p2p][peer_set][ban]") {
  IoThread io;
  Node a(io), b(io);
  REQUIRE(a.start(fast_options()) == "");
  REQUIRE(b.start(dialling({a.address()})) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1 && b.set().size() == 1; }));

  auto t0 = Clock::now();
  b.set().ban(a.id(), "testing");
  REQUIRE(eventually([&] { return a.disconnects().size() == 1; }));
  // a does not dial; b would, but does not while the ban lasts.
  CHECK(throughout([&] { return a.set().size() == 0 && a.connects() == 1; }, 200ms));
  REQUIRE(eventually([&] { return a.set().size() == 1 && b.set().size() == 1; }, 2s));
  CHECK(Clock::now() - t0 >= 300ms);
  CHECK(b.set().peers()[0].direction == Direction::kOutbound);
}

TEST_CASE("peer set: a peer that breaks the protocol after the handshake is banned", "[p2p][peer_set][ban]") {
  IoThread io;
  Node a(io);
  PeerSetOptions o = fast_options();
  o.ban_time = 5s;
  REQUIRE(a.start(o) == "");

  // Garbage before any handshake closes the connection, but there is no id to ban.
  {
    RawPeer junk(a.port());
    junk.send(Bytes(64, 'x'));
    CHECK(junk.wait_eof(2s));
  }
  CHECK(a.set().bans().empty());

  const NodeKey& key = new_key();
  {
    RawPeer raw(a.port());
    REQUIRE(raw.handshake(identity_of(key), a.id()));
    REQUIRE(eventually([&] { return a.set().size() == 1; }));
    Bytes bad;
    REQUIRE(encode_frame(raw.send_cipher(), MessageType::kTx, Bytes(20, 'y'), bad) == Error::kOk);
    bad[kFrameHeaderBytes + 5] ^= 0x01;
    raw.send(bad);
    CHECK(raw.wait_eof(2s));
  }
  REQUIRE(eventually([&] { return a.set().banned(key.id()) && a.disconnects().size() == 1; }));
  CHECK(a.disconnects()[0].code == Error::kBadTag);
  auto bans = a.set().bans();
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].reason.find("bad tag") != std::string::npos);
  CHECK(a.logged("banned " + to_string(key.id()) + " for 5 s: bad tag"));

  // The same id is dropped right after its next handshake; another id is welcome.
  RawPeer again(a.port());
  CHECK(again.handshake(identity_of(key), a.id()));
  CHECK(again.wait_eof(2s));
  CHECK(a.connects() == 1);
  RawPeer other(a.port());
  REQUIRE(other.handshake(identity_of(new_key()), a.id()));
  REQUIRE(eventually([&] { return a.set().size() == 1; }));
  CHECK_FALSE(other.wait_eof(100ms));
}

TEST_CASE("peer set: peers() reports direction, address and growing byte counters", "[p2p][peer_set]") {
  IoThread io;
  Node a(io), b(io);
  auto before = std::chrono::system_clock::now();
  REQUIRE(a.start(fast_options()) == "");
  REQUIRE(b.start(dialling({a.address()})) == "");
  REQUIRE(eventually([&] { return a.set().size() == 1 && b.set().size() == 1; }));

  auto pa = a.set().peers();
  auto pb = b.set().peers();
  REQUIRE(pa.size() == 1);
  REQUIRE(pb.size() == 1);
  CHECK(pa[0].id == b.id());
  CHECK(pa[0].direction == Direction::kInbound);
  CHECK(pa[0].address.rfind("127.0.0.1:", 0) == 0);
  CHECK(pa[0].address != "127.0.0.1:" + std::to_string(a.port()));
  CHECK(pb[0].id == a.id());
  CHECK(pb[0].direction == Direction::kOutbound);
  CHECK(pb[0].address == "127.0.0.1:" + std::to_string(a.port()));
  CHECK(pb[0].since >= before);
  CHECK(pb[0].since <= std::chrono::system_clock::now());
  // Both halves of the handshake are on the wire.
  constexpr uint64_t kHandshake = kEphemeralMessageBytes + kFrameHeaderBytes + kFrameOverhead + kAuthBytes;
  CHECK(pb[0].bytes_out >= kHandshake);
  CHECK(pb[0].bytes_in >= kHandshake);

  REQUIRE(b.set().send(a.id(), MessageType::kBlock, Bytes(10'000, 7)));
  REQUIRE(eventually([&] { return a.messages().size() == 1; }));
  CHECK(eventually([&] { return b.set().peers()[0].bytes_out >= pb[0].bytes_out + 10'000; }));
  CHECK(a.set().peers()[0].bytes_in >= pa[0].bytes_in + 10'000);  // counted before the message is handed on
}

TEST_CASE("peer set: parse_peer_address", "[p2p][peer_set]") {
  const std::string id = "00112233445566778899aabbccddeeff00112233";
  std::string error;
  auto a = parse_peer_address(id + "@127.0.0.1:26656", error);
  REQUIRE(a);
  CHECK(to_string(a->id) == id);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 26656);
  CHECK(a->to_string() == id + "@127.0.0.1:26656");
  auto v6 = parse_peer_address(id + "@[::1]:1", error);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 1);
  CHECK(v6->to_string() == id + "@[::1]:1");
  CHECK(parse_peer_address(id + "@10.0.0.1:65535", error));

  auto refused = [](const std::string& text) {
    std::string e;
    CHECK_FALSE(parse_peer_address(text, e));
    return e;
  };
  CHECK_THAT(refused("127.0.0.1:26656"), Catch::Contains("expected NODEID@HOST:PORT"));
  CHECK_THAT(refused(id + "@127.0.0.1"), Catch::Contains("expected NODEID@HOST:PORT"));
  CHECK_THAT(refused(id + "@[::1]"), Catch::Contains("expected NODEID@HOST:PORT"));
  CHECK_THAT(refused("xyz@127.0.0.1:1"), Catch::Contains("not a node id"));
  CHECK_THAT(refused(id.substr(2) + "@127.0.0.1:1"), Catch::Contains("not a node id"));
  CHECK_THAT(refused(id + "@localhost:1"), Catch::Contains("not an IP address"));
  CHECK_THAT(refused(id + "@::1:80"), Catch::Contains("not an IP address"));
  CHECK_THAT(refused(id + "@[127.0.0.1]:80"), Catch::Contains("not an IP address"));
  CHECK_THAT(refused(id + "@:80"), Catch::Contains("not an IP address"));
  CHECK_THAT(refused(id + "@127.0.0.1:0"), Catch::Contains("bad port"));
  CHECK_THAT(refused(id + "@127.0.0.1:65536"), Catch::Contains("bad port"));
  CHECK_THAT(refused(id + "@127.0.0.1:-1"), Catch::Contains("bad port"));
  CHECK_THAT(refused(id + "@127.0.0.1:"), Catch::Contains("bad port"));
  CHECK_THAT(refused(id + "@127.0.0.1:80x"), Catch::Contains("bad port"));
}
