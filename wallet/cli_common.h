// Shared pieces of the `vest` commands: global options, node calls, signing
// and submitting, amounts in human units. Commands throw CliError for a
// failure the user should read (exit code 1).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>

#include "chain/amount.h"
#include "chain/secp256k1.h"
#include "wallet/display.h"
#include "wallet/keystore.h"
#include "wallet/network.h"

namespace vest::wallet {

struct CliError {
  std::string message;
};

struct Globals {
  std::string rpc_url;
  std::string keystore_dir;
  std::string password_file;
  std::string from;
  bool json_output = false;
  bool light_kdf = false;
  std::string fee;       // --fee, native units
  std::string max_fee;   // --max-fee, native units; default kDefaultMaxFeeFactor x the pinned minimum
  bool no_wait = false;  // --no-wait
  std::string genesis_file;  // --genesis: the network's parameters from its genesis document
  std::string rpc_cacert;    // --rpc-cacert: trust this CA (PEM) for https:// instead of the system's
  bool allow_empty_password = false;
  // The network checked against its pin, once per process (see network()).
  mutable std::optional<NetworkPin> network_cache;
};

// Without --max-fee a command refuses to sign a fee above this many times the
// pinned minimum fee.
inline constexpr unsigned kDefaultMaxFeeFactor = 100;

// scrypt parameters of new keystores: the standard ones, or geth's "light" ones.
ScryptParams kdf_params(const Globals& g);
std::string env_or(const char* name, const std::string& fallback);
std::string default_keystore();
std::string trim(std::string s);
std::string read_text_file(const std::string& path);
// Reads a line from the terminal without echo; CliError without a terminal.
std::string prompt_secret(const std::string& prompt);
// The keystore password: --password-file's first line, else a prompt.
std::string password(const Globals& g, bool confirm);
// Parses an address, explaining a wrong checksum.
Address parse_addr(const std::string& text);
// --from, or the keystore's only key.
Address default_account(const Globals& g);
void print_json(const boost::json::value& v);
// One JSON-RPC call; node refusals and transport failures become CliError.
boost::json::value call(const Globals& g, const std::string& method, boost::json::object params,
                        int timeout_s = 30);
// Decrypts the signing key (--from or the only key) with the password.
PrivateKey unlock(const Globals& g, Address& from);

// The network the node serves, as pinned in the keystore's networks.json (or
// --genesis): node_status and chain_getAssets are compared with the pin, and
// any difference is a CliError naming it. The first contact with a chain id
// pins what the node says, when the keystore folder exists (a note goes to
// stderr). Amounts are always converted with the pinned decimals.
const NetworkPin& network(const Globals& g);

struct AssetDecimals {
  std::map<std::string, unsigned> decimals;
  std::string native;
};
AssetDecimals fetch_assets(const Globals& g);
// Base-unit decimal text in human units of an asset with `decimals`.
std::string human(const std::string& base_units, unsigned decimals);
// Base units of `amount_text` (human units) of `asset`; positive.
Amount parse_amount(const Globals& g, const std::string& amount_text, const std::string& asset);
// "1.5 VEST" for base units of `asset` ("… base units of X" for an asset without decimals).
std::string amount_text(const std::string& base_units, const std::string& asset,
                        const std::map<std::string, unsigned>& decimals);
// The assets around one transaction's `events`: a sale's price asset (its
// sale.purchase) and token (the asset of its purchase or referral positions),
// `native` when they do not say.
EventAssets event_assets(const boost::json::array& events, const std::string& native);
// One event as "type key=value …", amounts with decimals and symbol.
std::string event_text(const boost::json::value& event, const EventAssets& assets,
                       const std::map<std::string, unsigned>& decimals);
// A transaction with its status, message and events, amounts with decimals and symbol.
void print_tx(const Globals& g, const boost::json::value& tx);
// The fee a command that sends signs (--fee, else the pinned minimum), checked
// against --max-fee (default kDefaultMaxFeeFactor x the minimum).
Amount checked_fee(const Globals& g, const NetworkPin& net);
// Signs one message, submits it and (unless --no-wait) waits for its block.
boost::json::value send(const Globals& g, uint64_t kind, const Bytes& payload);

}  // namespace vest::wallet
