#include "node/tx_gossip.h"

#include "chain/keccak.h"
#include "node/log.h"

namespace vest::node {

namespace {

// Rejections that no honest node would have relayed: the bytes are bad everywhere.
bool invalid_everywhere(const Status& s) {
  switch (static_cast<ChainCode>(s.code)) {
    case ChainCode::kMalformed:
    case ChainCode::kTooLarge:
    case ChainCode::kWrongChainId:
    case ChainCode::kBadSignature:
    case ChainCode::kHighS:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool TxGossip::Known::add(const Hash& h, size_t cap) {
  if (!hashes.insert(h).second) return false;
  order.push_back(h);
  if (order.size() > cap) {
    hashes.erase(order.front());
    order.pop_front();
  }
  return true;
}

TxGossip::TxGossip(Node& node, std::function<uint64_t(const p2p::NodeId&)> peer_height, GossipOptions options)
    : node_(node), peer_height_(std::move(peer_height)), options_(options) {}

void TxGossip::on_connect(const p2p::NodeId& peer) {
  std::lock_guard lock(mutex_);
  known_.try_emplace(peer, Known{{}, {}, p2p::TokenBucket(options_.peer_txs_per_s, options_.peer_txs_burst,
                                                           std::chrono::steady_clock::now())});
}

void TxGossip::on_disconnect(const p2p::NodeId& peer) {
  std::lock_guard lock(mutex_);
  known_.erase(peer);
}

void TxGossip::on_tx(const p2p::NodeId& peer, const p2p::Message& m) {
  const Hash hash = keccak256(m.payload);
  {
    std::lock_guard lock(mutex_);
    auto it = known_.find(peer);
    if (it == known_.end()) return;
    if (it->second.rate.take(1, std::chrono::steady_clock::now()).count() > 0) return;  // over its rate
    it->second.add(hash, options_.known_per_peer);  // never sent back
  }
  Hash admitted;
  Status s = node_.submit(m.payload, admitted);
  if (!s.ok() && invalid_everywhere(s)) {
    peers_->ban(peer, "relayed an invalid transaction: " + s.reason + ": " + s.message);
  }
}

void TxGossip::on_admitted(const Hash& hash, ByteView raw) {
  if (!peers_) return;
  const uint64_t head = node_.store().head()->height;
  std::vector<p2p::NodeId> to;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, k] : known_) {
      if (peer_height_(id) + options_.behind_blocks < head) continue;
      if (k.add(hash, options_.known_per_peer)) to.push_back(id);
    }
  }
  const Bytes payload(raw.begin(), raw.end());
  uint64_t sent = 0;
  for (const auto& id : to) sent += peers_->send(id, p2p::MessageType::kTx, payload) ? 1 : 0;
  std::lock_guard lock(mutex_);
  relayed_ += sent;
}

uint64_t TxGossip::relayed() const {
  std::lock_guard lock(mutex_);
  return relayed_;
}

}  // namespace vest::node
