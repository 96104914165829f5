#include "wallet/network.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "chain/durable_file.h"
#include "chain/genesis.h"

namespace vest::wallet {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr unsigned kMaxDecimals = 38;  // 10^38 is still below 2^128

std::string fee_text(const NetworkPin& p, Amount fee) {
  auto d = p.decimals.find(p.native);
  return d == p.decimals.end() ? to_decimal(fee) + " base units"
                               : format_units(fee, d->second) + " " + p.native;
}

json::object to_json(const NetworkPin& p) {
  json::object assets;
  for (const auto& [symbol, d] : p.decimals) assets[symbol] = d;
  return json::object{{"chainId", p.chain_id},   {"chainName", p.chain_name},
                      {"genesisHash", p.genesis_hash}, {"native", p.native},
                      {"minFee", to_decimal(p.min_fee)}, {"assets", assets},
                      {"source", p.source}};
}

bool from_json(const json::value& v, NetworkPin& p) {
  const json::object* o = v.if_object();
  if (!o) return false;
  const json::value *id = o->if_contains("chainId"), *name = o->if_contains("chainName"),
                    *hash = o->if_contains("genesisHash"), *native = o->if_contains("native"),
                    *fee = o->if_contains("minFee"), *assets = o->if_contains("assets"),
                    *source = o->if_contains("source");
  if (!id || !id->is_number() || !name || !name->is_string() || !hash || !hash->is_string() || !native ||
      !native->is_string() || !fee || !fee->is_string() || !assets || !assets->is_object())
    return false;
  json::error_code ec;
  p.chain_id = id->to_number<uint64_t>(ec);
  if (ec) return false;
  p.chain_name = std::string(name->get_string());
  p.genesis_hash = std::string(hash->get_string());
  p.native = std::string(native->get_string());
  auto min_fee = parse_decimal(fee->get_string());
  if (!min_fee) return false;
  p.min_fee = *min_fee;
  p.decimals.clear();
  for (const auto& kv : assets->get_object()) {
    unsigned d = kv.value().to_number<unsigned>(ec);
    if (ec || d > kMaxDecimals) return false;
    p.decimals[std::string(kv.key())] = d;
  }
  p.source = source && source->is_string() ? std::string(source->get_string()) : "";
  return p.decimals.contains(p.native);
}

}  // namespace

std::vector<std::string> pin_differences(const NetworkPin& pinned, const NetworkPin& seen) {
  std::vector<std::string> out;
  if (pinned.chain_id != seen.chain_id)
    out.push_back("chain id " + std::to_string(pinned.chain_id) + " -> " + std::to_string(seen.chain_id));
  if (pinned.chain_name != seen.chain_name)
    out.push_back("chain name " + pinned.chain_name + " -> " + seen.chain_name);
  if (!pinned.genesis_hash.empty() && !seen.genesis_hash.empty() && pinned.genesis_hash != seen.genesis_hash)
    out.push_back("genesis hash " + pinned.genesis_hash + " -> " + seen.genesis_hash);
  if (pinned.native != seen.native) out.push_back("native asset " + pinned.native + " -> " + seen.native);
  if (pinned.min_fee != seen.min_fee)
    out.push_back("minimum fee " + fee_text(pinned, pinned.min_fee) + " -> " + fee_text(pinned, seen.min_fee));
  for (const auto& [symbol, d] : pinned.decimals) {
    auto it = seen.decimals.find(symbol);
    if (it != seen.decimals.end() && it->second != d)
      out.push_back("asset " + symbol + " decimals " + std::to_string(d) + " -> " + std::to_string(it->second));
  }
  return out;
}

bool merge_new_assets(NetworkPin& pin, const NetworkPin& seen) {
  bool added = false;
  for (const auto& [symbol, d] : seen.decimals) added |= pin.decimals.emplace(symbol, d).second;
  return added;
}

bool pin_from_genesis(const std::string& text, NetworkPin& out, std::string& error) {
  Genesis g;
  if (!parse_genesis(text, g, error)) return false;
  out = NetworkPin{};
  out.chain_id = g.params.chain_id;
  out.chain_name = g.params.chain_name;
  out.min_fee = g.params.min_fee;
  const json::object* bank = g.doc.contains("bank") ? g.doc.at("bank").if_object() : nullptr;
  const json::value* native = bank ? bank->if_contains("native") : nullptr;
  const json::value* assets = bank ? bank->if_contains("assets") : nullptr;
  if (!native || !native->is_string()) {
    error = "bank.native: expected the native asset's symbol";
    return false;
  }
  if (!assets || !assets->is_array()) {
    error = "bank.assets: expected a list of assets";
    return false;
  }
  out.native = std::string(native->get_string());
  for (const auto& a : assets->get_array()) {
    const json::value* symbol = a.is_object() ? a.get_object().if_contains("symbol") : nullptr;
    const json::value* decimals = a.is_object() ? a.get_object().if_contains("decimals") : nullptr;
    json::error_code ec;
    unsigned d = decimals ? decimals->to_number<unsigned>(ec) : 0;
    if (!symbol || !symbol->is_string() || !decimals || ec || d > kMaxDecimals) {
      error = "bank.assets: each asset needs a symbol and decimals (0 to 38)";
      return false;
    }
    out.decimals[std::string(symbol->get_string())] = d;
  }
  if (!out.decimals.contains(out.native)) {
    error = "bank.native: " + out.native + " is not among bank.assets";
    return false;
  }
  return true;
}

NetworkStore::NetworkStore(fs::path keystore_dir)
    : dir_(std::move(keystore_dir)), file_(dir_ / "networks.json") {}

bool NetworkStore::load(std::map<uint64_t, NetworkPin>& out, std::string& error) const {
  out.clear();
  std::error_code ec;
  if (!fs::exists(file_, ec)) return true;
  std::ifstream in(file_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) {
    error = "cannot read " + file_.string();
    return false;
  }
  json::error_code jec;
  json::value doc = json::parse(ss.str(), jec);
  const json::value* networks =
      !jec && doc.is_object() ? doc.get_object().if_contains("networks") : nullptr;
  if (!networks || !networks->is_object()) {
    error = file_.string() + " is not a networks file (expected {\"networks\": {…}})";
    return false;
  }
  for (const auto& kv : networks->get_object()) {
    NetworkPin p;
    if (!from_json(kv.value(), p) || std::to_string(p.chain_id) != kv.key()) {
      error = file_.string() + ": network " + std::string(kv.key()) + " is malformed";
      return false;
    }
    out[p.chain_id] = std::move(p);
  }
  return true;
}

bool NetworkStore::save(const std::map<uint64_t, NetworkPin>& pins, std::string& error) const {
  json::object networks;
  for (const auto& [id, p] : pins) networks[std::to_string(id)] = to_json(p);
  const std::string text = json::serialize(json::object{{"version", 1}, {"networks", networks}}) + "\n";
  std::error_code ec;
  if (!fs::exists(dir_, ec)) {
    if (dir_.has_parent_path()) fs::create_directories(dir_.parent_path(), ec);
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
      error = "cannot create " + dir_.string() + ": " + std::strerror(errno);
      return false;
    }
  }
  return write_file_durably(file_, text, 0600, error);
}

}  // namespace vest::wallet
