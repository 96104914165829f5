// Integration: real vestd processes attacked through their p2p port
// (docs/reliability.md, "P2P attacks"): a peer that serves tampered blocks or
// certificates, nodes of another chain, sockets that send nothing, too little
// or garbage, frames over the limits, and heights that go backwards. The
// attackers speak the real protocol where they need to (tests/integration/
// test_peer.h, and the raw socket of tests/p2p/p2p_util.h), each with its own
// node key.
#include <catch2/catch.hpp>
#include <atomic>
#include <csignal>
#include <fstream>
#include <thread>

#include "chain/address.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "node/config.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/test_peer.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using p2p::MessageType;
using Clock = std::chrono::steady_clock;

namespace {

Hash hash_of(const std::string& hex) {
  auto h = Hash::from(unhex(hex));
  REQUIRE(h);
  return *h;
}

// The ids node_peers lists.
std::vector<std::string> peer_ids(Vestd& n) {
  std::vector<std::string> out;
  const json::value peers = n.call("node_peers");
  for (const auto& p : peers.at("peers").as_array()) out.push_back(str(p.at("id")));
  return out;
}

// The log line of `node` that starts with `start`, or "" when none.
std::string log_line(Vestd& node, const std::string& start) {
  std::string log = node.log();
  size_t at = log.find(start);
  if (at == std::string::npos) return "";
  return log.substr(at, log.find('\n', at) - at);
}

// How `link` ended within 5 s: "closed by the node" when the node closed it (the end of the
// stream, or a reset or broken pipe when bytes were still on their way), else why.
std::string how_closed(PeerLink& link) {
  p2p::CloseReason r = link.wait_closed(5s);
  if (r.code == p2p::Error::kClosedByPeer || r.code == p2p::Error::kIo) return "closed by the node";
  return r.message();
}

uint16_t p2p_port(Vestd& node) {
  std::string a = node.p2p_address();
  REQUIRE(!a.empty());
  return static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
}

// A transfer from development account 3, validly signed: a transaction that belongs in no
// block of the chain under test.
Bytes stranger_transfer() {
  Transaction tx;
  tx.chain_id = kDevChainId;
  tx.nonce = 0;
  tx.fee = kDevMinFee;
  tx.kind = bank::kTransferKind;
  tx.payload = bank::Transfer{*parse_address(kDevAddr2), "VEST", 5}.encode();
  tx.sign(key_hex(kDevKey3));
  return tx.encode();
}

// Signs the block's header and its certificate again with the development validator's key
// (public knowledge), so that only the rules checked after the signatures can tell.
void resign(node::BlockMessage& m) {
  const PrivateKey validator_key = key_hex(node::devnet_validator_key_hex().c_str());
  const Hash hash = m.block.header.hash();
  m.block.sig = sign(validator_key, block_signing_digest(hash));
  REQUIRE(m.certificate);
  m.certificate->block_hash = hash;
  m.certificate->entries.at(0)->sig = sign(validator_key, m.certificate->precommit(0, kDevChainId).signing_digest());
}

// n - s over 32 big-endian bytes, n the order of secp256k1.
FixedBytes<32> negate_mod_n(const FixedBytes<32>& s) {
  static const Bytes n = unhex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  FixedBytes<32> out;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[static_cast<size_t>(i)] - s.bytes[static_cast<size_t>(i)] - borrow;
    borrow = d < 0 ? 1 : 0;
    out.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(d + 256 * borrow);
  }
  return out;
}

// Stops a vestd with SIGSTOP for its lifetime: it neither answers nor sends.
class Paused {
 public:
  explicit Paused(Vestd& node) : pid_(node.pid()) { REQUIRE(::kill(pid_, SIGSTOP) == 0); }
  ~Paused() { ::kill(pid_, SIGCONT); }
  Paused(const Paused&) = delete;
  Paused& operator=(const Paused&) = delete;

 private:
  pid_t pid_;
};

// What a lying peer does to each block it serves, and the rule the node names when it
// refuses the result.
struct Lie {
  const char* what;
  std::function<void(node::BlockMessage&)> tamper;
  const char* rule;
};

// A validator listening for peers, with blocks of one transfer and empty blocks.
std::unique_ptr<Vestd> validator_with_blocks(const fs::path& dir) {
  auto v = std::make_unique<Vestd>(dir, with({"--instant"}, kListen));
  for (int i = 0; i < 6; ++i)
    submit_ok(*v, kDevKey1, bank::kTransferKind, bank::Transfer{*parse_address(kDevAddr2), "VEST", 100u + i}.encode());
  v->call("dev_mine", json::object{{"blocks", 50}});
  for (int i = 0; i < 4; ++i)
    submit_ok(*v, kDevKey1, bank::kTransferKind, bank::Transfer{*parse_address(kDevAddr3), "USDV", 7u + i}.encode());
  return v;
}

// A fresh full node configured with `v` and with a peer that serves every block as `lie`
// makes it: the liar is banned, the node syncs from `v` alone to the same block at every
// height, and the banned liar is not let back in.
void sync_past_liar(Vestd& v, const fs::path& dir, const std::vector<node::BlockMessage>& blocks, const Lie& lie) {
  INFO("the lie: " << lie.what);
  const uint64_t head = blocks.back().block.header.height;
  TestPeer liar(v);
  liar.announce(head, blocks.back().block.header.hash());
  liar.serve([&blocks, &lie](uint64_t h) -> std::optional<Bytes> {
    if (h == 0 || h > blocks.size()) return std::nullopt;
    node::BlockMessage m = blocks[h - 1];
    lie.tamper(m);
    return node::encode_block_message(m.block, m.certificate);
  });
  const std::string honest = v.peer_arg();
  std::shared_ptr<PeerLink> link;
  std::unique_ptr<Vestd> f;
  {
    // The honest validator answers only once the node has asked the liar: on a
    // busy machine its blocks could otherwise all come before the liar's status.
    Paused paused(v);
    f = Vestd::full_node(dir, with({"--peer", liar.peer_arg(), "--peer", honest}, kListen));
    link = liar.inbound(0);
    REQUIRE(link);
    eventually([&] { return !link->requested().empty(); }, 30s, "the full node to ask the liar for a block");
  }
  eventually([&] { return head_height(*f) >= head; }, 60s, "the full node to sync past the liar");

  INFO("heights asked of the liar: " << link->requested().size());
  CHECK_FALSE(link->requested().empty());
  CHECK(how_closed(*link) == "closed by the node");
  const std::string ban = log_line(*f, "banned " + liar.node_id());
  INFO("ban: " << ban);
  CHECK(ban.find(lie.rule) != std::string::npos);
  // One ban, one refused import: the other blocks it had sent were dropped untried.
  CHECK(metric(*f, "vestd_peers_banned") == 1);
  CHECK(metric(*f, "vestd_sync_peer_bans_total") == 1);
  CHECK(metric(*f, "vestd_block_imports_refused_total") == 1);
  CHECK(peer_ids(*f) == std::vector<std::string>{v.node_id()});
  for (uint64_t h = 1; h <= head; ++h) {
    INFO("height " << h);
    CHECK(block_hash(*f, h) == block_hash(v, h));
  }
  CHECK(balance(*f, kDevAddr2, "VEST") == balance(v, kDevAddr2, "VEST"));

  // Banned: dialling in, it completes the handshake and is dropped before a word; the node
  // does not dial it again either.
  auto again = liar.dial(f->peer_arg());
  CHECK(how_closed(*again) == "closed by the node");
  CHECK(again->count(MessageType::kStatus) == 0);
  CHECK(liar.inbound_count() == 1);
}

// A genesis file: genesis/devnet.json as changed by `change`.
fs::path genesis_variant(const TempDir& dir, const std::string& name,
                         const std::function<void(json::object&)>& change) {
  json::object g = json::parse(read_file(source_path("genesis/devnet.json"))).as_object();
  change(g);
  fs::path p = dir.path() / name;
  std::ofstream(p) << json::serialize(g);
  return p;
}

// Calls node_status on `node` from a thread of its own until destroyed: how many were
// answered, how many were not, and the slowest answer.
class RpcProbe {
 public:
  explicit RpcProbe(uint16_t port)
      : thread_([this, port] {
          const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"node_status"})";
          while (!stop_) {
            auto start = Clock::now();
            auto r = try_http_post(port, body, 5000);
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
            (r && r->first == 200 ? answered_ : failed_)++;
            slowest_ms_ = std::max<int64_t>(slowest_ms_, ms);
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~RpcProbe() {
    stop_ = true;
    thread_.join();
  }
  int answered() const { return answered_; }
  int failed() const { return failed_; }
  int64_t slowest_ms() const { return slowest_ms_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0}, failed_{0};
  std::atomic<int64_t> slowest_ms_{0};
  std::thread thread_;
};

// Milliseconds from `start` until each socket was closed by the node, -1 for one still open
// after `limit`. The sockets are watched together, so each time is when its close came.
std::vector<int64_t> close_times(std::vector<std::unique_ptr<p2p::test::RawPeer>>& sockets, Clock::time_point start,
                                 std::chrono::milliseconds limit) {
  std::vector<int64_t> out(sockets.size(), -1);
  size_t open = sockets.size();
  while (open > 0 && Clock::now() - start < limit) {
    for (size_t i = 0; i < sockets.size(); ++i) {
      if (out[i] >= 0 || !sockets[i]->wait_eof(5ms)) continue;  // 5 ms: it polls whole milliseconds
      out[i] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
      --open;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("p2p attacks: a peer serving tampered blocks is banned and sync completes from the honest peer",
          "[integration][p2p-attacks]") {
  TempDir dir;
  auto v = validator_with_blocks(dir.path() / "validator");
  const uint64_t head = head_height(*v);
  REQUIRE(head >= 60);
  std::vector<node::BlockMessage> blocks;
  {
    TestPeer fetcher(*v);
    blocks = fetch_blocks(fetcher, *v, 1, head);
  }
  const Bytes stranger = stranger_transfer();
  const Lie lies[] = {
      {"a transaction replaced by another, validly signed (or added to an empty block)",
       [&stranger](node::BlockMessage& m) {
         if (m.block.txs.empty()) {
           m.block.txs.push_back(stranger);
         } else {
           m.block.txs[0] = stranger;
         }
       },
       "tx_root_mismatch"},
      {"another state root, with the header and certificate signed again by the validator's key",
       [](node::BlockMessage& m) {
         m.block.header.state_root.bytes[0] ^= 1;
         resign(m);
       },
       "state_root_mismatch"},
  };
  int n = 0;
  for (const Lie& lie : lies) sync_past_liar(*v, dir.path() / ("full" + std::to_string(n++)), blocks, lie);
}

TEST_CASE("p2p attacks: a peer serving tampered certificates is banned and sync completes from the honest peer",
          "[integration][p2p-attacks]") {
  TempDir dir;
  auto v = validator_with_blocks(dir.path() / "validator");
  const uint64_t head = head_height(*v);
  std::vector<node::BlockMessage> blocks;
  {
    TestPeer fetcher(*v);
    blocks = fetch_blocks(fetcher, *v, 1, head);
  }
  const Lie lies[] = {
      {"the certificate signed by a key that is not the validator's",
       [](node::BlockMessage& m) {
         m.certificate->entries.at(0)->sig =
             sign(key_hex(kDevKey2), m.certificate->precommit(0, kDevChainId).signing_digest());
       },
       "wrong_signer"},
      {"the validator's signature in its high-S form (n - s): the same signature, malleated",
       [](node::BlockMessage& m) {
         Signature& s = m.certificate->entries.at(0)->sig;
         s.s = negate_mod_n(s.s);
         s.v ^= 1;
       },
       "bad_signature"},
      {"no certificate", [](node::BlockMessage& m) { m.certificate.reset(); }, "has no certificate"},
  };
  int n = 0;
  for (const Lie& lie : lies) sync_past_liar(*v, dir.path() / ("full" + std::to_string(n++)), blocks, lie);
}

TEST_CASE("p2p attacks: nodes of another chain or another genesis are refused at the handshake, both sides say why, "
          "nothing syncs",
          "[integration][p2p-attacks]") {
  TempDir dir;
  Vestd a(dir.path() / "a", with({"--instant"}, kListen));
  a.call("dev_mine", json::object{{"blocks", 5}});
  const fs::path other_chain = genesis_variant(dir, "other-chain.json", [](json::object& g) { g["chain_id"] = 7358; });
  const fs::path other_genesis = genesis_variant(dir, "other-genesis.json", [](json::object& g) {
    g["genesis_time"] = g["genesis_time"].to_number<uint64_t>() + 1;
  });
  // Each dials `a`; b also listens, for `a` to see nothing of it either.
  auto b = Vestd::full_node(dir.path() / "b", with({"--peer", a.peer_arg()}, kListen), other_chain);
  auto c = Vestd::full_node(dir.path() / "c", {"--peer", a.peer_arg()}, other_genesis);
  const std::string genesis_a = str(status_of(a).at("genesisHash")), genesis_c = str(status_of(*c).at("genesisHash"));
  REQUIRE(genesis_a != genesis_c);
  REQUIRE(status_of(*c).at("chainId") == status_of(a).at("chainId"));

  const std::string at_a_chain = "wrong chain: peer is on chain 7358, this node on 7357";
  const std::string at_b_chain = "wrong chain: peer is on chain 7357, this node on 7358";
  const std::string at_a_genesis = "wrong genesis: peer's genesis is " + genesis_c.substr(2) + ", this node's " +
                                   genesis_a.substr(2);
  const std::string at_c_genesis = "wrong genesis: peer's genesis is " + genesis_a.substr(2) + ", this node's " +
                                   genesis_c.substr(2);
  auto logged = [](Vestd& n, const std::string& what) { return n.log().find(what) != std::string::npos; };
  eventually([&] { return logged(a, at_a_chain) && logged(a, at_a_genesis); }, 10s, "a to log both refusals");
  eventually([&] { return logged(*b, at_b_chain); }, 10s, "b to log the refusal");
  eventually([&] { return logged(*c, at_c_genesis); }, 10s, "c to log the refusal");
  // The dialler names the peer it dialled; the other side the address it came from.
  const std::string line_b = log_line(*b, "refused " + a.node_id());
  INFO(line_b);
  CHECK(line_b.find("at the handshake: " + at_b_chain) != std::string::npos);
  CHECK(log_line(a, "refused an inbound connection from 127.0.0.1:").find("at the handshake: wrong") !=
        std::string::npos);

  for (Vestd* n : {&a, b.get(), c.get()}) {
    CHECK(peer_ids(*n).empty());
    CHECK(u64(status_of(*n).at("p2p").at("peers")) == 0);
  }
  CHECK(head_height(a) == 5);
  CHECK(head_height(*b) == 0);
  CHECK(head_height(*c) == 0);
  CHECK(u64(status_of(*b).at("sync").at("target")) == 0);
  CHECK(metric(a, "vestd_blocks_imported_total") == 0);
  CHECK(metric(*b, "vestd_blocks_imported_total") == 0);
  CHECK(metric(*c, "vestd_blocks_imported_total") == 0);
}

TEST_CASE("p2p attacks: silent, slow and garbage sockets and frames over the limits are cut off while RPC serves and "
          "honest peers stay",
          "[integration][p2p-attacks]") {
  using p2p::test::RawPeer;
  TempDir dir;
  Vestd v(dir.path() / "validator", with({"--block-time-ms", "200"}, kListen));
  const fs::path config = write_config(dir, "[p2p]\n"
                                            "listen = \"127.0.0.1:0\"\n"
                                            "peers = [\"" + v.peer_arg() + "\"]\n"
                                            "max_inbound = 8\n"
                                            "handshake_timeout_ms = 1000\n"
                                            "idle_timeout_ms = 2000\n"
                                            "ping_interval_ms = 500\n");
  auto f = Vestd::full_node(dir.path() / "full", {"--config", config.string()});
  auto g = Vestd::full_node(dir.path() / "full2", {"--peer", f->peer_arg()});
  eventually([&] { return peer_ids(*f).size() == 2; }, 10s, "the full node's two honest peers");
  const json::array honest = f->call("node_peers").at("peers").as_array();
  const uint16_t port = p2p_port(*f);
  p2p::LocalIdentity identity;
  identity.chain_id = kDevChainId;
  const Hash genesis = hash_of(str(status_of(*f).at("genesisHash")));
  std::copy(genesis.bytes.begin(), genesis.bytes.end(), identity.genesis_hash.begin());

  RpcProbe rpc(f->port());

  // Before the handshake, nothing is banned (no id is known yet): the socket is closed at
  // once when its first bytes are not a hello, else at the handshake timeout.
  {
    auto start = Clock::now();
    std::vector<std::unique_ptr<RawPeer>> s;
    s.push_back(std::make_unique<RawPeer>(port));  // garbage
    s[0]->send(Bytes(64, 'G'));
    s.push_back(std::make_unique<RawPeer>(port));  // a whole ephemeral key, then nothing
    Bytes hello = {'V', 'S', 'T', 'P'};
    hello.resize(p2p::kEphemeralMessageBytes, 9);
    s[1]->send(hello);
    s.push_back(std::make_unique<RawPeer>(port));  // half of it
    s[2]->send(ByteView(hello).first(10));
    s.push_back(std::make_unique<RawPeer>(port));  // one byte every 200 ms
    std::thread slow([&] {
      for (size_t i = 0; i < hello.size() && Clock::now() - start < 3s; ++i) {
        s[3]->send(ByteView(hello).subspan(i, 1));
        std::this_thread::sleep_for(200ms);
      }
    });
    std::vector<int64_t> closed = close_times(s, start, 4s);
    slow.join();
    INFO("closed after (ms): garbage " << closed[0] << ", ephemeral only " << closed[1] << ", half " << closed[2]
                                       << ", one byte at a time " << closed[3]);
    CHECK((closed[0] >= 0 && closed[0] < 900));
    for (size_t i = 1; i < 4; ++i) CHECK((closed[i] >= 900 && closed[i] < 3000));
  }

  // More silent sockets than max_inbound: the places left (8, less the honest inbound peer)
  // wait for the handshake timeout, the rest are refused at once.
  {
    auto start = Clock::now();
    std::vector<std::unique_ptr<RawPeer>> s;
    for (int i = 0; i < 20; ++i) s.push_back(std::make_unique<RawPeer>(port));
    std::vector<int64_t> closed = close_times(s, start, 4s);
    size_t at_once = 0, at_timeout = 0;
    for (int64_t ms : closed) {
      if (ms >= 0 && ms < 900) ++at_once;
      if (ms >= 900 && ms < 3000) ++at_timeout;
    }
    CHECK(at_once == 13);
    CHECK(at_timeout == 7);
  }

  // After the handshake the peer has an id: breaking the wire rules or the node's message
  // rules bans it, and it is closed at once.
  struct Violation {
    const char* what;
    std::function<Bytes(p2p::CipherState&)> frame;
    const char* reason;
  };
  auto sealed = [](p2p::CipherState& c, uint8_t type, size_t payload) {
    std::array<uint8_t, p2p::kAeadNonceBytes> nonce{};
    REQUIRE(c.next_nonce(nonce));
    Bytes out(p2p::kFrameHeaderBytes);
    p2p::put_u32(out.data(), static_cast<uint32_t>(1 + payload + p2p::kAeadTagBytes));
    Bytes plain(1 + payload, 0x5a);
    plain[0] = type;
    REQUIRE(p2p::aead_seal(c.key(), nonce, ByteView(out).first(4), plain, out));
    return out;
  };
  const Violation violations[] = {
      {"a length prefix of 4 GiB", [](p2p::CipherState&) { return Bytes{0xff, 0xff, 0xff, 0xff}; },
       "frame length out of range"},
      {"a status of 300 bytes (limit 256)", [&](p2p::CipherState& c) { return sealed(c, 0x10, 300); },
       "message too large for its type"},
      {"a message of type 0x7f", [&](p2p::CipherState& c) { return sealed(c, 0x7f, 10); }, "unknown message type"},
      {"random bytes where a frame belongs",
       [](p2p::CipherState&) {
         Bytes b = {0, 0, 0, 100};
         b.resize(104, 0xc3);
         return b;
       },
       ""},
      {"a status that is not RLP[height, hash]",
       [](p2p::CipherState& c) {
         Bytes out;
         REQUIRE(p2p::encode_frame(c, MessageType::kStatus, Bytes{0xc2, 0x01, 0x02}, out) == p2p::Error::kOk);
         return out;
       },
       "malformed status message"},
  };
  for (const Violation& bad : violations) {
    INFO(bad.what);
    p2p::NodeKey key = *p2p::NodeKey::generate();
    identity.key = &key;
    {
      RawPeer p(port);
      REQUIRE(p.handshake(identity));
      auto start = Clock::now();
      p.send(bad.frame(p.send_cipher()));
      CHECK(p.wait_eof(900ms));
      CHECK(Clock::now() - start < 900ms);
    }
    const std::string ban = "banned " + p2p::to_string(key.id()) + " for 600 s: ";
    eventually([&] { return !log_line(*f, ban).empty(); }, 5s, "the ban");
    INFO(log_line(*f, ban));
    CHECK(log_line(*f, ban).find(bad.reason) != std::string::npos);
    // Back with the same key: dropped after the handshake.
    RawPeer again(port);
    REQUIRE(again.handshake(identity));
    CHECK(again.wait_eof(2s));
  }

  // Authenticated and then silent (not even a pong): dropped at the idle timeout, not banned.
  {
    p2p::NodeKey key = *p2p::NodeKey::generate();
    identity.key = &key;
    RawPeer p(port);
    REQUIRE(p.handshake(identity));
    auto start = Clock::now();
    CHECK(p.wait_eof(5s));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    INFO("idle peer closed after " << ms << " ms");
    CHECK((ms >= 1900 && ms < 4000));
    CHECK(log_line(*f, "banned " + p2p::to_string(key.id())).empty());
  }

  // The honest peers never left, and the node still follows the validator.
  CHECK(metric(*f, "vestd_peers_banned") == std::size(violations));
  const json::array after = f->call("node_peers").at("peers").as_array();
  REQUIRE(after.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(after[i].at("id") == honest[i].at("id"));
    CHECK(after[i].at("since") == honest[i].at("since"));
  }
  const uint64_t target = head_height(v);
  eventually([&] { return head_height(*f) >= target && head_height(*g) >= target; }, 10s, "the full nodes to follow");
  INFO("RPC during the attacks: " << rpc.answered() << " answered, " << rpc.failed() << " not, slowest "
                                  << rpc.slowest_ms() << " ms");
  CHECK(rpc.failed() == 0);
  CHECK(rpc.answered() > 20);
  CHECK(rpc.slowest_ms() < 2000);
}

TEST_CASE("p2p attacks: a peer whose announced height goes backwards is banned, the same height again is fine",
          "[integration][p2p-attacks]") {
  TempDir dir;
  Vestd v(dir.path() / "validator", with({"--instant"}, kListen));
  v.call("dev_mine", json::object{{"blocks", 5}});
  const Hash h3 = hash_of(block_hash(v, 3)), h2 = hash_of(block_hash(v, 2));
  TestPeer peer(v);
  auto link = peer.dial(v.peer_arg());
  REQUIRE(link->wait_open());
  REQUIRE(link->send_status(3, h3));
  REQUIRE(link->send_status(3, h3));
  // Messages of one connection are handled in order: once block 1 arrives, both statuses were.
  REQUIRE(link->send(MessageType::kBlockRequest, node::encode_block_request(1)));
  REQUIRE(link->wait_message(MessageType::kBlock));
  CHECK(link->is_open());
  CHECK(peer_ids(v) == std::vector<std::string>{peer.node_id()});
  CHECK(u64(v.call("node_peers").at("peers").at(0).at("height")) == 3);

  REQUIRE(link->send_status(2, h2));
  CHECK(how_closed(*link) == "closed by the node");
  const std::string ban = log_line(v, "banned " + peer.node_id());
  INFO(ban);
  CHECK(ban.find("announced height 2 after 3") != std::string::npos);
  CHECK(metric(v, "vestd_sync_peer_bans_total") == 1);
  CHECK(metric(v, "vestd_peers_banned") == 1);
  CHECK(peer_ids(v).empty());
  auto again = peer.dial(v.peer_arg());
  CHECK(how_closed(*again) == "closed by the node");
  CHECK(again->count(MessageType::kStatus) == 0);
}
