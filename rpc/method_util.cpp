#include "rpc/method_util.h"

#include "rpc/params.h"

namespace vest::rpc {

namespace json = boost::json;

void fail_params(const std::string& message) { throw InvalidParams(message); }

Address address_param(const json::object& p, std::string_view key) {
  std::string text = get_string(p, key);
  Address a;
  switch (parse_address(text, a)) {
    case AddressError::kOk: return a;
    case AddressError::kBadChecksum: fail_params("field '" + std::string(key) + "': EIP-55 checksum mismatch");
    case AddressError::kMalformed: break;
  }
  fail_params("field '" + std::string(key) + "': expected a 0x address of 40 hex digits");
}

std::optional<Address> opt_address_param(const json::object& p, std::string_view key) {
  if (!p.contains(key) || p.at(key).is_null()) return std::nullopt;
  return address_param(p, key);
}

Hash hash_param(const json::object& p, std::string_view key) {
  std::string text = get_string(p, key);
  auto b = from_hex(text);
  if (text.rfind("0x", 0) != 0 || !b || b->size() != 32)
    fail_params("field '" + std::string(key) + "': expected 0x and 64 hex digits");
  return *Hash::from(*b);
}

namespace {

size_t limit_between(const json::object& p, size_t fallback, size_t max) {
  auto v = opt_u64(p, "limit");
  if (!v) return fallback;
  if (*v == 0 || *v > max) fail_params("field 'limit': must be between 1 and " + std::to_string(max));
  return static_cast<size_t>(*v);
}

}  // namespace

size_t page_limit(const json::object& p, const MethodLimits& limits) {
  return limit_between(p, limits.default_page, limits.max_page);
}

size_t bulk_page_limit(const json::object& p, const MethodLimits& limits) {
  return limit_between(p, limits.default_bulk_page, limits.max_bulk_page);
}

Amount amount_param(const json::object& p, std::string_view key) {
  std::string text = get_string(p, key);
  auto a = parse_decimal(text);
  if (!a) fail_params("field '" + std::string(key) + "': expected a decimal string of base units");
  return *a;
}

StateAt state_at(NodeApi& node, const json::object& p) {
  auto snap = node.store().snapshot();
  StateAt out{snap, snap->head().height, snap->head().time, std::nullopt};
  auto at = opt_u64(p, "atHeight");
  if (!at || *at == out.height) {
    out.now = std::max(node.next_block_time(), out.time);
    return out;
  }
  if (*at > out.height) fail_params("field 'atHeight': block " + std::to_string(*at) + " is not committed yet");
  auto block = node.store().block(*at);
  if (!block) fail_params("field 'atHeight': no block " + std::to_string(*at));
  return StateAt{std::make_shared<HistoricalState>(snap, *at), *at, block->header.time, std::nullopt};
}

Error rejection(const Status& s) {
  return Error{kTxRejectedBase + static_cast<int>(s.code), s.message,
               json::object{{"reason", s.reason}, {"code", s.code}}};
}

std::string percent_text(Amount numerator, Amount denominator) {
  if (denominator == 0) return "0.00";
  Amount hundredths = mul_div(numerator, 10000, denominator).value_or(0);
  std::string frac = std::to_string(static_cast<unsigned>(hundredths % 100));
  if (frac.size() < 2) frac = "0" + frac;
  return to_decimal(hundredths / 100) + "." + frac;
}

}  // namespace vest::rpc
