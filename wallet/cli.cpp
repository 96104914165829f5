#include "wallet/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "contracts/bank/messages.h"
#include "wallet/cli_common.h"
#include "wallet/cli_roles.h"
#include "wallet/cli_sale.h"
#include "wallet/display.h"
#include "wallet/keystore.h"

namespace vest::wallet {

namespace json = boost::json;

namespace {

void cmd_transfer(const Globals& g, const std::string& to_text, const std::string& amount_text,
                  const std::string& asset_in) {
  Address to = parse_addr(to_text);
  std::string asset = asset_in.empty() ? fetch_assets(g).native : asset_in;
  bank::Transfer t{to, asset, parse_amount(g, amount_text, asset)};
  send(g, bank::kTransferKind, t.encode());
}

// The password of a new keystore file; an empty one only with --allow-empty-password.
std::string new_password(const Globals& g, bool confirm) {
  std::string pw = password(g, confirm);
  if (pw.empty() && !g.allow_empty_password)
    throw CliError{"the password is empty, so the key file would protect nothing; choose a password, or pass "
                   "--allow-empty-password if you mean it"};
  return pw;
}

void cmd_key_new(const Globals& g) {
  std::string pw = new_password(g, true);
  PrivateKey key = generate_private_key();
  Address a = address_of(key);
  auto path = KeystoreDir(g.keystore_dir).save(encrypt_keystore(key, pw, kdf_params(g)), a);
  if (g.json_output) {
    print_json(json::object{{"address", to_checksum(a)}, {"path", path.string()}});
  } else {
    std::cout << "New key " << to_checksum(a) << "\nSaved to " << path.string() << std::endl;
  }
}

void cmd_key_import(const Globals& g, const std::string& key_file) {
  std::string hex = key_file.empty() ? prompt_secret("Private key (hex): ") : read_text_file(key_file);
  hex = trim(hex);
  auto bytes = from_hex(hex);
  std::optional<PrivateKey> key;
  if (bytes) key = PrivateKey::from(*bytes);
  if (!key || !is_valid_private_key(*key)) throw CliError{"not a private key: expected 32 bytes of hex"};
  Address a = address_of(*key);
  KeystoreDir dir(g.keystore_dir);
  if (dir.find(a)) throw CliError{"a key for " + to_checksum(a) + " is already in " + g.keystore_dir};
  auto path = dir.save(encrypt_keystore(*key, new_password(g, key_file.empty()), kdf_params(g)), a);
  if (g.json_output) {
    print_json(json::object{{"address", to_checksum(a)}, {"path", path.string()}});
  } else {
    std::cout << "Imported " << to_checksum(a) << "\nSaved to " << path.string() << std::endl;
  }
}

void cmd_key_list(const Globals& g) {
  KeystoreDir dir(g.keystore_dir);
  json::array keys;
  for (const Address& a : dir.list()) {
    keys.push_back(json::object{{"address", to_checksum(a)}, {"path", dir.find(a)->string()}});
    if (!g.json_output) std::cout << to_checksum(a) << "  " << dir.find(a)->string() << "\n";
  }
  if (g.json_output) print_json(json::object{{"keys", keys}});
}

void cmd_key_show(const Globals& g, const std::string& addr_text) {
  Address a = parse_addr(addr_text);
  auto path = KeystoreDir(g.keystore_dir).find(a);
  if (!path) throw CliError{"no key for " + to_checksum(a) + " in " + g.keystore_dir};
  if (g.json_output) {
    print_json(json::object{{"address", to_checksum(a)}, {"path", path->string()}});
  } else {
    std::cout << "Address " << to_checksum(a) << "\nFile    " << path->string() << std::endl;
  }
}

std::string text_of(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : json::serialize(v); }

// "100 VEST, 5 USDV" for the non-zero amounts of a {SYMBOL: base units} object; "0 NATIVE" when none.
std::string per_asset(const json::value* amounts, const NetworkPin& net) {
  std::string out;
  if (amounts && amounts->is_object()) {
    for (const auto& kv : amounts->get_object()) {
      if (text_of(kv.value()) == "0") continue;
      if (!out.empty()) out += ", ";
      out += amount_text(text_of(kv.value()), std::string(kv.key()), net.decimals);
    }
  }
  return out.empty() ? "0 " + net.native : out;
}

void cmd_account(const Globals& g, const std::string& addr_text) {
  Address a = addr_text.empty() ? default_account(g) : parse_addr(addr_text);
  json::value r = call(g, "account_get", json::object{{"address", to_checksum(a)}});
  if (g.json_output) {
    print_json(r);
    return;
  }
  const NetworkPin& net = network(g);
  const json::object& o = r.as_object();
  std::cout << "Account " << text_of(o.at("address")) << " (block " << o.at("height").to_number<int64_t>()
            << ")\n  nonce      " << o.at("nonce").to_number<int64_t>() << "\n";
  for (const auto& kv : o.at("balances").as_object())
    std::cout << "  balance    " << amount_text(text_of(kv.value()), std::string(kv.key()), net.decimals) << "\n";
  std::cout << "  locked     " << per_asset(o.if_contains("locked"), net) << " (vesting)\n"
            << "  claimable  " << per_asset(o.if_contains("claimable"), net) << "\n";
  // Grants from others count for nothing until accepted (vest accept ID).
  if (std::string offered = per_asset(o.if_contains("offered"), net); offered != "0 " + net.native)
    std::cout << "  offered    " << offered << " (grants from others, not accepted)\n";
  // On an idle chain the head is old: what a transaction sent now would see.
  if (const json::value* now = o.if_contains("now"); now && now->is_object()) {
    const json::object& n = now->get_object();
    if (n.at("claimable") != o.at("claimable"))
      std::cout << "  claimable  " << per_asset(n.if_contains("claimable"), net) << " at the next block\n";
    if (text_of(n.at("unbondingMatured")) != "0")
      std::cout << "  matured    " << amount_text(text_of(n.at("unbondingMatured")), net.native, net.decimals)
                << " unbonded, spendable now\n";
  }
  auto native_amount = [&](const char* field) {
    return amount_text(o.contains(field) ? text_of(o.at(field)) : "0", net.native, net.decimals);
  };
  std::cout << "  staked     " << native_amount("staked");
  if (o.contains("stakedFromVesting") && text_of(o.at("stakedFromVesting")) != "0")
    std::cout << " (" << native_amount("stakedFromVesting") << " of it still vesting)";
  std::cout << "\n  unbonding  " << native_amount("unbonding") << "\n";
  // The unbonding entries and pending rewards (staking_get); absent on a chain without staking.
  json::value st;
  try {
    st = call(g, "staking_get", json::object{{"address", to_checksum(a)}});
  } catch (const CliError&) {
  }
  if (st.is_object()) {
    for (const auto& u : st.at("unbonding").as_array())
      std::cout << "    " << amount_text(text_of(u.at("amount")), net.native, net.decimals) << " until "
                << format_time(u.at("maturity").to_number<uint64_t>()) << "\n";
    std::cout << "  rewards    " << amount_text(text_of(st.at("pendingRewards")), net.native, net.decimals)
              << " pending\n";
  }
  std::cout.flush();
}

void cmd_tx(const Globals& g, const std::string& hash) {
  json::value r = call(g, "chain_getTransaction", json::object{{"hash", hash}});
  if (r.is_null()) throw CliError{"no transaction " + hash};
  print_tx(g, r);
}

void cmd_block(const Globals& g, const std::string& which) {
  json::object params;
  if (!which.empty()) {
    if (which.rfind("0x", 0) == 0) {
      params["hash"] = which;
    } else {
      try {
        params["height"] = std::stoull(which);
      } catch (...) {
        throw CliError{"block: expected a height or a 0x hash"};
      }
    }
  }
  json::value r = call(g, "chain_getBlock", params);
  if (r.is_null()) throw CliError{"no block " + which};
  // Every event of the block: its own (start-of-block work) first, then each transaction's.
  json::value events = call(g, "chain_getEvents", json::object{{"height", r.at("height")}});
  const json::array& all = events.at("events").as_array();
  if (g.json_output) {
    json::object out = r.as_object();
    out["allEvents"] = all;
    print_json(out);
    return;
  }
  const NetworkPin& net = network(g);
  std::cout << "Block " << r.at("height").to_number<int64_t>() << " " << text_of(r.at("hash")) << "\n  time     "
            << format_time(r.at("time").to_number<uint64_t>()) << " (" << r.at("time").to_number<int64_t>()
            << ")\n  parent   " << text_of(r.at("parentHash")) << "\n  proposer " << text_of(r.at("proposer"))
            << "\n  state    " << text_of(r.at("stateRoot")) << "\n  txs      " << r.at("transactions").as_array().size()
            << "\n";
  for (const auto& h : r.at("transactions").as_array()) std::cout << "    " << text_of(h) << "\n";
  std::cout << "  events   " << all.size() << "\n";
  std::map<int64_t, json::array> per_tx;
  for (const auto& e : all)
    if (!e.at("txIndex").is_null()) per_tx[e.at("txIndex").to_number<int64_t>()].push_back(e);
  const EventAssets block_assets = event_assets({}, net.native);
  for (const auto& e : all) {
    if (e.at("txIndex").is_null()) {
      std::cout << "    block  " << event_text(e, block_assets, net.decimals) << "\n";
    } else {
      int64_t i = e.at("txIndex").to_number<int64_t>();
      std::cout << "    tx " << i << "   " << event_text(e, event_assets(per_tx.at(i), net.native), net.decimals) << "\n";
    }
  }
  std::cout.flush();
}

void cmd_status(const Globals& g) {
  json::value r = call(g, "node_status", {});
  if (g.json_output) {
    print_json(r);
    return;
  }
  std::cout << "Chain   " << r.at("chainName").as_string().c_str() << " (id " << r.at("chainId").to_number<int64_t>()
            << ")\n  genesis " << r.at("genesisHash").as_string().c_str() << "\n  height  "
            << r.at("height").to_number<int64_t>() << "\n  head    " << r.at("headHash").as_string().c_str()
            << "\n  time    " << r.at("headTime").to_number<int64_t>() << "\n  version "
            << r.at("version").as_string().c_str() << std::endl;
}

void cmd_network_show(const Globals& g) {
  NetworkStore store(g.keystore_dir);
  std::map<uint64_t, NetworkPin> pins;
  std::string error;
  if (!store.load(pins, error)) throw CliError{error};
  json::array out;
  for (const auto& [id, p] : pins) {
    json::object assets;
    for (const auto& [symbol, d] : p.decimals) assets[symbol] = d;
    out.push_back(json::object{{"chainId", id}, {"chainName", p.chain_name}, {"genesisHash", p.genesis_hash},
                               {"native", p.native}, {"minFee", to_decimal(p.min_fee)}, {"assets", assets},
                               {"source", p.source}});
    if (g.json_output) continue;
    std::cout << "Chain " << id << " " << p.chain_name << "\n  genesis  " << p.genesis_hash << "\n  min fee  "
              << format_units(p.min_fee, p.decimals.at(p.native)) << " " << p.native << "\n  assets  ";
    for (const auto& [symbol, d] : p.decimals) std::cout << " " << symbol << " (" << d << " decimals)";
    std::cout << "\n  from     " << p.source << "\n";
  }
  if (g.json_output) {
    print_json(json::object{{"file", store.file().string()}, {"networks", out}});
  } else if (pins.empty()) {
    std::cout << "No networks pinned in " << store.file().string() << "\n";
  }
  std::cout.flush();
}

void cmd_network_forget(const Globals& g, uint64_t chain_id) {
  NetworkStore store(g.keystore_dir);
  std::map<uint64_t, NetworkPin> pins;
  std::string error;
  if (!store.load(pins, error)) throw CliError{error};
  if (pins.erase(chain_id) == 0) throw CliError{"no network with chain id " + std::to_string(chain_id) + " is pinned in " + store.file().string()};
  if (!store.save(pins, error)) throw CliError{error};
  if (g.json_output) {
    print_json(json::object{{"forgotten", chain_id}});
  } else {
    std::cout << "Forgot chain " << chain_id << "; the next contact pins what the node says then" << std::endl;
  }
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"vest: wallet and client for a vestchain node"};
  app.require_subcommand(1);
  Globals g;
  g.rpc_url = env_or("VEST_RPC", "http://127.0.0.1:8645");
  g.keystore_dir = default_keystore();
  app.add_option("--rpc", g.rpc_url, "Node RPC URL (env VEST_RPC)")->capture_default_str();
  app.add_option("--keystore", g.keystore_dir, "Keystore directory (env VEST_KEYSTORE)")->capture_default_str();
  app.add_option("--password-file", g.password_file, "Read the keystore password from the first line of FILE");
  app.add_option("--from", g.from, "Account to sign with (when the keystore holds several)");
  app.add_flag("--json", g.json_output, "Print JSON");
  app.add_option("--rpc-cacert", g.rpc_cacert, "For https:// nodes: trust this CA certificate (PEM) instead of the system's");
  app.add_option("--genesis", g.genesis_file, "The network's genesis file: its chain id, assets and minimum fee are the pin");
  app.set_version_flag("--version", "vest " VEST_VERSION);

  auto* key = app.add_subcommand("key", "Manage keys in the keystore");
  key->require_subcommand(1);
  auto* key_new = key->add_subcommand("new", "Create a new key");
  std::string key_file;
  auto* key_import = key->add_subcommand("import", "Import a private key");
  key_import->add_option("--private-key-file", key_file, "File holding the key as hex (else a prompt)");
  for (auto* sub : {key_new, key_import}) {
    sub->add_flag("--light-kdf", g.light_kdf, "Weaker, faster scrypt (n=4096), for development keys only");
    sub->add_flag("--allow-empty-password", g.allow_empty_password, "Accept an empty password (the file then protects nothing)");
  }
  auto* key_list = key->add_subcommand("list", "List the keys");
  std::string show_addr;
  auto* key_show = key->add_subcommand("show", "Show one key's address and file (never the secret)");
  key_show->add_option("address", show_addr, "Address")->required();

  app.add_option("--fee", g.fee, "Fee in native units for commands that send (default: the chain minimum)");
  app.add_option("--max-fee", g.max_fee,
                 "Refuse to sign a fee above this, in native units (default: 100 times the pinned minimum fee)");
  app.add_flag("--no-wait", g.no_wait, "Return once the node accepts a transaction, without waiting for its block");
  std::string to, amount, asset;
  auto* transfer = app.add_subcommand("transfer", "Send tokens");
  transfer->add_option("--to", to, "Recipient address")->required();
  transfer->add_option("--amount", amount, "Amount in units of the asset, e.g. 1.5")->required();
  transfer->add_option("--asset", asset, "Asset symbol (default: the native token)");

  std::string account_addr;
  auto* account = app.add_subcommand("account", "Show an account's nonce and balances");
  account->add_option("address", account_addr, "Address (default: --from or the only key)");
  std::string tx_hash;
  auto* tx = app.add_subcommand("tx", "Show a transaction");
  tx->add_option("hash", tx_hash, "Transaction hash")->required();
  std::string block_id;
  auto* block = app.add_subcommand("block", "Show a block (default: the head)");
  block->add_option("block", block_id, "Height or 0x hash");
  auto* status = app.add_subcommand("status", "Show the node's chain and head");
  auto* net = app.add_subcommand("network", "The networks pinned in the keystore folder (networks.json)");
  net->require_subcommand(1);
  auto* net_show = net->add_subcommand("show", "List the pinned networks");
  uint64_t forget_id = 0;
  auto* net_forget = net->add_subcommand("forget", "Drop a network's pin; the next contact pins it again");
  net_forget->add_option("chain-id", forget_id, "Chain id")->required();
  std::function<void()> action;
  SaleOptions sale_options;
  add_sale_commands(app, g, sale_options, action);
  RoleOptions role_options;
  add_role_commands(app, g, role_options, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (*key_new) cmd_key_new(g);
    else if (*key_import) cmd_key_import(g, key_file);
    else if (*key_list) cmd_key_list(g);
    else if (*key_show) cmd_key_show(g, show_addr);
    else if (*transfer) cmd_transfer(g, to, amount, asset);
    else if (*account) cmd_account(g, account_addr);
    else if (*tx) cmd_tx(g, tx_hash);
    else if (*block) cmd_block(g, block_id);
    else if (*status) cmd_status(g);
    else if (*net_show) cmd_network_show(g);
    else if (*net_forget) cmd_network_forget(g, forget_id);
    else if (action) action();
  } catch (const CliError& e) {
    if (g.json_output) {
      print_json(json::object{{"error", e.message}});
    } else {
      std::cerr << "error: " << e.message << std::endl;
    }
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace vest::wallet
