// The state as contracts see it: an ordered map from byte keys to byte values.
// Each contract owns the keys under its own prefix ("bank/", "sale/", ...) and
// documents their layout; chain/ keeps "chain/" (nonces, parameters).
//
// Writes go to an Overlay stacked on a reader: a transaction writes to its own
// overlay, merged into the block's on success and dropped on failure; the
// block's overlay is committed to the store in one batch (chain/store.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "chain/bytes.h"

namespace vest {

// Visits entries in ascending key order; return false to stop.
using ScanFn = std::function<bool(ByteView key, ByteView value)>;

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<Bytes> get(ByteView key) const = 0;
  // Entries whose key starts with `prefix` and is >= `start` (start may be
  // empty), ascending.
  virtual void scan(ByteView prefix, ByteView start, const ScanFn& fn) const = 0;
};

class State : public StateReader {
 public:
  virtual void put(ByteView key, ByteView value) = 0;
  virtual void erase(ByteView key) = 0;
};

// Pending writes over a parent reader. Not thread-safe.
class Overlay : public State {
 public:
  explicit Overlay(const StateReader& parent) : parent_(parent) {}

  std::optional<Bytes> get(ByteView key) const override;
  void scan(ByteView prefix, ByteView start, const ScanFn& fn) const override;
  void put(ByteView key, ByteView value) override;
  void erase(ByteView key) override;

  // Moves this overlay's writes into `target` (normally the parent).
  void merge_into(State& target);
  // Key -> new value (nullopt = erased), in key order.
  const std::map<Bytes, std::optional<Bytes>, BytesLess>& writes() const { return writes_; }
  void clear() { writes_.clear(); }

 private:
  const StateReader& parent_;
  std::map<Bytes, std::optional<Bytes>, BytesLess> writes_;
};

// A reader that remembers what it read from an unchanging parent (a block's
// base state while the block is built), so that keys every transaction reads
// (the native asset, fee parameters) come from memory after the first time.
// Scans go to the parent. Not thread-safe.
class CachedReader : public StateReader {
 public:
  explicit CachedReader(const StateReader& parent) : parent_(parent) {}
  std::optional<Bytes> get(ByteView key) const override;
  void scan(ByteView prefix, ByteView start, const ScanFn& fn) const override { parent_.scan(prefix, start, fn); }

 private:
  const StateReader& parent_;
  mutable std::map<Bytes, std::optional<Bytes>, BytesLess> seen_;
};

// An empty state, for genesis.
class EmptyState : public StateReader {
 public:
  std::optional<Bytes> get(ByteView) const override { return std::nullopt; }
  void scan(ByteView, ByteView, const ScanFn&) const override {}
};

// Key helpers: a prefix followed by parts.
Bytes make_key(std::string_view prefix, ByteView part);
Bytes make_key(std::string_view prefix, ByteView part1, ByteView part2);

}  // namespace vest
