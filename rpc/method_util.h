// Parameter and answer helpers shared by the method tables.
#pragma once

#include <boost/json.hpp>
#include <memory>

#include "rpc/chain_methods.h"
#include "rpc/json_rpc.h"
#include "rpc/node_api.h"

namespace vest::rpc {

[[noreturn]] void fail_params(const std::string& message);

// An address field: lowercase, uppercase or EIP-55; a wrong checksum is refused.
Address address_param(const boost::json::object& p, std::string_view key);
std::optional<Address> opt_address_param(const boost::json::object& p, std::string_view key);
// A 0x-prefixed 32-byte hash field.
Hash hash_param(const boost::json::object& p, std::string_view key);
// "limit": default and maximum from `limits`.
size_t page_limit(const boost::json::object& p, const MethodLimits& limits);
// "limit" of a bulk read: default and maximum from `limits` (default_bulk_page, max_bulk_page).
size_t bulk_page_limit(const boost::json::object& p, const MethodLimits& limits);
// A decimal amount string field.
Amount amount_param(const boost::json::object& p, std::string_view key);

// The state an answer comes from: the head, or the block `atHeight` names.
struct StateAt {
  std::shared_ptr<const StateReader> state;
  uint64_t height = 0;
  uint64_t time = 0;
  // For the head: the next block's time, what a transaction sent now sees
  // (an idle chain's head time stands still; vesting does not).
  std::optional<uint64_t> now;
};
StateAt state_at(NodeApi& node, const boost::json::object& p);

// The JSON-RPC error for a refused transaction or dry run: 1000 + code.
Error rejection(const Status& s);

// "12.34": numerator / denominator as a percentage with two decimals, rounded down.
std::string percent_text(Amount numerator, Amount denominator);

}  // namespace vest::rpc
