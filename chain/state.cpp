#include "chain/state.h"

#include <algorithm>

namespace vest {

namespace {

bool less_bytes(ByteView a, ByteView b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

bool has_prefix(ByteView key, ByteView prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

}  // namespace

std::optional<Bytes> Overlay::get(ByteView key) const {
  auto it = writes_.find(key);
  if (it != writes_.end()) return it->second;
  return parent_.get(key);
}

std::optional<Bytes> CachedReader::get(ByteView key) const {
  auto it = seen_.find(key);
  if (it == seen_.end()) it = seen_.emplace(Bytes(key.begin(), key.end()), parent_.get(key)).first;
  return it->second;
}

void Overlay::put(ByteView key, ByteView value) {
  auto it = writes_.find(key);
  if (it != writes_.end()) {
    it->second = Bytes(value.begin(), value.end());
  } else {
    writes_.emplace(Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end()));
  }
}

void Overlay::erase(ByteView key) {
  auto it = writes_.find(key);
  if (it != writes_.end()) {
    it->second = std::nullopt;
  } else {
    writes_.emplace(Bytes(key.begin(), key.end()), std::nullopt);
  }
}

void Overlay::scan(ByteView prefix, ByteView start, const ScanFn& fn) const {
  ByteView from = less_bytes(start, prefix) ? prefix : start;
  auto it = writes_.lower_bound(from);
  auto visit_own_until = [&](ByteView* bound) -> bool {
    // Visits own entries below `bound` (all remaining if null); false = stop.
    for (; it != writes_.end() && has_prefix(it->first, prefix); ++it) {
      if (bound && !less_bytes(it->first, *bound)) return true;
      if (it->second && !fn(it->first, *it->second)) return false;
    }
    return true;
  };
  bool stopped = false;
  parent_.scan(prefix, from, [&](ByteView key, ByteView value) {
    if (!visit_own_until(&key)) {
      stopped = true;
      return false;
    }
    if (it != writes_.end() && std::ranges::equal(it->first, key)) {
      // Overridden here: our entry (or erasure) wins.
      bool keep_going = !it->second || fn(it->first, *it->second);
      ++it;
      if (!keep_going) stopped = true;
      return keep_going;
    }
    if (!fn(key, value)) {
      stopped = true;
      return false;
    }
    return true;
  });
  if (!stopped) visit_own_until(nullptr);
}

void Overlay::merge_into(State& target) {
  for (auto& [k, v] : writes_) {
    if (v) {
      target.put(k, *v);
    } else {
      target.erase(k);
    }
  }
  writes_.clear();
}

Bytes make_key(std::string_view prefix, ByteView part) {
  Bytes k(prefix.begin(), prefix.end());
  append(k, part);
  return k;
}

Bytes make_key(std::string_view prefix, ByteView part1, ByteView part2) {
  Bytes k = make_key(prefix, part1);
  append(k, part2);
  return k;
}

}  // namespace vest
