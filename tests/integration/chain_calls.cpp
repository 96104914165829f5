#include "tests/integration/chain_calls.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "chain/address.h"
#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"

namespace vest::test {

namespace json = boost::json;
namespace fs = std::filesystem;

PrivateKey treasury_key() { return *PrivateKey::from(keccak256(as_bytes("vestchain devnet treasury")).view()); }
PrivateKey revenue_key() { return *PrivateKey::from(keccak256(as_bytes("vestchain devnet revenue")).view()); }

std::string escrow() { return to_checksum(vesting::escrow_address()); }
std::string bonded_pool() { return to_checksum(staking::bonded_pool_address()); }
std::string reward_pool() { return to_checksum(staking::reward_pool_address()); }

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}
uint64_t u64(const json::value& v) { return v.to_number<uint64_t>(); }
Amount amt(const json::value& v) {
  INFO("amount field " << json::serialize(v));
  REQUIRE(v.is_string());
  auto a = parse_decimal(v.as_string());
  REQUIRE(a.has_value());
  return *a;
}
std::string dec(Amount a) { return to_decimal(a); }

Amount balance(Vestd& node, const std::string& addr, const char* asset) {
  return amt(node.call("account_get", json::object{{"address", addr}}).at("balances").at(asset));
}
uint64_t nonce(Vestd& node, const std::string& addr) {
  return u64(node.call("account_get", json::object{{"address", addr}}).at("nonce"));
}
uint64_t head_height(Vestd& node) { return u64(node.call("node_status").at("height")); }
uint64_t head_time(Vestd& node) { return u64(node.call("node_status").at("headTime")); }
uint64_t block_time(Vestd& node, uint64_t height) {
  return u64(node.call("chain_getBlock", json::object{{"height", height}}).at("time"));
}
std::string block_hash(Vestd& node, uint64_t height) {
  json::value b = node.call("chain_getBlock", json::object{{"height", height}});
  return b.is_null() ? std::string() : str(b.at("hash"));
}
json::object position(Vestd& node, uint64_t id, std::optional<uint64_t> at_height) {
  json::object p{{"id", id}};
  if (at_height) p["atHeight"] = *at_height;
  json::value r = node.call("vesting_get", p);
  INFO("vesting_get " << id << " -> " << json::serialize(r));
  REQUIRE(r.is_object());
  return r.as_object();
}
json::array positions(Vestd& node, const std::string& addr) {
  return node.call("vesting_list", json::object{{"address", addr}, {"limit", 100}}).at("positions").as_array();
}

uint64_t advance(Vestd& node, uint64_t seconds) {
  node.call("dev_increaseTime", json::object{{"seconds", seconds}});
  node.call("dev_mine");
  return head_time(node);
}

// The node's clock is wall clock + offset with the same system clock as this
// process, so the offset needed is target - (now + offset). Starts at the
// beginning of a wall-clock second when the current one is nearly over, so
// the second does not turn between reading the clock and sealing.
uint64_t land_at(Vestd& node, uint64_t target) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() % 1000;
  if (ms > 600) std::this_thread::sleep_for(milliseconds(1005 - ms));
  uint64_t offset = u64(node.call("node_status").at("timeOffset"));
  uint64_t now = static_cast<uint64_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
  uint64_t next = now + offset;
  // A stall of more than a second since the last block lands later than
  // asked; callers compare the time they get with the one they wanted.
  if (target > next) node.call("dev_increaseTime", json::object{{"seconds", target - next}});
  node.call("dev_mine");
  return head_time(node);
}

json::object submit_msg(Vestd& node, const PrivateKey& k, uint64_t kind, Bytes payload, bool wait) {
  std::string from = to_checksum(address_of(k));
  json::value acct = node.call("account_get", json::object{{"address", from}});
  Transaction tx;
  tx.chain_id = u64(node.call("node_status").at("chainId"));
  tx.nonce = u64(acct.at("nonce")) + u64(acct.at("pendingCount"));
  tx.fee = kDevMinFee;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.sign(k);
  return node.rpc("tx_submit", json::object{{"raw", to_hex_0x(tx.encode())}, {"wait", wait}});
}
json::object submit_msg(Vestd& node, const char* key, uint64_t kind, Bytes payload, bool wait) {
  return submit_msg(node, key_hex(key), kind, std::move(payload), wait);
}
json::object submit_ok(Vestd& node, const PrivateKey& key, uint64_t kind, Bytes payload) {
  json::object r = submit_msg(node, key, kind, std::move(payload));
  INFO("tx_submit -> " << json::serialize(r));
  REQUIRE(r.contains("result"));
  REQUIRE(r.at("result").at("status") == "committed");
  return r.at("result").as_object();
}
json::object submit_ok(Vestd& node, const char* key, uint64_t kind, Bytes payload) {
  return submit_ok(node, key_hex(key), kind, std::move(payload));
}
Bytes purchase_payload(uint32_t package, uint64_t quantity, Amount max_price, std::optional<std::string> referrer) {
  sale::Purchase p{package, quantity, max_price, std::nullopt};
  if (referrer) p.referrer = *parse_address(*referrer);
  return p.encode();
}

int error_code(const json::object& r) { return static_cast<int>(r.at("error").at("code").to_number<int64_t>()); }
std::string error_reason(const json::object& r) { return str(r.at("error").at("data").at("reason")); }

std::vector<json::object> events_of(const json::value& tx, const std::string& type) {
  std::vector<json::object> out;
  for (const auto& e : tx.at("events").as_array())
    if (e.at("type") == json::value(type)) out.push_back(e.at("fields").as_object());
  return out;
}

void Ledger::apply(const json::value& ev) {
  INFO("event " << json::serialize(ev));
  const std::string type = str(ev.at("type"));
  const json::object& f = ev.at("fields").as_object();
  types.insert(type);
  if (type == "bank.transfer") {
    const std::string from = str(f.at("from")), to = str(f.at("to")), asset = str(f.at("asset"));
    const Amount amount = amt(f.at("amount"));
    REQUIRE(balances[from][asset] >= amount);
    balances[from][asset] -= amount;
    balances[to][asset] += amount;
    reasons.insert(str(f.at("reason")));
  } else if (type == "bank.fee") {
    // One event per fee: the payer pays `amount`, split between the proposer and the reward pool.
    const std::string payer = str(f.at("payer")), asset = str(f.at("asset"));
    const Amount amount = amt(f.at("amount")), to_proposer = amt(f.at("proposerShare")),
                 to_pool = amt(f.at("poolShare"));
    REQUIRE(to_proposer + to_pool == amount);
    REQUIRE(balances[payer][asset] >= amount);
    balances[payer][asset] -= amount;
    balances[str(f.at("proposer"))][asset] += to_proposer;
    balances[str(f.at("pool"))][asset] += to_pool;
    reasons.insert("fee");
  } else if (type.rfind("staking.", 0) == 0 && f.contains("account")) {
    const std::string a = str(f.at("account"));
    balances[a];  // seen
    const Amount amount = f.contains("amount") ? amt(f.at("amount")) : 0;
    if (type == "staking.staked") {
      staked[a] += amount;
      CHECK(str(f.at("staked")) == dec(staked[a]));
    } else if (type == "staking.unstaked") {
      REQUIRE(staked[a] >= amount);
      staked[a] -= amount;
      unbonding[a] += amount;
      CHECK(str(f.at("staked")) == dec(staked[a]));
    } else if (type == "staking.vesting_stake_removed") {
      const Amount now = amt(f.at("staked"));
      REQUIRE(staked[a] >= now);
      const Amount from_staked = staked[a] - now;
      REQUIRE(amount >= from_staked);
      REQUIRE(unbonding[a] >= amount - from_staked);
      unbonding[a] -= amount - from_staked;
      staked[a] = now;
    } else if (type == "staking.vesting_stake_converted") {
      CHECK(str(f.at("staked")) == dec(staked[a]));  // the stake stays, now backed by the pool
    } else if (type == "staking.unbonded") {
      REQUIRE(unbonding[a] >= amount);
      unbonding[a] -= amount;
    }
  }
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

std::vector<std::string> Wallet::with_globals(const std::vector<std::string>& args) const {
  std::vector<std::string> full = {"--rpc", rpc, "--keystore", keystore.string(), "--password-file", password.string()};
  full.insert(full.end(), args.begin(), args.end());
  return full;
}
RunResult Wallet::run(const std::vector<std::string>& args) const { return run_vest(with_globals(args)); }
json::value Wallet::run_json(std::vector<std::string> args) const {
  args.insert(args.begin(), "--json");
  RunResult r = run(args);
  INFO("vest " << args.at(1) << " exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

Wallet import_wallet(const TempDir& dir, const Vestd& node, const char* key, const char* addr) {
  std::string name = std::string(addr).substr(2, 8);
  Wallet w{dir.path() / ("ks-" + name), dir.path() / "password", node.url(), addr};
  write_file(w.password, "integration password\n");
  fs::path key_file = dir.path() / ("key-" + name);
  write_file(key_file, std::string(key) + "\n");
  json::value imported = w.run_json({"key", "import", "--light-kdf", "--private-key-file", key_file.string()});
  REQUIRE(imported.at("address") == json::value(addr));
  fs::remove(key_file);
  return w;
}

Claimed claim(Vestd& node, const Wallet& w, std::vector<std::string> ids) {
  std::vector<std::string> args = {"claim"};
  args.insert(args.end(), ids.begin(), ids.end());
  Claimed c;
  c.tx = w.run_json(args).as_object();
  INFO("vest claim -> " << json::serialize(c.tx));
  REQUIRE(c.tx.at("status") == "committed");
  c.time = block_time(node, u64(c.tx.at("height")));
  for (const auto& e : events_of(c.tx, "vesting.claimed")) c.amount += amt(e.at("amount"));
  return c;
}

}  // namespace vest::test
