#include "bench/ingest.h"

#include <iostream>
#include <thread>

#include "bench/bench.h"
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "wallet/rpc_client.h"

namespace vest::bench {

namespace json = boost::json;

namespace {

// An integer as big-endian bytes without leading zeros (RLP's integer form).
ByteView trim(const FixedBytes<32>& b) {
  size_t i = 0;
  while (i < 32 && b.bytes[i] == 0) ++i;
  return b.view().subspan(i);
}

// An EIP-155 legacy transfer of 1 wei with gas price 2 gwei.
Bytes sign_eth_transfer(const PrivateKey& key, uint64_t chain_id, uint64_t nonce, const Address& to) {
  const u128 gas_price = 2'000'000'000, gas = 21000, value = 1;
  rlp::Encoder unsigned_tx;
  unsigned_tx.begin_list().uint(nonce).uint(gas_price).uint(gas).fixed(to).uint(value).bytes({});
  unsigned_tx.uint(chain_id).uint(0).uint(0).end_list();
  Signature sig = sign(key, keccak256(unsigned_tx.finish()));
  rlp::Encoder e;
  e.begin_list().uint(nonce).uint(gas_price).uint(gas).fixed(to).uint(value).bytes({});
  e.uint(u128(chain_id) * 2 + 35 + sig.v).bytes(trim(sig.r)).bytes(trim(sig.s)).end_list();
  return e.finish();
}

uint64_t hex_u64(const json::value& v) { return std::stoull(std::string(v.as_string()), nullptr, 16); }

}  // namespace

IngestResult measure_ingest(const IngestSpec& spec) {
  const bool eth = spec.dialect == "eth";
  wallet::RpcClient control(spec.url);
  uint64_t chain_id = spec.chain_id;
  Amount fee = 0;
  if (eth) {
    if (chain_id == 0) chain_id = hex_u64(control.call("eth_chainId", json::array{}));
  } else {
    json::value st = control.call("node_status", json::object{});
    if (chain_id == 0) chain_id = st.at("chainId").to_number<uint64_t>();
    fee = *parse_decimal(std::string(st.at("minFee").as_string()));
  }

  const std::vector<PrivateKey> keys = parallel_build<PrivateKey>(spec.senders, sender_key);
  const std::vector<Address> addrs = parallel_build<Address>(spec.senders, [&](size_t i) { return address_of(keys[i]); });
  if (eth) {
    // An Ethereum dev node knows none of the bench keys: fund them.
    for (const Address& a : addrs)
      control.call("anvil_setBalance", json::array{json::string(to_hex_0x(a.view())), "0x56bc75e2d63100000"});
  }
  std::vector<uint64_t> start_nonce(spec.senders);
  for (size_t s = 0; s < spec.senders; ++s) {
    start_nonce[s] = eth ? hex_u64(control.call("eth_getTransactionCount",
                                                json::array{json::string(to_hex_0x(addrs[s].view())), "latest"}))
                         : control.call("account_get", json::object{{"address", to_hex_0x(addrs[s].view())}})
                               .at("nonce").to_number<uint64_t>();
  }

  // Transaction i: sender i % senders, to the next sender; each client sends the
  // transactions of its own senders, so per-sender nonce order holds.
  const auto raws = parallel_build<std::string>(spec.txs, [&](size_t i) {
    size_t s = i % spec.senders;
    uint64_t nonce = start_nonce[s] + i / spec.senders;
    const Address& to = addrs[(s + 1) % spec.senders];
    Bytes raw = eth ? sign_eth_transfer(keys[s], chain_id, nonce, to)
                    : sign_transfer(keys[s], chain_id, nonce, fee, to);
    return to_hex_0x(raw);
  });

  const std::vector<std::string> urls = spec.submit_urls.empty() ? std::vector<std::string>{spec.url} : spec.submit_urls;
  std::vector<std::string> last_hash(spec.clients);
  std::vector<size_t> refused(spec.clients);
  std::vector<std::string> first_error(spec.clients);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t c = 0; c < spec.clients; ++c)
    threads.emplace_back([&, c] {
      wallet::RpcClient client(urls[c % urls.size()]);
      for (size_t i = 0; i < spec.txs; ++i) {
        if ((i % spec.senders) % spec.clients != c) continue;
        try {
          json::value r = eth ? client.call("eth_sendRawTransaction", json::array{json::string(raws[i])})
                              : client.call("tx_submit", json::object{{"raw", raws[i]}});
          last_hash[c] = eth ? std::string(r.as_string()) : std::string(r.at("hash").as_string());
        } catch (const std::exception& e) {
          if (refused[c]++ == 0) first_error[c] = e.what();
        }
      }
    });
  for (auto& t : threads) t.join();
  const double submit_seconds = seconds_since(start);

  // Arrival order is block order: once every client's last transaction is
  // committed, so is everything sent before it. (Sent to another node, it
  // may not have reached this one yet: null, as while it is pending.)
  for (const std::string& h : last_hash) {
    if (h.empty()) continue;
    for (;;) {
      json::value r = eth ? control.call("eth_getTransactionReceipt", json::array{json::string(h)})
                          : control.call("chain_getTransaction", json::object{{"hash", h}});
      bool done = eth ? !r.is_null() : !r.is_null() && r.at("status").as_string() != "pending";
      if (done) break;
      // anvil's automine can leave transactions that arrived during a block
      // pending until the next one comes: ask it for that block.
      if (eth) control.call("evm_mine", json::array{});
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (seconds_since(start) > 600) throw std::runtime_error("transactions not committed after 600 s");
    }
  }
  // An Ethereum node orders its pool by fee, not by arrival: mine until every
  // transaction is in.
  auto count_committed = [&] {
    size_t n = 0;
    for (size_t s = 0; s < spec.senders; ++s) {
      uint64_t nonce = eth ? hex_u64(control.call("eth_getTransactionCount",
                                                  json::array{json::string(to_hex_0x(addrs[s].view())), "latest"}))
                           : control.call("account_get", json::object{{"address", to_hex_0x(addrs[s].view())}})
                                 .at("nonce").to_number<uint64_t>();
      n += nonce - start_nonce[s];
    }
    return n;
  };
  auto pool_empty = [&] {
    json::value st = control.call("txpool_status", json::array{});
    return hex_u64(st.at("pending")) == 0 && hex_u64(st.at("queued")) == 0;
  };
  while (eth && !pool_empty() && seconds_since(start) < 600) control.call("evm_mine", json::array{});
  const size_t committed = count_committed();
  const double commit_seconds = seconds_since(start);
  size_t refusals = 0;
  for (size_t c = 0; c < spec.clients; ++c) {
    refusals += refused[c];
    if (!first_error[c].empty()) std::cerr << "client " << c << ": " << first_error[c] << "\n";
  }

  IngestResult result;
  result.refused = refusals;
  result.committed = committed;
  result.seconds = commit_seconds;
  result.submit_per_s = (spec.txs - refusals) / submit_seconds;
  result.committed_per_s = committed / commit_seconds;
  return result;
}

int run_ingest(const IngestSpec& spec) {
  const IngestResult r = measure_ingest(spec);
  std::cout << "rpc ingest (" << spec.dialect << "): " << spec.txs << " signed transfers, " << spec.clients
            << " keep-alive clients, " << spec.senders << " senders\n";
  report("accepted", r.submit_per_s, "tx/s", std::to_string(r.refused) + " refused");
  report("committed", r.committed_per_s, "tx/s", std::to_string(r.committed) + " committed");
  std::cout << "RESULT ingest dialect=" << spec.dialect << " submit_per_s=" << r.submit_per_s
            << " committed_per_s=" << r.committed_per_s << " committed=" << r.committed << "\n";
  if (r.committed + r.refused != spec.txs)
    std::cout << "  " << spec.txs - r.refused - r.committed << " accepted transactions were never committed\n";
  return r.committed + r.refused == spec.txs || spec.dialect == "eth" ? 0 : 1;
}

}  // namespace vest::bench
