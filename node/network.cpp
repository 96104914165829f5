#include "node/network.h"

#include <boost/asio/executor_work_guard.hpp>

#include "node/log.h"
#include "node/prometheus.h"

namespace vest::node {

namespace {

std::string endpoint_text(const p2p::tcp::endpoint& e) {
  const auto a = e.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

}  // namespace

Network::Network(Node& node, const p2p::NodeKey& key, NetworkOptions options)
    : node_(node),
      thread_count_(std::max(1u, options.threads)),
      sync_(node, options.sync),
      gossip_(node, [this](const p2p::NodeId& id) { return sync_.peer_height(id); }, options.gossip) {
  if (node.is_validator() && !node.is_dev()) {
    consensus_ = std::make_unique<ConsensusReactor>(node, options.consensus_wal, options.consensus,
                                                    [this] { return sync_.syncing(); });
  }
  p2p::LocalIdentity local;
  local.key = &key;
  local.chain_id = node.params().chain_id;
  std::copy(node.genesis_hash().view().begin(), node.genesis_hash().view().end(), local.genesis_hash.begin());
  p2p::PeerSetHandlers handlers;
  handlers.on_connect = [this](const p2p::NodeId& id) {
    gossip_.on_connect(id);
    sync_.on_connect(id);
  };
  handlers.on_message = [this](const p2p::NodeId& id, p2p::Message&& m) { on_message(id, std::move(m)); };
  handlers.on_disconnect = [this](const p2p::NodeId& id, const p2p::CloseReason&) {
    sync_.on_disconnect(id);
    gossip_.on_disconnect(id);
  };
  handlers.log_info = [](std::string_view m) { log_info(m); };
  handlers.log_debug = [](std::string_view m) { log_debug(m); };
  peers_ = p2p::PeerSet::create(io_, local, std::move(options.peers), std::move(handlers));
  sync_.attach(peers_);
  gossip_.attach(peers_);
  if (consensus_) consensus_->attach(peers_);

  node_.set_listeners(
      [this](const ExecutedBlock& b) {
        sync_.on_commit(b);
        if (consensus_) consensus_->on_commit(b);
      },
                      [this](const Hash& h, ByteView raw) { gossip_.on_admitted(h, raw); });
  node_.set_network_views(
      [this](rpc::NodeInfo& info) {
        info.p2p_listen = listen_address();
        info.peer_count = peers_->size();
        sync_.fill(info);
        if (consensus_) consensus_->fill(info);
      },
      [this] {
        std::vector<rpc::PeerView> out;
        for (const p2p::PeerStats& s : peers_->peers()) {
          rpc::PeerView v;
          v.id = p2p::to_string(s.id);
          v.address = s.address;
          v.direction = s.direction == p2p::Direction::kInbound ? "inbound" : "outbound";
          v.height = sync_.peer_height(s.id);
          v.since = static_cast<uint64_t>(
              std::chrono::duration_cast<std::chrono::seconds>(s.since.time_since_epoch()).count());
          v.bytes_in = s.bytes_in;
          v.bytes_out = s.bytes_out;
          out.push_back(std::move(v));
        }
        return out;
      });
}

Network::~Network() { stop(); }

bool Network::start(std::string& error) {
  if (!peers_->start(error)) return false;
  work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      io_.get_executor());
  for (unsigned i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { io_.run(); });
  sync_.start();
  return !consensus_ || consensus_->start(error);
}

void Network::stop() {
  if (consensus_) consensus_->stop();
  peers_->stop();
  sync_.stop();
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::string Network::listen_address() const {
  auto e = peers_->listen_endpoint();
  return e ? endpoint_text(*e) : std::string();
}

void Network::on_message(const p2p::NodeId& peer, p2p::Message&& m) {
  if (m.type == p2p::MessageType::kTx) return gossip_.on_tx(peer, m);
  if (m.type == p2p::MessageType::kVoteEvidence) return on_vote_evidence(peer, m);
  if (m.type == p2p::MessageType::kProposal || m.type == p2p::MessageType::kVote) {
    // A full node follows committed blocks only.
    if (consensus_) consensus_->on_message(peer, m);
    return;
  }
  sync_.on_message(peer, m);
}

void Network::on_vote_evidence(const p2p::NodeId& peer, const p2p::Message& m) {
  DuplicateVote evidence;
  std::string error;
  // Two votes that are not one validator's conflicting signatures are no
  // evidence anywhere: whoever sends them breaks the protocol.
  if (!decode_duplicate_vote(m.payload, node_.params().chain_id, evidence, error)) return peers_->ban(peer, error);
  // Known, committed, too old or not a validator's: nothing to pass on.
  if (!node_.add_evidence(evidence).ok()) return;
  peers_->broadcast(p2p::MessageType::kVoteEvidence, m.payload, peer);
}

std::string Network::metrics_text() const {
  std::string out = sync_.metrics_text();
  if (consensus_) out += consensus_->metrics_text();
  prometheus_metric(out, "vestd_peers_connected", "gauge", "Connected peers.", peers_->size());
  prometheus_metric(out, "vestd_peers_banned", "gauge", "Peers banned now.", peers_->bans().size());
  prometheus_metric(out, "vestd_tx_gossip_sent_total", "counter", "Transactions sent to peers.", gossip_.relayed());
  return out;
}

}  // namespace vest::node
