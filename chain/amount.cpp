#include "chain/amount.h"

#include <algorithm>

namespace vest {

namespace {

// 256-bit product of two 128-bit values as (hi, lo).
void mul_wide(u128 a, u128 b, u128& hi, u128& lo) {
  const u128 mask = (u128(1) << 64) - 1;
  u128 a_lo = a & mask, a_hi = a >> 64, b_lo = b & mask, b_hi = b >> 64;
  u128 p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
  u128 mid = (p0 >> 64) + (p1 & mask) + (p2 & mask);
  lo = (p0 & mask) | (mid << 64);
  hi = p3 + (p1 >> 64) + (p2 >> 64) + (mid >> 64);
}

}  // namespace

std::optional<u128> mul_div(u128 a, u128 b, u128 d) {
  if (d == 0) return std::nullopt;
  u128 hi, lo;
  mul_wide(a, b, hi, lo);
  if (hi == 0) return lo / d;
  if (hi >= d) return std::nullopt;  // quotient does not fit in 128 bits
  // Long division of the 256-bit (hi, lo) by d, one bit at a time.
  u128 rem = hi;
  u128 q = 0;
  for (int i = 127; i >= 0; --i) {
    bool carry = rem >> 127;
    rem = rem << 1 | ((lo >> i) & 1);
    q <<= 1;
    if (carry || rem >= d) {
      rem -= d;
      q |= 1;
    }
  }
  return q;
}

std::string to_decimal(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::optional<u128> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 39) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  u128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto m = checked_mul(v, 10);
    if (!m) return std::nullopt;
    auto a = checked_add(*m, static_cast<u128>(c - '0'));
    if (!a) return std::nullopt;
    v = *a;
  }
  return v;
}

std::string format_units(u128 v, unsigned decimals) {
  std::string digits = to_decimal(v);
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals - digits.size() + 1, '0');
  std::string whole = digits.substr(0, digits.size() - decimals);
  std::string frac = digits.substr(digits.size() - decimals);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? whole : whole + "." + frac;
}

std::optional<u128> parse_units(std::string_view s, unsigned decimals) {
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  if (whole.empty() || frac.size() > decimals) return std::nullopt;
  std::string digits(whole);
  // Leading zeros in the whole part are harmless in human input.
  size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "" : digits.substr(nz);
  digits += frac;
  digits.append(decimals - frac.size(), '0');
  nz = digits.find_first_not_of('0');
  if (nz == std::string::npos) {
    // All zeros: still check that only digits were given.
    for (char c : s)
      if (c != '0' && c != '.') return std::nullopt;
    return u128(0);
  }
  return parse_decimal(std::string_view(digits).substr(nz));
}

}  // namespace vest
