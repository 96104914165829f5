// vestd: parses options and wires the node, nothing more.
#include <CLI/CLI.hpp>
#include <iostream>

#include "node/check.h"
#include "node/config.h"
#include "node/daemon.h"
#include "node/testnet.h"
#include "p2p/node_key.h"

int main(int argc, char** argv) {
  using namespace vest::node;
  CLI::App app{"vestd: the vestchain node"};
  app.set_version_flag("--version", "vestd " VEST_VERSION);
  Config config;
  std::string config_file, genesis, datadir, rpc, validator_key, log_level;
  std::optional<uint64_t> block_time_ms;
  bool dev = false, instant = false, new_signer_state = false;
  app.add_option("--config", config_file, "TOML configuration file (flags override it)");
  app.add_flag("--dev", dev, "Development chain: this node is the validator, dev_* RPC methods enabled");
  app.add_option("--genesis", genesis, "Genesis file (default with --dev: genesis/devnet.json)");
  app.add_option("--datadir", datadir, "Data directory (default: ./vestd-data, with --dev ./devnet-data)");
  app.add_option("--rpc", rpc, "RPC listen address HOST:PORT (default 127.0.0.1:8645)");
  app.add_option("--validator-key", validator_key, "File with the validator's private key as hex");
  app.add_option("--block-time-ms", block_time_ms,
                 "Block interval in ms (default: the genesis value); for validators of a network, the pause after "
                 "each decision unless consensus.timeout_commit_ms is set");
  app.add_flag("--new-signer-state", new_signer_state,
               "Start a validator whose key has never signed on this chain in a data directory that holds blocks "
               "(a full node becoming a validator)");
  app.add_flag("--instant", instant, "Seal a block as soon as transactions arrive");
  app.add_option("--log-level", log_level, "debug, info, warn or error");
  std::string log_format;
  app.add_option("--log-format", log_format, "text (default) or json: one JSON object per line");
  std::vector<std::string> allow_hosts, cors_origins;
  app.add_option("--rpc-allow-host", allow_hosts,
                 "Also serve requests whose Host header names HOST (repeatable; * for any)")
      ->allow_extra_args(false);
  app.add_option("--rpc-cors-origin", cors_origins,
                 "Let web pages of ORIGIN (https://app.example) call the RPC (repeatable; * for any)")
      ->allow_extra_args(false);

  bool no_web = false;
  app.add_flag("--no-web", no_web, "Do not serve the explorer page at GET / (rpc.web = false)");

  std::string p2p_listen;
  std::vector<std::string> peers;
  app.add_option("--p2p", p2p_listen,
                 "Listen for peers on HOST:PORT (default: do not listen, only dial the configured peers)");
  app.add_option("--peer", peers, "Dial and keep connected the peer NODEID@HOST:PORT (repeatable)")
      ->allow_extra_args(false);

  std::string check_datadir, check_genesis;
  CheckOptions check;
  CLI::App* check_cmd = app.add_subcommand("check", "Check a stopped node's data directory for consistency");
  check_cmd->add_option("--datadir", check_datadir, "Data directory of the stopped node")->required();
  check_cmd->add_option("--genesis", check_genesis, "The chain's genesis file")->required();
  check_cmd->add_option("--blocks", check.recent_blocks,
                        "How many recent blocks to check transaction by transaction (default 1000)");
  std::string node_id_datadir;
  CLI::App* node_id_cmd =
      app.add_subcommand("node-id", "Print the node's p2p id, creating its node key in the data directory if needed");
  node_id_cmd->add_option("--datadir", node_id_datadir, "Data directory")->required();
  TestnetOptions testnet;
  CLI::App* testnet_cmd = app.add_subcommand(
      "testnet", "Write the genesis, keys and configurations of a test network on 127.0.0.1 into a new folder");
  testnet_cmd->add_option("--dir", testnet.dir, "Folder to write into: new or empty (or see --force)")->required();
  testnet_cmd->add_option("--validators", testnet.validators, "Validators (this vestd runs exactly 1)")
      ->capture_default_str();
  testnet_cmd->add_option("--full-nodes", testnet.full_nodes, "Full nodes, 0 to 16")->capture_default_str();
  testnet_cmd->add_option("--base-port", testnet.base_port,
                          "Node k (validators first) serves RPC on BASE+2k and P2P on BASE+2k+1")
      ->capture_default_str();
  testnet_cmd->add_option("--genesis-template", testnet.genesis_template,
                          "Genesis whose accounts, assets, sale and staking the network starts with")
      ->capture_default_str();
  testnet_cmd->add_flag("--force", testnet.force, "Replace a test network that vestd testnet wrote in --dir before");
  CLI11_PARSE(app, argc, argv);
  if (*testnet_cmd) return run_testnet(testnet, std::cout, std::cerr);
  if (*node_id_cmd) {
    std::string error;
    auto key = vest::p2p::NodeKey::load_or_create(node_id_datadir, error);
    if (!key) {
      std::cerr << "vestd: " << error << std::endl;
      return 1;
    }
    std::cout << vest::p2p::to_string(key->id()) << std::endl;
    return 0;
  }
  if (*check_cmd) {
    check.datadir = check_datadir;
    check.genesis = check_genesis;
    return run_check(check, std::cout);
  }

  std::string error;
  if (!config_file.empty() && !load_config_file(config_file, config, error)) {
    std::cerr << "vestd: " << error << std::endl;
    return 2;
  }
  if (dev) config.dev = true;
  if (instant) config.instant = true;
  if (new_signer_state) config.new_signer_state = true;
  if (!genesis.empty()) config.genesis = genesis;
  if (!datadir.empty()) config.datadir = datadir;
  if (!rpc.empty()) config.rpc.listen = rpc;
  if (!validator_key.empty()) config.validator_key = validator_key;
  if (block_time_ms) config.block_time_ms = block_time_ms;
  if (!log_level.empty()) config.log_level = log_level;
  if (!log_format.empty()) config.log_format = log_format;
  if (!allow_hosts.empty()) config.rpc.allow_hosts = allow_hosts;
  if (!cors_origins.empty()) config.rpc.cors_origins = cors_origins;
  if (no_web) config.rpc.web = false;
  if (!p2p_listen.empty()) config.p2p.listen = p2p_listen;
  if (!peers.empty()) config.p2p.peers = peers;
  return run_daemon(config);
}
