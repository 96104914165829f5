// Block sync and transaction gossip between real vestd processes on 127.0.0.1.
#include "bench/network.h"

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

#include "bench/bench.h"
#include "bench/execute.h"
#include "bench/vestd_process.h"
#include "wallet/rpc_client.h"

namespace vest::bench {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

uint64_t head_height(wallet::RpcClient& node) { return node.call("node_status").at("height").to_number<uint64_t>(); }

std::string head_hash(wallet::RpcClient& node) {
  return std::string(node.call("node_status").at("headHash").as_string());
}

struct SyncRun {
  double total_s = 0;         // from starting the full node to its reaching the head
  double steady_s = 0;        // from its first imported block to the head
  uint64_t steady_blocks = 0;  // blocks imported in steady_s
  uint64_t steady_txs = 0;
  double full_cpu_s = 0;       // CPU time of the full node, start-up included
  double validator_cpu_s = 0;  // CPU time of the validator serving the blocks
  double recover_all = 0;      // all-core recovery rate measured just before
};

}  // namespace

TimedTransfers timed_transfers(const std::vector<std::string>& urls, uint64_t chain_id, Amount fee, size_t clients,
                               size_t txs, uint64_t pause_ms, uint64_t seed) {
  clients = std::max<size_t>(1, clients);
  std::vector<std::vector<double>> per_client(clients);
  std::vector<std::string> errors(clients);
  std::vector<char> refused(clients, 0);
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      try {
        wallet::RpcClient client(urls[c % urls.size()], std::chrono::seconds(120));
        const PrivateKey key = sender_key(c);
        const Address to = address_of(sender_key(c + clients));
        uint64_t nonce = client.call("account_get", json::object{{"address", to_hex_0x(address_of(key).view())}})
                             .at("nonce").to_number<uint64_t>();
        std::mt19937_64 rng(seed + c);
        std::uniform_int_distribution<uint64_t> pause(0, pause_ms);
        for (size_t i = c; i < txs; i += clients) {
          std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
          const std::string raw = to_hex_0x(sign_transfer(key, chain_id, nonce++, fee, to));
          const auto sent = Clock::now();
          json::value r = client.call("tx_submit", json::object{{"raw", raw}, {"wait", true}});
          const double ms = seconds_since(sent) * 1e3;
          if (r.at("status").as_string() == "committed") per_client[c].push_back(ms);
          else refused[c] = 1;
        }
      } catch (const std::exception& e) {
        errors[c] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  TimedTransfers out;
  for (size_t c = 0; c < clients; ++c) {
    if (!errors[c].empty()) std::cerr << "client " << c << ": " << errors[c] << "\n";
    out.all_committed = out.all_committed && errors[c].empty() && !refused[c];
    out.ms.insert(out.ms.end(), per_client[c].begin(), per_client[c].end());
  }
  return out;
}

int run_sync(const SyncSpec& spec) {
  const fs::path logs = spec.datadir.parent_path();
  VestdProcess validator(spec.vestd, {"--dev", "--genesis", spec.genesis, "--datadir", spec.chain.string(), "--p2p",
                                      "127.0.0.1:0"},
                         logs / "sync-validator.log");
  wallet::RpcClient source(validator.url());
  const uint64_t target = head_height(source);
  const std::string target_hash = head_hash(source);
  if (target == 0) throw std::runtime_error(spec.chain.string() + " holds no blocks to sync");
  std::vector<uint64_t> txs_at(target + 1, 0);  // transactions of each block
  uint64_t total_txs = 0;
  for (uint64_t h = 1; h <= target; ++h) {
    txs_at[h] = source.call("chain_getBlock", json::object{{"height", h}}).at("transactions").as_array().size();
    total_txs += txs_at[h];
  }
  const std::string peer = validator.peer_arg();

  std::cout << "block sync: " << total_txs << " signed transfers in " << target << " blocks, a full node syncing "
            << "from a validator on 127.0.0.1\n";
  std::vector<SyncRun> runs;
  bool all_synced = true;
  for (int r = 0; r < spec.runs; ++r) {
    fs::remove_all(spec.datadir);
    SyncRun run;
    // The ceiling on this machine at this moment (both nodes idle), so that
    // each run's ratio compares figures taken under the same conditions.
    run.recover_all = measure_recovery(spec.recover_count, 1).all_cores;
    const double validator_cpu_before = validator.cpu_seconds();
    const auto spawned = Clock::now();
    VestdProcess full(spec.vestd, {"--genesis", spec.genesis, "--datadir", spec.datadir.string(), "--peer", peer},
                      logs / ("sync-full-" + std::to_string(r) + ".log"));
    wallet::RpcClient node(full.url());
    uint64_t first_height = 0;
    Clock::time_point first_at;
    for (uint64_t h = head_height(node);; h = head_height(node)) {
      if (h > 0 && first_height == 0) {
        first_height = h;
        first_at = Clock::now();
      }
      if (h >= target) break;
      if (seconds_since(spawned) > 900) throw std::runtime_error("the full node did not sync within 900 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto done = Clock::now();
    run.total_s = std::chrono::duration<double>(done - spawned).count();
    run.steady_s = std::chrono::duration<double>(done - first_at).count();
    run.steady_blocks = target - first_height;
    for (uint64_t h = first_height + 1; h <= target; ++h) run.steady_txs += txs_at[h];
    run.full_cpu_s = full.cpu_seconds();
    run.validator_cpu_s = validator.cpu_seconds() - validator_cpu_before;
    const bool same = head_hash(node) == target_hash;
    all_synced = all_synced && same;
    full.stop();
    std::cout << "  run " << r + 1 << ": synced in " << run.total_s << " s from start"
              << (same ? "" : " (HEAD DIFFERS)") << "; blocks " << first_height + 1 << ".." << target << " in "
              << run.steady_s << " s (recovery just before: " << run.recover_all << "/s); CPU: full node "
              << run.full_cpu_s << " s, validator " << run.validator_cpu_s << " s\n";
    runs.push_back(run);
  }
  fs::remove_all(spec.datadir);

  std::vector<double> bps, tps, total, full_cpu, val_cpu, recover, ratios;
  for (const SyncRun& r : runs) {
    const double steady = r.steady_blocks > 0 && r.steady_s > 0 ? r.steady_s : r.total_s;
    bps.push_back(r.steady_blocks > 0 ? r.steady_blocks / steady : target / r.total_s);
    tps.push_back(r.steady_blocks > 0 ? r.steady_txs / steady : total_txs / r.total_s);
    total.push_back(r.total_s);
    full_cpu.push_back(r.full_cpu_s * 1e6 / total_txs);
    val_cpu.push_back(r.validator_cpu_s * 1e6 / total_txs);
    recover.push_back(r.recover_all);
    ratios.push_back(tps.back() / r.recover_all);
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  report("synced, median of " + std::to_string(runs.size()), median(tps), "tx/s", "after the first block");
  report("synced", median(bps), "blocks/s");
  report("from starting the full node to the head", median(total), "s");
  report("recover, " + std::to_string(cores) + " threads (before each run)", median(recover), "recoveries/s");
  report("ratio synced / all-core recovery", median(ratios), "x", "median of the runs' ratios; goal >= 0.5");
  report("full node CPU per transaction", median(full_cpu), "us", "start-up included");
  report("validator CPU per transaction", median(val_cpu), "us", "serving the blocks");
  std::cout << "RESULT sync blocks=" << target << " txs=" << total_txs << " blocks_per_s=" << median(bps)
            << " txs_per_s=" << median(tps) << " total_s=" << median(total) << " recover_all=" << median(recover)
            << " ratio=" << median(ratios) << " full_cpu_us=" << median(full_cpu)
            << " validator_cpu_us=" << median(val_cpu) << "\n";
  return all_synced ? 0 : 1;
}

int run_gossip(const GossipSpec& spec) {
  fs::remove_all(spec.dir);
  fs::create_directories(spec.dir);
  std::vector<std::string> validator_args{"--dev", "--genesis", spec.genesis, "--datadir",
                                          (spec.dir / "validator").string(), "--p2p", "127.0.0.1:0"};
  if (spec.block_time_ms > 0)
    validator_args.insert(validator_args.end(), {"--block-time-ms", std::to_string(spec.block_time_ms)});
  VestdProcess validator(spec.vestd, validator_args, spec.dir / "validator.log");
  VestdProcess full(spec.vestd, {"--genesis", spec.genesis, "--datadir", (spec.dir / "full").string(), "--peer",
                                 validator.peer_arg()},
                    spec.dir / "full.log");
  wallet::RpcClient control(full.url());
  wallet::RpcClient validator_rpc(validator.url());
  const json::value status = control.call("node_status");
  const uint64_t chain_id = status.at("chainId").to_number<uint64_t>();
  const Amount fee = *parse_decimal(std::string(status.at("minFee").as_string()));
  const uint64_t block_ms =
      spec.block_time_ms > 0 ? spec.block_time_ms : status.at("blockTimeMs").to_number<uint64_t>();
  // Both sides see each other before anything is sent: a full node relays
  // what it admits to the peers it has then.
  const auto connecting = Clock::now();
  auto peers_of = [](wallet::RpcClient& c) {
    return c.call("node_status").at("p2p").at("peers").to_number<uint64_t>();
  };
  while (peers_of(control) == 0 || peers_of(validator_rpc) == 0) {
    if (seconds_since(connecting) > 30) throw std::runtime_error("the full node did not connect to the validator");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  const size_t clients = std::max<size_t>(1, spec.clients);
  const std::vector<std::string> urls{full.url()};
  if (!timed_transfers(urls, chain_id, fee, 1, 1, 0, 0).all_committed)
    throw std::runtime_error("the first transfer did not commit");

  std::cout << "gossip: tx_submit {wait: true} at a full node until committed there, validator block time "
            << block_ms << " ms, " << clients << " clients, each pausing up to " << block_ms << " ms between "
            << "transfers\n";
  std::vector<double> p50s, p99s, mins;
  bool all_committed = true;
  for (int run = 0; run < spec.runs; ++run) {
    const TimedTransfers t = timed_transfers(urls, chain_id, fee, clients, spec.txs, block_ms, run * 1000);
    all_committed = all_committed && t.all_committed;
    p50s.push_back(percentile(t.ms, 50));
    p99s.push_back(percentile(t.ms, 99));
    mins.push_back(t.ms.empty() ? 0 : *std::min_element(t.ms.begin(), t.ms.end()));
    std::cout << "  run " << run + 1 << ": " << t.ms.size() << " committed, fastest " << mins.back() << " ms, median "
              << p50s.back() << " ms, p99 " << p99s.back() << " ms, slowest " << percentile(t.ms, 100) << " ms\n";
  }
  report("submit to commit at the full node, median", median(p50s), "ms");
  report("submit to commit at the full node, p99", median(p99s), "ms");
  report("submit to commit at the full node, fastest", median(mins), "ms");
  std::cout << "RESULT gossip block_ms=" << block_ms << " p50_ms=" << median(p50s) << " p99_ms=" << median(p99s)
            << " min_ms=" << median(mins) << "\n";
  return all_committed ? 0 : 1;
}

}  // namespace vest::bench
