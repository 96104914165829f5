#include "node/testnet.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <ostream>
#include <sstream>
#include <toml++/toml.h>

#include "chain/chain.h"
#include "chain/genesis.h"
#include "chain/secp256k1.h"
#include "contracts/native.h"
#include "p2p/node_key.h"

namespace vest::node {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string address_port(unsigned port) { return "127.0.0.1:" + std::to_string(port); }

// JSON with two-space indentation, keys in document order, for a person to read.
void append_pretty(std::string& out, const json::value& v, size_t indent) {
  const std::string pad(indent + 2, ' ');
  if (const json::object* o = v.if_object(); o && !o->empty()) {
    out += "{\n";
    for (auto it = o->begin(); it != o->end(); ++it) {
      out += pad + json::serialize(json::string(it->key())) + ": ";
      append_pretty(out, it->value(), indent + 2);
      out += std::next(it) == o->end() ? "\n" : ",\n";
    }
    out += std::string(indent, ' ') + "}";
  } else if (const json::array* a = v.if_array(); a && !a->empty()) {
    out += "[\n";
    for (auto it = a->begin(); it != a->end(); ++it) {
      out += pad;
      append_pretty(out, *it, indent + 2);
      out += std::next(it) == a->end() ? "\n" : ",\n";
    }
    out += std::string(indent, ' ') + "]";
  } else {
    out += json::serialize(v);
  }
}

std::string pretty(const json::value& v) {
  std::string out;
  append_pretty(out, v, 0);
  return out + "\n";
}

// Creates `path` with `mode` (never replacing a file) and writes `text`.
bool write_new_file(const fs::path& path, const std::string& text, mode_t mode, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (!ok) error = "cannot write " + path.string();
  return ok;
}

// The genesis of the network: the template with the testnet's chain id, name and
// validators, checked to build.
bool derive_genesis(const TestnetOptions& options, const std::vector<PrivateKey>& keys, std::string& text,
                    std::string& error) {
  const std::string name = options.genesis_template.string();
  std::ifstream in(options.genesis_template, std::ios::binary);
  if (!in) {
    error = "cannot read the genesis template " + name +
            " (the default, genesis/devnet.json, is read from the current folder: run in the source tree "
            "or pass --genesis-template FILE)";
    return false;
  }
  std::stringstream source;
  source << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(source.str(), ec);
  if (ec || !doc.is_object()) {
    error = "genesis template " + name + ": not a JSON object";
    return false;
  }
  json::array validators;
  for (size_t i = 0; i < keys.size(); ++i) {
    validators.push_back(json::object{{"address", to_checksum(address_of(keys[i]))},
                                      {"power", 1},
                                      {"note", "validator" + std::to_string(i) + " of this test network"}});
  }
  json::object& o = doc.as_object();
  o["chain_id"] = kTestnetChainId;
  o["chain_name"] = kTestnetChainName;
  o["validators"] = std::move(validators);
  text = pretty(doc);

  Genesis genesis;
  std::string why;
  if (!parse_genesis(text, genesis, why)) {
    error = "genesis template " + name + ": " + why;
    return false;
  }
  NativeContracts contracts;
  Executor executor(genesis.params);
  contracts.register_with(executor);
  GenesisBlock block;
  if (Status s = build_genesis(genesis, executor, block); !s.ok()) {
    error = "genesis template " + name + ": " + s.message;
    return false;
  }
  return true;
}

std::string node_config(const Testnet& net, const TestnetNode& n) {
  toml::array peers;
  for (const std::string& p : n.peers) peers.push_back(p);
  toml::table t{{"genesis", net.genesis.string()},
                {"datadir", n.datadir.string()},
                {"rpc", toml::table{{"listen", address_port(n.rpc_port)}}},
                {"p2p", toml::table{{"listen", address_port(n.p2p_port)}, {"peers", std::move(peers)}}}};
  if (n.validator) t.insert("validator_key", n.validator_key.string());
  std::ostringstream s;
  s << "# " << n.name << " of the test network in " << net.dir.string() << " (written by vestd testnet).\n"
    << "# Start it with: vestd --config " << n.config.string() << "\n\n"
    << t << "\n";
  return s.str();
}

std::string manifest(const Testnet& net) {
  json::array nodes;
  for (const TestnetNode& n : net.nodes) {
    json::object o{{"name", n.name},
                   {"role", n.validator ? "validator" : "full"},
                   {"rpc", address_port(n.rpc_port)},
                   {"p2p", address_port(n.p2p_port)},
                   {"nodeId", n.node_id},
                   {"config", n.config.string()},
                   {"datadir", n.datadir.string()}};
    if (n.validator) o["validator"] = n.validator_address;
    nodes.push_back(std::move(o));
  }
  return pretty(json::object{{"chainId", kTestnetChainId},
                             {"chainName", kTestnetChainName},
                             {"genesis", net.genesis.string()},
                             {"nodes", std::move(nodes)}});
}

// The path of `program` (vestd or vest) for the instructions: beside this
// program when this is vestd, else the plain name.
std::string program_path(const std::string& program) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec || self.filename() != "vestd") return program;
  fs::path beside = self.parent_path() / program;
  return fs::exists(beside, ec) ? beside.string() : program;
}

// Writes everything of `net` into its (empty) folder.
bool write_files(Testnet& net, const std::vector<PrivateKey>& keys, const std::string& genesis_text,
                 std::string& error) {
  for (TestnetNode& n : net.nodes) {
    std::error_code ec;
    fs::create_directories(n.datadir, ec);
    if (ec) {
      error = "cannot create " + n.datadir.string() + ": " + ec.message();
      return false;
    }
    auto key = p2p::NodeKey::load_or_create(n.datadir, error);
    if (!key) return false;
    n.node_id = p2p::to_string(key->id());
  }
  // Validator i dials validators 0..i-1; every full node dials every validator.
  for (size_t k = 0; k < net.nodes.size(); ++k) {
    TestnetNode& n = net.nodes[k];
    const size_t dialled = n.validator ? k : keys.size();
    for (size_t i = 0; i < dialled; ++i) {
      n.peers.push_back(net.nodes[i].node_id + "@" + address_port(net.nodes[i].p2p_port));
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!write_new_file(net.nodes[i].validator_key, to_hex(keys[i].view()) + "\n", 0600, error)) return false;
  }
  if (!write_new_file(net.genesis, genesis_text, 0644, error)) return false;
  for (const TestnetNode& n : net.nodes) {
    if (!write_new_file(n.config, node_config(net, n), 0644, error)) return false;
  }
  return write_new_file(net.dir / "README.md", testnet_instructions(net), 0644, error) &&
         write_new_file(net.dir / kTestnetManifest, manifest(net), 0644, error);
}

}  // namespace

bool check_testnet_options(const TestnetOptions& o, std::string& error) {
  if (o.dir.empty()) {
    error = "--dir is required";
    return false;
  }
  if (o.validators == 0 || o.validators > kTestnetMaxValidators) {
    error = "--validators " + std::to_string(o.validators) + ": expected 1 to " + std::to_string(kTestnetMaxValidators);
    return false;
  }
  if (o.full_nodes > kTestnetMaxFullNodes) {
    error = "--full-nodes " + std::to_string(o.full_nodes) + ": expected 0 to " + std::to_string(kTestnetMaxFullNodes);
    return false;
  }
  const uint64_t last = uint64_t{o.base_port} + 2 * (o.validators + o.full_nodes) - 1;
  if (o.base_port < kTestnetMinPort || last > 65535) {
    error = "--base-port " + std::to_string(o.base_port) + ": the " + std::to_string(o.validators + o.full_nodes) +
            " nodes need ports " + std::to_string(o.base_port) + " to " + std::to_string(last) +
            ", which must lie within " + std::to_string(kTestnetMinPort) + " to 65535";
    return false;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(o.dir, ec);
  if (!fs::exists(st)) return true;
  if (!fs::is_directory(st)) {
    error = "--dir " + o.dir.string() + " exists and is not a folder";
    return false;
  }
  if (fs::directory_iterator(o.dir, ec) == fs::directory_iterator() && !ec) return true;
  if (ec) {
    error = "cannot read " + o.dir.string() + ": " + ec.message();
    return false;
  }
  if (!o.force) {
    error = o.dir.string() + " is not empty, and vestd testnet never overwrites keys: choose a new or empty folder, "
            "or pass --force to replace a test network written there before";
    return false;
  }
  if (!fs::exists(o.dir / kTestnetManifest, ec)) {
    error = "--force replaces only a folder written by vestd testnet (it holds " + std::string(kTestnetManifest) +
            "), and " + o.dir.string() + " has none: choose another folder";
    return false;
  }
  return true;
}

std::optional<Testnet> write_testnet(const TestnetOptions& options, std::string& error) {
  if (!check_testnet_options(options, error)) return std::nullopt;
  std::vector<PrivateKey> keys;
  for (size_t i = 0; i < options.validators; ++i) keys.push_back(generate_private_key());
  std::string genesis_text;
  if (!derive_genesis(options, keys, genesis_text, error)) return std::nullopt;

  Testnet net;
  net.dir = fs::absolute(options.dir).lexically_normal();
  if (!net.dir.has_filename()) net.dir = net.dir.parent_path();  // "a/b/" names the folder a/b
  net.genesis = net.dir / "genesis.json";
  const size_t count = options.validators + options.full_nodes;
  for (size_t k = 0; k < count; ++k) {
    TestnetNode n;
    n.validator = k < options.validators;
    n.name = n.validator ? "validator" + std::to_string(k) : "full" + std::to_string(k - options.validators);
    const fs::path folder = net.dir / n.name;
    n.config = folder / "vestd.toml";
    n.datadir = folder / "data";
    if (n.validator) {
      n.validator_key = folder / "validator.key";
      n.validator_address = to_checksum(address_of(keys[k]));
    }
    n.rpc_port = options.base_port + 2 * static_cast<unsigned>(k);
    n.p2p_port = n.rpc_port + 1;
    net.nodes.push_back(std::move(n));
  }

  // The folder is new, empty, or (with --force) an earlier testnet's: emptied here.
  std::error_code ec;
  const bool existed = fs::exists(net.dir, ec);
  if (existed) {
    for (const auto& entry : fs::directory_iterator(net.dir, ec)) fs::remove_all(entry.path(), ec);
  } else {
    fs::create_directories(net.dir, ec);
  }
  if (ec) {
    error = "cannot prepare " + net.dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (!write_files(net, keys, genesis_text, error)) {
    // Half a network is no use, and its keys belong to nobody: leave the folder as found, empty.
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(net.dir, ignored)) fs::remove_all(entry.path(), ignored);
    if (!existed) fs::remove(net.dir, ignored);
    return std::nullopt;
  }
  return net;
}

std::string testnet_instructions(const Testnet& net) {
  const std::string vestd = program_path("vestd"), vest = program_path("vest");
  std::ostringstream s;
  s << "# Test network " << kTestnetChainName << " (chain id " << kTestnetChainId << ")\n\n"
    << "Written by `vestd testnet` in " << net.dir.string() << ": genesis.json, and for each node a folder with\n"
    << "vestd.toml, data/node_key and, for a validator, validator.key (mode 0600).\n\n";
  s << "    node          role        RPC               P2P               node id\n";
  for (const TestnetNode& n : net.nodes) {
    std::string row = "    " + n.name;
    row.resize(18, ' ');
    row += n.validator ? "validator   " : "full node   ";
    row += address_port(n.rpc_port) + "    " + address_port(n.p2p_port) + "    " + n.node_id;
    s << row << "\n";
  }
  s << "\nStart each node in a terminal of its own, validators first (Ctrl-C stops a node):\n\n";
  for (const TestnetNode& n : net.nodes) s << "    " << vestd << " --config " << n.config.string() << "\n";
  const TestnetNode& first = net.nodes.front();
  const TestnetNode& some = net.nodes.back();
  const unsigned next = net.nodes.back().p2p_port + 1;
  s << "\nQuery any node over JSON-RPC, or with vest:\n\n"
    << "    curl -s " << address_port(some.rpc_port)
    << " -H 'Content-Type: application/json' -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"node_status\"}'\n"
    << "    " << vest << " --rpc http://" << address_port(some.rpc_port) << " status\n"
    << "\nvest pins each chain id to its genesis: after writing a new test network, run\n"
    << "`" << vest << " network forget " << kTestnetChainId << "` once.\n"
    << "\nAdd a full node by hand: a data directory of its own, this genesis, a peer to dial:\n\n"
    << "    " << vestd << " --genesis " << net.genesis.string() << " --datadir " << (net.dir / "extra").string()
    << " \\\n        --rpc " << address_port(next) << " --p2p " << address_port(next + 1) << " --peer "
    << first.node_id << "@" << address_port(first.p2p_port) << "\n";
  return s.str();
}

int run_testnet(const TestnetOptions& options, std::ostream& out, std::ostream& err) {
  std::string error;
  if (!check_testnet_options(options, error)) {
    err << "vestd testnet: " << error << std::endl;
    return 1;
  }
  auto net = write_testnet(options, error);
  if (!net) {
    err << "vestd testnet: " << error << std::endl;
    return 1;
  }
  out << testnet_instructions(*net) << std::flush;
  return 0;
}

}  // namespace vest::node
