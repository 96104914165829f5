// Byte strings, fixed-size byte arrays and their hex text form.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vest {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// A fixed-size byte string with value semantics and a total order (byte-wise).
template <size_t N>
struct FixedBytes {
  std::array<uint8_t, N> bytes{};

  static constexpr size_t size() { return N; }
  uint8_t* data() { return bytes.data(); }
  const uint8_t* data() const { return bytes.data(); }
  ByteView view() const { return ByteView(bytes.data(), N); }
  bool is_zero() const {
    for (uint8_t b : bytes)
      if (b != 0) return false;
    return true;
  }
  // Returns nullopt unless `v` holds exactly N bytes.
  static std::optional<FixedBytes> from(ByteView v) {
    if (v.size() != N) return std::nullopt;
    FixedBytes out;
    std::copy(v.begin(), v.end(), out.bytes.begin());
    return out;
  }
  friend auto operator<=>(const FixedBytes&, const FixedBytes&) = default;
};

using Hash = FixedBytes<32>;

inline ByteView as_bytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view as_string(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// Byte-wise order over any mix of Bytes and ByteView, for ordered containers
// keyed by Bytes and searched with views.
struct BytesLess {
  using is_transparent = void;
  bool operator()(ByteView a, ByteView b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }
};

// Lowercase hex without a prefix.
std::string to_hex(ByteView b);
// Lowercase hex with a "0x" prefix.
std::string to_hex_0x(ByteView b);
// Parses hex digits (either case) with an optional "0x" prefix. Returns nullopt
// on an odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view s);

void append(Bytes& out, ByteView b);

// Big-endian fixed-width integers, for keys and hashed encodings.
void put_u64_be(Bytes& out, uint64_t v);
void put_u32_be(Bytes& out, uint32_t v);
// The same as a value of its own.
Bytes u64_be(uint64_t v);
Bytes u32_be(uint32_t v);
uint64_t get_u64_be(const uint8_t* p);
uint32_t get_u32_be(const uint8_t* p);

}  // namespace vest
