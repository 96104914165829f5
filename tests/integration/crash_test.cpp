// Integration: crash consistency. A real vestd under a stream of signed
// transfers is killed with SIGKILL at random moments. After every kill its
// data directory must pass `vestd check`, and the node restarted on it must
// hold every transaction it acknowledged, at the height it reported, keep no
// more blocks than its unanswered transactions explain, and keep every
// balance exactly as the committed transfers make it, with the supply of each
// asset unchanged.
//
// VEST_CRASH_KILLS sets the number of kills (3 by default; `make soak` runs
// 100) and VEST_CRASH_SEED the random seed (printed, to replay a run).
#include <signal.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "tests/integration/harness.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

const std::vector<std::string> kAssets = {"VEST", "USDV"};

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::stoull(v) : fallback;
}

Amount amount_of(const json::value& v) { return *parse_decimal(v.as_string()); }

// One transfer sent to the node, and what became of it.
struct Sent {
  Hash hash;
  Address from, to;
  std::string asset;
  Amount amount = 0;
  Amount fee = 0;
  bool answered = false;            // the node answered tx_submit with a committed transaction
  std::optional<uint64_t> height;   // where it is committed, as reported or as found after the restart
};

// The stream of transfers of one round: client threads, each sending from its
// own accounts with tx_submit {wait: true}, one transaction at a time, until
// the node stops answering.
class Load {
 public:
  struct Account {
    PrivateKey key;
    Address address;
    uint64_t nonce = 0;
  };

  Load(uint16_t port, std::vector<std::vector<Account>> per_thread, const std::vector<Address>& recipients,
       Amount fee, uint64_t seed)
      : port_(port), per_thread_(std::move(per_thread)), recipients_(recipients), fee_(fee) {
    for (size_t i = 0; i < per_thread_.size(); ++i)
      threads_.emplace_back([this, i, seed] { run(i, seed + i); });
  }

  // Ends the threads if the test failed before finish().
  ~Load() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  // Waits for the threads, which end once the node is gone.
  std::vector<Sent> finish() {
    for (auto& t : threads_) t.join();
    threads_.clear();
    return std::move(sent_);
  }

  std::string failure() const { return failure_; }

 private:
  void run(size_t index, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Account>& accounts = per_thread_[index];
    for (size_t n = 0; !stop_; ++n) {
      Account& from = accounts[n % accounts.size()];
      Address to;
      do {
        to = recipients_[rng() % recipients_.size()];
      } while (to == from.address);
      Sent s;
      s.from = from.address;
      s.to = to;
      s.asset = kAssets[rng() % kAssets.size()];
      s.amount = 1 + rng() % (s.asset == "VEST" ? 1000000000000000 : 1000000);
      s.fee = fee_;
      Transaction tx = wallet::build_signed(wallet::TxParams{kDevChainId, from.nonce, fee_}, bank::kTransferKind,
                                            bank::Transfer{to, s.asset, s.amount}.encode(), from.key);
      Bytes raw = tx.encode();
      s.hash = keccak256(raw);
      json::object req{{"jsonrpc", "2.0"},
                       {"id", 1},
                       {"method", "tx_submit"},
                       {"params", json::object{{"raw", to_hex_0x(raw)}, {"wait", true}}}};
      auto reply = try_http_post(port_, json::serialize(req));
      if (!reply) {  // the node is gone: this one's fate is learnt after the restart
        record(std::move(s));
        return;
      }
      boost::system::error_code ec;
      json::value v = json::parse(reply->second, ec);
      const json::object* result = nullptr;
      if (!ec && reply->first == 200 && v.is_object() && v.as_object().contains("result"))
        result = v.at("result").if_object();
      if (!result || result->at("status") != "committed" || result->at("hash") != json::value(to_hex_0x(s.hash.view()))) {
        std::lock_guard lock(mutex_);
        if (failure_.empty())
          failure_ = "unexpected tx_submit answer: HTTP " + std::to_string(reply->first) + " " + reply->second;
        return;
      }
      s.answered = true;
      s.height = result->at("height").to_number<uint64_t>();
      record(std::move(s));
      ++from.nonce;
    }
  }

  void record(Sent s) {
    std::lock_guard lock(mutex_);
    sent_.push_back(std::move(s));
  }

  uint16_t port_;
  std::vector<std::vector<Account>> per_thread_;
  std::vector<Address> recipients_;
  Amount fee_;
  std::mutex mutex_;
  std::vector<Sent> sent_;  // guarded by mutex_
  std::string failure_;     // guarded by mutex_
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// chain_getTransaction for each hash, in batches; the results by hash.
std::map<Hash, json::value> get_transactions(Vestd& node, const std::vector<Hash>& hashes) {
  std::map<Hash, json::value> out;
  for (size_t start = 0; start < hashes.size(); start += 100) {
    json::array batch;
    size_t end = std::min(hashes.size(), start + 100);
    for (size_t i = start; i < end; ++i)
      batch.push_back(json::object{{"jsonrpc", "2.0"},
                                   {"id", i},
                                   {"method", "chain_getTransaction"},
                                   {"params", json::object{{"hash", to_hex_0x(hashes[i].view())}}}});
    auto [status, body] = http_post(node.port(), json::serialize(batch));
    REQUIRE(status == 200);
    json::value replies = json::parse(body);
    for (const json::value& r : replies.as_array()) {
      INFO(json::serialize(r));
      REQUIRE(r.as_object().contains("result"));
      out[hashes[r.at("id").to_number<size_t>()]] = r.at("result");
    }
  }
  return out;
}

// `vestd check` on the data directory of the harness's vestd in `dir`.
RunResult run_check(const std::filesystem::path& dir) {
  return run_program({bin_path("vestd").string(), "check", "--datadir", (dir / "data").string(), "--genesis",
                      source_path("genesis/devnet.json").string()});
}

}  // namespace

TEST_CASE("crash: SIGKILL at random moments loses nothing acknowledged", "[integration][crash]") {
  const uint64_t kills = env_u64("VEST_CRASH_KILLS", 3);
  const uint64_t seed = env_u64("VEST_CRASH_SEED", std::random_device{}());
  std::cout << "crash test: " << kills << " kills, seed " << seed << " (VEST_CRASH_SEED to replay)" << std::endl;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const auto started = std::chrono::steady_clock::now();

  // Every account that holds anything: the genesis balances, the validator
  // (who collects fees) and the module accounts. Transfers move funds only
  // among these, so per asset they add up to the supply.
  json::object genesis = json::parse(read_file(source_path("genesis/devnet.json"))).as_object();
  std::map<std::string, Amount> genesis_supply;
  std::vector<Address> holders;
  for (const json::value& b : genesis.at("bank").at("balances").as_array()) {
    holders.push_back(*parse_address(b.at("address").as_string()));
    for (const auto& [asset, amount] : b.at("amounts").as_object()) genesis_supply[asset] += amount_of(amount);
  }
  genesis_supply["VEST"] += amount_of(genesis.at("staking").at("reward_pool"));
  const Address validator = *parse_address(genesis.at("validators").at(0).at("address").as_string());
  for (Address a : {validator, staking::reward_pool_address(), staking::bonded_pool_address(),
                    vesting::escrow_address(), *parse_address(genesis.at("sale").at("revenue").as_string())})
    holders.push_back(a);
  const Amount fee = amount_of(genesis.at("params").at("min_fee"));

  // Senders: development accounts 0..3, two per client thread; recipients: accounts 0..9.
  std::vector<Load::Account> senders;
  for (const char* key : {kDevKey0, kDevKey1, kDevKey2, kDevKey3}) {
    PrivateKey k = *PrivateKey::from(*from_hex(key));
    senders.push_back(Load::Account{k, address_of(k), 0});
  }
  std::vector<Address> recipients(holders.begin(), holders.begin() + 10);

  TempDir dir;
  std::map<std::string, std::map<Address, Amount>> expected;  // asset -> holder -> balance
  std::vector<Sent> committed;                               // every transfer known to be committed
  std::vector<Sent> unanswered;                              // of the last round: fate unknown until the restart
  uint64_t highest_acknowledged = 0, observed = 0, acknowledged = 0, found_committed = 0, lost = 0, last_head = 0,
           early_kills = 0;
  std::map<uint64_t, uint64_t> excess_rounds;  // head - observed after a restart -> rounds
  // A committed transfer: the amount moves, the sender pays the fee, which the
  // validator and the reward pool share (counted together, under the validator).
  auto book = [&](const Sent& s) {
    expected[s.asset][s.from] -= s.amount;
    expected[s.asset][s.to] += s.amount;
    expected["VEST"][s.from] -= s.fee;
    expected["VEST"][validator] += s.fee;
    committed.push_back(s);
  };

  for (uint64_t round = 0; round <= kills; ++round) {
    INFO("round " << round);
    std::vector<std::string> mode = {"--instant"};
    if (rng() % 2) mode = {"--block-time-ms", std::to_string(10 + rng() % 90)};
    if (round > 0 && rng() % 4 == 0) {
      // A kill while the node opens its database (LevelDB replays its log).
      uint64_t delay_ms = rng() % 40;
      pid_t pid = spawn({bin_path("vestd").string(), "--dev", "--genesis", source_path("genesis/devnet.json").string(),
                         "--datadir", (dir.path() / "data").string(), "--rpc", "127.0.0.1:0"},
                        dir.path() / "early.out", dir.path() / "early.log", false);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      ::kill(pid, SIGKILL);
      wait_exit(pid);
      ++early_kills;
      RunResult check = run_check(dir.path());
      INFO("vestd check after a kill at start (" << delay_ms << " ms):\n" << check.out << check.err);
      REQUIRE(check.exit_code == 0);
    }
    Vestd node(dir.path(), mode);  // fails the test unless it opens and serves

    uint64_t head = node.call("node_status").at("height").to_number<uint64_t>();
    last_head = head;
    if (round == 0) {
      REQUIRE(head == 0);
      for (const Address& a : holders) {
        json::value acct = node.call("account_get", json::object{{"address", to_checksum(a)}});
        for (const std::string& asset : kAssets) expected[asset][a] = amount_of(acct.at("balances").at(asset));
      }
    } else {
      // Nothing acknowledged is lost; no more blocks than unanswered transactions explain.
      CHECK(head >= highest_acknowledged);
      CHECK(head <= observed + unanswered.size());
      excess_rounds[head - std::min(head, observed)]++;

      // Acknowledged: committed at the reported height. Unanswered: committed or gone.
      std::vector<Hash> hashes;
      for (const Sent& s : committed) hashes.push_back(s.hash);
      for (const Sent& s : unanswered) hashes.push_back(s.hash);
      auto found = get_transactions(node, hashes);
      for (const Sent& s : committed) {
        const json::value& tx = found.at(s.hash);
        INFO("transaction " << to_hex_0x(s.hash.view()));
        REQUIRE(tx.is_object());
        CHECK(tx.at("status") == "committed");
        CHECK(tx.at("height").to_number<uint64_t>() == *s.height);
      }
      for (Sent& s : unanswered) {
        const json::value& tx = found.at(s.hash);
        if (tx.is_null()) {
          ++lost;
          continue;
        }
        CHECK(tx.at("status") == "committed");
        s.height = tx.at("height").to_number<uint64_t>();
        CHECK(*s.height <= head);
        ++found_committed;
        book(s);
      }
      unanswered.clear();
    }

    // Supply unchanged; every balance as the committed transfers make it.
    json::value assets = node.call("chain_getAssets");
    for (const json::value& a : assets.at("assets").as_array()) {
      std::string symbol(a.at("symbol").as_string());
      CHECK(amount_of(a.at("supply")) == genesis_supply.at(symbol));
    }
    const Address pool = staking::reward_pool_address();
    for (const std::string& asset : kAssets) {
      Amount sum = 0;
      std::map<Address, Amount> got;
      for (const Address& a : holders) {
        json::value acct = node.call("account_get", json::object{{"address", to_checksum(a)}});
        got[a] = amount_of(acct.at("balances").at(asset));
        sum += got[a];
      }
      CHECK(sum == genesis_supply.at(asset));
      for (const Address& a : holders) {
        if (a == validator || a == pool) continue;
        INFO(asset << " balance of " << to_checksum(a));
        CHECK(got[a] == expected[asset][a]);
      }
      CHECK(got[validator] + got[pool] == expected[asset][validator] + expected[asset][pool]);
    }
    if (round == kills) {
      CHECK(node.stop() == 0);
      break;
    }

    // The next stream of transfers, from the nonces the node holds.
    observed = head;
    std::vector<std::vector<Load::Account>> per_thread(2);
    for (size_t i = 0; i < senders.size(); ++i) {
      json::value acct = node.call("account_get", json::object{{"address", to_checksum(senders[i].address)}});
      senders[i].nonce = acct.at("nonce").to_number<uint64_t>();
      per_thread[i % 2].push_back(senders[i]);
    }
    Load load(node.port(), per_thread, recipients, fee, rng());
    // Mostly while blocks are being written; now and then right after the start.
    uint64_t delay_ms = rng() % 10 == 0 ? rng() % 20 : 20 + rng() % 700;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    node.kill9();
    std::vector<Sent> sent = load.finish();
    INFO("node log:\n" << node.log());
    REQUIRE(load.failure() == "");
    for (Sent& s : sent) {
      if (!s.answered) {
        unanswered.push_back(s);
        continue;
      }
      ++acknowledged;
      highest_acknowledged = std::max(highest_acknowledged, *s.height);
      observed = std::max(observed, *s.height);
      book(s);
    }

    RunResult check = run_check(dir.path());
    INFO("vestd check after kill " << round + 1 << " (" << delay_ms << " ms):\n" << check.out << check.err);
    REQUIRE(check.exit_code == 0);
  }

  RunResult check = run_check(dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);

  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "crash test: " << kills << " kills under load and " << early_kills << " at start in " << seconds
            << " s, " << acknowledged << " transactions acknowledged, " << found_committed
            << " unanswered but committed, " << lost << " unanswered and lost, " << last_head
            << " blocks; head minus the highest height seen, at the restarts:";
  for (const auto& [excess, n] : excess_rounds) std::cout << " " << excess << " in " << n << " rounds;";
  std::cout << std::endl;
}
