// Calls on a real vestd shared by the integration tests that drive the sale,
// vesting and staking contracts: JSON field readers, account and position
// reads, the dev clock, signed submissions and the vest command line.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/secp256k1.h"
#include "tests/integration/harness.h"

namespace vest::test {

inline constexpr uint64_t kDay = 86400;
inline const Amount kVest = 1000000000000000000;  // 1 VEST in base units (18 decimals)
inline const Amount kUsd = 1000000;               // 1 USDV in base units (6 decimals)

// genesis/devnet.json: the sale's treasury and revenue accounts and the validator.
inline constexpr const char* kTreasury = "0xa30D83725ce224c5a737685095e37c475FDfdE7b";
inline constexpr const char* kRevenue = "0xFC95Bb2eFB9218fDD87dF8Ae6e20FC6e31db109F";
inline constexpr const char* kValidator = "0x4753350410E0104A83a8FAa296672a7B41B7F895";
// Their keys (docs/genesis.md): keccak256("vestchain devnet treasury") and
// keccak256("vestchain devnet revenue").
PrivateKey treasury_key();
PrivateKey revenue_key();

// The module accounts, checksummed: vesting escrow, bonded pool, reward pool.
std::string escrow();
std::string bonded_pool();
std::string reward_pool();

// ---- JSON fields ----

// A string field as is, anything else as JSON text.
std::string str(const boost::json::value& v);
uint64_t u64(const boost::json::value& v);
// An amount field: a decimal string of base units (fails the test otherwise).
Amount amt(const boost::json::value& v);
std::string dec(Amount a);

// ---- reads ----

Amount balance(Vestd& node, const std::string& addr, const char* asset);
uint64_t nonce(Vestd& node, const std::string& addr);
uint64_t head_height(Vestd& node);
uint64_t head_time(Vestd& node);
uint64_t block_time(Vestd& node, uint64_t height);
// The hash of the node's block at `height` (0x...), empty when it has none.
std::string block_hash(Vestd& node, uint64_t height);
// vesting_get {id, atHeight?}; must exist.
boost::json::object position(Vestd& node, uint64_t id, std::optional<uint64_t> at_height = std::nullopt);
// vesting_list {address, limit: 100}: the positions.
boost::json::array positions(Vestd& node, const std::string& addr);

// ---- the dev clock ----

// Moves the dev clock forward by `seconds` and seals a block; the new head time.
uint64_t advance(Vestd& node, uint64_t seconds);
// Seals the next block at block time `target` (when it is not in the past)
// and returns the time the node gave it.
uint64_t land_at(Vestd& node, uint64_t target);

// ---- signed transactions ----

// Signs one message for the node's chain (next nonce from the node, after its
// pending transactions) at devnet's minimum fee and submits it, by default waiting for its
// block: the whole JSON-RPC response.
boost::json::object submit_msg(Vestd& node, const PrivateKey& key, uint64_t kind, Bytes payload, bool wait = true);
boost::json::object submit_msg(Vestd& node, const char* key_hex_text, uint64_t kind, Bytes payload, bool wait = true);
// submit_msg that must commit: the committed transaction.
boost::json::object submit_ok(Vestd& node, const PrivateKey& key, uint64_t kind, Bytes payload);
boost::json::object submit_ok(Vestd& node, const char* key_hex_text, uint64_t kind, Bytes payload);
Bytes purchase_payload(uint32_t package, uint64_t quantity, Amount max_price,
                       std::optional<std::string> referrer = std::nullopt);

// The JSON-RPC error of a refused call: its code and data.reason.
int error_code(const boost::json::object& r);
std::string error_reason(const boost::json::object& r);

// The fields of the events of one type of a committed transaction.
std::vector<boost::json::object> events_of(const boost::json::value& tx, const std::string& type);

// ---- explorers ----

// Balances, stake and unbonding rebuilt from starting balances and the events
// alone, as an explorer keeps them (docs/rpc.md, "Events").
struct Ledger {
  std::map<std::string, std::map<std::string, Amount>> balances;  // account -> asset -> base units
  std::map<std::string, Amount> staked, unbonding;
  std::set<std::string> reasons;  // of bank.transfer, and "fee"
  std::set<std::string> types;    // event types seen
  // Applies one event {type, fields, ...}; fails the test on a movement its
  // payer's rebuilt balance cannot pay, or a stake figure that disagrees.
  void apply(const boost::json::value& event);
};

// ---- the vest command line ----

void write_file(const std::filesystem::path& p, const std::string& text);

// One account's keystore (imported with --light-kdf) and the node's URL.
struct Wallet {
  std::filesystem::path keystore;
  std::filesystem::path password;
  std::string rpc;
  std::string address;

  std::vector<std::string> with_globals(const std::vector<std::string>& args) const;
  RunResult run(const std::vector<std::string>& args) const;
  // `vest --json args...`, which must exit 0: its parsed output.
  boost::json::value run_json(std::vector<std::string> args) const;
};

Wallet import_wallet(const TempDir& dir, const Vestd& node, const char* key, const char* addr);

// `vest claim [ids...]` as `w`: the committed transaction and the block time it ran at.
struct Claimed {
  boost::json::object tx;
  uint64_t time = 0;
  Amount amount = 0;  // sum of the vesting.claimed events
};
Claimed claim(Vestd& node, const Wallet& w, std::vector<std::string> ids = {});

}  // namespace vest::test
