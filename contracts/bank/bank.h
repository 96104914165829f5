// The bank: assets, balances, transfers and transaction fees.
//
// State layout (docs/protocol.md, "State"):
//   bank/native                      symbol of the native (fee) asset
//   bank/asset/<symbol>              RLP[symbol, name, decimals]
//   bank/supply/<symbol>             total supply, base units
//   bank/bal/<address><symbol>       balance, base units (absent = 0)
// Invariant: for each asset, the balances add up to its supply.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chain/contract.h"
#include "contracts/bank/messages.h"

namespace vest::bank {

struct AssetInfo {
  std::string symbol;
  std::string name;
  uint8_t decimals = 0;
};

// Reads, usable by other contracts and by the RPC read side.
std::optional<AssetInfo> asset(const StateReader& state, std::string_view symbol);
std::vector<AssetInfo> assets(const StateReader& state);
std::string native_symbol(const StateReader& state);
Amount balance(const StateReader& state, const Address& account, std::string_view symbol);
Amount supply(const StateReader& state, std::string_view symbol);

// One account's balance of one asset.
struct BalanceEntry {
  Address account;
  std::string symbol;
  Amount amount = 0;
};
// Calls `fn` for every balance of the state (positive by the layout's
// invariant) in (account, symbol) order, starting at the entry of
// `from_account` and `from_symbol` (included); stops when it returns false.
void for_each_balance(const StateReader& state, const Address& from_account, std::string_view from_symbol,
                      const std::function<bool(const BalanceEntry&)>& fn);

// The invariant of the layout above, for the consistency check: every asset
// record and amount decodes, every balance is of a known asset, and for each
// asset the balances add up to its supply. Returns the first violation, or ""
// when it holds.
std::string check_supply(const StateReader& state);

// "1.5 VEST": `amount` of `symbol` in whole units with the asset's decimals
// (base units when the asset is unknown), for messages people read.
std::string amount_text(const StateReader& state, std::string_view symbol, Amount amount);

// Moves funds between accounts; refuses unknown assets and overdrafts. Every
// movement of a positive amount between two accounts emits "bank.transfer"
// {from, to, asset, amount, reason}, so an explorer can follow every balance
// from events alone (with the fees' "bank.fee"); `reason` says why ("transfer",
// "sale_payment", ..., docs/rpc.md, "Events").
Status transfer(State& state, std::vector<Event>& events, const Address& from, const Address& to,
                std::string_view symbol, Amount amount, std::string_view reason);
// Pays a transaction's fee in the native asset: `to_pool` of it to `pool` (when
// given), the rest to the block's proposer, emitting one "bank.fee" {payer,
// asset, amount, proposer, proposerShare, pool, poolShare} that names only the
// payer (the proposer and the pool take part in every transaction; explorers
// read them per block). kInsufficientFee when the payer cannot pay.
Status pay_fee(State& state, std::vector<Event>& events, const Address& payer, const Address& proposer, Amount fee,
               const std::optional<Address>& pool, Amount to_pool);
inline Status transfer(Context& ctx, const Address& from, const Address& to, std::string_view symbol, Amount amount,
                       std::string_view reason) {
  return transfer(ctx.state, ctx.events, from, to, symbol, amount, reason);
}

// Creates `amount` new units for `to` and raises the supply. Genesis only: no
// message mints.
Status mint(State& state, const Address& to, std::string_view symbol, Amount amount);

class Bank : public Contract, public FeeHandler {
 public:
  std::string_view name() const override { return "bank"; }
  std::vector<uint64_t> kinds() const override { return {kTransferKind}; }
  Status init_genesis(State& state, const boost::json::object& genesis) override;
  Status check(uint64_t kind, ByteView payload) const override;
  Status apply(Context& ctx, uint64_t kind, ByteView payload) override;
  std::string_view invariants() const override { return "each asset's balances add up to its supply"; }
  std::string check_invariants(const StateReader& state) const override { return check_supply(state); }

  // Fees go to the block's proposer.
  Status charge_fee(State& state, const BlockEnv& block, const Address& payer, Amount fee,
                    std::vector<Event>& events) override;
  Amount fee_balance(const StateReader& state, const Address& payer) const override;
};

// Symbols: 2 to 11 characters, uppercase letters and digits, a letter first.
bool valid_symbol(std::string_view s);

}  // namespace vest::bank
