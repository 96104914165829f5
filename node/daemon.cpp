#include "node/daemon.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "node/log.h"
#include "node/network.h"
#include "node/node.h"
#include "p2p/node_key.h"
#include "rpc/chain_methods.h"
#include "rpc/sale_methods.h"
#include "rpc/roles_methods.h"
#include "rpc/staking_methods.h"
#include "rpc/subscriptions.h"
#include "rpc/server.h"
#include "rpc/web.h"

namespace vest::node {

namespace {

constexpr const char* kVersion = "vestd/" VEST_VERSION;

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// The validator key; none (and true) for a full node: no --validator-key and no --dev.
bool load_key(const Config& config, std::optional<PrivateKey>& key, std::string& error) {
  std::string hex;
  if (config.validator_key.empty()) {
    if (!config.dev) return true;
    hex = devnet_validator_key_hex();
  } else {
    // Like ssh with a private key file: readable by its owner only.
    struct stat st {};
    const std::string path = config.validator_key.string();
    if (::stat(path.c_str(), &st) != 0) {
      error = "cannot read validator key " + path;
      return false;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      error = std::string("permissions ") + mode + " for '" + path +
              "' are too open: the validator key must not be accessible by others; chmod 600 " + path;
      return false;
    }
    if (!read_file(config.validator_key, hex)) {
      error = "cannot read validator key " + path;
      return false;
    }
  }
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
  auto bytes = from_hex(hex);
  std::optional<PrivateKey> k;
  if (bytes) k = PrivateKey::from(*bytes);
  if (!k || !is_valid_private_key(*k)) {
    error = "validator key file does not hold a 32-byte hex private key";
    return false;
  }
  key = *k;
  return true;
}

// Raises the soft limit on open files to the hard limit; returns the soft limit.
rlim_t raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur;
}

// Files the node keeps open besides RPC connections: LevelDB (chain/store.cpp opens
// at most 512 tables), its log and lock, standard streams, the listening socket.
constexpr rlim_t kReservedFiles = 640;

bool network_options(const P2pConfig& c, uint64_t max_block_bytes, NetworkOptions& out, std::string& error) {
  using std::chrono::milliseconds;
  if (!c.listen.empty()) {
    std::string host;
    uint16_t port = 0;
    boost::system::error_code ec;
    if (!parse_host_port(c.listen, host, port)) {
      error = "--p2p: expected HOST:PORT, got " + c.listen;
      return false;
    }
    auto address = boost::asio::ip::make_address(host, ec);
    if (ec) {
      error = "--p2p: not an IP address: " + host;
      return false;
    }
    out.peers.listen = boost::asio::ip::tcp::endpoint(address, port);
  }
  for (const std::string& text : c.peers) {
    std::string why;
    auto peer = p2p::parse_peer_address(text, why);
    if (!peer) {
      error = "peer " + text + ": " + why;
      return false;
    }
    out.peers.peers.push_back(*peer);
  }
  out.peers.max_inbound = c.max_inbound;
  out.peers.max_outbound = c.max_outbound;
  out.peers.ban_time = std::chrono::seconds(c.ban_time_s);
  p2p::ConnectionOptions& conn = out.peers.connection;
  conn.handshake_timeout = milliseconds(c.handshake_timeout_ms);
  conn.idle_timeout = milliseconds(c.idle_timeout_ms);
  conn.ping_interval = milliseconds(c.ping_interval_ms);
  if (conn.ping_interval * 2 > conn.idle_timeout) {
    error = "p2p.ping_interval_ms must be at most half of p2p.idle_timeout_ms";
    return false;
  }
  conn.recv_rate = c.recv_rate;
  // Room for every block a peer may have asked for at once (block sync's
  // per_peer): a block's transactions, with room for their framing, header and certificate.
  conn.max_send_queue_bytes = out.sync.per_peer * (max_block_bytes + (1u << 20));
  return true;
}

}  // namespace

int run_daemon(const Config& in) {
  Config config = in;
  LogLevel level;
  if (!parse_log_level(config.log_level, level)) {
    log_error("unknown log level " + config.log_level);
    return 1;
  }
  set_log_level(level);
  LogFormat format;
  if (!parse_log_format(config.log_format, format)) {
    log_error("unknown log format " + config.log_format + " (text or json)");
    return 1;
  }
  set_log_format(format);
  if (config.genesis.empty()) {
    if (!config.dev) {
      log_error("--genesis is required unless --dev");
      return 1;
    }
    config.genesis = "genesis/devnet.json";
  }
  if (config.datadir.empty()) config.datadir = config.dev ? "devnet-data" : "vestd-data";

  std::string text, error;
  if (!read_file(config.genesis, text)) {
    log_error("cannot read genesis file " + config.genesis.string());
    return 1;
  }
  Genesis genesis;
  if (!parse_genesis(text, genesis, error)) {
    log_error(config.genesis.string() + ": " + error);
    return 1;
  }
  std::optional<PrivateKey> key;
  if (!load_key(config, key, error)) {
    log_error(error);
    return 1;
  }
  NetworkOptions net;
  if (!network_options(config.p2p, genesis.params.max_block_bytes, net, error)) {
    log_error(error);
    return 1;
  }
  std::string host;
  uint16_t port = 0;
  if (!parse_host_port(config.rpc.listen, host, port)) {
    log_error("--rpc: expected HOST:PORT, got " + config.rpc.listen);
    return 1;
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) {
    log_error("--rpc: not an IP address: " + host);
    return 1;
  }

  const ConsensusConfig& cc = config.consensus;
  net.consensus.timeouts.propose = {cc.timeout_propose_ms, cc.timeout_propose_delta_ms};
  net.consensus.timeouts.prevote = {cc.timeout_prevote_ms, cc.timeout_prevote_delta_ms};
  net.consensus.timeouts.precommit = {cc.timeout_precommit_ms, cc.timeout_precommit_delta_ms};
  net.consensus.commit_pause =
      std::chrono::milliseconds(cc.timeout_commit_ms ? cc.timeout_commit_ms
                                                     : config.block_time_ms.value_or(genesis.params.block_time_ms));
  net.consensus.gossip_interval = std::chrono::milliseconds(std::max<uint64_t>(cc.gossip_interval_ms, 10));
  net.consensus.max_clock_drift_s = cc.max_clock_drift_s;
  net.consensus_wal = config.datadir / "consensus" / "wal";

  NodeOptions options;
  options.dev = config.dev;
  options.new_signer_state = config.new_signer_state;
  options.instant = config.instant;
  options.block_time_ms = config.block_time_ms.value_or(0);
  options.mempool = config.mempool;
  options.version = kVersion;
  // The node key peers know this node by: made at the first start, kept in the data directory.
  std::error_code dir_error;
  std::filesystem::create_directories(config.datadir, dir_error);
  auto node_key = p2p::NodeKey::load_or_create(config.datadir, error);
  if (!node_key) {
    log_error(error);
    return 1;
  }
  options.node_id = p2p::to_string(node_key->id());
  auto node = Node::open(config.datadir, genesis, key, options, error);
  if (!node) {
    log_error(error);
    return 1;
  }
  Network network(*node, *node_key, net);
  // The chain is open: the genesis document (large for a chain with many
  // genesis accounts) is not needed any more, nor the memory a first genesis
  // build used; give it back to the system.
  genesis.doc = {};
  text = std::string();
  malloc_trim(0);

  rpc::Dispatcher dispatcher;
  rpc::MethodLimits method_limits;
  method_limits.max_wait = std::chrono::seconds(config.rpc.wait_timeout_s);
  rpc::register_chain_methods(dispatcher, *node, method_limits);
  rpc::register_sale_methods(dispatcher, *node, method_limits);
  rpc::register_staking_methods(dispatcher, *node, method_limits);
  rpc::register_roles_methods(dispatcher, *node);
  dispatcher.set_internal_error_log([](std::string_view method, std::string_view what) {
    log_error("rpc " + std::string(method) + " failed: " + std::string(what));
  });

  rpc::Limits limits;
  limits.max_body_bytes = config.rpc.max_body_bytes;
  limits.max_batch = config.rpc.max_batch;
  limits.max_connections = config.rpc.max_connections;
  limits.idle_timeout = std::chrono::seconds(config.rpc.idle_timeout_s);
  limits.header_timeout = std::chrono::seconds(config.rpc.header_timeout_s);
  limits.read_timeout = std::chrono::seconds(config.rpc.request_timeout_s);
  limits.max_subscriptions_per_connection = config.rpc.max_subscriptions_per_connection;
  limits.max_subscriptions = config.rpc.max_subscriptions;
  limits.max_subscriber_messages = config.rpc.max_subscriber_messages;
  limits.max_subscriber_bytes = config.rpc.max_subscriber_bytes;
  limits.max_replay_blocks = config.rpc.max_replay_blocks;
  const rlim_t open_files = raise_open_file_limit();
  const size_t fit = open_files > 2 * kReservedFiles ? static_cast<size_t>(open_files - kReservedFiles)
                                                      : static_cast<size_t>(open_files / 2);
  if (limits.max_connections > fit) {
    log_warn("rpc.max_connections lowered from " + std::to_string(limits.max_connections) + " to " +
             std::to_string(fit) + " to fit the open file limit of " + std::to_string(open_files) +
             " (ulimit -n)");
    limits.max_connections = fit;
  }

  // Subscriptions: the node tells the hub of each new head off its committing thread.
  rpc::SubscriptionHub hub(*node, limits);
  rpc::register_subscription_methods(dispatcher, hub);
  node->set_head_listener(hub.head_listener());
  hub.start();

  boost::asio::io_context io;
  rpc::Server server(io, boost::asio::ip::tcp::endpoint(address, port), dispatcher, limits);
  server.set_health([&node] {
    rpc::Health h;
    h.body["height"] = node->store().head()->height;
    return h;
  });
  server.set_metrics([&node, &network, &hub] {
    std::string text = node->metrics_text() + network.metrics_text();
    hub.append_metrics(text);
    return text;
  });
  server.set_access(rpc::Access{config.rpc.allow_hosts, config.rpc.cors_origins});
  if (config.rpc.web) server.set_static_files(rpc::web_files());
  if (level == LogLevel::kDebug) server.set_debug_log([](std::string_view m) { log_debug(m); });
  if (auto start_error = server.start()) {
    log_error("cannot serve RPC on " + config.rpc.listen + ": " + start_error.message());
    return 1;
  }
  Head head = node->store().head().value();
  log_info(std::string(kVersion) + " chain " + genesis.params.chain_name + " (id " +
           std::to_string(genesis.params.chain_id) + ") genesis " + to_hex_0x(node->genesis_hash().view()));
  log_info("head " + std::to_string(head.height) + " " + to_hex_0x(head.hash.view()) + ", data in " +
           config.datadir.string());
  if (!network.start(error)) {
    log_error(error);
    return 1;
  }
  log_info(std::string(key ? "validator " + to_checksum(address_of(*key)) : "full node (no validator key)") +
           ", node id " + options.node_id +
           (network.listen_address().empty() ? ", not listening for peers" : ", P2P listening on " + network.listen_address()) +
           ", " + std::to_string(net.peers.peers.size()) + " configured peers");
  log_info("RPC listening on " + host + ":" + std::to_string(server.local_port()) + (config.dev ? " (dev mode)" : "") +
           ", at most " + std::to_string(limits.max_connections) + " connections");
  if (config.rpc.web) {
    const std::string shown = host.find(':') == std::string::npos ? host : "[" + host + "]";
    log_info("explorer page at http://" + shown + ":" + std::to_string(server.local_port()) + "/ (--no-web: off)");
  }
  if (config.dev && !address.is_loopback()) {
    log_warn("!!! --dev with RPC on " + host + ", not a loopback address: anyone who reaches port " +
             std::to_string(server.local_port()) +
             " can mine blocks and move this chain's clock (dev_*), and the devnet keys are public. "
             "Use --rpc 127.0.0.1:PORT unless this is a throwaway test network. !!!");
  }
  for (const std::string& h : config.rpc.allow_hosts) {
    if (h == "*") log_warn("rpc.allow_hosts has *: requests naming any host are served (no DNS rebinding protection)");
  }
  for (const std::string& o : config.rpc.cors_origins) {
    if (o == "*") log_warn("rpc.cors_origins has *: any web page the operator visits may call this node");
  }
  node->start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    log_info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
    server.stop();
    io.stop();
  });
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < std::max(1u, config.rpc.threads); ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  hub.stop();
  network.stop();
  node->stop();
  log_info("stopped at block " + std::to_string(node->store().head()->height));
  return 0;
}

}  // namespace vest::node
