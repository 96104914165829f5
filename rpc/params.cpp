#include "rpc/params.h"

#include <charconv>

namespace vest::rpc {

namespace json = boost::json;

namespace {

[[noreturn]] void wrong_type(std::string_view key, std::string_view what) {
  throw InvalidParams("field '" + std::string(key) + "' must be " + std::string(what));
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

const json::object& params_object(const json::value& params) {
  static const json::object kEmpty;
  if (params.is_null()) return kEmpty;
  if (params.is_object()) return params.get_object();
  if (params.is_array()) {
    const json::array& a = params.get_array();
    if (a.empty()) return kEmpty;
    if (a.size() == 1 && a[0].is_object()) return a[0].get_object();
  }
  throw InvalidParams("params must be an object");
}

const json::value* opt_value(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

const json::value& get_value(const json::object& obj, std::string_view key) {
  const json::value* v = opt_value(obj, key);
  if (!v) throw InvalidParams("missing field '" + std::string(key) + "'");
  return *v;
}

std::string get_string(const json::object& obj, std::string_view key) {
  const json::value& v = get_value(obj, key);
  if (!v.is_string()) wrong_type(key, "a string");
  return std::string(v.get_string());
}

std::optional<std::string> opt_string(const json::object& obj, std::string_view key) {
  if (!opt_value(obj, key)) return std::nullopt;
  return get_string(obj, key);
}

std::uint64_t get_u64(const json::object& obj, std::string_view key) {
  const json::value& v = get_value(obj, key);
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  if (v.is_string()) {
    if (auto parsed = parse_u64(v.get_string())) return *parsed;
  }
  wrong_type(key, "a non-negative 64-bit integer");
}

std::optional<std::uint64_t> opt_u64(const json::object& obj, std::string_view key) {
  if (!opt_value(obj, key)) return std::nullopt;
  return get_u64(obj, key);
}

bool get_bool(const json::object& obj, std::string_view key) {
  const json::value& v = get_value(obj, key);
  if (!v.is_bool()) wrong_type(key, "a boolean");
  return v.get_bool();
}

bool opt_bool(const json::object& obj, std::string_view key, bool fallback) {
  return opt_value(obj, key) ? get_bool(obj, key) : fallback;
}

const json::object& get_object(const json::object& obj, std::string_view key) {
  const json::value& v = get_value(obj, key);
  if (!v.is_object()) wrong_type(key, "an object");
  return v.get_object();
}

const json::array& get_array(const json::object& obj, std::string_view key) {
  const json::value& v = get_value(obj, key);
  if (!v.is_array()) wrong_type(key, "an array");
  return v.get_array();
}

}  // namespace vest::rpc
