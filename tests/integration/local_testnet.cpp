#include "tests/integration/local_testnet.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <toml++/toml.h>

#include "p2p/node_key.h"
#include "tests/integration/chain_calls.h"

namespace vest::test {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

toml::table read_toml(const fs::path& p) {
  try {
    return toml::parse_file(p.string());
  } catch (const toml::parse_error& e) {
    FAIL("cannot parse " << p << ": " << e.description());
  }
  return {};
}

void write_toml(const fs::path& p, const toml::table& t) {
  std::ofstream out(p);
  out << t << "\n";
  REQUIRE(out.good());
}

toml::table consensus_table(const ConsensusSettings& c) {
  auto i = [](uint64_t v) { return static_cast<int64_t>(v); };
  return toml::table{{"timeout_propose_ms", i(c.timeout_propose_ms)},
                     {"timeout_propose_delta_ms", i(c.timeout_propose_delta_ms)},
                     {"timeout_prevote_ms", i(c.timeout_prevote_ms)},
                     {"timeout_prevote_delta_ms", i(c.timeout_prevote_delta_ms)},
                     {"timeout_precommit_ms", i(c.timeout_precommit_ms)},
                     {"timeout_precommit_delta_ms", i(c.timeout_precommit_delta_ms)},
                     {"timeout_commit_ms", i(c.timeout_commit_ms)},
                     {"gossip_interval_ms", i(c.gossip_interval_ms)}};
}

}  // namespace

LocalTestnet::LocalTestnet(const TempDir& dir, LocalTestnetOptions options)
    : options_(options), dir_(dir.path() / "net") {
  const unsigned count = static_cast<unsigned>(options_.validators + options_.full_nodes);
  const uint16_t base = free_port_range(2 * count + 2);
  spare_port_ = static_cast<uint16_t>(base + 2 * count);
  RunResult written = run_program({bin_path("vestd").string(), "testnet", "--dir", dir_.string(), "--validators",
                                   std::to_string(options_.validators), "--full-nodes",
                                   std::to_string(options_.full_nodes), "--base-port", std::to_string(base),
                                   "--genesis-template", source_path("genesis/devnet.json").string()});
  INFO("vestd testnet: " << written.out << written.err);
  REQUIRE(written.exit_code == 0);
  json::array manifest = json::parse(read_file(dir_ / "testnet.json")).at("nodes").as_array();
  REQUIRE(manifest.size() == count);
  for (const json::value& n : manifest) {
    Member m;
    m.name = str(n.at("name"));
    m.config = str(n.at("config"));
    m.datadir = str(n.at("datadir"));
    if (n.at("role") == "validator") m.address = str(n.at("validator"));
    toml::table config = read_toml(m.config);
    config.insert_or_assign("consensus", consensus_table(options_.consensus));
    write_toml(m.config, config);
    nodes_.push_back(std::move(m));
  }
  // Validators first: each dials those before it, which then already listen.
  for (size_t k = 0; k < nodes_.size(); ++k) start(k);
  for (size_t k = 0; k < nodes_.size(); ++k) {
    eventually([&] { return head_height((*this)[k]) >= 1; }, 30s, name(k) + " to hold block 1");
  }
}

LocalTestnet::~LocalTestnet() {
  // A stopped process would take SIGTERM only once continued.
  for (Member& m : nodes_) {
    if (m.process && m.paused && m.process->pid() > 0) ::kill(m.process->pid(), SIGCONT);
  }
  nodes_.clear();
}

Vestd& LocalTestnet::operator[](size_t k) {
  REQUIRE(k < nodes_.size());
  INFO(nodes_[k].name << " is not running");
  REQUIRE(nodes_[k].process);
  return *nodes_[k].process;
}

bool LocalTestnet::running(size_t k) const { return k < nodes_.size() && nodes_[k].process != nullptr; }
const std::string& LocalTestnet::name(size_t k) const { return nodes_.at(k).name; }
const std::string& LocalTestnet::validator_address(size_t k) const { return nodes_.at(k).address; }
const fs::path& LocalTestnet::datadir(size_t k) const { return nodes_.at(k).datadir; }

fs::path LocalTestnet::log_dir(size_t k, unsigned run) const {
  return dir_ / "logs" / (nodes_[k].name + "." + std::to_string(run));
}

std::vector<fs::path> LocalTestnet::logs(size_t k) const {
  std::vector<fs::path> out;
  for (unsigned run = 1; run <= nodes_.at(k).runs; ++run) out.push_back(log_dir(k, run) / "vestd.log");
  return out;
}

void LocalTestnet::start(size_t k, const std::vector<std::string>& wrapper) {
  REQUIRE(k < nodes_.size());
  REQUIRE_FALSE(nodes_[k].process);
  std::vector<std::string> args = {"--config", nodes_[k].config.string()};
  if (options_.debug_log) args.insert(args.end(), {"--log-level", "debug"});
  Member& m = nodes_[k];
  ++m.runs;
  m.paused = false;
  m.process = Vestd::with_args(log_dir(k, m.runs), args, wrapper);
}

void LocalTestnet::kill(size_t k) {
  (*this)[k].kill9();
  nodes_[k].process.reset();
}

int LocalTestnet::stop(size_t k) {
  const int code = (*this)[k].stop();
  nodes_[k].process.reset();
  return code;
}

void LocalTestnet::pause(size_t k) {
  REQUIRE(::kill((*this)[k].pid(), SIGSTOP) == 0);
  nodes_[k].paused = true;
}

void LocalTestnet::resume(size_t k) {
  REQUIRE(::kill((*this)[k].pid(), SIGCONT) == 0);
  nodes_[k].paused = false;
}

size_t LocalTestnet::add_twin(size_t k) {
  REQUIRE(k < options_.validators);
  REQUIRE_FALSE(running(k));
  REQUIRE(spare_port_ != 0);
  Member twin;
  twin.name = nodes_[k].name + "-twin";
  twin.address = nodes_[k].address;
  const fs::path folder = dir_ / twin.name;
  twin.datadir = folder / "data";
  twin.config = folder / "vestd.toml";
  fs::create_directories(folder);
  fs::copy(nodes_[k].datadir, twin.datadir, fs::copy_options::recursive);
  // The same validator key, chain, signer state and WAL, but a p2p identity of
  // its own: peers take it for another node, as they would a copy on another host.
  fs::remove(twin.datadir / p2p::kNodeKeyFile);
  toml::table config = read_toml(nodes_[k].config);
  config.insert_or_assign("datadir", twin.datadir.string());
  config["rpc"].as_table()->insert_or_assign("listen", "127.0.0.1:" + std::to_string(spare_port_));
  config["p2p"].as_table()->insert_or_assign("listen", "127.0.0.1:" + std::to_string(spare_port_ + 1));
  write_toml(twin.config, config);
  spare_port_ = 0;
  nodes_.push_back(std::move(twin));
  return nodes_.size() - 1;
}

std::vector<std::string> block_hashes(Vestd& node, uint64_t from, uint64_t to) {
  constexpr uint64_t kBatch = 100;  // rpc.max_batch's default
  std::vector<std::string> out;
  for (uint64_t first = from; first <= to; first += kBatch) {
    const uint64_t last = std::min(to, first + kBatch - 1);
    json::array batch;
    for (uint64_t h = first; h <= last; ++h) {
      batch.push_back(json::object{
          {"jsonrpc", "2.0"}, {"id", h}, {"method", "chain_getBlock"}, {"params", json::object{{"height", h}}}});
    }
    auto [status, body] = http_post(node.port(), json::serialize(batch));
    INFO("chain_getBlock batch: HTTP " << status << " " << body.substr(0, 500));
    REQUIRE(status == 200);
    std::map<uint64_t, std::string> by_height;
    const json::value replies = json::parse(body);
    for (const json::value& r : replies.as_array()) {
      REQUIRE(r.as_object().contains("result"));
      const json::value& b = r.at("result");
      by_height[u64(r.at("id"))] = b.is_null() ? std::string() : str(b.at("hash"));
    }
    REQUIRE(by_height.size() == last - first + 1);
    for (auto& [h, hash] : by_height) out.push_back(std::move(hash));
  }
  return out;
}

uint64_t check_same_blocks(LocalTestnet& net) {
  std::vector<std::vector<std::string>> hashes(net.size());
  uint64_t top = 0;
  size_t running = 0;
  for (size_t k = 0; k < net.size(); ++k) {
    if (!net.running(k)) continue;
    ++running;
    const uint64_t head = head_height(net[k]);
    hashes[k] = block_hashes(net[k], 1, head);
    top = std::max(top, head);
  }
  size_t compared = 0;
  std::ostringstream differ;
  for (uint64_t h = 1; h <= top; ++h) {
    std::string first;
    for (size_t k = 0; k < net.size(); ++k) {
      if (h > hashes[k].size()) continue;
      const std::string& mine = hashes[k][h - 1];
      INFO(net.name(k) << " has no block " << h << " below its head");
      CHECK(mine.size() == 66);
      if (first.empty()) first = mine;
      if (mine != first) {
        differ << " height " << h << ": " << net.name(k) << " has " << mine << ", not " << first << ";";
      }
      ++compared;
    }
  }
  INFO("blocks that differ:" << differ.str());
  CHECK(differ.str().empty());
  CHECK(running >= 2);
  CHECK(compared >= top);
  return top;
}

}  // namespace vest::test
