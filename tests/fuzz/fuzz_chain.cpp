#include "tests/fuzz/fuzz_chain.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "contracts/bank/messages.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/vesting.h"
#include "node/config.h"
#include "node/mempool.h"
#include "rpc/sale_methods.h"
#include "rpc/roles_methods.h"
#include "rpc/staking_methods.h"

namespace vest::fuzz {

namespace {

namespace fs = std::filesystem;

// Development accounts 0, 1 and 2 of the "test test ... junk" mnemonic, funded
// by genesis/devnet.json. Public knowledge.
const char* const kDevKeys[] = {"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
                                "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
                                "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"};

const Amount kVest = 1000000000000000000;  // one VEST in base units
const Amount kUsd = 1000000;               // one USDV in base units

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fuzz chain: %s\n", what.c_str());
  std::abort();
}

PrivateKey key_from_hex(const std::string& hex) {
  auto b = from_hex(hex);
  if (!b || b->size() != 32) die("bad key " + hex);
  return *PrivateKey::from(*b);
}

Bytes signed_tx(const PrivateKey& key, uint64_t chain_id, uint64_t nonce, Amount fee, uint64_t kind, Bytes payload) {
  Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.sign(key);
  return tx.encode();
}

}  // namespace

FuzzChain& FuzzChain::get() {
  static std::unique_ptr<FuzzChain> chain = [] {
    std::unique_ptr<FuzzChain> c(new FuzzChain());
    c->build();
    return c;
  }();
  return *chain;
}

FuzzChain::~FuzzChain() {
  chain_.reset();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

rpc::MethodLimits FuzzChain::method_limits() {
  rpc::MethodLimits l;
  l.max_wait = std::chrono::seconds(60);
  return l;
}

void FuzzChain::build() {
  std::ifstream in(fs::path(VEST_SOURCE_DIR) / "genesis" / "devnet.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  if (!parse_genesis(text.str(), genesis_, error)) die("genesis/devnet.json: " + error);
  executor_ = std::make_unique<Executor>(genesis_.params);
  contracts_.register_with(*executor_);

  std::random_device rd;
  for (;;) {
    dir_ = fs::temp_directory_path() / ("vest-fuzz-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(dir_)) break;
  }
  chain_ = Chain::open(dir_, genesis_, *executor_, error);
  if (!chain_) die(error);

  const PrivateKey validator_key = key_from_hex(node::devnet_validator_key_hex());
  for (const char* hex : kDevKeys) {
    keys_.push_back(key_from_hex(hex));
    accounts_.push_back(address_of(keys_.back()));
  }
  const uint64_t chain_id = genesis_.params.chain_id;
  const Amount fee = genesis_.params.min_fee;
  std::vector<uint64_t> nonces(keys_.size(), 0);
  auto tx = [&](size_t from, uint64_t kind, Bytes payload) {
    VerifiedTx v;
    Status s = verify_transaction(signed_tx(keys_[from], chain_id, nonces[from]++, fee, kind, std::move(payload)),
                                  chain_id, genesis_.params.max_tx_bytes, v);
    if (!s.ok()) die("fixture transaction: " + s.message);
    return v;
  };
  uint64_t time = genesis_.params.genesis_time;
  auto block = [&](std::vector<VerifiedTx> txs, uint64_t step) {
    time += step;
    Proposal out = chain_->propose(txs, {}, time, address_of(validator_key));
    out.executed.block.sig = sign(validator_key, block_signing_digest(out.executed.hash()));
    Vote vote{VoteType::kPrecommit, out.executed.header().height, 0, out.executed.hash(), time, chain_id};
    out.executed.certificate = Certificate{vote.height, 0, vote.block_hash, {CommitSig{time, sign(validator_key, vote.signing_digest())}}};
    std::string err;
    if (!chain_->commit(out.executed, err)) die("producing a block: " + err);
    if (!out.dropped.empty()) die("fixture transaction dropped: " + out.dropped[0].second.message);
    for (const auto& v : out.executed.txs) tx_hashes_.push_back(v.hash);
  };

  const Address& a0 = accounts_[0];
  const Address& a1 = accounts_[1];
  const Address& a2 = accounts_[2];
  vesting::Schedule linear{{vesting::Part::linear(10000, 0, 1000000, 1000)}};
  block({tx(0, bank::kTransferKind, bank::Transfer{a1, "VEST", 5 * kVest}.encode()),
         tx(1, bank::kTransferKind, bank::Transfer{a2, "USDV", 10 * kUsd}.encode())},
        10);
  block({tx(0, sale::kPurchaseKind, sale::Purchase{1, 2, kU128Max, std::nullopt}.encode()),
         tx(2, sale::kPurchaseKind, sale::Purchase{2, 1, kU128Max, std::nullopt}.encode())},
        10);
  block({tx(1, sale::kPurchaseKind, sale::Purchase{3, 1, kU128Max, a0}.encode()),
         tx(0, staking::kStakeKind, staking::AmountMsg{100 * kVest}.encode()),
         tx(0, vesting::kGrantKind, vesting::Grant{a2, "VEST", 50 * kVest, vesting::encode(linear), true, 0}.encode())},
        10);
  uint64_t grant_id = 0;
  for (uint64_t id : vesting::position_ids(store(), a2, 0, 100)) {
    auto p = vesting::get_position(store(), id);
    if (p && p->funder == a0 && p->revocable) grant_id = id;
  }
  if (grant_id == 0) die("the fixture grant made no position");
  // Forty days on: cliffs passed, rewards accrued.
  block({tx(0, vesting::kClaimKind, vesting::Claim{}.encode()),
         tx(1, staking::kStakeKind, staking::AmountMsg{1000 * kVest}.encode()),
         tx(2, bank::kTransferKind, bank::Transfer{a0, "VEST", 1000000 * kVest}.encode())},  // fails: too much
        40 * 86400);
  block({tx(0, staking::kUnstakeKind, staking::AmountMsg{10 * kVest}.encode()),
         tx(0, staking::kClaimRewardsKind, staking::ClaimRewards{false}.encode()),
         tx(0, vesting::kRevokeKind, vesting::Revoke{grant_id}.encode())},
        100);
}

Bytes FuzzChain::next_transfer() const {
  return signed_tx(keys_[0], params().chain_id, account_nonce(store(), accounts_[0]), params().min_fee,
                   bank::kTransferKind, bank::Transfer{accounts_[1], "VEST", 1}.encode());
}

rpc::NodeInfo FuzzChain::info() const {
  rpc::NodeInfo i;
  i.version = "vestd/fuzz";
  i.dev = true;
  return i;
}

BlockEnv FuzzChain::next_block_env() const {
  Head head = chain_->head();
  return BlockEnv{params().chain_id, head.height + 1, head.time + 10, params().validators.validators()[0].address};
}

Status FuzzChain::submit(ByteView raw, Hash& hash) {
  VerifiedTx tx;
  if (Status s = verify_transaction(raw, params().chain_id, params().max_tx_bytes, tx); !s.ok()) return s;
  hash = tx.hash;
  if (store().transaction(tx.hash)) return reject(ChainCode::kAlreadyKnown, "transaction is already in block");
  node::Mempool mempool(node::MempoolLimits{});
  return mempool.add(tx, *executor_, [this] { return node::Mempool::Latest{store().snapshot(), next_block_env()}; });
}

void FuzzChain::wait_for(const Hash& hash, std::chrono::milliseconds timeout,
                         std::function<void(rpc::WaitResult)> done) {
  // The contract of NodeApi::wait_for as the methods use it: a wait the limits allow.
  if (timeout < std::chrono::milliseconds(0) || timeout > method_limits().max_wait) {
    std::fprintf(stderr, "wait_for: timeout %lld ms outside 0..%lld s\n", static_cast<long long>(timeout.count()),
                 static_cast<long long>(method_limits().max_wait.count()));
    std::abort();
  }
  if (store().transaction(hash)) {
    done(rpc::WaitResult{rpc::WaitResult::Kind::kCommitted, {}});
  } else {
    done(rpc::WaitResult{rpc::WaitResult::Kind::kDropped,
                         reject(ChainCode::kMalformed, "transaction is neither pending nor committed")});
  }
}

Status FuzzChain::dev_mine(uint32_t blocks, uint64_t& height) {
  if (blocks == 0 || blocks > 1000) {
    std::fprintf(stderr, "dev_mine: %u blocks\n", blocks);
    std::abort();
  }
  height = chain_->head().height;
  return Status::success();
}

Status FuzzChain::dev_increase_time(uint64_t seconds, uint64_t& offset) {
  offset = seconds;
  return Status::success();
}

Status FuzzChain::dev_submit_evidence(ByteView raw, Hash& hash) {
  DuplicateVote d;
  std::string error;
  if (!decode_duplicate_vote_form(raw, params().chain_id, d, error)) return Status{1, "malformed", error};
  hash = d.hash();
  BlockCheck c = chain_->check_evidence(d, std::max(chain_->head().height, d.height()) + 1);
  if (!c.ok()) return Status{1, to_string(c.result), c.message};
  return Status::success();
}

rpc::Dispatcher& fuzz_dispatcher() {
  static rpc::Dispatcher d;
  static bool registered = [] {
    FuzzChain& node = FuzzChain::get();
    rpc::register_chain_methods(d, node, FuzzChain::method_limits());
    rpc::register_sale_methods(d, node, FuzzChain::method_limits());
    rpc::register_staking_methods(d, node, FuzzChain::method_limits());
    rpc::register_roles_methods(d, node);
    return true;
  }();
  (void)registered;
  return d;
}

const std::vector<std::string>& fuzz_method_names() {
  static const std::vector<std::string> names = [] {
    // The metrics text lists every registered method, in name order.
    std::string metrics;
    fuzz_dispatcher().append_metrics(metrics);
    std::vector<std::string> out;
    const std::string marker = "vest_rpc_calls_total{method=\"";
    for (size_t at = metrics.find(marker); at != std::string::npos; at = metrics.find(marker, at)) {
      at += marker.size();
      out.push_back(metrics.substr(at, metrics.find('"', at) - at));
    }
    if (out.empty()) die("no methods registered");
    return out;
  }();
  return names;
}

}  // namespace vest::fuzz
