#include "bench/bench.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"

namespace vest::bench {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(q / 100 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

namespace {

double proc_status_mib(int pid, const std::string& field) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream s(line.substr(field.size() + 1));
      double kib = 0;
      s >> kib;
      return kib / 1024;
    }
  }
  return -1;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

double rss_mib(int pid) { return proc_status_mib(pid, "VmRSS"); }
double peak_rss_mib(int pid) { return proc_status_mib(pid, "VmHWM"); }

PrivateKey sender_key(size_t i) {
  return *PrivateKey::from(keccak256(as_bytes("vestchain bench sender " + std::to_string(i))).view());
}

Address filler_address(size_t i) {
  Hash h = keccak256(as_bytes("vestchain bench account " + std::to_string(i)));
  return *Address::from(h.view().subspan(12));
}

Genesis make_genesis(const std::string& base_path, const BenchGenesis& spec, std::vector<PrivateKey>& keys) {
  namespace js = boost::json;
  Genesis g;
  std::string error;
  if (!parse_genesis(read_text(base_path), g, error)) throw std::runtime_error(base_path + ": " + error);
  js::array& balances = g.doc["bank"].as_object()["balances"].as_array();
  const std::string treasury(g.doc["sale"].as_object()["treasury"].as_string());
  for (auto& b : balances) {
    js::object& o = b.as_object();
    if (o["address"].as_string() == treasury) o["amounts"].as_object()["VEST"] = "1000000000000000000000000000000";
  }
  keys = parallel_build<PrivateKey>(spec.senders, sender_key);
  const std::vector<Address> senders = parallel_build<Address>(spec.senders, [&](size_t i) { return address_of(keys[i]); });
  balances.reserve(balances.size() + spec.senders + spec.accounts);
  for (const Address& a : senders)
    balances.push_back(js::object{{"address", to_checksum(a)},
                                  {"amounts", js::object{{"VEST", "1000000000000000000000000"}, {"USDV", "1000000000000"}}}});
  for (size_t i = 0; i < spec.accounts; ++i)
    balances.push_back(js::object{{"address", to_hex_0x(filler_address(i).view())},
                                  {"amounts", js::object{{"VEST", "1000000000000000000"}}}});
  return g;
}

Bytes sign_transfer(const PrivateKey& key, uint64_t chain_id, uint64_t nonce, Amount fee, const Address& to) {
  Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.kind = bank::kTransferKind;
  tx.payload = bank::Transfer{to, "VEST", 1}.encode();
  tx.sign(key);
  return tx.encode();
}

void report(const std::string& name, double value, const std::string& unit, const std::string& note) {
  char buf[64];
  std::snprintf(buf, sizeof buf, value >= 100 ? "%.0f" : "%.2f", value);
  std::cout << "  " << name << std::string(name.size() < 44 ? 44 - name.size() : 1, ' ') << buf << " " << unit;
  if (!note.empty()) std::cout << "   (" << note << ")";
  std::cout << std::endl;
}

}  // namespace vest::bench
