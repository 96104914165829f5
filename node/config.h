// vestd's configuration: defaults, then a TOML file (--config), then flags.
// Every key is documented in docs/operations.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "node/mempool.h"

namespace vest::node {

struct RpcConfig {
  std::string listen = "127.0.0.1:8645";
  size_t max_body_bytes = 1u << 20;
  size_t max_batch = 100;
  size_t max_connections = 8192;  // lowered to fit the open file limit at start
  uint64_t idle_timeout_s = 30;
  uint64_t header_timeout_s = 5;
  uint64_t request_timeout_s = 10;
  uint64_t wait_timeout_s = 60;  // the longest tx_submit {wait: true} may wait
  unsigned threads = 2;
  // Subscriptions (docs/rpc.md, "Subscriptions").
  size_t max_subscriptions_per_connection = 32;
  size_t max_subscriptions = 10'000;
  size_t max_subscriber_messages = 1'000;      // notifications queued unsent on one connection
  size_t max_subscriber_bytes = 16u << 20;     // their bytes
  uint64_t max_replay_blocks = 10'000;         // how far back fromHeight may reach
  std::vector<std::string> allow_hosts;   // Host names served besides localhost's; "*": any
  std::vector<std::string> cors_origins;  // browser origins allowed to call; "*": any
  bool web = true;                        // GET / serves the explorer page (rpc/web.h)
};

// Peers (docs/operations.md, "Peers"). vestd listens for peers only when asked: a node
// exposes nothing the operator did not choose, and a full node that only follows its
// configured peers needs outbound connections alone.
struct P2pConfig {
  std::string listen;               // HOST:PORT; empty: do not listen
  std::vector<std::string> peers;   // NODEID@HOST:PORT, dialled and redialled
  size_t max_inbound = 40;
  size_t max_outbound = 10;
  uint64_t handshake_timeout_ms = 10'000;
  uint64_t idle_timeout_ms = 60'000;
  uint64_t ping_interval_ms = 15'000;
  uint64_t ban_time_s = 600;
  uint64_t recv_rate = 16u << 20;  // bytes per second from one peer
};

// Consensus among several validators (docs/operations.md, "Consensus"): the
// timeouts of each step, base + delta * round, in milliseconds, as CometBFT's
// defaults; the pause after a decision (0: the genesis block time); how often
// a validator re-sends its latest messages; how far ahead of this node's clock
// a proposed block's time may be before it prevotes nil.
struct ConsensusConfig {
  uint64_t timeout_propose_ms = 3000, timeout_propose_delta_ms = 500;
  uint64_t timeout_prevote_ms = 1000, timeout_prevote_delta_ms = 500;
  uint64_t timeout_precommit_ms = 1000, timeout_precommit_delta_ms = 500;
  uint64_t timeout_commit_ms = 0;
  uint64_t gossip_interval_ms = 500;
  uint64_t max_clock_drift_s = 10;
};

struct Config {
  bool dev = false;
  std::filesystem::path genesis;        // default: genesis/devnet.json with --dev
  std::filesystem::path datadir;        // default: ./vestd-data (./devnet-data with --dev)
  std::filesystem::path validator_key;  // hex private key file; --dev defaults to the devnet key
  std::optional<uint64_t> block_time_ms;
  bool instant = false;
  std::string log_level = "info";
  std::string log_format = "text";  // or "json": one object per line
  RpcConfig rpc;
  P2pConfig p2p;
  ConsensusConfig consensus;
  MempoolLimits mempool;
  bool new_signer_state = false;  // --new-signer-state: flag only
};

// Reads a TOML file into `config`, overriding what it sets. Unknown keys are
// refused, so a misspelt setting is not silently ignored.
bool load_config_file(const std::filesystem::path& path, Config& config, std::string& error);

// Splits "HOST:PORT" (IPv6 as "[::1]:8645").
bool parse_host_port(const std::string& text, std::string& host, uint16_t& port);

// The development validator key: keccak256("vestchain devnet validator").
// Public knowledge, for --dev chains only.
std::string devnet_validator_key_hex();

}  // namespace vest::node
