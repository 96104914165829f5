#include "chain/executor.h"

#include <cassert>

#include "chain/rlp.h"

namespace vest {

namespace {

const std::string_view kNoncePrefix = "chain/nonce/";
const std::string_view kParamsKey = "chain/params";

Bytes encode_params(const ChainParams& p) {
  rlp::Encoder e;
  e.begin_list().uint(p.chain_id).str(p.chain_name).uint(p.genesis_time).uint(p.min_fee);
  e.uint(p.block_time_ms).uint(p.max_block_bytes).uint(p.max_block_txs).uint(p.max_tx_bytes);
  if (p.validator_admin) {
    e.fixed(*p.validator_admin);
  } else {
    e.bytes({});
  }
  e.uint(p.evidence_max_age_blocks).uint(p.max_block_evidence).end_list();
  return e.finish();
}

}  // namespace

Bytes encode_uint(u128 v) {
  Bytes out;
  for (int i = 15; i >= 0; --i) {
    uint8_t b = static_cast<uint8_t>(v >> (8 * i));
    if (!out.empty() || b != 0) out.push_back(b);
  }
  return out;
}

std::optional<u128> decode_uint(ByteView b) {
  if (b.size() > 16 || (!b.empty() && b[0] == 0)) return std::nullopt;
  u128 v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v;
}

Status Contract::precheck(const StateReader& state, const BlockEnv& block, const Address& sender, uint64_t kind,
                          ByteView payload) const {
  Overlay scratch(state);
  std::vector<Event> events;
  Context ctx{scratch, block, sender, Hash{}, events};
  // apply() changes only the state it is given: contracts keep no other state.
  return const_cast<Contract*>(this)->apply(ctx, kind, payload);
}

uint64_t account_nonce(const StateReader& state, const Address& account) {
  auto v = state.get(make_key(kNoncePrefix, account.view()));
  if (!v) return 0;
  auto n = decode_uint(*v);
  assert(n && *n <= UINT64_MAX);
  return static_cast<uint64_t>(*n);
}

std::optional<ChainParams> read_params(const StateReader& state) {
  auto v = state.get(as_bytes(kParamsKey));
  if (!v) return std::nullopt;
  rlp::ListReader r(*v);
  ChainParams p;
  p.chain_id = r.u64();
  p.chain_name = r.str();
  p.genesis_time = r.u64();
  p.min_fee = r.u128v();
  p.block_time_ms = r.u64();
  p.max_block_bytes = r.u64();
  p.max_block_txs = r.u64();
  p.max_tx_bytes = r.u64();
  ByteView admin = r.bytes();
  p.evidence_max_age_blocks = r.u64();
  p.max_block_evidence = r.u64();
  if (!r.done()) return std::nullopt;
  if (!admin.empty()) {
    auto a = Address::from(admin);
    if (!a) return std::nullopt;
    p.validator_admin = *a;
  }
  auto set = validators_at(state, 0);
  if (!set || set->effective_from != 0) return std::nullopt;
  p.validators = std::move(set->set);
  return p;
}

void set_validator_admin(State& state, const Address& admin) {
  auto params = read_params(state);
  assert(params && params->validator_admin && "only a chain with a validator admin hands it over");
  params->validator_admin = admin;
  state.put(as_bytes(kParamsKey), encode_params(*params));
}

void Executor::add(Contract& contract) {
  contracts_.push_back(&contract);
  for (uint64_t kind : contract.kinds()) {
    bool inserted = by_kind_.emplace(kind, &contract).second;
    assert(inserted && "two contracts claim one message kind");
    (void)inserted;
  }
}

Status Executor::init_genesis(const boost::json::object& genesis, State& state) {
  for (const auto& kv : genesis) {
    std::string_view key = kv.key();
    bool known = key == "chain_id" || key == "chain_name" || key == "genesis_time" || key == "validators" ||
                 key == "validator_admin" || key == "params";
    for (Contract* c : contracts_) known = known || key == c->name();
    if (!known) return reject(ChainCode::kMalformed, std::string(key) + ": unknown genesis section");
  }
  state.put(as_bytes(kParamsKey), encode_params(params_));
  assert(!params_.validators.empty() && "a genesis names its validators");
  write_validators(state, 0, params_.validators);
  for (Contract* c : contracts_) {
    if (Status s = c->init_genesis(state, genesis); !s.ok()) return s;
  }
  return Status::success();
}

Status Executor::check_stateless(const VerifiedTx& tx) const {
  if (tx.tx.fee < params_.min_fee)
    return reject(ChainCode::kFeeTooLow, "fee " + to_decimal(tx.tx.fee) + " is below the minimum " +
                                             to_decimal(params_.min_fee));
  auto it = by_kind_.find(tx.tx.kind);
  if (it == by_kind_.end())
    return reject(ChainCode::kUnknownKind, "no contract handles message kind " + std::to_string(tx.tx.kind));
  return it->second->check(tx.tx.kind, tx.tx.payload);
}

Status Executor::check_admission(const StateReader& state, const BlockEnv& block, const VerifiedTx& tx,
                                 uint64_t pending_count, Amount pending_fees) const {
  if (Status s = check_stateless(tx); !s.ok()) return s;
  // The transaction runs in the next block, after its begin_block hooks (which
  // return matured unbonding, for one): admission sees the state they leave.
  Overlay next_block(state);
  std::vector<Event> hook_events;
  begin_block(next_block, block, hook_events);
  uint64_t next = account_nonce(next_block, tx.sender);
  if (tx.tx.nonce < next)
    return reject(ChainCode::kNonceTooLow,
                  "nonce " + std::to_string(tx.tx.nonce) + " already used; next is " + std::to_string(next));
  if (tx.tx.nonce > next + pending_count)
    return reject(ChainCode::kNonceTooHigh, "nonce " + std::to_string(tx.tx.nonce) + " leaves a gap; next is " +
                                                std::to_string(next + pending_count));
  assert(fees_);
  auto needed = checked_add(pending_fees, tx.tx.fee);
  if (!needed || fees_->fee_balance(next_block, tx.sender) < *needed)
    return reject(ChainCode::kInsufficientFee, "native balance cannot pay the fee of this and pending transactions");
  // In a block the message runs after its fee and the pending ones are paid.
  Overlay after_fees(next_block);
  std::vector<Event> fee_events;
  if (Status s = fees_->charge_fee(after_fees, block, tx.sender, *needed, fee_events); !s.ok()) return s;
  return by_kind_.at(tx.tx.kind)->precheck(after_fees, block, tx.sender, tx.tx.kind, tx.tx.payload);
}

void Executor::begin_block(State& state, const BlockEnv& block, std::vector<Event>& events) const {
  for (Contract* c : contracts_) {
    Context ctx{state, block, block.proposer, Hash{}, events};
    c->begin_block(ctx);
  }
}

Status Executor::apply(State& state, const BlockEnv& block, const VerifiedTx& tx, Receipt& receipt) {
  if (tx.tx.chain_id != block.chain_id) return reject(ChainCode::kWrongChainId, "transaction is for another chain");
  if (Status s = check_stateless(tx); !s.ok()) return s;
  uint64_t next = account_nonce(state, tx.sender);
  if (tx.tx.nonce != next)
    return reject(tx.tx.nonce < next ? ChainCode::kNonceTooLow : ChainCode::kNonceTooHigh,
                  "nonce " + std::to_string(tx.tx.nonce) + ", expected " + std::to_string(next));
  assert(fees_);
  Overlay fee_writes(state);
  std::vector<Event> fee_events;
  if (Status s = fees_->charge_fee(fee_writes, block, tx.sender, tx.tx.fee, fee_events); !s.ok()) return s;
  fee_writes.put(make_key(kNoncePrefix, tx.sender.view()), encode_uint(next + 1));
  fee_writes.merge_into(state);

  Overlay message_writes(state);
  std::vector<Event> events;
  Context ctx{message_writes, block, tx.sender, tx.hash, events};
  Status s = by_kind_.at(tx.tx.kind)->apply(ctx, tx.tx.kind, tx.tx.payload);
  // The fee's movements come first and stay whatever the message does.
  receipt = Receipt{};
  receipt.events = std::move(fee_events);
  if (s.ok()) {
    message_writes.merge_into(state);
    for (Event& e : events) receipt.events.push_back(std::move(e));
  } else {
    receipt.code = s.code;
    receipt.reason = s.reason;
    receipt.message = s.message;
  }
  return Status::success();
}

}  // namespace vest
