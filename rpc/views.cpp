#include "rpc/views.h"

#include <charconv>

#include "contracts/catalog.h"

namespace vest::rpc {

namespace json = boost::json;

json::object block_view(const StoredBlock& b) {
  json::object o;
  o["height"] = b.header.height;
  o["hash"] = to_hex_0x(b.hash.view());
  o["parentHash"] = to_hex_0x(b.header.parent_hash.view());
  o["time"] = b.header.time;
  o["proposer"] = to_checksum(b.header.proposer);
  o["txRoot"] = to_hex_0x(b.header.tx_root.view());
  o["stateRoot"] = to_hex_0x(b.header.state_root.view());
  o["receiptsRoot"] = to_hex_0x(b.header.receipts_root.view());
  o["chainId"] = b.header.chain_id;
  o["signature"] = to_hex_0x(b.sig.to_bytes());
  json::array txs;
  for (const Hash& h : b.tx_hashes) txs.emplace_back(to_hex_0x(h.view()));
  o["transactions"] = std::move(txs);
  json::array events;
  for (const Event& e : b.events) events.push_back(event_view(e));
  o["events"] = std::move(events);
  o["evidenceHash"] = to_hex_0x(b.header.evidence_hash.view());
  json::array evidence;
  for (const DuplicateVote& d : b.evidence) evidence.push_back(duplicate_vote_view(d));
  o["evidence"] = std::move(evidence);
  return o;
}

json::object validator_set_view(const ValidatorsAt& v) {
  json::array list;
  for (const Validator& x : v.set.validators())
    list.push_back(json::object{{"address", to_checksum(x.address)}, {"power", std::to_string(x.power)}});
  return json::object{{"effectiveFrom", v.effective_from},
                      {"hash", to_hex_0x(v.set.hash().view())},
                      {"totalPower", std::to_string(v.set.total_power())},
                      {"validators", std::move(list)}};
}

json::object duplicate_vote_view(const DuplicateVote& d) {
  json::array votes;
  for (const SignedVote* v : {&d.first, &d.second}) {
    votes.push_back(json::object{{"blockHash", to_hex_0x(v->vote.block_hash.view())},
                                 {"time", v->vote.time},
                                 {"signature", to_hex_0x(v->sig.to_bytes())}});
  }
  return json::object{{"hash", to_hex_0x(d.hash().view())},
                      {"validator", to_checksum(d.voter())},
                      {"height", d.height()},
                      {"round", d.first.vote.round},
                      {"type", std::string(to_string(d.first.vote.type))},
                      {"blockA", to_hex_0x(d.first.vote.block_hash.view())},
                      {"blockB", to_hex_0x(d.second.vote.block_hash.view())},
                      {"votes", std::move(votes)},
                      {"raw", to_hex_0x(encode_duplicate_vote(d))}};
}

json::object event_view(const Event& e) {
  json::object o;
  o["type"] = e.type;
  json::array addrs;
  for (const Address& a : e.addresses) addrs.emplace_back(to_checksum(a));
  o["addresses"] = std::move(addrs);
  json::object fields;
  for (const auto& [k, v] : e.fields) fields[k] = v;
  o["fields"] = std::move(fields);
  return o;
}

json::object error_view(uint32_t code, const std::string& reason, const std::string& message) {
  return json::object{{"code", code}, {"reason", reason}, {"message", message}};
}

json::object tx_fields_view(const Transaction& tx, const Address& sender, const Hash& hash, ByteView raw) {
  json::object o;
  o["hash"] = to_hex_0x(hash.view());
  o["from"] = to_checksum(sender);
  o["nonce"] = tx.nonce;
  o["fee"] = to_decimal(tx.fee);
  o["chainId"] = tx.chain_id;
  o["kindId"] = tx.kind;
  json::object message;
  if (auto info = describe_message(tx.kind, tx.payload)) {
    o["kind"] = info->name;
    for (const auto& [k, v] : info->fields) message[k] = v;
  } else {
    o["kind"] = "unknown";
    message["payload"] = to_hex_0x(tx.payload);
  }
  o["message"] = std::move(message);
  o["raw"] = to_hex_0x(raw);
  return o;
}

json::object committed_tx_view(const TxRecord& r, const Transaction& tx, const StoredBlock& block) {
  json::object o = tx_fields_view(tx, r.sender, r.hash, r.raw);
  o["status"] = r.receipt.ok() ? "committed" : "failed";
  o["height"] = r.height;
  o["index"] = r.index;
  o["blockHash"] = to_hex_0x(block.hash.view());
  o["blockTime"] = block.header.time;
  if (r.receipt.ok()) {
    o["error"] = nullptr;
  } else {
    o["error"] = error_view(r.receipt.code, r.receipt.reason, r.receipt.message);
  }
  json::array events;
  for (const Event& e : r.receipt.events) events.push_back(event_view(e));
  o["events"] = std::move(events);
  return o;
}

json::object committed_tx_view(const TxRecord& r, const StoredBlock& block) {
  Transaction tx;
  (void)decode_transaction(r.raw, tx);
  return committed_tx_view(r, tx, block);
}

std::string cursor_text(const Cursor& c) {
  std::string s = std::to_string(c.height) + ":" + std::to_string(c.index);
  if (c.sub) s += ":" + std::to_string(c.sub);
  return s;
}

std::optional<Cursor> parse_cursor(std::string_view text) {
  Cursor c;
  uint64_t parts[3] = {0, 0, 0};
  size_t n = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (n < 3) {
    auto [next, ec] = std::from_chars(p, end, parts[n]);
    if (ec != std::errc() || next == p) return std::nullopt;
    ++n;
    p = next;
    if (p == end) break;
    if (*p != ':') return std::nullopt;
    ++p;
  }
  if (p != end || n < 2 || parts[1] > UINT32_MAX || parts[2] > UINT16_MAX) return std::nullopt;
  c.height = parts[0];
  c.index = static_cast<uint32_t>(parts[1]);
  c.sub = static_cast<uint16_t>(parts[2]);
  return c;
}

}  // namespace vest::rpc
