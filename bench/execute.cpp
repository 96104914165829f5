// The ceiling (signature recovery) and block execution: pre-signed
// transactions verified on the pool, applied and committed to LevelDB.
#include "bench/execute.h"

#include <time.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <thread>

#include "chain/chain.h"
#include "chain/keccak.h"
#include "contracts/bank/messages.h"
#include "contracts/native.h"
#include "contracts/sale/messages.h"
#include "contracts/vesting/messages.h"
#include "node/verify_pool.h"

namespace vest::bench {

namespace {

struct Signed {
  Hash digest;
  Signature sig;
};

// Recoveries per second over `items` on `threads` threads.
double recover_rate(const std::vector<Signed>& items, unsigned threads) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(64)) < items.size();)
        for (size_t j = i; j < std::min(items.size(), i + 64); ++j) {
          Address a;
          if (recover(items[j].digest, items[j].sig, a) != SigError::kOk) ++failures;
        }
    });
  for (auto& th : pool) th.join();
  double secs = seconds_since(start);
  if (failures) throw std::runtime_error("recovery failed in the benchmark");
  return items.size() / secs;
}

// CPU time of the calling thread: what building a block costs whatever the
// other threads (or other programs) do meanwhile.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

RecoverRates measure_recovery(size_t count, int runs) {
  auto items = parallel_build<Signed>(count, [](size_t i) {
    PrivateKey key = sender_key(i % 64);
    Hash digest = keccak256(as_bytes("recover " + std::to_string(i)));
    return Signed{digest, sign(key, digest)};
  });
  std::vector<double> one, all;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (int r = 0; r < runs; ++r) {
    one.push_back(recover_rate(items, 1));
    all.push_back(recover_rate(items, cores));
  }
  return RecoverRates{median(one), median(all), cores};
}

namespace {

// One transaction of the workload: mix kSale interleaves transfers (6 in 10),
// Starter purchases (3 in 10) and claims (1 in 10); kPurchase is purchases only.
Transaction make_tx(const ExecuteSpec& spec, const Genesis& g, size_t i, uint64_t nonce, std::mt19937_64& rng) {
  Transaction tx;
  tx.chain_id = g.params.chain_id;
  tx.nonce = nonce;
  tx.fee = g.params.min_fee;
  size_t slot = i % 10;
  bool purchase = spec.mix == Mix::kPurchase || (spec.mix == Mix::kSale && slot >= 6 && slot <= 8);
  bool claim = spec.mix == Mix::kSale && slot == 9;
  if (purchase) {
    sale::Purchase p{1, 1, 100'000'000, std::nullopt};
    tx.kind = sale::kPurchaseKind;
    tx.payload = p.encode();
  } else if (claim) {
    tx.kind = vesting::kClaimKind;
    tx.payload = vesting::Claim{}.encode();
  } else {
    Address to = spec.accounts > 0 ? filler_address(rng() % spec.accounts) : address_of(sender_key(rng() % spec.senders));
    tx.kind = bank::kTransferKind;
    tx.payload = bank::Transfer{to, "VEST", 1}.encode();
  }
  return tx;
}

}  // namespace

ExecuteResult run_execute(const ExecuteSpec& spec) {
  std::vector<PrivateKey> keys;
  auto t0 = Clock::now();
  Genesis g = make_genesis(spec.genesis_path, BenchGenesis{spec.senders, spec.accounts}, keys);
  if (!spec.write_genesis.empty()) {
    std::ofstream(spec.write_genesis) << boost::json::serialize(g.doc);
  }

  NativeContracts contracts;
  Executor executor(g.params);
  contracts.register_with(executor);
  std::string error;
  std::filesystem::remove_all(spec.datadir);
  auto chain = Chain::open(spec.datadir, g, executor, error);
  if (!chain) throw std::runtime_error(error);
  const PrivateKey validator_key = *PrivateKey::from(keccak256(as_bytes("vestchain devnet validator")).view());
  if (!g.params.validators.contains(address_of(validator_key)) || g.params.validators.size() != 1) throw std::runtime_error("the base genesis is not the devnet's");
  ExecuteResult res;
  res.genesis_seconds = seconds_since(t0);
  // The genesis went in as one batch; a live chain's state grew block by block
  // with compactions in between. Measure from that steady state.
  t0 = Clock::now();
  chain->store().compact();
  res.compact_seconds = seconds_since(t0);

  // Pre-sign: transaction i comes from sender i % senders, nonces in order.
  auto raws = parallel_build<Bytes>(spec.txs, [&](size_t i) {
    std::mt19937_64 rng(i * 7919 + 1);
    Transaction tx = make_tx(spec, g, i, i / spec.senders, rng);
    tx.sign(keys[i % spec.senders]);
    return tx.encode();
  });

  node::VerifyPool pool(spec.threads, spec.txs);
  const uint64_t max = g.params.max_tx_bytes;
  if (spec.admitted) {
    // Admission (not timed) fills the cache, as tx_submit does.
    parallel_build<int>(spec.txs, [&](size_t i) {
      VerifiedTx v;
      return pool.verify_one(raws[i], g.params.chain_id, max, v).ok() ? 1 : 0;
    });
  }

  auto verify_block = [&](size_t b) {
    size_t begin = b * spec.block_txs, end = std::min(spec.txs, begin + spec.block_txs);
    std::vector<Bytes> part(raws.begin() + begin, raws.begin() + end);
    std::vector<VerifiedTx> out;
    auto statuses = pool.verify(part, g.params.chain_id, max, out);
    for (const Status& s : statuses)
      if (!s.ok()) throw std::runtime_error("a bench transaction failed verification: " + s.message);
    return out;
  };

  const size_t blocks = (spec.txs + spec.block_txs - 1) / spec.block_txs;
  uint64_t time = chain->head().time;
  auto start = Clock::now();
  // Block b+1 is verified on the pool while block b executes.
  std::future<std::vector<VerifiedTx>> next = std::async(std::launch::async, verify_block, 0);
  for (size_t b = 0; b < blocks; ++b) {
    auto block_start = Clock::now();
    std::vector<VerifiedTx> txs = next.get();
    if (b + 1 < blocks) next = std::async(std::launch::async, verify_block, b + 1);
    time += spec.block_seconds;
    const double cpu_before = thread_cpu_seconds();
    Proposal out = chain->propose(txs, {}, time, address_of(validator_key));
    out.executed.block.sig = sign(validator_key, block_signing_digest(out.executed.hash()));
    Vote vote{VoteType::kPrecommit, out.executed.header().height, 0, out.executed.hash(), time, g.params.chain_id};
    out.executed.certificate =
        Certificate{vote.height, 0, vote.block_hash, {CommitSig{time, sign(validator_key, vote.signing_digest())}}};
    if (!chain->commit(out.executed, error)) throw std::runtime_error(error);
    if (b > 0 || blocks == 1) res.produce_cpu_us.push_back((thread_cpu_seconds() - cpu_before) * 1e6 / txs.size());
    res.included += out.executed.txs.size();
    res.dropped += out.dropped.size();
    if (b > 0 || blocks == 1) res.block_rates.push_back(txs.size() / seconds_since(block_start));
  }
  res.seconds = seconds_since(start);
  res.cache_hits = pool.cache_hits();
  res.peak_rss_mib = peak_rss_mib();
  return res;
}

}  // namespace vest::bench
