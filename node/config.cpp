#include "node/config.h"

#include <limits>
#include <toml++/toml.h>

#include "chain/keccak.h"

namespace vest::node {

namespace {

template <typename T>
bool read_uint(const toml::table& t, std::string_view key, T& out, std::string& error, const std::string& path) {
  auto node = t.get(key);
  if (!node) return true;
  auto v = node->value_exact<int64_t>();
  if (!v || *v < 0 || static_cast<uint64_t>(*v) > std::numeric_limits<T>::max()) {
    error = path + std::string(key) + ": expected a non-negative integer" +
            (v && *v >= 0 ? " up to " + std::to_string(std::numeric_limits<T>::max()) : "");
    return false;
  }
  out = static_cast<T>(*v);
  return true;
}

bool read_bool(const toml::table& t, std::string_view key, bool& out, std::string& error, const std::string& path) {
  auto node = t.get(key);
  if (!node) return true;
  auto v = node->value_exact<bool>();
  if (!v) {
    error = path + std::string(key) + ": expected true or false";
    return false;
  }
  out = *v;
  return true;
}

bool read_string(const toml::table& t, std::string_view key, std::string& out, std::string& error,
                 const std::string& path) {
  auto node = t.get(key);
  if (!node) return true;
  auto v = node->value_exact<std::string>();
  if (!v) {
    error = path + std::string(key) + ": expected a string";
    return false;
  }
  out = *v;
  return true;
}

bool read_strings(const toml::table& t, std::string_view key, std::vector<std::string>& out, std::string& error,
                  const std::string& path) {
  auto node = t.get(key);
  if (!node) return true;
  const toml::array* list = node->as_array();
  std::vector<std::string> values;
  for (size_t i = 0; list && i < list->size(); ++i) {
    auto v = list->get(i)->value_exact<std::string>();
    if (!v) break;
    values.push_back(*v);
  }
  if (!list || values.size() != list->size()) {
    error = path + std::string(key) + ": expected a list of strings";
    return false;
  }
  out = std::move(values);
  return true;
}

bool check_keys(const toml::table& t, std::initializer_list<std::string_view> known, const std::string& path,
                std::string& error) {
  for (const auto& [k, v] : t) {
    bool ok = false;
    for (auto name : known) ok = ok || k.str() == name;
    if (!ok) {
      error = "unknown setting " + path + std::string(k.str());
      return false;
    }
  }
  return true;
}

}  // namespace

bool load_config_file(const std::filesystem::path& path, Config& config, std::string& error) {
  toml::table t;
  try {
    t = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    error = "config " + path.string() + ": " + std::string(e.description());
    return false;
  }
  if (!check_keys(t, {"dev", "genesis", "datadir", "validator_key", "block_time_ms", "instant", "log_level", "log_format", "rpc",
                      "p2p", "consensus", "mempool"},
                  "", error))
    return false;
  std::string genesis = config.genesis.string(), datadir = config.datadir.string(),
              validator_key = config.validator_key.string();
  if (!read_bool(t, "dev", config.dev, error, "") || !read_bool(t, "instant", config.instant, error, "") ||
      !read_string(t, "genesis", genesis, error, "") || !read_string(t, "datadir", datadir, error, "") ||
      !read_string(t, "validator_key", validator_key, error, "") ||
      !read_string(t, "log_level", config.log_level, error, "") ||
      !read_string(t, "log_format", config.log_format, error, ""))
    return false;
  config.genesis = genesis;
  config.datadir = datadir;
  config.validator_key = validator_key;
  if (t.contains("block_time_ms")) {
    uint64_t ms = 0;
    if (!read_uint(t, "block_time_ms", ms, error, "")) return false;
    config.block_time_ms = ms;
  }
  if (auto* rpc = t["rpc"].as_table()) {
    if (!check_keys(*rpc,
                    {"listen", "max_body_bytes", "max_batch", "max_connections", "idle_timeout_s",
                     "header_timeout_s", "request_timeout_s", "wait_timeout_s", "threads", "allow_hosts",
                     "cors_origins", "web", "max_subscriptions_per_connection", "max_subscriptions",
                     "max_subscriber_messages", "max_subscriber_bytes", "max_replay_blocks"},
                    "rpc.", error))
      return false;
    RpcConfig& r = config.rpc;
    if (!read_string(*rpc, "listen", r.listen, error, "rpc.") ||
        !read_uint(*rpc, "max_body_bytes", r.max_body_bytes, error, "rpc.") ||
        !read_uint(*rpc, "max_batch", r.max_batch, error, "rpc.") ||
        !read_uint(*rpc, "max_connections", r.max_connections, error, "rpc.") ||
        !read_uint(*rpc, "idle_timeout_s", r.idle_timeout_s, error, "rpc.") ||
        !read_uint(*rpc, "header_timeout_s", r.header_timeout_s, error, "rpc.") ||
        !read_strings(*rpc, "allow_hosts", r.allow_hosts, error, "rpc.") ||
        !read_strings(*rpc, "cors_origins", r.cors_origins, error, "rpc.") ||
        !read_uint(*rpc, "request_timeout_s", r.request_timeout_s, error, "rpc.") ||
        !read_uint(*rpc, "wait_timeout_s", r.wait_timeout_s, error, "rpc.") ||
        !read_uint(*rpc, "threads", r.threads, error, "rpc.") || !read_bool(*rpc, "web", r.web, error, "rpc.") ||
        !read_uint(*rpc, "max_subscriptions_per_connection", r.max_subscriptions_per_connection, error, "rpc.") ||
        !read_uint(*rpc, "max_subscriptions", r.max_subscriptions, error, "rpc.") ||
        !read_uint(*rpc, "max_subscriber_messages", r.max_subscriber_messages, error, "rpc.") ||
        !read_uint(*rpc, "max_subscriber_bytes", r.max_subscriber_bytes, error, "rpc.") ||
        !read_uint(*rpc, "max_replay_blocks", r.max_replay_blocks, error, "rpc."))
      return false;
  }
  if (auto* p2p = t["p2p"].as_table()) {
    if (!check_keys(*p2p,
                    {"listen", "peers", "max_inbound", "max_outbound", "handshake_timeout_ms", "idle_timeout_ms",
                     "ping_interval_ms", "ban_time_s", "recv_rate"},
                    "p2p.", error))
      return false;
    P2pConfig& c = config.p2p;
    if (!read_string(*p2p, "listen", c.listen, error, "p2p.") ||
        !read_strings(*p2p, "peers", c.peers, error, "p2p.") ||
        !read_uint(*p2p, "max_inbound", c.max_inbound, error, "p2p.") ||
        !read_uint(*p2p, "max_outbound", c.max_outbound, error, "p2p.") ||
        !read_uint(*p2p, "handshake_timeout_ms", c.handshake_timeout_ms, error, "p2p.") ||
        !read_uint(*p2p, "idle_timeout_ms", c.idle_timeout_ms, error, "p2p.") ||
        !read_uint(*p2p, "ping_interval_ms", c.ping_interval_ms, error, "p2p.") ||
        !read_uint(*p2p, "ban_time_s", c.ban_time_s, error, "p2p.") ||
        !read_uint(*p2p, "recv_rate", c.recv_rate, error, "p2p."))
      return false;
  }
  if (auto* cs = t["consensus"].as_table()) {
    if (!check_keys(*cs,
                    {"timeout_propose_ms", "timeout_propose_delta_ms", "timeout_prevote_ms", "timeout_prevote_delta_ms",
                     "timeout_precommit_ms", "timeout_precommit_delta_ms", "timeout_commit_ms", "gossip_interval_ms",
                     "max_clock_drift_s"},
                    "consensus.", error))
      return false;
    ConsensusConfig& c = config.consensus;
    if (!read_uint(*cs, "timeout_propose_ms", c.timeout_propose_ms, error, "consensus.") ||
        !read_uint(*cs, "timeout_propose_delta_ms", c.timeout_propose_delta_ms, error, "consensus.") ||
        !read_uint(*cs, "timeout_prevote_ms", c.timeout_prevote_ms, error, "consensus.") ||
        !read_uint(*cs, "timeout_prevote_delta_ms", c.timeout_prevote_delta_ms, error, "consensus.") ||
        !read_uint(*cs, "timeout_precommit_ms", c.timeout_precommit_ms, error, "consensus.") ||
        !read_uint(*cs, "timeout_precommit_delta_ms", c.timeout_precommit_delta_ms, error, "consensus.") ||
        !read_uint(*cs, "timeout_commit_ms", c.timeout_commit_ms, error, "consensus.") ||
        !read_uint(*cs, "gossip_interval_ms", c.gossip_interval_ms, error, "consensus.") ||
        !read_uint(*cs, "max_clock_drift_s", c.max_clock_drift_s, error, "consensus."))
      return false;
  }
  if (auto* mp = t["mempool"].as_table()) {
    if (!check_keys(*mp, {"max_txs", "max_bytes", "max_per_sender"}, "mempool.", error)) return false;
    if (!read_uint(*mp, "max_txs", config.mempool.max_txs, error, "mempool.") ||
        !read_uint(*mp, "max_bytes", config.mempool.max_bytes, error, "mempool.") ||
        !read_uint(*mp, "max_per_sender", config.mempool.max_per_sender, error, "mempool."))
      return false;
  }
  return true;
}

bool parse_host_port(const std::string& text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

std::string devnet_validator_key_hex() {
  return to_hex(keccak256(as_bytes("vestchain devnet validator")).view());
}

}  // namespace vest::node
