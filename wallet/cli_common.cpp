#include "wallet/cli_common.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "contracts/bank/messages.h"
#include "wallet/display.h"
#include "wallet/keystore.h"
#include "wallet/rpc_client.h"
#include "wallet/tx_builder.h"

namespace vest::wallet {

namespace json = boost::json;

// scrypt parameters of new keystores: the standard ones, or geth's "light" ones.
ScryptParams kdf_params(const Globals& g) {
  ScryptParams p;
  if (g.light_kdf) p.n = 4096;
  return p;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string default_keystore() {
  const char* home = std::getenv("HOME");
  return env_or("VEST_KEYSTORE", std::string(home ? home : ".") + "/.vest/keystore");
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError{"cannot read " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads a line from the terminal without echo.
std::string prompt_secret(const std::string& prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) throw CliError{"no terminal to ask for a password: use --password-file"};
  std::fprintf(tty, "%s", prompt.c_str());
  std::fflush(tty);
  termios old{};
  int fd = fileno(tty);
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  int c;
  while ((c = std::fgetc(tty)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  std::fprintf(tty, "\n");
  std::fclose(tty);
  return line;
}

std::string password(const Globals& g, bool confirm) {
  if (!g.password_file.empty()) {
    std::string p = read_text_file(g.password_file);
    // The first line is the password.
    auto nl = p.find('\n');
    if (nl != std::string::npos) p = p.substr(0, nl);
    if (!p.empty() && p.back() == '\r') p.pop_back();
    return p;
  }
  std::string p = prompt_secret("Password: ");
  if (confirm && prompt_secret("Repeat password: ") != p) throw CliError{"passwords do not match"};
  return p;
}

Address default_account(const Globals& g) {
  if (!g.from.empty()) return parse_addr(g.from);
  auto all = KeystoreDir(g.keystore_dir).list();
  if (all.size() != 1)
    throw CliError{all.empty() ? "no keys in " + g.keystore_dir + ": give an address or --from"
                               : "several keys in " + g.keystore_dir + ": give an address or --from"};
  return all[0];
}

Address parse_addr(const std::string& text) {
  Address a;
  switch (parse_address(text, a)) {
    case AddressError::kOk: return a;
    case AddressError::kBadChecksum: throw CliError{"address " + text + " has a wrong EIP-55 checksum (mistyped?)"};
    case AddressError::kMalformed: break;
  }
  throw CliError{"not an address: " + text + " (expected 0x and 40 hex digits)"};
}

void print_json(const json::value& v) { std::cout << json::serialize(v) << std::endl; }

json::value call(const Globals& g, const std::string& method, json::object params, int timeout_s) {
  if (!g.rpc_cacert.empty() && !g.rpc_url.starts_with("https://"))
    throw CliError{"--rpc-cacert is for https:// nodes, and " + g.rpc_url + " is not one"};
  RpcClient client(g.rpc_url);
  client.set_timeout(std::chrono::seconds(timeout_s));
  if (!g.rpc_cacert.empty()) client.set_ca_file(g.rpc_cacert);
  try {
    return client.call(method, std::move(params));
  } catch (const RpcError& e) {
    std::string msg = "node refused " + method + ": " + e.what();
    if (e.data().is_object() && e.data().as_object().contains("reason") && e.data().at("reason").is_string())
      msg += " [" + std::string(e.data().at("reason").as_string()) + "]";
    msg += " (code " + std::to_string(e.code()) + ")";
    throw CliError{msg};
  } catch (const TransportError& e) {
    throw CliError{"cannot reach the node at " + g.rpc_url + ": " + e.what()};
  }
}

PrivateKey unlock(const Globals& g, Address& from) {
  KeystoreDir dir(g.keystore_dir);
  if (!g.from.empty()) {
    from = parse_addr(g.from);
  } else {
    auto all = dir.list();
    if (all.size() != 1)
      throw CliError{all.empty() ? "no keys in " + g.keystore_dir + ": run `vest key new` or `vest key import`"
                                 : "several keys in " + g.keystore_dir + ": choose one with --from"};
    from = all[0];
  }
  auto path = dir.find(from);
  if (!path) throw CliError{"no key for " + to_checksum(from) + " in " + g.keystore_dir};
  PrivateKey key;
  KeystoreError e = decrypt_keystore(read_text_file(path->string()), password(g, false), key);
  if (e != KeystoreError::kOk) throw CliError{std::string("cannot unlock ") + path->string() + ": " + to_string(e)};
  return key;
}

namespace {

// What the node says the network is.
NetworkPin network_seen(const Globals& g) {
  json::value status = call(g, "node_status", {});
  json::value assets = call(g, "chain_getAssets", {});
  NetworkPin seen;
  try {
    seen.chain_id = status.at("chainId").to_number<uint64_t>();
    seen.chain_name = std::string(status.at("chainName").as_string());
    seen.genesis_hash = std::string(status.at("genesisHash").as_string());
    auto min_fee = parse_decimal(status.at("minFee").as_string());
    if (!min_fee) throw CliError{"the node at " + g.rpc_url + " answered a minimum fee that is not a number"};
    seen.min_fee = *min_fee;
    seen.native = std::string(assets.at("native").as_string());
    for (const auto& a : assets.at("assets").as_array()) {
      int64_t d = a.at("decimals").to_number<int64_t>();
      if (d < 0 || d > 38) throw CliError{"the node at " + g.rpc_url + " answered an asset with " + std::to_string(d) + " decimals"};
      seen.decimals[std::string(a.at("symbol").as_string())] = static_cast<unsigned>(d);
    }
  } catch (const std::exception& e) {
    throw CliError{"the node at " + g.rpc_url + " answered node_status or chain_getAssets malformed: " + e.what()};
  }
  if (!seen.decimals.contains(seen.native))
    throw CliError{"the node at " + g.rpc_url + " names a native asset " + seen.native + " it does not list"};
  seen.source = "node " + g.rpc_url;
  return seen;
}

std::string pin_summary(const NetworkPin& p) {
  std::string s = p.chain_name + " (chain id " + std::to_string(p.chain_id) + "), minimum fee " +
                  format_units(p.min_fee, p.decimals.at(p.native)) + " " + p.native + ", assets";
  for (const auto& [symbol, d] : p.decimals) s += " " + symbol + " (" + std::to_string(d) + " decimals)";
  return s;
}

}  // namespace

const NetworkPin& network(const Globals& g) {
  if (g.network_cache) return *g.network_cache;
  NetworkStore store(g.keystore_dir);
  std::map<uint64_t, NetworkPin> pins;
  std::string error;
  if (!store.load(pins, error)) throw CliError{error + "; nothing is signed until it is repaired or removed"};
  NetworkPin seen = network_seen(g);

  // The reference: the stored pin of the chain id, checked against --genesis when given; else the
  // genesis file; else (first contact) what the node says.
  std::optional<NetworkPin> file_pin;
  if (!g.genesis_file.empty()) {
    file_pin.emplace();
    if (!pin_from_genesis(read_text_file(g.genesis_file), *file_pin, error))
      throw CliError{g.genesis_file + ": " + error};
    file_pin->source = "genesis " + std::filesystem::absolute(g.genesis_file).string();
  }
  auto stored = pins.find(file_pin ? file_pin->chain_id : seen.chain_id);
  if (file_pin && stored != pins.end()) {
    auto diffs = pin_differences(stored->second, *file_pin);
    if (!diffs.empty()) {
      std::string msg = g.genesis_file + " differs from the network pinned in " + store.file().string() + ":";
      for (const auto& d : diffs) msg += " " + d + ";";
      throw CliError{msg + " nothing was signed. If the genesis file is right, run `vest network forget " +
                     std::to_string(file_pin->chain_id) + "` and try again."};
    }
  }
  NetworkPin pinned = stored != pins.end() ? stored->second : file_pin ? *file_pin : seen;

  auto diffs = pin_differences(pinned, seen);
  if (!diffs.empty()) {
    std::string msg = "the node at " + g.rpc_url + " does not match the network pinned for chain id " +
                      std::to_string(pinned.chain_id) + " (" + pinned.chain_name + ", from " + pinned.source + "):";
    for (const auto& d : diffs) msg += " " + d + ";";
    throw CliError{msg + " nothing was signed. If the change is deliberate, run `vest network forget " +
                   std::to_string(pinned.chain_id) + "` and try again."};
  }

  bool is_new = stored == pins.end();
  bool added = merge_new_assets(pinned, seen);
  bool changed = is_new || added;
  if (pinned.genesis_hash.empty()) {
    pinned.genesis_hash = seen.genesis_hash;
    changed = true;
  }
  std::error_code ec;
  if (changed && std::filesystem::is_directory(g.keystore_dir, ec)) {
    pins[pinned.chain_id] = pinned;
    if (!store.save(pins, error)) throw CliError{error};
    if (is_new) std::cerr << "note: pinned " << pin_summary(pinned) << " in " << store.file().string() << std::endl;
  }
  g.network_cache = pinned;
  return *g.network_cache;
}

AssetDecimals fetch_assets(const Globals& g) {
  const NetworkPin& net = network(g);
  return AssetDecimals{net.decimals, net.native};
}

Amount checked_fee(const Globals& g, const NetworkPin& net) {
  unsigned d = net.decimals.at(net.native);
  Amount fee = net.min_fee;
  if (!g.fee.empty()) {
    auto f = parse_units(g.fee, d);
    if (!f) throw CliError{"bad fee " + g.fee + ": expected " + net.native + " with at most " + std::to_string(d) + " decimals"};
    fee = *f;
  }
  Amount cap = checked_mul(net.min_fee, kDefaultMaxFeeFactor).value_or(kU128Max);
  if (!g.max_fee.empty()) {
    auto m = parse_units(g.max_fee, d);
    if (!m) throw CliError{"bad --max-fee " + g.max_fee + ": expected " + net.native + " with at most " + std::to_string(d) + " decimals"};
    cap = *m;
  }
  if (fee > cap)
    throw CliError{"the fee " + format_units(fee, d) + " " + net.native + " is above the limit of " + format_units(cap, d) +
                   " " + net.native + (g.max_fee.empty() ? " (" + std::to_string(kDefaultMaxFeeFactor) + " times the minimum fee)" : "") +
                   "; nothing was signed. Raise the limit with --max-fee if you mean it."};
  return fee;
}

std::string human(const std::string& base_units, unsigned decimals) {
  auto v = parse_decimal(base_units);
  return v ? format_units(*v, decimals) : base_units;
}

// ---- commands ----



std::string amount_text(const std::string& base_units, const std::string& asset,
                        const std::map<std::string, unsigned>& decimals) {
  auto d = decimals.find(asset);
  if (d == decimals.end()) return base_units + " base units of " + asset;
  return human(base_units, d->second) + " " + asset;
}

namespace {

std::string field_text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

// The asset a message field of `kind` is an amount of (docs/rpc.md, chain_getTransaction).
std::optional<std::string> message_amount_asset(const Globals& g, const std::string& kind, const std::string& field,
                                                const json::object& message, const EventAssets& assets) {
  if ((kind == "bank.transfer" || kind == "vesting.grant") && field == "amount" && message.contains("asset"))
    return field_text(message.at("asset"));
  if ((kind == "staking.stake" || kind == "staking.unstake") && field == "amount") return assets.native;
  if (kind == "sale.purchase" && field == "maxPrice") {
    if (!assets.price.empty()) return assets.price;
    json::value pkg = call(g, "sale_getPackage", json::object{{"id", field_text(message.at("packageId"))}});
    if (pkg.is_object() && pkg.as_object().contains("price")) return field_text(pkg.at("price").at("asset"));
  }
  return std::nullopt;
}

}  // namespace

EventAssets event_assets(const json::array& events, const std::string& native) {
  EventAssets assets{native, native, ""};
  for (const auto& e : events) {
    const std::string type = field_text(e.at("type"));
    const json::object& f = e.at("fields").as_object();
    if (type == "sale.purchase" && f.contains("priceAsset")) assets.price = field_text(f.at("priceAsset"));
    if (type == "vesting.created" && f.contains("origin") && field_text(f.at("origin")) != "grant")
      assets.token = field_text(f.at("asset"));
  }
  return assets;
}

void print_tx(const Globals& g, const json::value& tx) {
  if (g.json_output) {
    print_json(tx);
    return;
  }
  const NetworkPin& net = network(g);
  const auto& o = tx.as_object();
  const json::array no_events;
  const json::value* ev = o.if_contains("events");
  const json::array& events = ev && ev->is_array() ? ev->get_array() : no_events;
  const EventAssets assets = event_assets(events, net.native);

  const std::string kind = field_text(o.at("kind"));
  std::cout << "Transaction " << field_text(o.at("hash")) << "\n";
  std::cout << "  status  " << field_text(o.at("status"));
  if (o.contains("height") && !o.at("height").is_null()) std::cout << " in block " << o.at("height").to_number<int64_t>();
  std::cout << "\n  from    " << field_text(o.at("from")) << "\n  nonce   " << o.at("nonce").to_number<int64_t>()
            << "\n  fee     " << amount_text(field_text(o.at("fee")), net.native, net.decimals) << "\n  kind    " << kind
            << "\n";
  const json::object& message = o.at("message").as_object();
  for (const auto& kv : message) {
    const std::string key(kv.key());
    std::string value = field_text(kv.value());
    if (auto asset = message_amount_asset(g, kind, key, message, assets)) value = amount_text(value, *asset, net.decimals);
    std::cout << "  " << key << std::string(key.size() < 7 ? 8 - key.size() : 1, ' ') << value << "\n";
  }
  if (o.contains("error") && o.at("error").is_object())
    std::cout << "  error   " << field_text(o.at("error").at("reason")) << ": " << field_text(o.at("error").at("message"))
              << "\n";
  // What happened, amounts with the asset's decimals and symbol.
  for (const auto& e : events) std::cout << "  event   " << event_text(e, assets, net.decimals) << "\n";
  std::cout.flush();
}

std::string event_text(const json::value& event, const EventAssets& assets,
                       const std::map<std::string, unsigned>& decimals) {
  const std::string type = field_text(event.at("type"));
  const json::object& fields = event.at("fields").as_object();
  std::string out = type;
  for (const auto& kv : fields) {
    const std::string key(kv.key());
    std::string value = field_text(kv.value());
    if (auto asset = event_amount_asset(type, key, fields, assets)) value = amount_text(value, *asset, decimals);
    out += " " + key + "=" + value;
  }
  return out;
}

// Signs one message with the sender's key and submits it; waits for its block
// unless --no-wait. Prints the outcome; a failed transaction exits 1.
json::value send(const Globals& g, uint64_t kind, const Bytes& payload) {
  // Everything that decides the amount and the fee comes from the pin, before the key is touched.
  const NetworkPin& net = network(g);
  TxParams p;
  p.chain_id = net.chain_id;
  p.fee = checked_fee(g, net);
  Address from;
  PrivateKey key = unlock(g, from);
  json::value account = call(g, "account_get", json::object{{"address", to_checksum(from)}});
  p.nonce = static_cast<uint64_t>(account.at("nonce").to_number<int64_t>()) +
            static_cast<uint64_t>(account.at("pendingCount").to_number<int64_t>());
  Transaction tx = build_signed(p, kind, payload, key);
  json::object params{{"raw", to_hex_0x(tx.encode())}, {"wait", !g.no_wait}};
  json::value r = call(g, "tx_submit", params, 120);
  if (g.no_wait) {
    if (g.json_output) {
      print_json(r);
    } else {
      std::cout << "Submitted " << r.at("hash").as_string().c_str() << std::endl;
    }
    return r;
  }
  if (!r.as_object().contains("from")) {
    // Still pending when the node's wait ended.
    if (g.json_output) {
      print_json(r);
    } else {
      std::cout << "Submitted " << r.at("hash").as_string().c_str()
                << ", not in a block yet when the node stopped waiting; `vest tx` shows it later" << std::endl;
    }
    return r;
  }
  print_tx(g, r);
  if (r.at("status").as_string() == "failed") {
    std::string why;
    if (const json::value* e = r.as_object().if_contains("error"); e && e->is_object())
      why = ": " + field_text(e->at("message")) + " [" + field_text(e->at("reason")) + "]";
    throw CliError{"the transaction failed in block " + std::to_string(r.at("height").to_number<int64_t>()) + why};
  }
  return r;
}

// Base units of `amount_text` in `asset`, with the asset's decimals from the node.
Amount parse_amount(const Globals& g, const std::string& amount_text, const std::string& asset) {
  AssetDecimals assets = fetch_assets(g);
  auto dec = assets.decimals.find(asset);
  if (dec == assets.decimals.end()) throw CliError{"the node knows no asset " + asset};
  auto amount = parse_units(amount_text, dec->second);
  if (!amount || *amount == 0)
    throw CliError{"amount must be a positive number with at most " + std::to_string(dec->second) + " decimals"};
  return *amount;
}



}  // namespace vest::wallet
