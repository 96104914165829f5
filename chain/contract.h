// The interface between chain/ and the native contracts. chain/ knows no
// particular contract: the executor dispatches each transaction's message to
// whichever contract registered its kind.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "chain/address.h"
#include "chain/amount.h"
#include "chain/block.h"
#include "chain/state.h"
#include "chain/status.h"

namespace vest {

// The block a transaction executes in.
struct BlockEnv {
  uint64_t chain_id = 0;
  uint64_t height = 0;
  uint64_t time = 0;  // block time in seconds: the only clock consensus code sees
  Address proposer;
};

// What a contract sees while applying one message.
struct Context {
  State& state;
  const BlockEnv& block;
  Address sender;
  Hash tx_hash;
  std::vector<Event>& events;

  void emit(Event e) { events.push_back(std::move(e)); }
};

class Contract {
 public:
  virtual ~Contract() = default;

  virtual std::string_view name() const = 0;
  // Message kinds this contract handles (see its messages.h).
  virtual std::vector<uint64_t> kinds() const = 0;

  // Writes this contract's part of the genesis state from its section of the
  // genesis document. Errors name the offending field.
  virtual Status init_genesis(State& state, const boost::json::object& genesis) = 0;

  // Stateless check: the payload decodes strictly and its values are in range.
  virtual Status check(uint64_t kind, ByteView payload) const = 0;

  // Stateful pre-check for mempool admission against the latest state; the
  // executor still runs apply(), which decides. By default a dry run of
  // apply() on a scratch overlay that is then dropped.
  virtual Status precheck(const StateReader& state, const BlockEnv& block, const Address& sender, uint64_t kind,
                          ByteView payload) const;

  // Applies the message. On failure the executor discards every write the
  // message made; the fee stays paid.
  virtual Status apply(Context& ctx, uint64_t kind, ByteView payload) = 0;

  // Runs at the start of every block, before its transactions.
  virtual void begin_block(Context& ctx) { (void)ctx; }

  // For the offline consistency check (vestd check): the invariants that
  // check_invariants() verifies, in a few words for its report; empty (the
  // default) when the contract has none to check.
  virtual std::string_view invariants() const { return {}; }
  // Verifies them over the contract's whole part of `state`, reading stored
  // values strictly (a value that does not decode is reported, not asserted
  // on). Returns the first violation in words for an operator, or "" when
  // they hold.
  virtual std::string check_invariants(const StateReader& state) const {
    (void)state;
    return {};
  }
};

// Who collects transaction fees (the bank contract).
class FeeHandler {
 public:
  virtual ~FeeHandler() = default;
  // Moves `fee` native base units from `payer`, appending the events of the
  // movements to `events`; kInsufficientFee when it cannot.
  virtual Status charge_fee(State& state, const BlockEnv& block, const Address& payer, Amount fee,
                            std::vector<Event>& events) = 0;
  // The native balance available for fees.
  virtual Amount fee_balance(const StateReader& state, const Address& payer) const = 0;
};

// Minimal big-endian integer values (no leading zero bytes; zero is empty),
// the stored form of counters and amounts.
Bytes encode_uint(u128 v);
// Strict inverse of encode_uint; nullopt on a leading zero or more than 16 bytes.
std::optional<u128> decode_uint(ByteView b);

}  // namespace vest
