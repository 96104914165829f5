// What `vest` believes about a network, so that a node cannot change how much
// is signed: the chain id, the native asset, every asset's decimals and the
// minimum fee, pinned per chain id in networks.json beside the keystore
// (learned on first contact, or read from a genesis file). docs/wallet.md,
// "Networks".
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chain/amount.h"

namespace vest::wallet {

struct NetworkPin {
  uint64_t chain_id = 0;
  std::string chain_name;
  std::string genesis_hash;  // "0x…"; empty while unknown (a pin from a genesis file)
  std::string native;        // the native asset's symbol, the fee's asset
  Amount min_fee = 0;        // native base units
  std::map<std::string, unsigned> decimals;  // symbol -> decimals, every asset seen
  std::string source;        // where it was learned: "node URL" or "genesis FILE"

  friend bool operator==(const NetworkPin&, const NetworkPin&) = default;
};

// The differences of `seen` (what a node says now) from `pinned`, one phrase
// each, e.g. "asset VEST decimals 18 -> 21"; empty when they agree. An asset
// `seen` lists that `pinned` lacks is not a difference (see merge_new_assets), and
// an empty genesis hash on either side is not compared.
std::vector<std::string> pin_differences(const NetworkPin& pinned, const NetworkPin& seen);

// Adds the assets of `seen` that `pin` lacks; true when it added any.
bool merge_new_assets(NetworkPin& pin, const NetworkPin& seen);

// The pin a genesis document describes (docs/genesis.md: chain_id, chain_name,
// params.min_fee, bank.native, bank.assets); false with `error` naming the field.
bool pin_from_genesis(const std::string& text, NetworkPin& out, std::string& error);

// networks.json in a keystore folder: one pin per chain id.
class NetworkStore {
 public:
  explicit NetworkStore(std::filesystem::path keystore_dir);

  const std::filesystem::path& file() const { return file_; }

  // Every pin, by chain id. Empty when the file is absent; false with `error`
  // when it exists and cannot be read or parsed (nothing is then trusted).
  bool load(std::map<uint64_t, NetworkPin>& out, std::string& error) const;

  // Writes all `pins` (the file appears complete or not at all; mode 0600, the
  // folder created 0700 when absent). False with `error` on I/O failure.
  bool save(const std::map<uint64_t, NetworkPin>& pins, std::string& error) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path file_;
};

}  // namespace vest::wallet
