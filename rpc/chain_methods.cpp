#include "rpc/chain_methods.h"

#include <algorithm>

#include "chain/executor.h"
#include "contracts/bank/bank.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
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
  return json::object{{"native", bank::native_symbol(*snap)}, {"assets", std::move(list)}};
}

json::value chain_get_block(NodeApi& node, const json::object& p) {
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
  return block_view(*b);
}

json::value chain_get_transaction(NodeApi& node, const json::object& p) {
  Hash h = hash_param(p, "hash");
  if (auto rec = node.store().transaction(h)) {
    Transaction tx;
    (void)decode_transaction(rec->raw, tx);
    return committed_tx_view(*rec, tx);
  }
  if (auto pending = node.pending(h)) {
    json::object o = tx_fields_view(pending->tx, pending->sender, pending->hash, pending->raw);
    o["status"] = "pending";
    o["height"] = nullptr;
    o["index"] = nullptr;
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
  const ChainParams& params = node.params();
  out["admin"] = params.validator_admin ? json::value(to_checksum(*params.validator_admin)) : json::value(nullptr);
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
  return json::object{{"evidence", std::move(list)}, {"nextCursor", next}};
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

json::value account_get_transactions(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  Address a = address_param(p, "address");
  size_t limit = page_limit(p, limits);
  auto after = cursor_param(p);
  auto rows = node.store().account_transactions(a, after, limit + 1);
  bool more = rows.size() > limit;
  if (more) rows.pop_back();
  json::array txs;
  for (const auto& [cursor, hash] : rows) {
    auto rec = node.store().transaction(hash);
    if (!rec) continue;
    Transaction tx;
    (void)decode_transaction(rec->raw, tx);
    txs.push_back(committed_tx_view(*rec, tx));
  }
  json::object out{{"address", to_checksum(a)}, {"transactions", std::move(txs)}};
  out["nextCursor"] = more ? json::value(cursor_text(rows.back().first)) : json::value(nullptr);
  return out;
}

json::value chain_get_events(NodeApi& node, const json::object& p, const MethodLimits& limits) {
  size_t limit = page_limit(p, limits);
  auto kind = opt_string(p, "kind");
  json::array events;
  json::value next = nullptr;
  // Events of the block itself (kBlockEventsIndex) have no transaction.
  auto add = [&](const Event& e, uint64_t height, uint32_t index, const Hash* tx) {
    if (kind && e.type != *kind) return;
    json::object o = event_view(e);
    o["height"] = height;
    o["txIndex"] = tx ? json::value(index) : json::value(nullptr);
    o["txHash"] = tx ? json::value(to_hex_0x(tx->view())) : json::value(nullptr);
    events.push_back(std::move(o));
  };
  if (p.contains("address")) {
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
    if (!height) fail_params("give 'height' or 'address'");
    auto b = node.store().block(*height);
    if (!b) return nullptr;
    for (const Event& e : b->events) add(e, *height, kBlockEventsIndex, nullptr);
    for (uint32_t i = 0; i < b->tx_hashes.size(); ++i) {
      auto r = node.store().receipt(*height, i);
      if (!r) continue;
      for (const Event& e : r->events) add(e, *height, i, &b->tx_hashes[i]);
    }
  }
  return json::object{{"events", std::move(events)}, {"nextCursor", next}};
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
  d.add_sync("chain_getBlock", {"height", "hash"},
             [&node](const json::value& v) { return Result(chain_get_block(node, params_object(v))); });
  d.add_sync("chain_getTransaction", {"hash"},
             [&node](const json::value& v) { return Result(chain_get_transaction(node, params_object(v))); });
  d.add_sync("chain_getEvents", {"height", "address", "kind", "cursor", "limit"}, [&node, limits](const json::value& v) {
    return Result(chain_get_events(node, params_object(v), limits));
  });
  d.add_sync("chain_getValidators", {"height"},
             [&node](const json::value& v) { return Result(chain_get_validators(node, params_object(v))); });
  d.add_sync("chain_getEvidence", {"fromHeight", "toHeight", "validator", "cursor", "limit"},
             [&node, limits](const json::value& v) { return Result(chain_get_evidence(node, params_object(v), limits)); });
  d.add_sync("account_get", {"address", "atHeight"}, [&node](const json::value& v) { return Result(account_get(node, params_object(v))); });
  d.add_sync("account_getTransactions", {"address", "cursor", "limit"}, [&node, limits](const json::value& v) {
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
