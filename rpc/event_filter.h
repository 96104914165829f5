// Which events a reader wants (chain_getEvents over a range, the events
// subscription): by type and by the addresses they name.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "chain/address.h"
#include "chain/block.h"

namespace vest::rpc {

// At most this many types and this many addresses in one filter.
constexpr size_t kMaxFilterTypes = 16;
constexpr size_t kMaxFilterAddresses = 16;

struct EventFilter {
  std::vector<std::string> types;    // empty: any type
  std::vector<Address> addresses;    // empty: any address

  // An event matches when its type is one of `types` and it names one of
  // `addresses` (each list, when empty, matches everything).
  bool matches(const Event& e) const;
};

// The filter of `types` (an array of event types such as "vesting.claimed")
// and `addresses` (an array of addresses) in `p`, both optional. Throws
// InvalidParams (-32602) naming the field for anything else: a list that is
// not an array, longer than its maximum, or holding a malformed entry.
EventFilter event_filter_param(const boost::json::object& p);

}  // namespace vest::rpc
