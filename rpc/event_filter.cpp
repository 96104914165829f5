#include "rpc/event_filter.h"

#include <algorithm>

#include "rpc/method_util.h"
#include "rpc/params.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

// An event type: "<contract>.<name>", lowercase letters, digits, '_' and '.'.
bool is_event_type(const std::string& s) {
  if (s.empty() || s.size() > 64 || s.find('.') == std::string::npos) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; });
}

const json::array* opt_list(const json::object& p, std::string_view key, size_t max) {
  const json::value* v = opt_value(p, key);
  if (!v) return nullptr;
  if (!v->is_array()) fail_params("field '" + std::string(key) + "' must be an array");
  if (v->as_array().size() > max)
    fail_params("field '" + std::string(key) + "': at most " + std::to_string(max) + " entries");
  return &v->as_array();
}

}  // namespace

bool EventFilter::matches(const Event& e) const {
  if (!types.empty() && std::find(types.begin(), types.end(), e.type) == types.end()) return false;
  if (addresses.empty()) return true;
  return std::any_of(e.addresses.begin(), e.addresses.end(), [&](const Address& a) {
    return std::find(addresses.begin(), addresses.end(), a) != addresses.end();
  });
}

EventFilter event_filter_param(const json::object& p) {
  EventFilter f;
  if (const json::array* types = opt_list(p, "types", kMaxFilterTypes)) {
    for (const json::value& t : *types) {
      if (!t.is_string() || !is_event_type(std::string(t.as_string())))
        fail_params("field 'types': each entry is an event type such as \"vesting.claimed\"");
      f.types.emplace_back(t.as_string());
    }
  }
  if (const json::array* addresses = opt_list(p, "addresses", kMaxFilterAddresses)) {
    for (const json::value& a : *addresses) {
      json::object one{{"addresses", a}};
      if (!a.is_string()) fail_params("field 'addresses': each entry is an address string");
      f.addresses.push_back(address_param(one, "addresses"));
    }
  }
  return f;
}

}  // namespace vest::rpc
