#include "rpc/chain_methods.h"

#include <algorithm>
#include <functional>

#include "chain/executor.h"
#include "contracts/bank/bank.h"
#include "contracts/catalog.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "rpc/event_filter.h"
#include "rpc/method_util.h"
#include "rpc/params.h"
#include "rpc/views.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

std::optional<Cursor> cursor_param(const json::object& p) {
  auto text = opt_string(p, "cursor");
  if (!text) return std::nullopt;
  auto c = parse_cursor(*text);
  if (!c) fail_params("field 'cursor': not a cursor returned by this method");
  return c;
}

// A range of committed blocks, fromHeight..toHeight (both required and
// included): not reversed, at most `max_width` blocks, not past `head`.
struct HeightRange {
  uint64_t from = 0;
  uint64_t to = 0;
};
HeightRange range_param(const json::object& p, uint64_t head, uint64_t max_width) {
  HeightRange r{get_u64(p, "fromHeight"), get_u64(p, "toHeight")};
  if (r.to < r.from) fail_params("field 'toHeight': below 'fromHeight'");
  if (r.to - r.from >= max_width)
    fail_params("fields 'fromHeight' and 'toHeight': a range of at most " + std::to_string(max_width) +
                " blocks; split it");
  if (r.to > head)
    fail_params("field 'toHeight': block " + std::to_string(r.to) + " is not committed yet (the head is " +
                std::to_string(head) + ")");
  return r;
}

// A stored block the store must have (below its head).
StoredBlock committed_block(const ChainStore& store, uint64_t height) {
  auto b = store.block(height);
  if (!b) throw Exception(kInternalError, "block " + std::to_string(height) + " is missing from the store");
  return std::move(*b);
}

// What one answer may still hold of a block's transactions.
struct TxBudget {
  size_t txs = 0;        // transactions
  size_t bytes = 0;      // their signed bytes (full transactions only)
  bool any = false;      // the answer holds one already: at least one always fits
};

// The block with its transactions from index `start` on, as many as `budget`
// allows: hashes, or (`full`) each as chain_getTransaction shows it. `next` is
// the index of the first transaction left out (the block's count when none).
json::object block_page_view(const ChainStore& store, const StoredBlock& b, uint32_t start, bool full,
                             TxBudget& budget, uint32_t& next) {
  json::object o = block_view(b);
  json::array txs;
  uint32_t i = start;
  for (; i < b.tx_hashes.size() && budget.txs > 0; ++i) {
    if (!full) {
      txs.emplace_back(to_hex_0x(b.tx_hashes[i].view()));
    } else {
      auto rec = store.transaction(b.tx_hashes[i]);
      if (!rec) throw Exception(kInternalError, "a transaction of block " + std::to_string(b.header.height) + " is missing");
      if (budget.any && rec->raw.size() > budget.bytes) break;
      budget.bytes -= std::min(budget.bytes, rec->raw.size());
      txs.push_back(committed_tx_view(*rec, b));
    }
    --budget.txs;
    budget.any = true;
  }
  next = i;
  o["transactions"] = std::move(txs);
  o["txCount"] = b.tx_hashes.size();
  o["txStart"] = start;
  return o;
}

// The events of blocks pos.height..to in chain order from `pos` (slot 0: the
// block's own events; slot i + 1: transaction i's), each handed to `visit`
// until it returns false (that event is not consumed), `max_blocks` blocks
// were read or `max_events` events looked at. Answers where to go on, or
// nullopt when the range is done.
using EventVisit = std::function<bool(const Event&, uint64_t height, const Hash* tx, uint32_t tx_index)>;
std::optional<Cursor> scan_events(const ChainStore& store, Cursor pos, uint64_t to, uint64_t max_blocks,
                                  size_t max_events, const EventVisit& visit) {
  uint64_t blocks = 0;
  size_t events = 0;
  for (; pos.height <= to; pos = Cursor{pos.height + 1, 0, 0}) {
    if (blocks == max_blocks) return pos;
    ++blocks;
    const StoredBlock b = committed_block(store, pos.height);
    const size_t slots = b.tx_hashes.size() + 1;
    for (; pos.index < slots; ++pos.index, pos.sub = 0) {
      std::optional<Receipt> receipt;
      const Hash* tx = nullptr;
      if (pos.index > 0) {
        receipt = store.receipt(pos.height, pos.index - 1);
        if (!receipt) throw Exception(kInternalError, "a receipt of block " + std::to_string(pos.height) + " is missing");
        tx = &b.tx_hashes[pos.index - 1];
      }
      const std::vector<Event>& list = receipt ? receipt->events : b.events;
      for (; pos.sub < list.size(); ++pos.sub) {
        if (events == max_events) return pos;
        if (!visit(list[pos.sub], pos.height, tx, pos.index - 1)) return pos;
        ++events;
        if (pos.sub == UINT16_MAX) break;  // beyond what an event cursor names
      }
    }
  }
  return std::nullopt;
}

json::object located_event_view(const Event& e, uint64_t height, const Hash* tx, uint32_t tx_index) {
  json::object o = event_view(e);
  o["height"] = height;
  o["txIndex"] = tx ? json::value(tx_index) : json::value(nullptr);
  o["txHash"] = tx ? json::value(to_hex_0x(tx->view())) : json::value(nullptr);
  return o;
}

json::value node_status(NodeApi& node) {
  Head head = *node.store().head();
  NodeInfo info = node.info();
  const ChainParams& p = node.params();
  auto snap = node.store().snapshot();
  json::array conflicts;
  for (const auto& c : info.conflicts) {
    conflicts.push_back(json::object{
        {"height", c.height}, {"validator", c.validator}, {"kept", c.kept}, {"other", c.other}, {"peer", c.peer}});
  }
  json::object p2p{{"listen", info.p2p_listen.empty() ? json::value(nullptr) : json::value(info.p2p_listen)},
                   {"peers", info.peer_count}};
  json::object sync{{"syncing", info.syncing}, {"height", info.sync_height},
                    {"target", std::max(info.sync_target, head.height)}};
  json::value consensus = nullptr;
  if (info.consensus) {
    const ConsensusView& c = *info.consensus;
    consensus = json::object{{"height", c.height},
                             {"round", c.round},
                             {"step", c.step},
                             {"lockedRound", c.locked_round < 0 ? json::value(nullptr) : json::value(c.locked_round)},
                             {"proposer", c.proposer}};
  }
  json::array validators;
  if (auto set = validators_at(*snap, head.height + 1)) {
    for (const Validator& v : set->set.validators())
      validators.push_back(json::object{{"address", to_checksum(v.address)}, {"power", v.power}});
  }
  return json::object{{"chainId", p.chain_id},
                      {"chainName", p.chain_name},
                      {"genesisHash", to_hex_0x(node.genesis_hash().view())},
                      {"height", head.height},
                      {"headHash", to_hex_0x(head.hash.view())},
                      {"headTime", head.time},
                      {"version", info.version},
                      {"nodeId", info.node_id},
                      {"role", info.role},
                      {"signing", info.role != "validator"      ? json::value(nullptr)
                                  : info.signing_stopped.empty() ? json::value(json::object{{"stopped", false}})
                                                                 : json::value(json::object{{"stopped", true},
                                                                                            {"reason", info.signing_stopped}})},
                      {"p2p", std::move(p2p)},
                      {"sync", std::move(sync)},
                      {"conflicts", std::move(conflicts)},
                      {"consensus", std::move(consensus)},
                      {"validators", std::move(validators)},
                      {"dev", info.dev},
                      {"timeOffset", info.time_offset},
                      {"minFee", to_decimal(p.min_fee)},
                      {"nativeSymbol", bank::native_symbol(*snap)},
                      {"blockTimeMs", p.block_time_ms},
                      {"maxTxBytes", p.max_tx_bytes},
                      {"mempool", json::object{{"transactions", info.mempool_txs}, {"bytes", info.mempool_bytes}}}};
}

json::value node_peers(NodeApi& node) {
  json::array list;
  for (const PeerView& v : node.peers()) {
    list.push_back(json::object{{"id", v.id},
                                {"address", v.address},
                                {"direction", v.direction},
                                {"height", v.height},
                                {"since", v.since},
                                {"bytesIn", v.bytes_in},
                                {"bytesOut", v.bytes_out}});
  }
  return json::object{{"peers", std::move(list)}};
}

json::value chain_get_assets(NodeApi& node) {
  auto snap = node.store().snapshot();
  json::array list;
  for (const auto& a : bank::assets(*snap)) {
    list.push_back(json::object{{"symbol", a.symbol},
                                {"name", a.name},
                                {"decimals", a.decimals},
                                {"supply", to_decimal(bank::supply(*snap, a.symbol))}});
  }
  return json::object{{"native", bank::native_symbol(*snap)},
                      {"assets", std::move(list)},
                      {"height", snap->head().height},
                      {"time", snap->head().time}};
}

json::value chain_get_block(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const bool full = opt_bool(p, "full", false);
  if (!full && (opt_value(p, "cursor") || opt_value(p, "limit")))
    fail_params("fields 'cursor' and 'limit' page a block's transactions with 'full': true");
  const size_t limit = full ? bulk_page_limit(p, limits) : 0;
  const auto cursor = cursor_param(p);
  std::optional<uint64_t> height;
  if (p.contains("hash")) {
    height = node.store().height_of(hash_param(p, "hash"));
    if (!height) return nullptr;
  } else if (auto h = opt_u64(p, "height")) {
    height = *h;
  } else {
    height = node.store().head()->height;
  }
  auto b = node.store().block(*height);
  if (!b) return nullptr;
  if (!full) return block_view(*b);
  uint32_t start = 0;
  if (cursor) {
    if (cursor->height != *height || cursor->sub != 0 || cursor->index > b->tx_hashes.size())
      fail_params("field 'cursor': not a cursor of block " + std::to_string(*height));
    start = cursor->index;
  }
  TxBudget budget{limit, kMaxFullTxBytes};
  uint32_t next = 0;
  json::object o = block_page_view(node.store(), *b, start, true, budget, next);
  o["nextCursor"] = next < b->tx_hashes.size() ? json::value(cursor_text(Cursor{*height, next, 0})) : json::value(nullptr);
  return o;
}

json::value chain_get_blocks(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const ChainStore& store = node.store();
  const uint64_t head = store.head()->height;
  const HeightRange range = range_param(p, head, kMaxBlockRange);
  const bool full = opt_bool(p, "full", false);
  const size_t limit = bulk_page_limit(p, limits);
  uint64_t height = range.from;
  uint32_t start = 0;
  if (auto c = cursor_param(p)) {
    if (c->height < range.from || c->height > range.to || c->sub != 0)
      fail_params("field 'cursor': not a cursor of this range");
    height = c->height;
    start = c->index;
  }
  TxBudget budget{limit, kMaxFullTxBytes};
  json::array blocks;
  json::value next = nullptr;
  for (; height <= range.to; ++height, start = 0) {
    const StoredBlock b = committed_block(store, height);
    if (start > b.tx_hashes.size()) fail_params("field 'cursor': not a cursor of this range");
    const bool more_txs = start < b.tx_hashes.size();
    if (more_txs && budget.txs == 0) {
      next = cursor_text(Cursor{height, start, 0});
      break;
    }
    uint32_t after = 0;
    json::object o = block_page_view(store, b, start, full, budget, after);
    if (more_txs && after == start) {  // not even one transaction fits: the next answer starts here
      next = cursor_text(Cursor{height, start, 0});
      break;
    }
    blocks.push_back(std::move(o));
    if (after < b.tx_hashes.size()) {
      next = cursor_text(Cursor{height, after, 0});
      break;
    }
  }
  return json::object{{"blocks", std::move(blocks)}, {"nextCursor", next}, {"height", head}};
}

json::value chain_get_genesis(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const size_t limit = bulk_page_limit(p, limits);
  Address from_account;
  std::string from_symbol;
  if (auto c = opt_string(p, "cursor")) {
    const auto colon = c->find(':');
    std::optional<Address> a = colon == std::string::npos ? std::nullopt : parse_address(c->substr(0, colon));
    from_symbol = colon == std::string::npos ? std::string() : c->substr(colon + 1);
    if (!a || !bank::valid_symbol(from_symbol)) fail_params("field 'cursor': not a cursor returned by this method");
    from_account = *a;
  }
  auto snap = node.store().snapshot();
  const StoredBlock genesis = committed_block(node.store(), 0);
  const HistoricalState state(snap, 0);
  const ChainParams& params = node.params();
  json::array assets;
  for (const auto& a : bank::assets(state)) {
    assets.push_back(json::object{{"symbol", a.symbol},
                                  {"name", a.name},
                                  {"decimals", a.decimals},
                                  {"supply", to_decimal(bank::supply(state, a.symbol))}});
  }
  json::array balances;
  json::value next = nullptr;
  bank::for_each_balance(state, from_account, from_symbol, [&](const bank::BalanceEntry& e) {
    if (balances.size() == limit) {
      next = to_checksum(e.account) + ":" + e.symbol;
      return false;
    }
    balances.push_back(json::object{{"address", to_checksum(e.account)}, {"asset", e.symbol}, {"amount", to_decimal(e.amount)}});
    return true;
  });
  json::value validators = nullptr;
  if (auto set = validators_at(state, 0)) validators = validator_set_view(*set);
  auto document = node.store().genesis_document_hash();
  return json::object{{"chainId", params.chain_id},
                      {"chainName", params.chain_name},
                      {"genesisHash", to_hex_0x(node.genesis_hash().view())},
                      {"documentHash", document ? json::value(to_hex_0x(document->view())) : json::value(nullptr)},
                      {"genesisTime", params.genesis_time},
                      {"height", 0},
                      {"time", genesis.header.time},
                      {"nativeSymbol", bank::native_symbol(state)},
                      {"assets", std::move(assets)},
                      {"validators", std::move(validators)},
                      {"balances", std::move(balances)},
                      {"nextCursor", next},
                      {"head", snap->head().height}};
}

json::value chain_get_transaction(NodeApi& node, const json::object& p) {
  Hash h = hash_param(p, "hash");
  if (auto rec = node.store().transaction(h)) return committed_tx_view(*rec, committed_block(node.store(), rec->height));
  if (auto pending = node.pending(h)) {
    json::object o = tx_fields_view(pending->tx, pending->sender, pending->hash, pending->raw);
    o["status"] = "pending";
    o["height"] = nullptr;
    o["index"] = nullptr;
    o["blockHash"] = nullptr;
    o["blockTime"] = nullptr;
    o["error"] = nullptr;
    o["events"] = json::array();
    return o;
  }
  return nullptr;
}

json::value chain_get_validators(NodeApi& node, const json::object& p) {
  auto snap = node.store().snapshot();
  const uint64_t head = snap->head().height;
  const uint64_t height = opt_u64(p, "height").value_or(head + 1);
  // The sets up to head + 2 are fixed: a change takes effect two blocks after its own.
  if (height > head + kValidatorSetDelay)
    fail_params("field 'height': the validator sets are known up to the head + 2 (" +
                std::to_string(head + kValidatorSetDelay) + ")");
  auto at = validators_at(*snap, height);
  auto latest = latest_validators(*snap);
  if (!at || !latest) throw Exception(kInternalError, "the state holds no validator set");
  json::object out = validator_set_view(*at);
  out["height"] = height;
  out["head"] = head;
  // A change that certifies no committed block yet and is not the answer itself.
  const bool pending = latest->effective_from > head && latest->effective_from > height;
  out["pending"] = pending ? json::value(validator_set_view(*latest)) : json::value(nullptr);
  // The admin as of the head: a roles handover (contracts/roles) may have moved it since genesis.
  auto params = read_params(*snap);
  out["admin"] = params && params->validator_admin ? json::value(to_checksum(*params->validator_admin))
                                                   : json::value(nullptr);
  return out;
}

json::value chain_get_evidence(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  const size_t limit = page_limit(p, limits);
  const uint64_t head = node.store().head()->height;
  const uint64_t from = opt_u64(p, "fromHeight").value_or(0);
  const auto to_param = opt_u64(p, "toHeight");
  const uint64_t to = to_param.value_or(head);
  if (to_param && from > to) fail_params("field 'fromHeight': above 'toHeight'");
  auto validator = opt_address_param(p, "validator");
  auto rows = node.store().committed_evidence(validator, from, to, cursor_param(p), limit + 1);
  const bool more = rows.size() > limit;
  if (more) rows.pop_back();
  json::array list;
  for (const CommittedEvidence& e : rows) {
    json::object o = duplicate_vote_view(e.evidence);
    o["committedHeight"] = e.height;
    auto b = node.store().block(e.height);
    o["committedBlock"] = b ? json::value(to_hex_0x(b->hash.view())) : json::value(nullptr);
    o["index"] = e.index;
    list.push_back(std::move(o));
  }
  json::value next = nullptr;
  if (more) next = cursor_text(Cursor{rows.back().height, rows.back().index, 0});
  return json::object{{"evidence", std::move(list)}, {"nextCursor", next}, {"height", head}};
}

}  // namespace

json::value account_get(NodeApi& node, const json::object& p) {
  Address a = address_param(p, "address");
  StateAt at = state_at(node, p);
  const StateReader& state = *at.state;
  auto held = staking::holdings(state, a, at.time);
  std::map<std::string, vesting::Holdings> held_now;
  if (at.now) held_now = staking::holdings(state, a, *at.now);
  const std::string native = bank::native_symbol(state);
  const Amount matured = at.now ? staking::matured_unbonding(state, a, *at.now) : 0;
  json::object balances, spendable, locked, claimable, offered, now_spendable, now_locked, now_claimable;
  auto amount_of = [](const std::map<std::string, vesting::Holdings>& m, const std::string& asset,
                      Amount vesting::Holdings::*field) {
    auto it = m.find(asset);
    return to_decimal(it == m.end() ? 0 : it->second.*field);
  };
  for (const auto& asset : bank::assets(state)) {
    Amount liquid = bank::balance(state, a, asset.symbol);
    balances[asset.symbol] = to_decimal(liquid);
    spendable[asset.symbol] = to_decimal(liquid);
    locked[asset.symbol] = amount_of(held, asset.symbol, &vesting::Holdings::locked);
    claimable[asset.symbol] = amount_of(held, asset.symbol, &vesting::Holdings::claimable);
    offered[asset.symbol] = amount_of(held, asset.symbol, &vesting::Holdings::offered);
    if (at.now) {
      now_spendable[asset.symbol] = to_decimal(liquid + (asset.symbol == native ? matured : 0));
      now_locked[asset.symbol] = amount_of(held_now, asset.symbol, &vesting::Holdings::locked);
      now_claimable[asset.symbol] = amount_of(held_now, asset.symbol, &vesting::Holdings::claimable);
    }
  }
  json::object out{{"address", to_checksum(a)},
                   {"nonce", account_nonce(state, a)},
                   {"balances", std::move(balances)},
                   {"spendable", std::move(spendable)},
                   {"locked", std::move(locked)},
                   {"claimable", std::move(claimable)},
                   {"offered", std::move(offered)},
                   {"height", at.height},
                   {"time", at.time}};
  // As a transaction sent now would see it: at the next block's time, with
  // matured unbonding returned.
  if (at.now) {
    out["now"] = json::object{{"time", *at.now},
                              {"spendable", std::move(now_spendable)},
                              {"locked", std::move(now_locked)},
                              {"claimable", std::move(now_claimable)},
                              {"unbondingMatured", to_decimal(matured)}};
  } else {
    out["now"] = nullptr;
  }
  // Native stake: bonded (of which still-vesting tokens) and unbonding.
  staking::Account st = staking::account(state, a);
  out["staked"] = to_decimal(st.staked());
  out["stakedFromVesting"] = to_decimal(st.vesting);
  out["unbonding"] = to_decimal(st.unbonding_free + st.unbonding_vesting);
  // Pending transactions of this sender: a wallet's next nonce is nonce + pendingCount.
  if (!p.contains("atHeight")) out["pendingCount"] = node.pending_count(a);
  return out;
}

namespace {

// Message kinds from "kinds" (an array of names such as "sale.purchase") or
// "kind" (one name); empty when neither is given.
std::vector<uint64_t> kinds_param(const json::object& p) {
  std::vector<std::string> names;
  const char* field = "kinds";
  if (opt_value(p, "kinds")) {
    if (opt_value(p, "kind")) fail_params("give 'kinds' or 'kind', not both");
    const json::array& list = get_array(p, "kinds");
    if (list.empty() || list.size() > kMaxTxKinds)
      fail_params("field 'kinds': between 1 and " + std::to_string(kMaxTxKinds) + " entries");
    for (const json::value& v : list) {
      if (!v.is_string()) fail_params("field 'kinds': each entry is a kind such as \"sale.purchase\"");
      names.emplace_back(v.as_string());
    }
  } else if (auto kind = opt_string(p, "kind")) {
    names.push_back(*kind);
    field = "kind";
  }
  std::vector<uint64_t> kinds;
  for (const std::string& name : names) {
    auto kind = message_kind(name);
    if (!kind) fail_params("field '" + std::string(field) + "': no transaction kind '" + name + "'");
    kinds.push_back(*kind);
  }
  return kinds;
}

json::value account_get_transactions(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  Address a = address_param(p, "address");
  const size_t limit = page_limit(p, limits);
  const std::vector<uint64_t> kinds = kinds_param(p);
  std::optional<Cursor> after = cursor_param(p);
  const ChainStore& store = node.store();
  const uint64_t head = store.head()->height;
  // Newest first; with kinds, at most kTxKindScan index entries per call.
  std::vector<std::pair<Cursor, Hash>> rows;
  json::value next = nullptr;
  if (kinds.empty()) {
    rows = store.account_transactions(a, after, limit + 1);
    if (rows.size() > limit) {
      rows.pop_back();
      next = cursor_text(rows.back().first);
    }
  } else {
    size_t budget = kTxKindScan;
    bool done = false;
    while (!done && budget > 0 && rows.size() <= limit) {
      const size_t want = std::min<size_t>(budget, 100);
      auto chunk = store.account_transactions(a, after, want);
      budget -= chunk.size();
      done = chunk.size() < want;
      for (const auto& row : chunk) {
        after = row.first;
        auto raw = store.transaction_bytes(row.second);
        Transaction tx;
        if (!raw || !decode_transaction(*raw, tx).ok()) continue;
        if (std::find(kinds.begin(), kinds.end(), tx.kind) == kinds.end()) continue;
        rows.push_back(row);
        if (rows.size() > limit) break;
      }
    }
    if (rows.size() > limit) {
      rows.resize(limit);
      next = cursor_text(rows.back().first);
    } else if (!done && after) {
      next = cursor_text(*after);  // the scan stopped: the next call goes on from there
    }
  }
  json::array txs;
  std::optional<StoredBlock> block;
  for (const auto& [cursor, hash] : rows) {
    auto rec = store.transaction(hash);
    if (!rec) continue;
    if (!block || block->header.height != rec->height) block = committed_block(store, rec->height);
    txs.push_back(committed_tx_view(*rec, *block));
  }
  return json::object{{"address", to_checksum(a)}, {"transactions", std::move(txs)}, {"nextCursor", next},
                      {"height", head}};
}

// The event types of "types" or, deprecated, "kind" (one type).
EventFilter events_filter_param(const json::object& p) {
  EventFilter f = event_filter_param(p);
  if (auto kind = opt_string(p, "kind")) {
    if (opt_value(p, "types")) fail_params("give 'types' or 'kind', not both");
    f.types.push_back(*kind);
  }
  return f;
}

json::value chain_get_events_range(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  if (opt_value(p, "height") || opt_value(p, "address"))
    fail_params("fields 'fromHeight' and 'toHeight' read a range: not with 'height' or 'address' (filter with 'addresses')");
  const ChainStore& store = node.store();
  const uint64_t head = store.head()->height;
  const HeightRange range = range_param(p, head, kMaxEventRange);
  const EventFilter filter = events_filter_param(p);
  const size_t limit = bulk_page_limit(p, limits);
  const auto cursor = cursor_param(p);
  if (cursor && (cursor->height < range.from || cursor->height > range.to))
    fail_params("field 'cursor': not a cursor of this range");
  const Cursor start = cursor.value_or(Cursor{range.from, 0, 0});
  json::array events;
  auto next = scan_events(store, start, range.to, kEventScanBlocks, kEventScanEvents,
                          [&](const Event& e, uint64_t height, const Hash* tx, uint32_t index) {
                            if (!filter.matches(e)) return true;
                            if (events.size() == limit) return false;
                            events.push_back(located_event_view(e, height, tx, index));
                            return true;
                          });
  // The first page of a bounded range counts what the whole range holds.
  json::value total = nullptr;
  if (!cursor && range.to - range.from < kMaxCountedRange) {
    uint64_t count = 0;
    auto rest = scan_events(store, Cursor{range.from, 0, 0}, range.to, kMaxCountedRange, kMaxCountedEvents,
                            [&](const Event& e, uint64_t, const Hash*, uint32_t) {
                              if (filter.matches(e)) ++count;
                              return true;
                            });
    if (!rest) total = count;
  }
  return json::object{{"events", std::move(events)},
                      {"nextCursor", next ? json::value(cursor_text(*next)) : json::value(nullptr)},
                      {"total", total},
                      {"fromHeight", range.from},
                      {"toHeight", range.to},
                      {"height", head}};
}

json::value chain_get_events(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  if (opt_value(p, "fromHeight") || opt_value(p, "toHeight")) return chain_get_events_range(node, p, limits);
  const EventFilter filter = events_filter_param(p);
  const uint64_t head = node.store().head()->height;
  json::array events;
  json::value next = nullptr;
  // Events of the block itself (kBlockEventsIndex) have no transaction.
  auto add = [&](const Event& e, uint64_t height, uint32_t index, const Hash* tx) {
    if (filter.matches(e)) events.push_back(located_event_view(e, height, tx, index));
  };
  if (p.contains("address")) {
    size_t limit = page_limit(p, limits);
    Address a = address_param(p, "address");
    auto after = cursor_param(p);
    // Scans at most a few pages of the index to fill one page of the wanted kind.
    size_t budget = limit * 4;
    while (events.size() < limit && budget > 0) {
      auto rows = node.store().account_events(a, after, std::min(budget, limit));
      if (rows.empty()) break;
      budget -= std::min(budget, rows.size());
      for (const Cursor& c : rows) {
        after = c;
        auto b = node.store().block(c.height);
        if (!b) continue;
        if (c.index == kBlockEventsIndex) {
          if (c.sub < b->events.size()) add(b->events[c.sub], c.height, c.index, nullptr);
        } else {
          auto r = node.store().receipt(c.height, c.index);
          if (!r || c.sub >= r->events.size() || c.index >= b->tx_hashes.size()) continue;
          add(r->events[c.sub], c.height, c.index, &b->tx_hashes[c.index]);
        }
        if (events.size() >= limit) break;
      }
      next = after ? json::value(cursor_text(*after)) : json::value(nullptr);
      if (rows.size() < std::min(budget, limit)) {
        if (events.size() < limit) next = nullptr;
        break;
      }
    }
  } else {
    auto height = opt_u64(p, "height");
    if (!height) fail_params("give 'fromHeight' and 'toHeight', 'height' or 'address'");
    auto b = node.store().block(*height);
    if (!b) return nullptr;
    for (const Event& e : b->events) add(e, *height, kBlockEventsIndex, nullptr);
    for (uint32_t i = 0; i < b->tx_hashes.size(); ++i) {
      auto r = node.store().receipt(*height, i);
      if (!r) continue;
      for (const Event& e : r->events) add(e, *height, i, &b->tx_hashes[i]);
    }
  }
  return json::object{{"events", std::move(events)}, {"nextCursor", next}, {"height", head}};
}

void tx_submit(NodeApi& node, const json::object& p, const MethodLimits& limits, Dispatcher::Reply reply) {
  std::string raw_text = get_string(p, "raw");
  auto raw = from_hex(raw_text);
  if (raw_text.rfind("0x", 0) != 0 || !raw || raw->empty()) fail_params("field 'raw': expected 0x-prefixed hex bytes");
  bool wait = opt_bool(p, "wait", false);
  Hash hash;
  Status s = node.submit(*raw, hash);
  if (!s.ok()) {
    reply(rejection(s));
    return;
  }
  std::string hash_text = to_hex_0x(hash.view());
  if (!wait) {
    reply(json::value(json::object{{"hash", hash_text}}));
    return;
  }
  // Clamped as an unsigned count: seconds above 2^63 would turn negative as a
  // duration, and overflow when converted to milliseconds.
  const auto max_wait = static_cast<uint64_t>(limits.max_wait.count());
  const uint64_t wait_seconds = std::min(opt_u64(p, "timeout").value_or(max_wait), max_wait);
  const auto timeout = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(wait_seconds));
  node.wait_for(hash, timeout, [&node, hash_text, reply](WaitResult w) {
    switch (w.kind) {
      case WaitResult::Kind::kCommitted: {
        json::object params{{"hash", hash_text}};
        reply(chain_get_transaction(node, params));
        return;
      }
      case WaitResult::Kind::kDropped:
        reply(rejection(w.why));
        return;
      case WaitResult::Kind::kTimeout:
        break;
    }
    json::object o{{"hash", hash_text}, {"status", "pending"}};
    reply(json::value(std::move(o)));
  });
}

void require_dev(NodeApi& node) {
  if (!node.info().dev) throw Exception(kDevOnly, "dev_* methods need a node started with --dev");
}

}  // namespace

void register_chain_methods(Dispatcher& d, NodeApi& node, MethodLimits limits) {
  d.add_sync("node_status", {}, [&node](const json::value&) { return Result(node_status(node)); });
  d.add_sync("node_peers", {}, [&node](const json::value&) { return Result(node_peers(node)); });
  d.add_sync("chain_getAssets", {}, [&node](const json::value&) { return Result(chain_get_assets(node)); });
  d.add_sync("chain_getBlock", {"height", "hash", "full", "cursor", "limit"}, [&node, limits](const json::value& v) {
    return Result(chain_get_block(node, params_object(v), limits));
  });
  d.add_sync("chain_getBlocks", {"fromHeight", "toHeight", "full", "cursor", "limit"},
             [&node, limits](const json::value& v) { return Result(chain_get_blocks(node, params_object(v), limits)); });
  d.add_sync("chain_getGenesis", {"cursor", "limit"},
             [&node, limits](const json::value& v) { return Result(chain_get_genesis(node, params_object(v), limits)); });
  d.add_sync("chain_getTransaction", {"hash"},
             [&node](const json::value& v) { return Result(chain_get_transaction(node, params_object(v))); });
  d.add_sync("chain_getEvents",
             {"fromHeight", "toHeight", "types", "addresses", "height", "address", "kind", "cursor", "limit"}, [&node, limits](const json::value& v) {
    return Result(chain_get_events(node, params_object(v), limits));
  });
  d.add_sync("chain_getValidators", {"height"},
             [&node](const json::value& v) { return Result(chain_get_validators(node, params_object(v))); });
  d.add_sync("chain_getEvidence", {"fromHeight", "toHeight", "validator", "cursor", "limit"},
             [&node, limits](const json::value& v) { return Result(chain_get_evidence(node, params_object(v), limits)); });
  d.add_sync("account_get", {"address", "atHeight"}, [&node](const json::value& v) { return Result(account_get(node, params_object(v))); });
  d.add_sync("account_getTransactions", {"address", "kinds", "kind", "cursor", "limit"}, [&node, limits](const json::value& v) {
    return Result(account_get_transactions(node, params_object(v), limits));
  });
  d.add("tx_submit", {"raw", "wait", "timeout"}, [&node, limits](const json::value& v, Dispatcher::Reply reply) {
    tx_submit(node, params_object(v), limits, std::move(reply));
  });
  d.add_sync("dev_mine", {"blocks"}, [&node](const json::value& v) {
    require_dev(node);
    const json::object& p = params_object(v);
    uint64_t blocks = opt_u64(p, "blocks").value_or(1);
    if (blocks == 0 || blocks > 1000) fail_params("field 'blocks': must be between 1 and 1000");
    uint64_t height = 0;
    Status s = node.dev_mine(static_cast<uint32_t>(blocks), height);
    if (!s.ok()) throw Exception(kInternalError, s.message);
    return Result(json::value(json::object{{"height", height}}));
  });
  d.add_sync("dev_increaseTime", {"seconds"}, [&node](const json::value& v) {
    require_dev(node);
    uint64_t seconds = get_u64(params_object(v), "seconds");
    if (seconds == 0 || seconds > 100ull * 365 * 86400) fail_params("field 'seconds': must be between 1 and 100 years");
    uint64_t offset = 0;
    (void)node.dev_increase_time(seconds, offset);
    return Result(json::value(json::object{{"offset", offset}}));
  });
  d.add_sync("dev_submitEvidence", {"evidence"}, [&node](const json::value& v) {
    require_dev(node);
    std::string text = get_string(params_object(v), "evidence");
    auto raw = from_hex(text);
    if (text.rfind("0x", 0) != 0 || !raw || raw->empty())
      fail_params("field 'evidence': expected 0x-prefixed hex bytes");
    Hash hash;
    Status s = node.dev_submit_evidence(*raw, hash);
    if (!s.ok()) throw Exception(kEvidenceRefused, s.message, json::object{{"reason", s.reason}});
    return Result(json::value(json::object{{"hash", to_hex_0x(hash.view())}}));
  });
}

}  // namespace vest::rpc
