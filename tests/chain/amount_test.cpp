#include <catch2/catch.hpp>

#include "chain/amount.h"

using namespace vest;

TEST_CASE("decimal text round-trips and is strict", "[amount]") {
  CHECK(to_decimal(0) == "0");
  CHECK(to_decimal(kU128Max) == "340282366920938463463374607431768211455");
  CHECK(parse_decimal("340282366920938463463374607431768211455") == kU128Max);
  CHECK_FALSE(parse_decimal("340282366920938463463374607431768211456"));
  CHECK_FALSE(parse_decimal(""));
  CHECK_FALSE(parse_decimal("01"));
  CHECK_FALSE(parse_decimal("-1"));
  CHECK_FALSE(parse_decimal("1.0"));
  CHECK_FALSE(parse_decimal(" 1"));
  CHECK_FALSE(parse_decimal("1e3"));
  CHECK(parse_decimal("0") == u128(0));
  u128 big = u128(1000000000000000000ULL) * 1000000000000ULL;  // 10^30
  CHECK(parse_decimal(to_decimal(big)) == big);
}

TEST_CASE("checked arithmetic refuses overflow", "[amount]") {
  CHECK_FALSE(checked_add(kU128Max, 1));
  CHECK(checked_add(kU128Max - 1, 1) == kU128Max);
  CHECK_FALSE(checked_sub(1, 2));
  CHECK(checked_sub(2, 2) == u128(0));
  CHECK_FALSE(checked_mul(kU128Max, 2));
  CHECK(checked_mul(u128(1) << 64, (u128(1) << 63)) == (u128(1) << 127));
}

TEST_CASE("mul_div is exact beyond 128-bit intermediates", "[amount]") {
  CHECK(mul_div(10, 3, 4) == u128(7));
  CHECK(mul_div(kU128Max, kU128Max, kU128Max) == kU128Max);
  CHECK(mul_div(kU128Max, 3, 4) == kU128Max / 4 * 3 + (kU128Max % 4) * 3 / 4);
  CHECK_FALSE(mul_div(kU128Max, 2, 1));
  CHECK_FALSE(mul_div(1, 1, 0));
  u128 e30 = u128(1000000000000000ULL) * 1000000000000000ULL;
  CHECK(mul_div(e30, e30, e30) == e30);
  CHECK(mul_div(e30, 7, 3) == e30 * 7 / 3);
}

TEST_CASE("human units", "[amount]") {
  CHECK(format_units(1500000, 6) == "1.5");
  CHECK(format_units(1, 6) == "0.000001");
  CHECK(format_units(0, 18) == "0");
  CHECK(format_units(123, 0) == "123");
  CHECK(parse_units("1.5", 6) == u128(1500000));
  CHECK(parse_units("0.000001", 6) == u128(1));
  CHECK(parse_units("0", 6) == u128(0));
  CHECK(parse_units("007", 2) == u128(700));
  CHECK_FALSE(parse_units("0.0000001", 6));
  CHECK_FALSE(parse_units("1.", 6));
  CHECK_FALSE(parse_units(".5", 6));
  CHECK_FALSE(parse_units("-1", 6));
  CHECK_FALSE(parse_units("1e5", 6));
  CHECK_FALSE(parse_units("1,5", 6));
  CHECK_FALSE(parse_units("", 6));
  CHECK_FALSE(parse_units("0.x", 6));
  CHECK_FALSE(parse_units("340282366920938463463374607431768211455", 1));
}
