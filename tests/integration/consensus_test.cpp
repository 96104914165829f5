// Integration: Tendermint consensus among real vestd validators on loopback,
// each network written by `vestd testnet` (tests/integration/local_testnet.h)
// and run with short timeouts. Four validators finalize blocks carrying
// transfers; finality survives one crashed validator, stops with two (and no
// node commits anything conflicting meanwhile) and resumes when one returns;
// a validator stopped with SIGSTOP catches up once continued; a validator
// killed with SIGKILL 20 times under load, half of the kills timed to fall
// inside a height, never sends two different votes for one (height, round,
// type), as its peers' debug logs record them; and two processes with one
// validator key are caught equivocating by the others without any node
// committing two blocks at one height. After every scenario every node holds
// the same block at every height it has, and no node banned a peer.
//
// VEST_CONSENSUS_SEED sets the seed of the kill schedule (printed, to replay
// a run).
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "chain/address.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/local_testnet.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

Bytes transfer(const char* to, Amount amount) { return bank::Transfer{*parse_address(to), "VEST", amount}.encode(); }

LocalTestnetOptions options(size_t validators, size_t full_nodes) {
  LocalTestnetOptions o;
  o.validators = validators;
  o.full_nodes = full_nodes;
  return o;
}

double seconds_since(Clock::time_point t) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count()) / 1000;
}

// Transfers submitted without pause by client threads, one per account, each
// with tx_submit {wait: true} at one of `ports` (the next one when a node does
// not answer), until the destructor or stop(). What a live chain keeps busy.
class TransferLoad {
 public:
  TransferLoad(std::vector<const char*> keys, std::vector<uint16_t> ports) : ports_(std::move(ports)) {
    for (size_t i = 0; i < keys.size(); ++i) threads_.emplace_back([this, i, key = key_hex(keys[i])] { run(i, key); });
  }
  ~TransferLoad() { stop(); }
  TransferLoad(const TransferLoad&) = delete;
  TransferLoad& operator=(const TransferLoad&) = delete;

  // Ends the threads; returns the transfers committed.
  uint64_t stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    return committed_;
  }
  uint64_t committed() const { return committed_; }

 private:
  void run(size_t index, const PrivateKey& key) {
    const std::string from = to_checksum(address_of(key));
    const Address to = *parse_address(kDevAddr9);
    size_t port = index % ports_.size();
    uint64_t nonce = 0;
    bool known = false;  // nonce is the account's next
    while (!stop_) {
      if (!known) known = next_nonce(ports_[port], from, nonce);
      if (!known) {
        port = (port + 1) % ports_.size();
        std::this_thread::sleep_for(100ms);
        continue;
      }
      // The same transaction for the same nonce: sending it again is harmless.
      const Transaction tx = wallet::build_signed(wallet::TxParams{kTestnetChainId, nonce, kDevMinFee},
                                                  bank::kTransferKind,
                                                  bank::Transfer{to, "VEST", 1000 + index}.encode(), key);
      json::object req{{"jsonrpc", "2.0"},
                       {"id", 1},
                       {"method", "tx_submit"},
                       {"params", json::object{{"raw", to_hex_0x(tx.encode())}, {"wait", true}, {"timeout", 4}}}};
      auto reply = try_http_post(ports_[port], json::serialize(req), 6000);
      boost::system::error_code ec;
      json::value r = reply ? json::parse(reply->second, ec) : json::value();
      const json::value* status = r.is_object() && r.as_object().contains("result") && r.at("result").is_object()
                                      ? r.at("result").as_object().if_contains("status")
                                      : nullptr;
      if (status && *status == "committed") {
        ++committed_;
        ++nonce;
        continue;
      }
      if (!reply) port = (port + 1) % ports_.size();
      known = false;  // learnt again from the chain
      std::this_thread::sleep_for(50ms);
    }
  }

  // The account's next nonce as the node at `port` has it; false when it does not answer.
  static bool next_nonce(uint16_t port, const std::string& from, uint64_t& nonce) {
    json::object req{
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", "account_get"}, {"params", json::object{{"address", from}}}};
    auto reply = try_http_post(port, json::serialize(req), 3000);
    if (!reply) return false;
    boost::system::error_code ec;
    json::value r = json::parse(reply->second, ec);
    if (ec || !r.is_object() || !r.as_object().contains("result")) return false;
    nonce = r.at("result").at("nonce").to_number<uint64_t>();
    return true;
  }

  std::vector<uint16_t> ports_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> committed_{0};
  std::vector<std::thread> threads_;
};

// A vote as a validator's debug log records it ("consensus: vote ...").
struct LoggedVote {
  std::string voter;
  uint64_t height = 0;
  uint32_t round = 0;
  std::string type;
  std::string block;
  uint64_t time = 0;
};

std::vector<LoggedVote> votes_in_log(const fs::path& log) {
  static const std::regex re(
      R"(consensus: vote voter=(0x[0-9a-fA-F]{40}) height=(\d+) round=(\d+) type=(prevote|precommit) )"
      R"(block=(0x[0-9a-f]{64}) time=(\d+))");
  std::vector<LoggedVote> out;
  const std::string text = read_file(log);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out.push_back(LoggedVote{m[1], std::stoull(m[2]), static_cast<uint32_t>(std::stoul(m[3])), m[4], m[5],
                             std::stoull(m[6])});
  }
  return out;
}

// True while node k takes part in consensus at the network's height: not
// syncing, deciding the height after `head`, the head of another node.
bool deciding_after(LocalTestnet& net, size_t k, uint64_t head) {
  json::object s = status_of(net[k]);
  return s.at("sync").at("syncing") == false && !s.at("consensus").is_null() &&
         u64(s.at("consensus").at("height")) > head;
}

// True when the consensus WAL in `dir` has a record in the file of its
// highest height: the validator took an input at the height it works on.
bool height_with_inputs(const fs::path& dir) {
  std::error_code ec;
  fs::path latest;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".wal" && e.path().filename() > latest.filename()) latest = e.path();
  return !latest.empty() && fs::file_size(latest, ec) > 0 && !ec;
}

// No running node of `net` banned a peer: every message a node sent was well formed.
void check_no_bans(LocalTestnet& net) {
  for (size_t k = 0; k < net.size(); ++k) {
    INFO(net.name(k));
    if (net.running(k)) CHECK(metric(net[k], "vestd_peers_banned") == 0);
  }
}

// Waits until every validator of `net` is past `height`.
void all_past(LocalTestnet& net, uint64_t height, std::chrono::milliseconds limit) {
  for (size_t k = 0; k < net.size(); ++k) {
    eventually([&] { return head_height(net[k]) > height; }, limit,
               net.name(k) + " past height " + std::to_string(height));
  }
}

}  // namespace

TEST_CASE("consensus: four validators finalize blocks with transfers submitted at a validator and at a full node",
          "[integration][consensus]") {
  const auto started = Clock::now();
  TempDir dir;
  LocalTestnet net(dir, options(4, 1));
  Vestd& full = net[4];

  std::set<std::string> addresses;
  for (size_t k = 0; k < 4; ++k) addresses.insert(net.validator_address(k));
  REQUIRE(addresses.size() == 4);
  for (size_t k = 0; k < net.size(); ++k) {
    INFO(net.name(k));
    json::object s = status_of(net[k]);
    CHECK(u64(s.at("chainId")) == kTestnetChainId);
    std::set<std::string> listed;
    for (const auto& v : s.at("validators").as_array()) {
      listed.insert(str(v.at("address")));
      CHECK(u64(v.at("power")) == 1);
    }
    CHECK(listed == addresses);
    if (k < 4) {
      CHECK(s.at("role") == "validator");
      REQUIRE(s.at("consensus").is_object());
      CHECK(u64(s.at("consensus").at("height")) >= 1);
      CHECK(addresses.count(str(s.at("consensus").at("proposer"))) == 1);
    } else {
      CHECK(s.at("role") == "full");
      CHECK(s.at("consensus").is_null());
    }
  }

  const Amount before2 = balance(full, kDevAddr2, "VEST"), before3 = balance(full, kDevAddr3, "VEST");
  // At a validator, and at the full node, which gossips it to the validators.
  json::object at_validator = submit_ok(net[1], kDevKey1, bank::kTransferKind, transfer(kDevAddr2, 3 * kVest / 2));
  json::object at_full = submit_ok(full, kDevKey0, bank::kTransferKind, transfer(kDevAddr3, 2 * kVest));
  const uint64_t top = std::max(u64(at_validator.at("height")), u64(at_full.at("height")));
  // Enough heights for every validator to have proposed (round robin, equal power).
  all_past(net, std::max<uint64_t>(top, 8), 30s);
  for (size_t k = 0; k < net.size(); ++k) {
    INFO(net.name(k));
    CHECK(balance(net[k], kDevAddr2, "VEST") == before2 + 3 * kVest / 2);
    CHECK(balance(net[k], kDevAddr3, "VEST") == before3 + 2 * kVest);
    for (const json::object* tx : {&at_validator, &at_full}) {
      json::value b = net[k].call("chain_getBlock", json::object{{"height", tx->at("height")}});
      const json::array& hashes = b.at("transactions").as_array();
      CHECK(std::find(hashes.begin(), hashes.end(), tx->at("hash")) != hashes.end());
    }
  }
  std::set<std::string> proposers;
  for (uint64_t h = 1, head = head_height(full); h <= head; ++h) {
    proposers.insert(str(full.call("chain_getBlock", json::object{{"height", h}}).at("proposer")));
  }
  CHECK(proposers == addresses);
  // Every validator decided, and its log says with how many precommits.
  for (size_t k = 0; k < 4; ++k) {
    INFO(net.name(k));
    CHECK(metric(net[k], "vestd_consensus_decisions_total") >= 1);
    CHECK(metric(net[k], "vestd_consensus_equivocations_total") == 0);
    static const std::regex decided(R"(INFO  block \d+ 0x[0-9a-f]{64} txs \d+ round \d+ precommits ([34])/4)");
    CHECK(std::regex_search(net[k].log(), decided));
  }
  check_no_bans(net);
  const uint64_t heights = check_same_blocks(net);
  std::cout << "consensus, 4 validators and a full node: " << heights << " heights, 2 transfers, "
            << seconds_since(started) << " s" << std::endl;
}

TEST_CASE("consensus: finality goes on with one validator killed, stops with two and no conflicting commit, resumes "
          "when one returns",
          "[integration][consensus]") {
  const auto started = Clock::now();
  TempDir dir;
  LocalTestnet net(dir, options(4, 1));
  Vestd& full = net[4];
  all_past(net, 2, 20s);

  // One of four down: the other three hold more than 2/3 of the power.
  net.kill(3);
  const uint64_t at_first_kill = head_height(net[0]);
  const auto first_kill = Clock::now();
  eventually([&] { return head_height(net[0]) >= at_first_kill + 3; }, 5s, "three more blocks without validator3");
  const double three_blocks_s = seconds_since(first_kill);
  json::object tx = submit_ok(full, kDevKey1, bank::kTransferKind, transfer(kDevAddr2, 5));
  CHECK(u64(tx.at("height")) > at_first_kill);

  // Two of four down: no quorum, no block.
  net.kill(2);
  std::this_thread::sleep_for(1s);  // a height that had its precommits may still land
  std::vector<uint64_t> stalled;
  for (size_t k : {0, 1, 4}) stalled.push_back(head_height(net[k]));
  const uint64_t stalled_round = u64(status_of(net[0]).at("consensus").at("round"));
  json::object pending = submit_msg(full, kDevKey2, bank::kTransferKind, transfer(kDevAddr3, 7), false);
  REQUIRE(pending.contains("result"));
  std::this_thread::sleep_for(3s);
  size_t i = 0;
  for (size_t k : {0, 1, 4}) {
    INFO(net.name(k));
    CHECK(head_height(net[k]) == stalled[i++]);
  }
  const json::object consensus = status_of(net[0]).at("consensus").as_object();
  // Half the power: no quorum for anything, so no timeout moves it to another round.
  CHECK(u64(consensus.at("height")) == stalled[0] + 1);
  CHECK(u64(consensus.at("round")) == stalled_round);
  CHECK(full.call("chain_getTransaction", json::object{{"hash", pending.at("result").at("hash")}})
            .at("status") == "pending");
  check_same_blocks(net);  // the survivors agree; the others are checked once back

  // Back to three: blocks again, the waiting transfer among the first.
  net.start(2);
  const auto restart = Clock::now();
  eventually([&] { return head_height(net[0]) >= stalled[0] + 2; }, 20s, "blocks again with validator2 back");
  const double resumed_s = seconds_since(restart);
  eventually([&] { return full.call("chain_getTransaction", json::object{{"hash", pending.at("result").at("hash")}})
                              .at("status") == "committed"; },
             10s, "the waiting transfer to commit");
  net.start(3);
  const uint64_t now_at = head_height(net[0]);
  all_past(net, now_at, 20s);
  check_no_bans(net);
  const uint64_t heights = check_same_blocks(net);
  std::cout << "consensus, kills: 3 blocks in " << three_blocks_s << " s with one validator down; stalled at height "
            << stalled[0] << " for 3 s with two down; blocks again " << resumed_s << " s after a restart; " << heights
            << " heights, " << seconds_since(started) << " s" << std::endl;
}

TEST_CASE("consensus: a validator stopped with SIGSTOP misses blocks, and once continued catches up and votes again",
          "[integration][consensus]") {
  const auto started = Clock::now();
  TempDir dir;
  LocalTestnet net(dir, options(4, 0));
  all_past(net, 2, 20s);

  // Stopped, it neither sends nor answers: to the others, a partition.
  net.pause(1);
  const uint64_t at_pause = head_height(net[0]);
  eventually([&] { return head_height(net[0]) >= at_pause + 20; }, 20s, "20 blocks without validator1");
  net.resume(1);
  const auto resumed = Clock::now();
  const uint64_t target = head_height(net[0]);
  eventually([&] { return head_height(net[1]) >= target; }, 20s, "validator1 to catch up");
  const double catch_up_s = seconds_since(resumed);
  // It takes part again: a block it proposed is decided after the catch-up.
  uint64_t scanned = target, proposed = 0;
  eventually(
      [&] {
        const uint64_t head = head_height(net[0]);
        for (; scanned < head && !proposed; ++scanned) {
          json::value b = net[0].call("chain_getBlock", json::object{{"height", scanned + 1}});
          if (str(b.at("proposer")) == net.validator_address(1)) proposed = scanned + 1;
        }
        return proposed != 0;
      },
      20s, "a block proposed by validator1 after it caught up");
  all_past(net, proposed, 20s);
  check_no_bans(net);
  const uint64_t heights = check_same_blocks(net);
  std::cout << "consensus, SIGSTOP: " << target - at_pause << " blocks while stopped, caught up in " << catch_up_s
            << " s, proposed block " << proposed << "; " << heights << " heights, " << seconds_since(started) << " s"
            << std::endl;
}

TEST_CASE("consensus: a validator killed 20 times under load never sends two different votes for one height, round "
          "and type",
          "[integration][consensus]") {
  const auto started = Clock::now();
  const char* seed_text = std::getenv("VEST_CONSENSUS_SEED");
  const uint64_t seed = seed_text && *seed_text ? std::stoull(seed_text) : std::random_device()();
  std::cout << "consensus kill test: seed " << seed << " (VEST_CONSENSUS_SEED to replay)" << std::endl;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  constexpr size_t kKills = 20;
  constexpr size_t kVictim = 3;

  TempDir dir;
  // A short pause after each decision: most moments fall inside a height.
  LocalTestnetOptions o = options(4, 1);
  o.consensus.timeout_commit_ms = 1;
  o.debug_log = true;
  LocalTestnet net(dir, o);
  all_past(net, 1, 20s);
  TransferLoad load({kDevKey0, kDevKey1, kDevKey2, kDevKey3}, {net[0].port(), net[4].port()});

  const fs::path wal = net.datadir(kVictim) / "consensus" / "wal";
  for (size_t kill = 0; kill < kKills; ++kill) {
    INFO("kill " << kill + 1);
    eventually([&] { return deciding_after(net, kVictim, head_height(net[0])); }, 30s,
               "validator3 to take part in consensus");
    // Half the kills at any moment; the other half shortly after the victim
    // took its first input of a height (its WAL file of the highest height is
    // no longer empty), so that they fall among its votes. Nothing between the
    // pause and the kill: an RPC call answered after a commit would tie the
    // moment to the block.
    if (kill % 2 == 1) {
      const auto limit = Clock::now() + 10s;
      while (!height_with_inputs(wal) && Clock::now() < limit) std::this_thread::sleep_for(1ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 10));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 400));
    }
    net.kill(kVictim);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    net.start(kVictim);
  }
  eventually([&] { return deciding_after(net, kVictim, head_height(net[0])); }, 30s,
             "validator3 to take part in consensus");
  const uint64_t last_restart = head_height(net[0]);
  all_past(net, last_restart + 3, 20s);
  const uint64_t transfers = load.stop();
  CHECK(transfers > 0);

  // A restart that replays WAL records was killed inside a height, after it
  // had taken inputs there (most of the kills timed for it, a few others).
  size_t mid_height = 0;
  static const std::regex replaying(R"(consensus: replaying \d+ WAL records of height)");
  const std::vector<fs::path> runs = net.logs(kVictim);
  REQUIRE(runs.size() == kKills + 1);
  for (size_t run = 1; run < runs.size(); ++run) mid_height += std::regex_search(read_file(runs[run]), replaying);
  CHECK(mid_height >= kKills / 4);

  // Every vote of validator3 that its peers recorded: one per (height, round, type).
  const std::string victim = net.validator_address(kVictim);
  std::map<std::tuple<uint64_t, uint32_t, std::string>, std::set<std::pair<std::string, uint64_t>>> votes;
  size_t recorded = 0;
  for (size_t k = 0; k < kVictim; ++k) {
    for (const LoggedVote& v : votes_in_log(net.logs(k).front())) {
      if (v.voter != victim) continue;
      ++recorded;
      votes[{v.height, v.round, v.type}].insert({v.block, v.time});
    }
  }
  size_t conflicts = 0;
  std::set<uint64_t> heights_voted;
  for (const auto& [at, seen] : votes) {
    heights_voted.insert(std::get<0>(at));
    if (seen.size() == 1) continue;
    ++conflicts;
    std::ostringstream all;
    for (const auto& [block, time] : seen) all << " " << block << " at " << time;
    FAIL_CHECK("validator3 sent " << seen.size() << " different " << std::get<2>(at) << "s at height "
                                  << std::get<0>(at) << " round " << std::get<1>(at) << ":" << all.str());
  }
  CHECK(conflicts == 0);
  CHECK(recorded >= votes.size());
  // It voted all along, and after its last restart too.
  CHECK(heights_voted.size() >= kKills);
  REQUIRE_FALSE(heights_voted.empty());
  CHECK(*heights_voted.rbegin() > last_restart);
  for (size_t k = 0; k < kVictim; ++k) CHECK(metric(net[k], "vestd_consensus_equivocations_total") == 0);
  check_no_bans(net);

  const uint64_t heights = check_same_blocks(net);
  std::cout << "consensus kill test: " << kKills << " kills (" << mid_height << " inside a height, found in the WAL), "
            << votes.size() << " votes of the killed validator checked (" << recorded << " records by 3 peers) over "
            << heights_voted.size() << " heights, " << transfers << " transfers committed; " << heights
            << " heights, " << seconds_since(started) << " s" << std::endl;
}

TEST_CASE("consensus: two processes with one validator key equivocate, the others detect it and commit the evidence "
          "once, and no node commits two blocks at one height",
          "[integration][consensus]") {
  const auto started = Clock::now();
  TempDir dir;
  LocalTestnetOptions o = options(4, 0);
  o.debug_log = true;
  LocalTestnet net(dir, o);
  all_past(net, 1, 20s);
  const std::string key_holder = net.validator_address(3);
  // validator3's data directory copied while it is stopped, both started.
  REQUIRE(net.stop(3) == 0);
  const uint64_t stopped_at = head_height(net[0]);
  const size_t twin = net.add_twin(3);

  // Twins that hear each other merge: a vote of its key that reaches a twin
  // before it votes is taken as its own (as from its WAL), and a certificate
  // with a precommit of its key that it did not sign stops it. So they are
  // made to act without hearing each other: at a height whose first proposer
  // is the key, each proposes its own block (another second, another block)
  // and prevotes it as the height starts. The network is held there meanwhile:
  // without validator3, validators 1 and 2 stopped leave 0 alone. (A height
  // begun after validator3 stopped: no proposal of it can end its round 0.)
  uint64_t height = 0;
  eventually(
      [&] {
        json::object c = status_of(net[0]).at("consensus").as_object();
        height = u64(c.at("height"));
        return height > stopped_at + 1 && u64(c.at("round")) == 0 && str(c.at("proposer")) == key_holder;
      },
      20s, "a height that validator3 proposes first");
  net.pause(1);
  net.pause(2);
  CHECK(u64(status_of(net[0]).at("consensus").at("height")) == height);
  auto deciding = [&](size_t k) {
    json::value c = status_of(net[k]).at("consensus");
    return c.is_object() && u64(c.at("height")) == height;
  };
  net.start(3);
  eventually([&] { return deciding(3); }, 20s, "validator3 at the held height");
  std::this_thread::sleep_for(1100ms);  // the other twin's block gets a later time
  net.start(twin);
  eventually([&] { return deciding(twin); }, 20s, "the twin at the held height");
  net.resume(1);
  net.resume(2);
  const auto twins_started = Clock::now();
  TransferLoad load({kDevKey0, kDevKey1, kDevKey2, kDevKey3}, {net[3].port(), net[twin].port(), net[0].port()});
  for (size_t k = 0; k < 3; ++k) {
    eventually([&] { return metric(net[k], "vestd_consensus_equivocations_total") >= 1; }, 20s,
               net.name(k) + " to see validator3 sign two votes at one place");
  }
  const double detected_s = seconds_since(twins_started);
  uint64_t equivocations = 0;
  for (size_t k = 0; k < 3; ++k) {
    INFO(net.name(k));
    equivocations += metric(net[k], "vestd_consensus_equivocations_total");
    CHECK(net[k].log().find("consensus: validator " + key_holder + " signed two ") != std::string::npos);
  }
  // What the others recorded shows it: the key's votes at some place name two blocks.
  std::map<std::tuple<uint64_t, uint32_t, std::string>, std::set<std::string>> votes;
  for (size_t k = 0; k < 3; ++k) {
    for (const LoggedVote& v : votes_in_log(net.logs(k).front()))
      if (v.voter == key_holder) votes[{v.height, v.round, v.type}].insert(v.block);
  }
  CHECK(votes[{height, 0, "prevote"}].size() == 2);
  size_t conflicting_places = 0;
  for (const auto& [at, blocks] : votes) conflicting_places += blocks.size() > 1;
  // The honest three go on deciding.
  const uint64_t at_detection = head_height(net[0]);
  for (size_t k = 0; k < 3; ++k) {
    eventually([&] { return head_height(net[k]) >= at_detection + 3; }, 20s, net.name(k) + " to go on");
  }
  // The evidence is committed once, in a block every node holds, with its event.
  json::array committed;
  eventually(
      [&] {
        committed = net[0].call("chain_getEvidence", json::object{{"validator", key_holder}}).at("evidence").as_array();
        return !committed.empty();
      },
      20s, "the evidence committed in a block");
  const json::object& ev = committed.front().as_object();
  CHECK(ev.at("height") == height);
  CHECK(ev.at("type") == "prevote");
  const uint64_t in_block = u64(ev.at("committedHeight"));
  for (size_t k = 0; k < 3; ++k) {
    eventually([&] { return head_height(net[k]) >= in_block + 2; }, 20s, net.name(k) + " past the evidence");
    json::array seen = net[k].call("chain_getEvidence", json::object{{"validator", key_holder}}).at("evidence").as_array();
    INFO(net.name(k));
    // One offence at a place, committed once however many nodes pooled it.
    std::set<std::tuple<uint64_t, uint64_t, std::string>> offences;
    for (const json::value& e : seen) offences.insert({u64(e.at("height")), u64(e.at("round")), str(e.at("type"))});
    CHECK(offences.size() == seen.size());
    CHECK(seen.front().at("hash") == ev.at("hash"));
  }
  const json::value block = net[1].call("chain_getBlock", json::object{{"height", in_block}});
  CHECK(json::serialize(block).find("consensus.evidence") != std::string::npos);
  const uint64_t transfers = load.stop();
  check_no_bans(net);  // each twin's messages are well formed: only together are they evidence
  // Each twin learns of the evidence against its key and stops signing.
  std::string stopped;
  for (size_t k : {size_t{3}, twin}) {
    eventually([&] { return status_of(net[k]).at("signing").at("stopped") == true; }, 20s,
               net.name(k) + " to stop signing");
    stopped += " " + net.name(k) + " stopped signing;";
  }
  const uint64_t heights = check_same_blocks(net);
  std::cout << "consensus twin test: two prevotes at height " << height << " round 0, seen by the 3 others "
            << detected_s << " s after the network went on (" << equivocations << " counted, " << conflicting_places
            << " places with two votes in their logs);" << stopped << " " << transfers << " transfers; " << heights
            << " heights, " << seconds_since(started) << " s" << std::endl;
}

// docs/protocol.md, "Block time": a proposer whose clock runs ahead cannot move
// block time (and with it every vesting schedule) forward. One validator of
// four runs five minutes fast (libfaketime): its blocks get nil prevotes, the
// others' are decided, and no block's time is ahead of the real clock by more
// than max_clock_drift_s.
TEST_CASE("consensus: a proposer whose clock runs five minutes fast cannot move block time", "[integration][consensus]") {
  // libfaketime preloaded into vestd itself (through env, which execs it), not
  // the faketime program, which would run vestd as a child that outlives it.
  const char* kLibFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!std::filesystem::exists(kLibFaketime)) skip("faketime is not installed (scripts/install-deps.sh installs it)");
  TempDir dir;
  LocalTestnet net(dir, options(4, 0));
  all_past(net, 2, 20s);
  const std::string fast = net.validator_address(3);
  REQUIRE(net.stop(3) == 0);
  net.start(3, {"/usr/bin/env", std::string("LD_PRELOAD=") + kLibFaketime, "FAKETIME=+300s"});
  const uint64_t from = head_height(net[0]) + 1;

  // Heights go on; each validator is first proposer of some of them.
  eventually([&] { return head_height(net[0]) >= from + 16; }, 60s, "16 more heights");
  const uint64_t to = head_height(net[0]);
  const uint64_t wall =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count());
  const uint64_t drift = 10;  // max_clock_drift_s's default
  uint64_t previous = 0;
  for (uint64_t h = from; h <= to; ++h) {
    json::value b = net[0].call("chain_getBlock", json::object{{"height", h}});
    INFO("height " << h);
    const uint64_t time = u64(b.at("time"));
    CHECK(time <= wall + drift);
    CHECK(time >= previous);
    CHECK(b.at("proposer") != json::value(fast));  // its blocks from the future are never decided
    previous = time;
  }
  // The others said why they refused its proposals, and those rounds failed.
  bool refused = false;
  for (size_t k = 0; k < 3; ++k) refused = refused || net[k].log().find("s ahead of this node's clock") != std::string::npos;
  CHECK(refused);
  CHECK(metric(net[0], "vestd_consensus_rounds_total") >= 1);
  // It still votes for the honest blocks: their times are not ahead of its clock.
  CHECK(status_of(net[3]).at("signing").at("stopped") == false);
  check_same_blocks(net);
}
