#include "chain/json_fields.h"

namespace vest::jf {

namespace {
const boost::json::array kEmptyArray;
const boost::json::value kEmptyObject = boost::json::object();
}  // namespace

Fields::Fields(const boost::json::value& v, std::string path, std::string* error)
    : path_(std::move(path)), error_(error) {
  if (v.is_object()) {
    obj_ = &v.as_object();
  } else if (error_->empty()) {
    *error_ = (path_.empty() ? std::string("document") : path_) + ": expected an object";
  }
}

std::string Fields::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Fields::fail(std::string_view key, const std::string& what) {
  if (error_->empty()) *error_ = path_of(key) + ": " + what;
}

bool Fields::has(std::string_view key) const { return obj_ && obj_->contains(key); }

const boost::json::value* Fields::find(std::string_view key, bool required) {
  if (!ok() || !obj_) return nullptr;
  auto it = obj_->find(key);
  if (it == obj_->end()) {
    if (required) fail(key, "missing");
    return nullptr;
  }
  return &it->value();
}

std::string Fields::str(std::string_view key, std::optional<std::string> def) {
  const auto* v = find(key, !def);
  if (!v) return def.value_or("");
  if (!v->is_string()) {
    fail(key, "expected a string");
    return {};
  }
  return std::string(v->as_string());
}

uint64_t Fields::u64(std::string_view key, std::optional<uint64_t> def) {
  const auto* v = find(key, !def);
  if (!v) return def.value_or(0);
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  fail(key, "expected a non-negative integer");
  return 0;
}

Amount Fields::amount(std::string_view key, std::optional<Amount> def) {
  const auto* v = find(key, !def);
  if (!v) return def.value_or(0);
  if (v->is_string()) {
    if (auto a = parse_decimal(v->as_string())) return *a;
  }
  fail(key, "expected an amount as a decimal string of base units");
  return 0;
}

Address Fields::address(std::string_view key) {
  const auto* v = find(key, true);
  if (!v) return {};
  Address a;
  if (!v->is_string() || parse_address(v->as_string(), a) != AddressError::kOk) {
    fail(key, "expected a 0x address (lowercase or EIP-55 checksummed)");
    return {};
  }
  return a;
}

bool Fields::boolean(std::string_view key, std::optional<bool> def) {
  const auto* v = find(key, !def);
  if (!v) return def.value_or(false);
  if (!v->is_bool()) {
    fail(key, "expected true or false");
    return false;
  }
  return v->as_bool();
}

const boost::json::array& Fields::array(std::string_view key) {
  const auto* v = find(key, true);
  if (!v) return kEmptyArray;
  if (!v->is_array()) {
    fail(key, "expected an array");
    return kEmptyArray;
  }
  return v->as_array();
}

Fields Fields::object(std::string_view key) {
  const auto* v = find(key, true);
  return Fields(v ? *v : kEmptyObject, path_of(key), error_);
}

void Fields::only(std::initializer_list<std::string_view> known) {
  if (!obj_) return;
  for (const auto& kv : *obj_) {
    bool found = false;
    for (auto k : known) found = found || kv.key() == k;
    if (!found) fail(kv.key(), "unknown field");
  }
}

}  // namespace vest::jf
