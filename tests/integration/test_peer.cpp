#include "tests/integration/test_peer.h"

#include <catch2/catch.hpp>
#include <map>

#include "p2p/peer_set.h"
#include "tests/integration/chain_calls.h"

namespace vest::test {

using namespace std::chrono_literals;
using p2p::MessageType;

bool PeerLink::send(MessageType type, Bytes payload) {
  return connection_ && connection_->send(type, std::move(payload)) == p2p::Error::kOk;
}

bool PeerLink::send_status(uint64_t height, const Hash& hash) {
  return send(MessageType::kStatus, node::encode_status({height, hash}));
}

void PeerLink::close() {
  if (connection_) connection_->close();
}

template <class P>
bool PeerLink::wait(std::chrono::milliseconds t, P done) const {
  std::unique_lock l(m_);
  return cv_.wait_for(l, t, done);
}

bool PeerLink::wait_open(std::chrono::milliseconds t) {
  wait(t, [&] { return opened_ || closed_; });
  std::lock_guard l(m_);
  return opened_;
}

p2p::CloseReason PeerLink::wait_closed(std::chrono::milliseconds t) {
  wait(t, [&] { return closed_.has_value(); });
  std::lock_guard l(m_);
  return closed_.value_or(p2p::CloseReason{});
}

bool PeerLink::is_open() const {
  std::lock_guard l(m_);
  return opened_ && !closed_;
}

std::optional<p2p::Message> PeerLink::wait_message(MessageType type, size_t skip, std::chrono::milliseconds t) {
  std::optional<p2p::Message> found;
  wait(t, [&] {
    size_t seen = 0;
    for (const auto& m : messages_) {
      if (m.type == type && seen++ == skip) {
        found = m;
        return true;
      }
    }
    return false;
  });
  return found;
}

size_t PeerLink::count(MessageType type) const {
  std::lock_guard l(m_);
  return static_cast<size_t>(
      std::count_if(messages_.begin(), messages_.end(), [&](const p2p::Message& m) { return m.type == type; }));
}

std::vector<uint64_t> PeerLink::requested() const {
  std::lock_guard l(m_);
  return requested_;
}

TestPeer::TestPeer(uint64_t chain_id, const Hash& genesis_hash) : key_(*p2p::NodeKey::generate()) {
  identity_.key = &key_;
  identity_.chain_id = chain_id;
  std::copy(genesis_hash.bytes.begin(), genesis_hash.bytes.end(), identity_.genesis_hash.begin());
  boost::system::error_code ec;
  listener_ = p2p::Listener::open(
      io_.executor(), p2p::tcp::endpoint(p2p::asio::ip::address_v4::loopback(), 0),
      [this](p2p::tcp::socket s) {
        auto link = make_link();
        link->connection_ = p2p::Connection::inbound(std::move(s), identity_, {}, handlers(link));
        {
          std::lock_guard l(m_);
          inbound_.push_back(link);
          cv_.notify_all();
        }
        link->connection_->start();
      },
      ec);
  REQUIRE(listener_);
  listener_->start();
}

namespace {

Hash genesis_of(Vestd& node) {
  auto bytes = from_hex(str(node.call("node_status").at("genesisHash")).substr(2));
  REQUIRE(bytes);
  return *Hash::from(*bytes);
}

}  // namespace

TestPeer::TestPeer(Vestd& node) : TestPeer(u64(node.call("node_status").at("chainId")), genesis_of(node)) {}

TestPeer::~TestPeer() {
  listener_->close();
  std::vector<std::shared_ptr<PeerLink>> all;
  {
    std::lock_guard l(m_);
    all = links_;
  }
  for (auto& link : all) link->close();
  for (auto& link : all) (void)link->wait_closed(2s);
  io_.stop();
}

std::string TestPeer::node_id() const { return p2p::to_string(key_.id()); }

std::string TestPeer::peer_arg() const {
  return node_id() + "@127.0.0.1:" + std::to_string(listener_->local_endpoint().port());
}

void TestPeer::announce(uint64_t height, const Hash& hash) {
  std::lock_guard l(m_);
  head_ = node::StatusMessage{height, hash};
}

void TestPeer::serve(Serve serve) {
  std::lock_guard l(m_);
  serve_ = std::move(serve);
}

std::shared_ptr<PeerLink> TestPeer::make_link() {
  auto link = std::make_shared<PeerLink>();
  std::lock_guard l(m_);
  links_.push_back(link);
  return link;
}

p2p::ConnectionHandlers TestPeer::handlers(const std::shared_ptr<PeerLink>& link) {
  std::weak_ptr<PeerLink> weak = link;
  return {[this, weak](p2p::Connection& c) {
            auto link = weak.lock();
            if (!link) return;
            std::optional<node::StatusMessage> head;
            {
              std::lock_guard l(m_);
              head = head_;
            }
            if (head) (void)c.send(MessageType::kStatus, node::encode_status(*head));
            std::lock_guard l(link->m_);
            link->opened_ = true;
            link->cv_.notify_all();
          },
          [this, weak](p2p::Connection& c, p2p::Message&& m) {
            auto link = weak.lock();
            if (!link) return;
            std::optional<uint64_t> height;
            if (m.type == MessageType::kBlockRequest) {
              uint64_t h = 0;
              if (node::decode_block_request(m.payload, h)) height = h;
            }
            {
              std::lock_guard l(link->m_);
              if (height) link->requested_.push_back(*height);
              link->messages_.push_back(std::move(m));
              link->cv_.notify_all();
            }
            if (!height) return;
            Serve serve;
            {
              std::lock_guard l(m_);
              serve = serve_;
            }
            if (!serve) return;
            if (auto payload = serve(*height)) (void)c.send(MessageType::kBlock, std::move(*payload));
          },
          [weak](p2p::Connection&, const p2p::CloseReason& r) {
            auto link = weak.lock();
            if (!link) return;
            std::lock_guard l(link->m_);
            link->closed_ = r;
            link->cv_.notify_all();
          }};
}

std::shared_ptr<PeerLink> TestPeer::dial(const std::string& peer_arg) {
  std::string error;
  auto address = p2p::parse_peer_address(peer_arg, error);
  INFO(peer_arg << ": " << error);
  REQUIRE(address);
  auto link = make_link();
  link->connection_ = p2p::Connection::outbound(
      io_.executor(), p2p::tcp::endpoint(p2p::asio::ip::make_address(address->host), address->port), address->id,
      identity_, {}, handlers(link));
  link->connection_->start();
  return link;
}

std::shared_ptr<PeerLink> TestPeer::inbound(size_t i, std::chrono::milliseconds t) {
  std::unique_lock l(m_);
  cv_.wait_for(l, t, [&] { return inbound_.size() > i; });
  return inbound_.size() > i ? inbound_[i] : nullptr;
}

size_t TestPeer::inbound_count() const {
  std::lock_guard l(m_);
  return inbound_.size();
}

std::vector<node::BlockMessage> fetch_blocks(TestPeer& peer, Vestd& node, uint64_t from, uint64_t to) {
  auto link = peer.dial(node.peer_arg());
  REQUIRE(link->wait_open());
  for (uint64_t h = from; h <= to; ++h) REQUIRE(link->send(MessageType::kBlockRequest, node::encode_block_request(h)));
  std::map<uint64_t, node::BlockMessage> got;
  for (size_t i = 0; got.size() < to - from + 1; ++i) {
    auto m = link->wait_message(MessageType::kBlock, i, 30s);
    INFO("blocks " << from << " to " << to << ": " << got.size() << " arrived");
    REQUIRE(m);
    node::BlockMessage b;
    std::string error;
    const bool decoded = node::decode_block_message(m->payload, b, error);
    INFO(error);
    REQUIRE(decoded);
    got[b.block.header.height] = std::move(b);
  }
  link->close();
  std::vector<node::BlockMessage> out;
  for (auto& [h, b] : got) out.push_back(std::move(b));
  REQUIRE(out.front().block.header.height == from);
  REQUIRE(out.back().block.header.height == to);
  return out;
}

}  // namespace vest::test
