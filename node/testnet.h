// `vestd testnet`: the files of a test network on one machine (127.0.0.1): one
// genesis derived from a template (by default genesis/devnet.json, so the same
// development accounts are funded), and for each node a folder with its TOML
// configuration, its data directory holding its node key, and for a validator its
// key file. docs/operations.md, "A test network on one machine", describes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace vest::node {

// The chain a test network runs: neither devnet's id (7357) nor its name, so a
// testnet node and a devnet node refuse each other at the p2p handshake, and a
// transaction signed for one is invalid on the other.
inline constexpr uint64_t kTestnetChainId = 7358;
inline constexpr const char* kTestnetChainName = "vestchain-testnet";

// Node k (validators first, then full nodes, from 0) serves RPC on base + 2k and
// listens for peers on base + 2k + 1. 8700 keeps clear of devnet's RPC port 8645.
inline constexpr unsigned kTestnetBasePort = 8700;
// Ports below are reserved to root.
inline constexpr unsigned kTestnetMinPort = 1024;

// Bounds on the counts. Every full node dials every validator and validator i dials
// validators 0..i-1, so a node dials at most kTestnetMaxValidators peers and a
// validator takes at most kTestnetMaxValidators - 1 + kTestnetMaxFullNodes inbound
// connections: within the defaults of p2p.max_outbound and p2p.max_inbound.
inline constexpr size_t kTestnetMaxValidators = 10;
inline constexpr size_t kTestnetMaxFullNodes = 16;

// The file that marks a folder written by `vestd testnet`: the nodes, their ports,
// ids and files as JSON. --force replaces only a folder that holds it.
inline constexpr const char* kTestnetManifest = "testnet.json";

struct TestnetOptions {
  std::filesystem::path dir;
  size_t validators = 1;
  size_t full_nodes = 2;
  unsigned base_port = kTestnetBasePort;
  // The genesis whose accounts, assets, sale and staking the testnet starts with;
  // its chain id, name and validators are replaced.
  std::filesystem::path genesis_template = "genesis/devnet.json";
  bool force = false;  // replace a folder an earlier `vestd testnet` wrote
};

struct TestnetNode {
  std::string name;  // validator0, validator1, ..., full0, full1, ...
  bool validator = false;
  std::filesystem::path config;         // <dir>/<name>/vestd.toml
  std::filesystem::path datadir;        // <dir>/<name>/data, holding node_key
  std::filesystem::path validator_key;  // <dir>/<name>/validator.key, mode 0600; validators only
  std::string validator_address;        // EIP-55; validators only
  unsigned rpc_port = 0;
  unsigned p2p_port = 0;
  std::string node_id;             // of the node key in datadir
  std::vector<std::string> peers;  // NODEID@127.0.0.1:PORT this node dials
};

struct Testnet {
  std::filesystem::path dir;  // absolute: the configurations name absolute paths
  std::filesystem::path genesis;
  std::vector<TestnetNode> nodes;
};

// Refuses options that cannot make a test network, touching nothing: counts out
// of range (no validator, more than kTestnetMaxValidators or kTestnetMaxFullNodes),
// ports beyond 1024..65535, a `dir` that is a file, or a non-empty `dir` unless
// `force` and it holds kTestnetManifest. On refusal, false and the reason in `error`.
bool check_testnet_options(const TestnetOptions& options, std::string& error);

// Checks the options, derives the genesis from the template and checks that it
// builds, then writes the network into `dir` (emptied first with `force`). Any
// number of validators within the bounds. Nothing is written when the options
// or the template are refused; an I/O failure while writing is reported naming
// the file. Private keys appear in their key files only.
std::optional<Testnet> write_testnet(const TestnetOptions& options, std::string& error);

// How to start each node, query it and add a full node by hand (also the
// folder's README.md). The commands name this program's path when it is vestd.
std::string testnet_instructions(const Testnet& net);

// `vestd testnet`: refuses what this vestd cannot run, writes the network and
// prints the instructions to `out`, or the reason for a refusal to `err`.
// Returns the process exit code: 0 written, 1 refused or failed.
int run_testnet(const TestnetOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vest::node
