// A real chain on a temporary LevelDB directory, with a small genesis of known
// keys, for unit tests of chain/, contracts/ and node/.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "chain/keccak.h"
#include "contracts/native.h"
#include "tests/util/test_util.h"

namespace vest::test {

constexpr uint64_t kTestChainId = 4242;
constexpr uint64_t kTestGenesisTime = 1700000000;
inline const Amount kMinFee = 1000;
inline const Amount kStartVest = u128(1000000) * 1000000000000000000ULL;  // 1e6 VEST (18 decimals)
inline const Amount kStartUsd = u128(50000) * 1000000;                    // 50,000 USDV (6 decimals)

inline const Amount kVest = 1000000000000000000;  // one VEST in base units
inline const Amount kUsd = 1000000;               // one USDV in base units
inline const Amount kTreasuryVest = u128(10000000) * 1000000000000000000ULL;
inline const Amount kRewardPool = u128(1000000) * 1000000000000000000ULL;

inline Address treasury_address() { return address_of(test_key("treasury")); }
inline Address revenue_address() { return address_of(test_key("revenue")); }
inline Address admin_address() { return address_of(test_key("admin")); }

// The test sale: four packages (docs in tests/contracts/sale_test.cpp), tiers at
// 0, 1000 and 5000 USDV of spend in a 1000-second window.
inline boost::json::object test_sale_json() {
  namespace js = boost::json;
  auto linear = js::object{{"parts", js::array{js::object{
                                         {"type", "linear"}, {"bps", 10000}, {"start", 0}, {"cliff", 100}, {"end", 1000}}}}};
  auto tranches = js::object{{"parts", js::array{js::object{{"type", "tranche"}, {"bps", 3000}, {"time", 100}},
                                                 js::object{{"type", "tranche"}, {"bps", 7000}, {"time", 200}}}}};
  auto stake = js::object{
      {"parts", js::array{js::object{{"type", "tranche"}, {"bps", 5000}, {"time", 100}},
                          js::object{{"type", "stake"}, {"bps", 5000}, {"min_stake", to_decimal(100 * kVest)},
                                     {"duration", 300}}}}};
  auto price = [](Amount usd) { return js::object{{"asset", "USDV"}, {"amount", to_decimal(usd * kUsd)}}; };
  js::array packages{
      js::object{{"id", 1}, {"name", "Linear"}, {"price", price(100)}, {"base", to_decimal(1000 * kVest)},
                 {"bonus", js::object{{"bps", 1000}}}, {"schedule", linear}, {"referral_bps", 500}},
      js::object{{"id", 2}, {"name", "Tranche"}, {"price", price(50)}, {"base", to_decimal(100 * kVest)},
                 {"bonus", js::object{{"amount", to_decimal(7 * kVest)}}}, {"schedule", tranches},
                 {"supply_cap", 3}, {"account_cap", 2}},
      js::object{{"id", 3}, {"name", "Windowed"}, {"price", price(10)}, {"base", to_decimal(10 * kVest)},
                 {"bonus", js::object{{"bps", 0}}}, {"schedule", linear}, {"start", kTestGenesisTime + 1000},
                 {"end", kTestGenesisTime + 2000}},
      js::object{{"id", 4}, {"name", "Stake"}, {"price", price(1000)}, {"base", to_decimal(1000 * kVest)},
                 {"bonus", js::object{{"bps", 2000}}}, {"schedule", stake}}};
  return js::object{{"admin", to_checksum(admin_address())},
                    {"treasury", to_checksum(treasury_address())},
                    {"revenue", to_checksum(revenue_address())},
                    {"payment_asset", "USDV"},
                    {"token_asset", "VEST"},
                    {"tier_window", 1000},
                    {"tiers", js::array{js::object{{"name", "Enthusiast"}, {"min_spend", "0"}, {"bonus_bps", 0}},
                                        js::object{{"name", "Advocate"}, {"min_spend", to_decimal(1000 * kUsd)},
                                                   {"bonus_bps", 200}},
                                        js::object{{"name", "VIP"}, {"min_spend", to_decimal(5000 * kUsd)},
                                                   {"bonus_bps", 500}}}},
                    {"packages", packages}};
}

// Genesis JSON text for `accounts`, each holding kStartVest VEST and kStartUsd USDV,
// with the test sale (its treasury holds kTreasuryVest) and vesting minimums.
inline std::string test_genesis_json(const std::vector<Address>& accounts, const Address& validator) {
  boost::json::array balances;
  for (const Address& a : accounts) {
    balances.push_back(boost::json::object{
        {"address", to_checksum(a)},
        {"amounts", boost::json::object{{"VEST", to_decimal(kStartVest)}, {"USDV", to_decimal(kStartUsd)}}}});
  }
  boost::json::object g{
      {"chain_id", kTestChainId},
      {"chain_name", "vestchain-test"},
      {"genesis_time", kTestGenesisTime},
      {"validators", boost::json::array{boost::json::object{{"address", to_checksum(validator)}, {"power", 1}}}},
      {"params", boost::json::object{{"min_fee", to_decimal(kMinFee)},
                                     {"block_time_ms", 1000},
                                     {"max_block_bytes", 1 << 20},
                                     {"max_block_txs", 1000},
                                     {"max_tx_bytes", 4096}}},
      {"bank", boost::json::object{
                   {"native", "VEST"},
                   {"assets", boost::json::array{
                                  boost::json::object{{"symbol", "VEST"}, {"name", "Vest Token"}, {"decimals", 18}},
                                  boost::json::object{{"symbol", "USDV"}, {"name", "Vest Dollar"}, {"decimals", 6}}}},
                   {"balances", balances}}},
      {"vesting", boost::json::object{{"min_grant", boost::json::object{{"VEST", to_decimal(10 * kVest)}}}}},
      {"sale", test_sale_json()},
      {"staking", boost::json::object{{"unbonding_period", 100},
                                      {"max_unbonding_entries", 3},
                                      {"reward_rate", to_decimal(kVest)},
                                      {"fee_pool_bps", 2000},
                                      {"reward_pool", to_decimal(kRewardPool)}}}};
  g["bank"].as_object()["balances"].as_array().push_back(boost::json::object{
      {"address", to_checksum(treasury_address())},
      {"amounts", boost::json::object{{"VEST", to_decimal(kTreasuryVest)}}}});
  g["bank"].as_object()["balances"].as_array().push_back(boost::json::object{
      {"address", to_checksum(admin_address())},
      {"amounts", boost::json::object{{"VEST", to_decimal(1000 * kVest)}}}});
  return boost::json::serialize(g);
}

// One committed block, for assertions.
struct Produced {
  Block block;  // signed, as it travels
  Certificate certificate;  // the block's own, as the validator signed it
  std::vector<VerifiedTx> included;
  std::vector<Receipt> receipts;
  std::vector<Event> block_events;
  std::vector<std::pair<Hash, Status>> dropped;  // candidates left out, with the rule each breaks
  std::vector<std::pair<Hash, BlockCheck>> dropped_evidence;  // evidence left out, by hash
};

class TestChain {
 public:
  // `edit`, when given, changes the test genesis document before it is used.
  explicit TestChain(size_t accounts = 3, const std::function<void(boost::json::object&)>& edit = {})
      : validator(test_key("validator")) {
    for (size_t i = 0; i < accounts; ++i) {
      keys.push_back(test_key("account " + std::to_string(i)));
      addrs.push_back(address_of(keys.back()));
    }
    std::string text = test_genesis_json(addrs, address_of(validator));
    if (edit) {
      auto doc = boost::json::parse(text);
      edit(doc.as_object());
      text = boost::json::serialize(doc);
    }
    std::string error;
    INFO(error);
    REQUIRE(parse_genesis(text, genesis, error));
    executor = std::make_unique<Executor>(genesis.params);
    contracts.register_with(*executor);
    reopen();
  }

  void reopen() {
    chain.reset();
    std::string error;
    chain = Chain::open(dir.path(), genesis, *executor, error);
    INFO(error);
    REQUIRE(chain);
  }

  // A signed transaction from account `from` carrying (kind, payload).
  VerifiedTx sign(size_t from, uint64_t kind, Bytes payload, std::optional<uint64_t> nonce = std::nullopt,
                  Amount fee = kMinFee) {
    return sign_key(keys[from], kind, std::move(payload), nonce, fee);
  }

  VerifiedTx sign_key(const PrivateKey& key, uint64_t kind, Bytes payload,
                      std::optional<uint64_t> nonce = std::nullopt, Amount fee = kMinFee) {
    Transaction tx;
    tx.chain_id = kTestChainId;
    tx.nonce = nonce ? *nonce : next_nonce(address_of(key));
    tx.fee = fee;
    tx.kind = kind;
    tx.payload = std::move(payload);
    tx.sign(key);
    VerifiedTx v;
    Status s = verify_transaction(tx.encode(), kTestChainId, genesis.params.max_tx_bytes, v);
    INFO(s.message);
    REQUIRE(s.ok());
    return v;
  }

  VerifiedTx transfer(size_t from, const Address& to, Amount amount, std::string asset = "VEST",
                      std::optional<uint64_t> nonce = std::nullopt) {
    bank::Transfer t{to, std::move(asset), amount};
    return sign(from, bank::kTransferKind, t.encode(), nonce);
  }

  uint64_t next_nonce(const Address& a) {
    uint64_t n = account_nonce(chain->store(), a);
    auto it = issued_.find(a);
    if (it != issued_.end() && it->second >= n) n = it->second + 1;
    issued_[a] = n;
    return n;
  }

  // The key that proposes the next block: `validator` while it is in the set
  // of that block, else the first member of the set whose key is in `others`.
  const PrivateKey& proposer_key() const {
    const ValidatorSet set = chain->validators();
    if (set.contains(address_of(validator))) return validator;
    for (const Validator& v : set.validators())
      if (auto it = others.find(v.address); it != others.end()) return it->second;
    FAIL("no key of the next block's validator set");
    return validator;
  }

  // A proposal for the next block `time_step` seconds after the head, with
  // `evidence` when given, signed with proposer_key() and not committed.
  Proposal propose_signed(const std::vector<VerifiedTx>& txs, uint64_t time_step = 10,
                          const std::vector<DuplicateVote>& evidence = {}) {
    const PrivateKey& key = proposer_key();
    Proposal p = chain->propose(txs, evidence, chain->head().time + time_step, address_of(key));
    p.executed.block.sig = vest::sign(key, p.executed.header().signing_digest());
    return p;
  }

  // The certificate of `block` under the set of its height: the precommit at
  // the block's time of every member whose key is `validator` or in `others`.
  Certificate certify(const ExecutedBlock& block) const {
    const ValidatorSet set = chain->validators_at(block.header().height)->set;
    Certificate c{block.header().height, 0, block.hash(), {}};
    c.entries.resize(set.size());
    for (size_t i = 0; i < set.size(); ++i) {
      const Address& a = set.validators()[i].address;
      const PrivateKey* key = a == address_of(validator) ? &validator : nullptr;
      if (auto it = others.find(a); it != others.end()) key = &it->second;
      if (!key) continue;
      c.entries[i] = CommitSig{block.header().time, Signature{}};
      c.entries[i]->sig = vest::sign(*key, c.precommit(i, kTestChainId).signing_digest());
    }
    return c;
  }

  // Proposes, signs, precommits and commits the next block, as the node does.
  Produced produce(const std::vector<VerifiedTx>& txs, uint64_t time_step = 10,
                   const std::vector<DuplicateVote>& evidence = {}) {
    Proposal p = propose_signed(txs, time_step, evidence);
    p.executed.certificate = certify(p.executed);
    std::string error;
    bool ok = chain->commit(p.executed, error);
    INFO(error);
    REQUIRE(ok);
    issued_.clear();
    return Produced{std::move(p.executed.block), std::move(*p.executed.certificate), std::move(p.executed.txs),
                    std::move(p.executed.receipts), std::move(p.executed.block_events), std::move(p.dropped),
                    std::move(p.dropped_evidence)};
  }

  Amount balance(size_t i, const std::string& asset = "VEST") const {
    return bank::balance(chain->store(), addrs[i], asset);
  }
  Amount balance_of(const Address& a, const std::string& asset = "VEST") const {
    return bank::balance(chain->store(), a, asset);
  }

  // Signs and seals one transaction in its own block `time_step` seconds after
  // the head; returns its receipt (the test fails if it was not included).
  Receipt run(const VerifiedTx& tx, uint64_t time_step = 10) {
    auto out = produce({tx}, time_step);
    INFO((out.dropped.empty() ? std::string() : out.dropped[0].second.message));
    REQUIRE(out.included.size() == 1);
    return out.receipts[0];
  }

  TempDir dir;
  PrivateKey validator;
  // Keys of validators that tests add to the set (or name in genesis) besides `validator`.
  std::map<Address, PrivateKey> others;
  std::vector<PrivateKey> keys;
  std::vector<Address> addrs;
  Genesis genesis;
  NativeContracts contracts;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<Chain> chain;

 private:
  std::map<Address, uint64_t> issued_;
};

}  // namespace vest::test
