// Amounts: unsigned 128-bit integers in base units, with checked arithmetic and
// exact decimal text. No floating point anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vest {

using u128 = unsigned __int128;
using Amount = u128;

constexpr u128 kU128Max = ~u128(0);

// Each returns nullopt on overflow (or underflow, or division by zero).
inline std::optional<u128> checked_add(u128 a, u128 b) {
  u128 r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<u128> checked_sub(u128 a, u128 b) {
  if (b > a) return std::nullopt;
  return a - b;
}
inline std::optional<u128> checked_mul(u128 a, u128 b) {
  u128 r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}
// floor(a * b / d) without intermediate overflow when the result fits.
std::optional<u128> mul_div(u128 a, u128 b, u128 d);

// Decimal text of a base-unit amount: digits only, no sign, no leading zeros.
std::string to_decimal(u128 v);
// Strict parse of `to_decimal` text: 1..39 digits, no leading zeros ("0" alone
// is fine), no sign, no spaces, value below 2^128.
std::optional<u128> parse_decimal(std::string_view s);

// Human units with `decimals` fractional digits, e.g. format_units(1500000, 6)
// == "1.5". Trailing fractional zeros are dropped.
std::string format_units(u128 v, unsigned decimals);
// Parses "12", "12.5", "0.000001" into base units. Refuses more fractional
// digits than `decimals`, signs, exponents and overflow.
std::optional<u128> parse_units(std::string_view s, unsigned decimals);

}  // namespace vest
