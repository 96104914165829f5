// vest_bench: the benchmarks behind `make bench` (bench/run.sh drives them).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "bench/consensus.h"
#include "bench/execute.h"
#include "bench/ingest.h"
#include "bench/network.h"

using namespace vest::bench;

namespace {

int cmd_recover(size_t count, int runs) {
  RecoverRates r = measure_recovery(count, runs);
  std::cout << "signature recovery (libsecp256k1), median of " << runs << " runs of " << count << "\n";
  report("recover, 1 thread", r.one_thread, "recoveries/s");
  report("recover, " + std::to_string(r.cores) + " threads", r.all_cores, "recoveries/s");
  std::cout << "RESULT recover one=" << r.one_thread << " all=" << r.all_cores << " cores=" << r.cores << "\n";
  return 0;
}

int cmd_execute(const ExecuteSpec& spec, size_t recover_count) {
  RecoverRates r = measure_recovery(recover_count, 3);
  ExecuteResult e = run_execute(spec);
  const char* mix = spec.mix == Mix::kTransfer ? "transfers" : spec.mix == Mix::kSale ? "sale mix" : "purchases";
  std::cout << "block execution: " << spec.txs << " " << mix << ", " << spec.accounts << " accounts, blocks of "
            << spec.block_txs << (spec.admitted ? ", admitted first (cache warm)" : ", not seen before") << "\n";
  double rate = e.included / e.seconds;
  double block_median = median(e.block_rates);
  report("genesis build", e.genesis_seconds, "s");
  report("store compaction after genesis", e.compact_seconds, "s");
  report("recover, " + std::to_string(r.cores) + " threads (same run)", r.all_cores, "recoveries/s");
  report("committed", rate, "tx/s", std::to_string(e.included) + " included, " + std::to_string(e.dropped) + " dropped");
  report("committed, median block", block_median, "tx/s");
  report("cost per transaction", 1e6 / block_median, "us");
  report("producer CPU per transaction (apply + commit)", median(e.produce_cpu_us), "us");
  report("ratio committed / all-core recovery", block_median / r.all_cores, "x", "target >= 0.7");
  report("peak resident memory", e.peak_rss_mib, "MiB");
  std::cout << "RESULT execute txs_per_s=" << block_median << " us_per_tx=" << 1e6 / block_median
            << " recover_all=" << r.all_cores << " ratio=" << block_median / r.all_cores
            << " rss_mib=" << e.peak_rss_mib << " produce_cpu_us=" << median(e.produce_cpu_us) << "\n";
  return e.included == spec.txs ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vestchain benchmarks"};
  app.require_subcommand(1);

  size_t count = 20000;
  int runs = 5;
  auto* rec = app.add_subcommand("recover", "libsecp256k1 recovery rate, one thread and all cores");
  rec->add_option("--count", count, "signatures per run");
  rec->add_option("--runs", runs, "runs (the median is reported)");

  ExecuteSpec spec;
  std::string mix = "transfer";
  auto* exe = app.add_subcommand("execute", "pre-signed transactions verified, applied and committed");
  exe->add_option("--genesis", spec.genesis_path, "base genesis (the devnet's)");
  exe->add_option("--datadir", spec.datadir, "data directory (emptied first)")->required();
  exe->add_option("--write-genesis", spec.write_genesis, "write the bench genesis to this file");
  exe->add_option("--senders", spec.senders, "funded senders");
  exe->add_option("--accounts", spec.accounts, "filler accounts in state");
  exe->add_option("--txs", spec.txs, "transactions");
  exe->add_option("--block-txs", spec.block_txs, "transactions per block");
  exe->add_option("--block-seconds", spec.block_seconds, "block time step");
  exe->add_option("--threads", spec.threads, "verification threads (0: one per core)");
  exe->add_flag("--admitted", spec.admitted, "pass every transaction through admission first");
  exe->add_option("--recover-count", count, "signatures for the recovery figure of the same run");
  exe->add_option("--mix", mix, "transfer | sale | purchase")->check(CLI::IsMember({"transfer", "sale", "purchase"}));

  std::string genesis_out;
  BenchGenesis gen_spec;
  std::string gen_base = "genesis/devnet.json";
  auto* gen = app.add_subcommand("genesis", "write the bench genesis (devnet plus bench accounts)");
  gen->add_option("--base", gen_base, "base genesis (the devnet's)");
  gen->add_option("--senders", gen_spec.senders, "funded senders");
  gen->add_option("--accounts", gen_spec.accounts, "filler accounts");
  gen->add_option("--out", genesis_out, "output file")->required();

  size_t sender_index = 0;
  bool filler = false;
  auto* snd = app.add_subcommand("sender", "print the address of bench sender I (or filler account I)");
  snd->add_option("index", sender_index, "I")->required();
  snd->add_flag("--filler", filler, "a filler account instead of a sender");

  IngestSpec ingest;
  auto* ing = app.add_subcommand("ingest", "signed transfers over JSON-RPC until committed");
  ing->add_option("--url", ingest.url, "http://HOST:PORT of the node")->required();
  ing->add_option("--dialect", ingest.dialect, "vest | eth")->check(CLI::IsMember({"vest", "eth"}));
  ing->add_option("--clients", ingest.clients, "concurrent keep-alive connections");
  ing->add_option("--senders", ingest.senders, "bench senders to sign with");
  ing->add_option("--txs", ingest.txs, "transactions");
  ing->add_option("--chain-id", ingest.chain_id, "chain id to sign for");

  SyncSpec sync;
  auto* syn = app.add_subcommand("sync", "a full node syncing a chain from a validator (vestd processes on loopback)");
  syn->add_option("--vestd", sync.vestd, "the vestd program");
  syn->add_option("--genesis", sync.genesis, "the chain's genesis (execute --write-genesis)")->required();
  syn->add_option("--chain", sync.chain, "the validator's data directory holding the chain (execute --datadir)")
      ->required();
  syn->add_option("--datadir", sync.datadir, "the full node's data directory (emptied before each run)")->required();
  syn->add_option("--runs", sync.runs, "full nodes synced in turn (the median is reported)");
  syn->add_option("--recover-count", sync.recover_count, "signatures for the recovery figure of the same run");

  GossipSpec gossip;
  auto* gos = app.add_subcommand("gossip", "time from tx_submit at a full node to its commit there");
  gos->add_option("--vestd", gossip.vestd, "the vestd program");
  gos->add_option("--genesis", gossip.genesis, "genesis with the bench senders (vest_bench genesis)")->required();
  gos->add_option("--dir", gossip.dir, "folder for both nodes' data directories (emptied first)")->required();
  gos->add_option("--block-time-ms", gossip.block_time_ms, "the validator's block time (default: the genesis value)");
  gos->add_option("--txs", gossip.txs, "transactions per run");
  gos->add_option("--clients", gossip.clients, "concurrent clients, one sender each");
  gos->add_option("--runs", gossip.runs, "runs (medians are reported)");

  ConsensusSpec cons;
  auto* con = app.add_subcommand("consensus", "validators of vestd testnet against one --dev node: finality, throughput");
  con->add_option("--vestd", cons.vestd, "the vestd program");
  con->add_option("--genesis", cons.genesis, "genesis with the bench senders (vest_bench genesis)")->required();
  con->add_option("--dir", cons.dir, "folder for the networks and logs (emptied first)")->required();
  con->add_option("--validators", cons.validators, "validators of the network")->check(CLI::Range(1u, 10u));
  con->add_option("--short-commit-ms", cons.short_commit_ms,
                  "block time (timeout_commit) of the second setting; 0: only the genesis's");
  con->add_option("--txs", cons.txs, "light load: transfers per run");
  con->add_option("--clients", cons.clients, "light load: clients, one transfer at a time each");
  con->add_option("--load-txs", cons.load_txs, "saturation: transfers per run");
  con->add_option("--load-clients", cons.load_clients, "saturation: keep-alive clients");
  con->add_option("--senders", cons.senders, "saturation: bench senders to sign with");
  con->add_option("--runs", cons.runs, "runs of each figure (medians are reported)");
  con->add_option("--recover-count", cons.recover_count, "signatures for the recovery rate before each setting");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*rec) return cmd_recover(count, runs);
    if (*exe) {
      spec.mix = mix == "transfer" ? Mix::kTransfer : mix == "sale" ? Mix::kSale : Mix::kPurchase;
      return cmd_execute(spec, count);
    }
    if (*ing) return run_ingest(ingest);
    if (*syn) return run_sync(sync);
    if (*gos) return run_gossip(gossip);
    if (*con) return run_consensus(cons);
    if (*snd) {
      std::cout << vest::to_checksum(filler ? filler_address(sender_index) : vest::address_of(sender_key(sender_index)))
                << "\n";
      return 0;
    }
    if (*gen) {
      std::vector<vest::PrivateKey> keys;
      std::ofstream(genesis_out) << boost::json::serialize(make_genesis(gen_base, gen_spec, keys).doc);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "vest_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
