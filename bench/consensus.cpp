// Finality latency and saturation throughput of validators deciding by
// consensus, against a single --dev node, all vestd processes on 127.0.0.1.
#include "bench/consensus.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <random>
#include <regex>
#include <thread>

#include "bench/bench.h"
#include "bench/execute.h"
#include "bench/ingest.h"
#include "bench/network.h"
#include "bench/vestd_process.h"
#include "wallet/rpc_client.h"

namespace vest::bench {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

json::value status_of(const std::string& url) { return wallet::RpcClient(url).call("node_status"); }

uint64_t height_of(const std::string& url) { return status_of(url).at("height").to_number<uint64_t>(); }

double cpu_of(const std::vector<std::unique_ptr<VestdProcess>>& nodes) {
  double s = 0;
  for (const auto& n : nodes) s += n->cpu_seconds();
  return s;
}

// One block time's figures, each a median over the runs.
struct Setting {
  uint64_t block_ms = 0;
  double single_tps = 0;        // committed per second, one --dev node
  double single_cpu_us = 0;     // its CPU per committed transfer
  double p50_ms = 0, p99_ms = 0, min_ms = 0;  // finality at light load
  double net_tps = 0;           // committed per second, the validators
  double net_cpu_us = 0;        // CPU of all validators per committed transfer
  double blocks_per_min = 0;    // decided while saturated
  uint64_t heights = 0;         // decided by the first validator over the whole run
  uint64_t late_heights = 0;    // of which decided in a round above 0
  uint64_t largest_block = 0;   // transactions
  size_t refused_single = 0, refused_net = 0;  // transfers refused by tx_submit while saturated, all runs
  double recover_all = 0;       // all-core recovery rate just before: how much of the machine the run had
  bool ok = true;
};

IngestSpec load_of(const ConsensusSpec& spec, const std::vector<std::string>& urls) {
  IngestSpec load;
  load.url = urls.front();
  load.submit_urls = urls;
  load.clients = spec.load_clients;
  load.senders = spec.senders;
  load.txs = spec.load_txs;
  return load;
}

// Every accepted transfer was committed. (Refusals are counted, not failed:
// a node may refuse a transfer that races with a block's commit; the sender
// would send it again.)
bool all_in(const IngestResult& r, const IngestSpec& load) { return r.committed + r.refused == load.txs; }

// The single --dev node saturated with the ingest load, `runs` times.
void measure_single(const ConsensusSpec& spec, uint64_t block_ms_flag, Setting& out) {
  std::vector<std::string> args{"--dev", "--genesis", spec.genesis, "--datadir", (spec.dir / "single").string()};
  if (block_ms_flag > 0) args.insert(args.end(), {"--block-time-ms", std::to_string(block_ms_flag)});
  fs::remove_all(spec.dir / "single");
  std::vector<std::unique_ptr<VestdProcess>> node;
  node.push_back(std::make_unique<VestdProcess>(spec.vestd, args, spec.dir / "single.log"));
  out.block_ms = status_of(node[0]->url()).at("blockTimeMs").to_number<uint64_t>();
  if (block_ms_flag > 0) out.block_ms = block_ms_flag;
  const IngestSpec load = load_of(spec, {node[0]->url()});
  std::vector<double> tps, cpu;
  for (int r = 0; r < spec.runs; ++r) {
    const double cpu_before = cpu_of(node);
    const IngestResult res = measure_ingest(load);
    out.ok = out.ok && all_in(res, load);
    out.refused_single += res.refused;
    tps.push_back(res.committed_per_s);
    cpu.push_back((cpu_of(node) - cpu_before) * 1e6 / std::max<double>(1, res.committed));
    std::cout << "  one --dev node, " << out.block_ms << " ms blocks, run " << r + 1 << ": " << res.committed
              << " committed in " << res.seconds << " s: " << res.committed_per_s << " tx/s, accepted "
              << res.submit_per_s << " tx/s, " << res.refused << " refused, CPU " << cpu.back() << " us per transfer\n";
  }
  out.single_tps = median(tps);
  out.single_cpu_us = median(cpu);
}

// Blocks decided in a validator's log: how many, how many past round 0, the largest.
void read_decisions(const std::string& log, Setting& out) {
  static const std::regex decided(R"(INFO  block (\d+) 0x[0-9a-f]+ txs (\d+) round (\d+) precommits)");
  out.heights = out.late_heights = out.largest_block = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), decided), end; it != end; ++it) {
    ++out.heights;
    if (std::stoull((*it)[3].str()) > 0) ++out.late_heights;
    out.largest_block = std::max<uint64_t>(out.largest_block, std::stoull((*it)[2].str()));
  }
}

// Every validator holds the same block at every height they all have.
bool same_blocks(const std::vector<std::string>& urls) {
  uint64_t common = UINT64_MAX;
  for (const auto& u : urls) common = std::min(common, height_of(u));
  std::vector<std::unique_ptr<wallet::RpcClient>> clients;
  for (const auto& u : urls) clients.push_back(std::make_unique<wallet::RpcClient>(u));
  for (uint64_t h = 1; h <= common; ++h) {
    std::string first;
    for (auto& c : clients) {
      const std::string hash(c->call("chain_getBlock", json::object{{"height", h}}).at("hash").as_string());
      if (first.empty()) first = hash;
      if (hash != first) {
        std::cout << "  validators differ at height " << h << "\n";
        return false;
      }
    }
  }
  return true;
}

// The validators of `vestd testnet`: finality at light load, then saturation.
void measure_network(const ConsensusSpec& spec, uint64_t block_ms_flag, Setting& out) {
  const fs::path net = spec.dir / "net";
  fs::remove_all(net);
  std::mt19937 rng(std::random_device{}());
  const unsigned base = free_port_block(2 * spec.validators, 20000 + rng() % 30000);
  run_program(spec.vestd,
              {"testnet", "--dir", net.string(), "--validators", std::to_string(spec.validators), "--full-nodes", "0",
               "--base-port", std::to_string(base), "--genesis-template", spec.genesis},
              spec.dir / "testnet.log");
  std::vector<std::unique_ptr<VestdProcess>> nodes;
  std::vector<std::string> urls;
  for (unsigned i = 0; i < spec.validators; ++i) {
    const std::string name = "validator" + std::to_string(i);
    std::vector<std::string> args{"--config", (net / name / "vestd.toml").string()};
    if (block_ms_flag > 0) args.insert(args.end(), {"--block-time-ms", std::to_string(block_ms_flag)});
    nodes.push_back(std::make_unique<VestdProcess>(spec.vestd, args, spec.dir / (name + ".log")));
    urls.push_back(nodes.back()->url());
  }
  // Each validator sees every other and the chain moves before anything is sent.
  const auto starting = Clock::now();
  for (const auto& u : urls) {
    for (;;) {
      const json::value st = status_of(u);
      if (st.at("p2p").at("peers").to_number<uint64_t>() + 1 >= spec.validators &&
          st.at("height").to_number<uint64_t>() >= 1)
        break;
      if (seconds_since(starting) > 60) throw std::runtime_error("the validators did not connect and decide in 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const json::value st = status_of(urls.front());
  const uint64_t chain_id = st.at("chainId").to_number<uint64_t>();
  const Amount fee = *parse_decimal(std::string(st.at("minFee").as_string()));
  if (!timed_transfers(urls, chain_id, fee, 1, 1, 0, 0).all_committed)
    throw std::runtime_error("the first transfer did not commit");

  std::vector<double> p50s, p99s, mins;
  for (int r = 0; r < spec.runs; ++r) {
    const TimedTransfers t = timed_transfers(urls, chain_id, fee, spec.clients, spec.txs, out.block_ms, r * 1000 + 1);
    out.ok = out.ok && t.all_committed;
    p50s.push_back(percentile(t.ms, 50));
    p99s.push_back(percentile(t.ms, 99));
    mins.push_back(t.ms.empty() ? 0 : *std::min_element(t.ms.begin(), t.ms.end()));
    std::cout << "  " << spec.validators << " validators, " << out.block_ms << " ms timeout_commit, light load, run "
              << r + 1 << ": " << t.ms.size() << " final, fastest " << mins.back() << " ms, median " << p50s.back()
              << " ms, p99 " << p99s.back() << " ms, slowest " << percentile(t.ms, 100) << " ms\n";
  }
  out.p50_ms = median(p50s);
  out.p99_ms = median(p99s);
  out.min_ms = median(mins);

  const IngestSpec load = load_of(spec, urls);
  std::vector<double> tps, cpu, bpm;
  for (int r = 0; r < spec.runs; ++r) {
    const double cpu_before = cpu_of(nodes);
    const uint64_t h0 = height_of(urls.front());
    const IngestResult res = measure_ingest(load);
    const uint64_t h1 = height_of(urls.front());
    out.ok = out.ok && all_in(res, load);
    out.refused_net += res.refused;
    tps.push_back(res.committed_per_s);
    cpu.push_back((cpu_of(nodes) - cpu_before) * 1e6 / std::max<double>(1, res.committed));
    bpm.push_back(static_cast<double>(h1 - h0) * 60 / res.seconds);
    std::cout << "  " << spec.validators << " validators, " << out.block_ms << " ms timeout_commit, saturated, run "
              << r + 1 << ": " << res.committed << " committed in " << res.seconds << " s: " << res.committed_per_s
              << " tx/s, accepted " << res.submit_per_s << " tx/s, " << res.refused << " refused, " << h1 - h0
              << " blocks, CPU " << cpu.back()
              << " us per transfer (all validators)\n";
  }
  out.net_tps = median(tps);
  out.net_cpu_us = median(cpu);
  out.blocks_per_min = median(bpm);
  read_decisions(nodes.front()->log_text(), out);
  const bool agreed = same_blocks(urls);
  out.ok = out.ok && agreed;
  std::cout << "  " << out.heights << " heights decided, " << out.late_heights << " of them past round 0, largest block "
            << out.largest_block << " transfers; validators hold the same blocks: " << (agreed ? "yes" : "NO") << "\n";
}

}  // namespace

int run_consensus(const ConsensusSpec& spec) {
  fs::remove_all(spec.dir);
  fs::create_directories(spec.dir);
  std::vector<uint64_t> flags{0};
  if (spec.short_commit_ms > 0) flags.push_back(spec.short_commit_ms);
  std::cout << "consensus: " << spec.validators << " validators (vestd testnet) and one vestd --dev node on 127.0.0.1, "
            << "one after the other on this machine; light load " << spec.clients << " clients, "
            << spec.txs << " transfers per run, each after a pause of up to one block time; saturation " << spec.load_txs
            << " transfers from " << spec.load_clients << " clients; medians of " << spec.runs << " runs\n";
  std::vector<Setting> settings;
  for (uint64_t flag : flags) {
    Setting s;
    s.recover_all = measure_recovery(spec.recover_count, 1).all_cores;
    measure_single(spec, flag, s);
    measure_network(spec, flag, s);
    settings.push_back(s);
  }

  bool ok = true;
  std::cout << "\n  timeout_commit | finality p50 | p99     | fastest | committed tx/s: one node | " << spec.validators
            << " validators | ratio | blocks/min saturated | CPU us/transfer: one node | validators\n";
  for (const Setting& s : settings) {
    char line[400];
    std::snprintf(line, sizeof line,
                  "  %9llu ms   | %9.0f ms | %4.0f ms | %4.0f ms | %24.0f | %12.0f | %5.3f | %20.0f | %25.0f | %10.0f\n",
                  static_cast<unsigned long long>(s.block_ms), s.p50_ms, s.p99_ms, s.min_ms, s.single_tps, s.net_tps,
                  s.net_tps / s.single_tps, s.blocks_per_min, s.single_cpu_us, s.net_cpu_us);
    std::cout << line;
    ok = ok && s.ok;
  }
  std::cout << "  all-core recovery rate before each setting:";
  for (const Setting& s : settings) std::cout << " " << static_cast<long>(s.recover_all) << "/s";
  std::cout << " (how much of the machine the run had)\n";
  for (const Setting& s : settings)
    std::cout << "RESULT consensus validators=" << spec.validators << " commit_ms=" << s.block_ms
              << " p50_ms=" << s.p50_ms << " p99_ms=" << s.p99_ms << " min_ms=" << s.min_ms
              << " single_tps=" << s.single_tps << " net_tps=" << s.net_tps << " ratio=" << s.net_tps / s.single_tps
              << " blocks_per_min=" << s.blocks_per_min << " single_cpu_us=" << s.single_cpu_us
              << " net_cpu_us=" << s.net_cpu_us << " recover_all=" << s.recover_all << " refused_single=" << s.refused_single
              << " refused_net=" << s.refused_net << " late_heights=" << s.late_heights << " heights=" << s.heights
              << " ok=" << (s.ok ? 1 : 0) << "\n";
  return ok ? 0 : 1;
}

}  // namespace vest::bench
