// The executor applies transactions to a state by dispatching each message to
// the contract registered for its kind. It owns the rules every transaction
// shares: chain id, fee, nonce. Deterministic: the same state and block give
// the same writes, receipts and events on every machine.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <vector>

#include "chain/contract.h"
#include "chain/params.h"
#include "chain/transaction.h"

namespace vest {

// The next nonce `account` must use (0 for an unknown account).
uint64_t account_nonce(const StateReader& state, const Address& account);

// Chain parameters as committed in the state at genesis, with the genesis
// validator set.
std::optional<ChainParams> read_params(const StateReader& state);
// Makes `admin` the validator admin in the committed chain parameters; for the
// contract that hands the role over (contracts/roles). The chain must have
// one already: a chain whose genesis names none keeps its set fixed.
void set_validator_admin(State& state, const Address& admin);

class Executor {
 public:
  explicit Executor(ChainParams params) : params_(std::move(params)) {}

  // Registers a contract for its kinds. Call before use; kinds must not clash.
  void add(Contract& contract);
  void set_fee_handler(FeeHandler& fees) { fees_ = &fees; }

  const ChainParams& params() const { return params_; }
  const std::vector<Contract*>& contracts() const { return contracts_; }

  // Writes the genesis state: chain parameters, then each contract's section.
  Status init_genesis(const boost::json::object& genesis, State& state);

  // Rules that need no state: a known kind, a well-formed payload, the minimum fee.
  Status check_stateless(const VerifiedTx& tx) const;

  // Mempool admission against `state`, for a transaction that will follow
  // `pending_count` pending ones of the same sender whose fees add up to
  // `pending_fees`. The contract's pre-check sees `state` with those fees and
  // this one paid, as the message would in a block, after the next block's
  // begin_block hooks; the pending messages themselves are not replayed.
  Status check_admission(const StateReader& state, const BlockEnv& block, const VerifiedTx& tx,
                         uint64_t pending_count, Amount pending_fees) const;

  // Runs every contract's begin_block hook.
  void begin_block(State& state, const BlockEnv& block, std::vector<Event>& events) const;

  // Applies one transaction. A non-ok return means the transaction cannot be
  // in this block at all (wrong nonce, unpaid fee, failed stateless check) and
  // `state` is unchanged. Otherwise the fee is paid, the nonce used, and
  // `receipt` tells whether the message itself succeeded; its events start
  // with the fee's movements, which stay when the message fails.
  Status apply(State& state, const BlockEnv& block, const VerifiedTx& tx, Receipt& receipt);

 private:
  ChainParams params_;
  std::vector<Contract*> contracts_;
  std::map<uint64_t, Contract*> by_kind_;
  FeeHandler* fees_ = nullptr;
};

}  // namespace vest
