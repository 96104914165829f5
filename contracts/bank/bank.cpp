#include "contracts/bank/bank.h"

#include <cassert>
#include <map>

#include "chain/json_fields.h"
#include "chain/rlp.h"
#include "contracts/modules.h"

namespace vest::bank {

namespace {

constexpr std::string_view kNativeKey = "bank/native";
constexpr std::string_view kAssetPrefix = "bank/asset/";
constexpr std::string_view kSupplyPrefix = "bank/supply/";
constexpr std::string_view kBalancePrefix = "bank/bal/";

Bytes balance_key(const Address& a, std::string_view symbol) {
  return make_key(kBalancePrefix, a.view(), as_bytes(symbol));
}

Amount read_amount(const StateReader& state, const Bytes& key) {
  auto v = state.get(key);
  if (!v) return 0;
  auto a = decode_uint(*v);
  assert(a && "corrupt stored amount");
  return a.value_or(0);
}

void write_amount(State& state, const Bytes& key, Amount a) {
  if (a == 0) {
    state.erase(key);
  } else {
    state.put(key, encode_uint(a));
  }
}

std::optional<AssetInfo> decode_asset(ByteView v) {
  rlp::ListReader r(v);
  AssetInfo a;
  a.symbol = r.str();
  a.name = r.str();
  uint64_t d = r.u64();
  if (!r.done() || d > 36) return std::nullopt;
  a.decimals = static_cast<uint8_t>(d);
  return a;
}

}  // namespace

bool valid_symbol(std::string_view s) {
  if (s.size() < 2 || s.size() > 11 || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::optional<AssetInfo> asset(const StateReader& state, std::string_view symbol) {
  if (!valid_symbol(symbol)) return std::nullopt;
  auto v = state.get(make_key(kAssetPrefix, as_bytes(symbol)));
  if (!v) return std::nullopt;
  return decode_asset(*v);
}

std::vector<AssetInfo> assets(const StateReader& state) {
  std::vector<AssetInfo> out;
  state.scan(as_bytes(kAssetPrefix), {}, [&](ByteView, ByteView v) {
    if (auto a = decode_asset(v)) out.push_back(*a);
    return true;
  });
  return out;
}

std::string native_symbol(const StateReader& state) {
  auto v = state.get(as_bytes(kNativeKey));
  return v ? std::string(as_string(*v)) : std::string();
}

Amount balance(const StateReader& state, const Address& account, std::string_view symbol) {
  return read_amount(state, balance_key(account, symbol));
}

Amount supply(const StateReader& state, std::string_view symbol) {
  return read_amount(state, make_key(kSupplyPrefix, as_bytes(symbol)));
}

void for_each_balance(const StateReader& state, const Address& from_account, std::string_view from_symbol,
                      const std::function<bool(const BalanceEntry&)>& fn) {
  const Bytes prefix(kBalancePrefix.begin(), kBalancePrefix.end());
  state.scan(prefix, balance_key(from_account, from_symbol), [&](ByteView key, ByteView value) {
    ByteView rest = key.subspan(prefix.size());
    auto amount = decode_uint(value);
    if (rest.size() <= 20 || !amount) return true;  // not of this layout; check_supply reports it
    return fn(BalanceEntry{*Address::from(rest.first(20)), std::string(as_string(rest.subspan(20))), *amount});
  });
}

std::string check_supply(const StateReader& state) {
  std::string problem;
  std::map<std::string, Amount> sums;  // asset -> balances added up so far
  state.scan(as_bytes(kAssetPrefix), {}, [&](ByteView key, ByteView v) {
    std::string symbol(as_string(key.subspan(kAssetPrefix.size())));
    auto a = decode_asset(v);
    if (!a || a->symbol != symbol) {
      problem = "bank: the record of asset " + symbol + " does not decode";
      return false;
    }
    sums[symbol] = 0;
    return true;
  });
  if (!problem.empty()) return problem;
  state.scan(as_bytes(kBalancePrefix), {}, [&](ByteView key, ByteView v) {
    ByteView rest = key.subspan(kBalancePrefix.size());
    std::string who = rest.size() >= 20 ? to_checksum(*Address::from(rest.first(20))) : to_hex_0x(rest);
    std::string symbol = rest.size() > 20 ? std::string(as_string(rest.subspan(20))) : std::string();
    auto amount = decode_uint(v);
    auto sum = sums.find(symbol);
    if (sum == sums.end()) {
      problem = "bank: balance of " + who + " in unknown asset \"" + symbol + "\"";
    } else if (!amount || *amount == 0) {
      problem = "bank: balance of " + who + " in " + symbol + " is not a positive amount (" + to_hex_0x(v) + ")";
    } else if (auto total = checked_add(sum->second, *amount)) {
      sum->second = *total;
    } else {
      problem = "bank: the balances of " + symbol + " add up to more than 128 bits";
    }
    return problem.empty();
  });
  if (!problem.empty()) return problem;
  for (const auto& [symbol, sum] : sums) {
    auto v = state.get(make_key(kSupplyPrefix, as_bytes(symbol)));
    auto stored = v ? decode_uint(*v) : std::optional<u128>(0);
    if (!stored) return "bank: the supply of " + symbol + " does not decode (" + to_hex_0x(*v) + ")";
    if (*stored != sum)
      return "bank: the balances of " + symbol + " add up to " + to_decimal(sum) + ", its supply is " +
             to_decimal(*stored);
  }
  state.scan(as_bytes(kSupplyPrefix), {}, [&](ByteView key, ByteView) {
    std::string symbol(as_string(key.subspan(kSupplyPrefix.size())));
    if (!sums.count(symbol)) problem = "bank: supply recorded for unknown asset \"" + symbol + "\"";
    return problem.empty();
  });
  return problem;
}

std::string amount_text(const StateReader& state, std::string_view symbol, Amount amount) {
  auto info = asset(state, symbol);
  return (info ? format_units(amount, info->decimals) : to_decimal(amount)) + " " + std::string(symbol);
}

namespace {

// transfer() without its event.
Status move(State& state, const Address& from, const Address& to, std::string_view symbol, Amount amount) {
  if (!asset(state, symbol)) return reject(Code::kUnknownAsset, "unknown asset " + std::string(symbol));
  Bytes from_key = balance_key(from, symbol);
  Amount from_balance = read_amount(state, from_key);
  if (from_balance < amount)
    return reject(Code::kInsufficientFunds, "the balance of " + amount_text(state, symbol, from_balance) +
                                                " is less than " + amount_text(state, symbol, amount));
  if (from == to || amount == 0) return Status::success();
  Bytes to_key = balance_key(to, symbol);
  auto to_balance = checked_add(read_amount(state, to_key), amount);
  // Cannot overflow while balances add up to a supply that fits in 128 bits.
  if (!to_balance) return reject(Code::kOverflow, "recipient balance would overflow");
  write_amount(state, from_key, from_balance - amount);
  write_amount(state, to_key, *to_balance);
  return Status::success();
}

}  // namespace

Status transfer(State& state, std::vector<Event>& events, const Address& from, const Address& to,
                std::string_view symbol, Amount amount, std::string_view reason) {
  if (Status s = move(state, from, to, symbol, amount); !s.ok()) return s;
  if (from == to || amount == 0) return Status::success();
  events.push_back(Event{"bank.transfer",
                         {from, to},
                         {{"from", to_checksum(from)},
                          {"to", to_checksum(to)},
                          {"asset", std::string(symbol)},
                          {"amount", to_decimal(amount)},
                          {"reason", std::string(reason)}}});
  return Status::success();
}

Status mint(State& state, const Address& to, std::string_view symbol, Amount amount) {
  if (!asset(state, symbol)) return reject(Code::kUnknownAsset, "unknown asset " + std::string(symbol));
  Bytes supply_key = make_key(kSupplyPrefix, as_bytes(symbol));
  Bytes key = balance_key(to, symbol);
  auto total = checked_add(read_amount(state, supply_key), amount);
  auto bal = checked_add(read_amount(state, key), amount);
  if (!total || !bal) return reject(Code::kOverflow, "supply would overflow 128 bits");
  write_amount(state, supply_key, *total);
  write_amount(state, key, *bal);
  return Status::success();
}

Status Bank::init_genesis(State& state, const boost::json::object& genesis) {
  std::string error;
  boost::json::value doc(genesis);
  jf::Fields top(doc, "", &error);
  jf::Fields bank = top.object("bank");
  std::string native = bank.str("native");
  const auto& assets_json = bank.array("assets");
  std::vector<AssetInfo> list;
  for (size_t i = 0; i < assets_json.size() && error.empty(); ++i) {
    jf::Fields a(assets_json[i], "bank.assets[" + std::to_string(i) + "]", &error);
    AssetInfo info;
    info.symbol = a.str("symbol");
    info.name = a.str("name");
    uint64_t decimals = a.u64("decimals");
    a.only({"symbol", "name", "decimals"});
    if (!error.empty()) break;
    if (!valid_symbol(info.symbol)) {
      a.fail("symbol", "must be 2 to 11 uppercase letters or digits, starting with a letter");
    } else if (info.name.empty() || info.name.size() > 64) {
      a.fail("name", "must be 1 to 64 characters");
    } else if (decimals > 36) {
      a.fail("decimals", "must be at most 36");
    }
    for (const auto& prev : list)
      if (prev.symbol == info.symbol) a.fail("symbol", "duplicate asset " + info.symbol);
    info.decimals = static_cast<uint8_t>(decimals);
    list.push_back(info);
  }
  if (error.empty() && list.empty()) bank.fail("assets", "at least the native asset is required");
  bool native_listed = false;
  for (const auto& a : list) native_listed = native_listed || a.symbol == native;
  if (error.empty() && !native_listed) bank.fail("native", "must be the symbol of one of bank.assets");
  if (!error.empty()) return reject(ChainCode::kMalformed, error);

  for (const auto& a : list) {
    rlp::Encoder e;
    e.begin_list().str(a.symbol).str(a.name).uint(a.decimals).end_list();
    state.put(make_key(kAssetPrefix, as_bytes(a.symbol)), e.finish());
  }
  state.put(as_bytes(kNativeKey), as_bytes(native));

  std::map<std::string, Amount> supplies;
  const auto& balances = bank.array("balances");
  for (size_t i = 0; i < balances.size() && error.empty(); ++i) {
    std::string path = "bank.balances[" + std::to_string(i) + "]";
    jf::Fields b(balances[i], path, &error);
    Address who = b.address("address");
    jf::Fields amounts = b.object("amounts");
    b.only({"address", "amounts", "note"});
    if (!error.empty()) break;
    for (const auto& kv : *amounts.raw()) {
      std::string symbol(kv.key());
      Amount amount = amounts.amount(symbol);
      if (!error.empty()) break;
      if (!asset(state, symbol)) {
        amounts.fail(symbol, "unknown asset");
        break;
      }
      Bytes key = balance_key(who, symbol);
      auto total = checked_add(supplies[symbol], amount);
      auto bal = checked_add(read_amount(state, key), amount);
      if (!total || !bal) {
        amounts.fail(symbol, "total supply overflows 128 bits");
        break;
      }
      supplies[symbol] = *total;
      write_amount(state, key, *bal);
    }
  }
  if (!error.empty()) return reject(ChainCode::kMalformed, error);
  for (const auto& [symbol, total] : supplies) write_amount(state, make_key(kSupplyPrefix, as_bytes(symbol)), total);
  return Status::success();
}

Status Bank::check(uint64_t kind, ByteView payload) const {
  assert(kind == kTransferKind);
  (void)kind;
  Transfer t;
  if (Status s = Transfer::decode(payload, t); !s.ok()) return s;
  if (t.amount == 0) return reject(Code::kZeroAmount, "transfer amount must be positive");
  if (!valid_symbol(t.asset)) return reject(Code::kUnknownAsset, "invalid asset symbol");
  return Status::success();
}

Status Bank::apply(Context& ctx, uint64_t kind, ByteView payload) {
  if (Status s = check(kind, payload); !s.ok()) return s;
  Transfer t;
  (void)Transfer::decode(payload, t);
  if (auto module = module_account_name(t.to))
    return reject(Code::kModuleAccount, to_checksum(t.to) + " is " + std::string(*module) +
                                            ", a module account nobody can spend from; the tokens would be lost");
  return transfer(ctx, ctx.sender, t.to, t.asset, t.amount, "transfer");
}

Status pay_fee(State& state, std::vector<Event>& events, const Address& payer, const Address& proposer, Amount fee,
               const std::optional<Address>& pool, Amount to_pool) {
  assert(to_pool <= fee && (pool || to_pool == 0));
  const std::string native = native_symbol(state);
  if (balance(state, payer, native) < fee)
    return reject(ChainCode::kInsufficientFee, "the native balance cannot pay the fee of " +
                                                   amount_text(state, native, fee));
  // Both moves fit: the payer holds the fee, and balances add up to a supply that fits in 128 bits.
  if (to_pool > 0) {
    Status s = move(state, payer, *pool, native, to_pool);
    assert(s.ok());
    (void)s;
  }
  Status s = move(state, payer, proposer, native, fee - to_pool);
  assert(s.ok());
  (void)s;
  Event e{"bank.fee",
          {payer},
          {{"payer", to_checksum(payer)},
           {"asset", native},
           {"amount", to_decimal(fee)},
           {"proposer", to_checksum(proposer)},
           {"proposerShare", to_decimal(fee - to_pool)}}};
  if (pool) {
    e.fields.emplace_back("pool", to_checksum(*pool));
    e.fields.emplace_back("poolShare", to_decimal(to_pool));
  }
  events.push_back(std::move(e));
  return Status::success();
}

Status Bank::charge_fee(State& state, const BlockEnv& block, const Address& payer, Amount fee,
                        std::vector<Event>& events) {
  return pay_fee(state, events, payer, block.proposer, fee, std::nullopt, 0);
}

Amount Bank::fee_balance(const StateReader& state, const Address& payer) const {
  return balance(state, payer, native_symbol(state));
}

}  // namespace vest::bank
