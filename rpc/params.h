// Typed access to named JSON-RPC parameters. Every failure throws InvalidParams
// (-32602) with a message naming the field; unknown fields are ignored.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/json_rpc.h"

namespace vest::rpc {

// The named parameters: `{...}`, `[{...}]`, or an empty object for null, absent or `[]`.
const boost::json::object& params_object(const boost::json::value& params);

// The field's value, or nullptr when absent or null.
const boost::json::value* opt_value(const boost::json::object& obj, std::string_view key);
const boost::json::value& get_value(const boost::json::object& obj, std::string_view key);

std::string get_string(const boost::json::object& obj, std::string_view key);
std::optional<std::string> opt_string(const boost::json::object& obj, std::string_view key);

// Accepts a non-negative JSON integer, a decimal string or a 0x-hex string.
std::uint64_t get_u64(const boost::json::object& obj, std::string_view key);
std::optional<std::uint64_t> opt_u64(const boost::json::object& obj, std::string_view key);

bool get_bool(const boost::json::object& obj, std::string_view key);
bool opt_bool(const boost::json::object& obj, std::string_view key, bool fallback);

const boost::json::object& get_object(const boost::json::object& obj, std::string_view key);
const boost::json::array& get_array(const boost::json::object& obj, std::string_view key);

}  // namespace vest::rpc
