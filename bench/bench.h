// Shared pieces of the benchmarks: timing, medians, memory, the bench genesis
// and its keys. See docs/benchmarks.md for what each benchmark measures.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "chain/genesis.h"
#include "chain/secp256k1.h"

namespace vest::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Median of `v` (the mean of the middle two for an even count); 0 when empty.
double median(std::vector<double> v);
// The q-th percentile (0 < q <= 100) of `v` by nearest rank; 0 when empty.
double percentile(std::vector<double> v, double q);

// Resident set size and its peak of a process, in MiB, from /proc; -1 when unknown.
double rss_mib(int pid = 0);
double peak_rss_mib(int pid = 0);

// Keys of the bench senders: keccak256("vestchain bench sender <i>").
PrivateKey sender_key(size_t i);
// Addresses of the bench filler accounts (no key): the last 20 bytes of
// keccak256("vestchain bench account <i>").
Address filler_address(size_t i);

struct BenchGenesis {
  size_t senders = 2000;   // funded with 1e6 VEST and 1e6 USDV each
  size_t accounts = 0;     // filler accounts holding 1 VEST each
};

// genesis/devnet.json (`base_path`) with the bench accounts added and a treasury
// large enough for a million purchases. Fails with a message on a bad base.
Genesis make_genesis(const std::string& base_path, const BenchGenesis& spec, std::vector<PrivateKey>& keys);

// Builds `count` items on every core: make(i) builds item i.
template <class T, class F>
std::vector<T> parallel_build(size_t count, F make) {
  std::vector<T> out(count);
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < count; i += n) out[i] = make(i);
    });
  for (auto& th : threads) th.join();
  return out;
}

// A signed transfer of 1 base unit of VEST from `key` to `to`, encoded.
Bytes sign_transfer(const PrivateKey& key, uint64_t chain_id, uint64_t nonce, Amount fee, const Address& to);

// One line of the report: "<name>  <value> <unit>  <note>".
void report(const std::string& name, double value, const std::string& unit, const std::string& note = "");

}  // namespace vest::bench
