// Strict RLP (Ethereum's Recursive Length Prefix), the canonical encoding of
// every transaction, block, state value and signed payload. See docs/protocol.md.
//
// The decoder accepts exactly one encoding per value: a single byte below 0x80
// must stand for itself, lengths use the short form up to 55 bytes and the long
// form has no leading zero bytes, integers have no leading zero bytes (zero is
// the empty string), and nothing may follow the outermost item.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/amount.h"
#include "chain/bytes.h"

namespace vest::rlp {

enum class Error {
  kOk,
  kTruncated,         // an item claims more bytes than are there
  kNonCanonical,      // a length or single byte not in its shortest form
  kLeadingZero,       // an integer or long length with a leading zero byte
  kTrailingBytes,     // bytes after the item, or after the last list element read
  kExpectedList,
  kExpectedBytes,
  kIntegerOverflow,   // integer wider than the type read
  kWrongLength,       // fixed-size byte string of another size
  kTooDeep,           // nesting beyond kMaxDepth
};

const char* to_string(Error e);

constexpr size_t kMaxDepth = 64;

// Builds one encoding. Lists nest: begin_list() ... end_list().
class Encoder {
 public:
  Encoder& bytes(ByteView b);
  Encoder& str(std::string_view s) { return bytes(as_bytes(s)); }
  Encoder& uint(u128 v);  // big-endian, no leading zeros; 0 is the empty string
  template <size_t N>
  Encoder& fixed(const FixedBytes<N>& b) { return bytes(b.view()); }
  Encoder& raw(ByteView encoded_item);  // an item that is already RLP
  Encoder& begin_list();
  Encoder& end_list();
  // The encoding; every list begun must have ended.
  Bytes finish();

 private:
  Bytes out_;
  std::vector<size_t> open_;  // offsets in out_ where open lists' payloads start
};

// Reads the elements of one list in order. Errors are sticky: after the first
// one every read returns a zero value and error() keeps the first error.
class ListReader {
 public:
  // Reads the list whose complete encoding is `encoded`: exactly one list item
  // and nothing after it.
  explicit ListReader(ByteView encoded);

  ByteView bytes();                 // next element, a byte string
  std::string str() { return std::string(as_string(bytes())); }
  uint64_t u64();                   // next element, an integer that fits 64 bits
  u128 u128v();                     // next element, an integer that fits 128 bits
  template <size_t N>
  FixedBytes<N> fixed() {           // next element, a byte string of exactly N bytes
    ByteView b = bytes();
    if (ok() && b.size() != N) fail(Error::kWrongLength);
    return ok() ? *FixedBytes<N>::from(b) : FixedBytes<N>{};
  }
  ListReader list();                // next element, a list (reader over it)
  ByteView raw();                   // next element's complete encoding, any kind

  bool at_end() const { return pos_ == payload_.size(); }
  bool ok() const { return error_ == Error::kOk; }
  Error error() const { return error_; }
  // True when no error occurred and every element has been read.
  bool done() {
    if (ok() && !at_end()) fail(Error::kTrailingBytes);
    return ok();
  }
  void fail(Error e) {
    if (error_ == Error::kOk) error_ = e;
  }

 private:
  ListReader(ByteView payload, Error e) : payload_(payload), error_(e) {}
  ByteView payload_;
  size_t pos_ = 0;
  Error error_ = Error::kOk;
};

// A decoded item, for tests, tools and fuzzing of arbitrary encodings.
struct Item {
  bool is_list = false;
  Bytes data;               // when !is_list
  std::vector<Item> items;  // when is_list
};

// Decodes exactly one item (any kind) spanning all of `encoded`.
Error decode(ByteView encoded, Item& out);
Bytes encode(const Item& item);

}  // namespace vest::rlp
