// Names and readable fields of every message kind, for the RPC read side and
// the wallet. Decoding only: nothing here executes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/bytes.h"

namespace vest {

struct MessageInfo {
  std::string name;  // e.g. "bank.transfer"
  std::vector<std::pair<std::string, std::string>> fields;  // amounts as decimal strings
};

// nullopt for an unknown kind or a payload that does not decode.
std::optional<MessageInfo> describe_message(uint64_t kind, ByteView payload);

// The kind id of a message name such as "sale.purchase"; nullopt for a name no
// contract publishes.
std::optional<uint64_t> message_kind(std::string_view name);

}  // namespace vest
