// Reading typed fields from JSON documents (genesis, configuration) with
// errors that name the field, e.g. "params.min_fee: expected a decimal string".
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "chain/address.h"
#include "chain/amount.h"
#include "chain/status.h"

namespace vest::jf {

// A reader for one JSON object at a dotted path ("params", "sale.packages[2]").
// Errors are sticky: the first is kept and later reads return defaults.
class Fields {
 public:
  Fields(const boost::json::value& v, std::string path, std::string* error);

  bool has(std::string_view key) const;
  std::string str(std::string_view key, std::optional<std::string> def = std::nullopt);
  uint64_t u64(std::string_view key, std::optional<uint64_t> def = std::nullopt);
  Amount amount(std::string_view key, std::optional<Amount> def = std::nullopt);  // decimal string
  Address address(std::string_view key);
  bool boolean(std::string_view key, std::optional<bool> def = std::nullopt);
  const boost::json::array& array(std::string_view key);
  Fields object(std::string_view key);
  const boost::json::object* raw() const { return obj_; }
  std::string path_of(std::string_view key) const;
  // Records an error about `key` unless one is already recorded.
  void fail(std::string_view key, const std::string& what);
  // Fails when the object has a key outside `known`.
  void only(std::initializer_list<std::string_view> known);
  bool ok() const { return error_->empty(); }

 private:
  const boost::json::value* find(std::string_view key, bool required);
  const boost::json::object* obj_ = nullptr;
  std::string path_;
  std::string* error_;
};

}  // namespace vest::jf
