#include "chain/rlp.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>

#include "tests/util/test_util.h"

using namespace vest;
namespace json = boost::json;

namespace {

// Big-endian minimal bytes of a non-negative decimal number of any size.
Bytes decimal_to_bytes(std::string_view digits) {
  Bytes be;
  for (char c : digits) {
    REQUIRE((c >= '0' && c <= '9'));
    unsigned carry = static_cast<unsigned>(c - '0');
    for (size_t i = be.size(); i-- > 0;) {
      unsigned v = be[i] * 10u + carry;
      be[i] = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
    for (; carry != 0; carry >>= 8) be.insert(be.begin(), static_cast<uint8_t>(carry));
  }
  return be;
}

Bytes uint_bytes(uint64_t v) {
  Bytes be;
  for (; v != 0; v >>= 8) be.insert(be.begin(), static_cast<uint8_t>(v));
  return be;
}

// The item a test vector's "in" stands for.
rlp::Item item_from_json(const json::value& v) {
  rlp::Item item;
  if (v.is_array()) {
    item.is_list = true;
    for (const auto& child : v.as_array()) item.items.push_back(item_from_json(child));
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && s[0] == '#') {
      item.data = decimal_to_bytes(s.substr(1));
    } else {
      item.data.assign(s.begin(), s.end());
    }
  } else if (v.is_uint64()) {
    item.data = uint_bytes(v.as_uint64());
  } else {
    REQUIRE(v.is_int64());
    REQUIRE(v.as_int64() >= 0);
    item.data = uint_bytes(static_cast<uint64_t>(v.as_int64()));
  }
  return item;
}

// Feeds a test vector's "in" to an Encoder the way an application would.
void encode_json(rlp::Encoder& enc, const json::value& v) {
  if (v.is_array()) {
    enc.begin_list();
    for (const auto& child : v.as_array()) encode_json(enc, child);
    enc.end_list();
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && s[0] == '#') {
      if (auto n = parse_decimal(s.substr(1))) {
        enc.uint(*n);
      } else {
        enc.bytes(decimal_to_bytes(s.substr(1)));
      }
    } else {
      enc.str(s);
    }
  } else if (v.is_uint64()) {
    enc.uint(v.as_uint64());
  } else {
    enc.uint(static_cast<uint64_t>(v.as_int64()));
  }
}

bool same(const rlp::Item& a, const rlp::Item& b) {
  if (a.is_list != b.is_list) return false;
  if (!a.is_list) return a.data == b.data;
  if (a.items.size() != b.items.size()) return false;
  for (size_t i = 0; i < a.items.size(); ++i)
    if (!same(a.items[i], b.items[i])) return false;
  return true;
}

rlp::Error decode_hex(std::string_view hex) {
  rlp::Item item;
  return rlp::decode(test::unhex(hex), item);
}

Bytes nested_lists(size_t depth) {
  rlp::Encoder enc;
  for (size_t i = 0; i < depth; ++i) enc.begin_list();
  for (size_t i = 0; i < depth; ++i) enc.end_list();
  return enc.finish();
}

rlp::Item random_item(std::mt19937_64& rng, int depth) {
  rlp::Item item;
  if (depth < 4 && rng() % 3 == 0) {
    item.is_list = true;
    size_t n = rng() % 6;
    for (size_t i = 0; i < n; ++i) item.items.push_back(random_item(rng, depth + 1));
    return item;
  }
  // Sizes cluster around the single-byte and 55/56 boundaries.
  static constexpr size_t kSizes[] = {0, 1, 1, 1, 2, 20, 54, 55, 56, 57, 255, 256, 300};
  item.data.resize(kSizes[rng() % std::size(kSizes)]);
  for (auto& b : item.data) b = static_cast<uint8_t>(rng());
  return item;
}

}  // namespace

TEST_CASE("rlp: Ethereum RLPTests encode to the expected bytes and decode back", "[rlp]") {
  auto v = test::load_vectors("ethereum/RLPTests_rlptest.json");
  const auto& cases = v.as_object();
  REQUIRE(cases.size() > 0);
  for (const auto& [name, c] : cases) {
    INFO(std::string(name));
    Bytes expected = test::unhex(c.at("out").as_string());
    rlp::Item item = item_from_json(c.at("in"));
    CHECK(to_hex(rlp::encode(item)) == to_hex(expected));

    rlp::Encoder enc;
    encode_json(enc, c.at("in"));
    CHECK(to_hex(enc.finish()) == to_hex(expected));

    rlp::Item decoded;
    REQUIRE(rlp::decode(expected, decoded) == rlp::Error::kOk);
    CHECK(same(decoded, item));
    if (decoded.is_list) CHECK(rlp::ListReader(expected).ok());
  }
}

TEST_CASE("rlp: Ethereum invalid RLPTests are all refused", "[rlp]") {
  auto v = test::load_vectors("ethereum/RLPTests_invalidRLPTest.json");
  const auto& cases = v.as_object();
  REQUIRE(cases.size() > 0);
  // The reason each should fail, where it is unambiguous.
  const std::map<std::string, rlp::Error> reasons = {
      {"int32Overflow", rlp::Error::kTruncated},
      {"int32Overflow2", rlp::Error::kTruncated},
      {"wrongSizeList", rlp::Error::kNonCanonical},
      {"wrongSizeList2", rlp::Error::kNonCanonical},
      {"incorrectLengthInArray", rlp::Error::kLeadingZero},
      {"bytesShouldBeSingleByte00", rlp::Error::kNonCanonical},
      {"bytesShouldBeSingleByte01", rlp::Error::kNonCanonical},
      {"bytesShouldBeSingleByte7F", rlp::Error::kNonCanonical},
      {"leadingZerosInLongLengthArray1", rlp::Error::kLeadingZero},
      {"leadingZerosInLongLengthArray2", rlp::Error::kLeadingZero},
      {"leadingZerosInLongLengthList1", rlp::Error::kLeadingZero},
      {"leadingZerosInLongLengthList2", rlp::Error::kLeadingZero},
      {"nonOptimalLongLengthArray1", rlp::Error::kNonCanonical},
      {"nonOptimalLongLengthArray2", rlp::Error::kNonCanonical},
      {"nonOptimalLongLengthList1", rlp::Error::kNonCanonical},
      {"nonOptimalLongLengthList2", rlp::Error::kNonCanonical},
      {"emptyEncoding", rlp::Error::kTruncated},
      {"lessThanShortLengthArray1", rlp::Error::kTruncated},
      {"lessThanShortLengthArray2", rlp::Error::kTruncated},
      {"lessThanShortLengthList1", rlp::Error::kTruncated},
      {"lessThanShortLengthList2", rlp::Error::kTruncated},
      {"lessThanLongLengthArray1", rlp::Error::kTruncated},
      {"lessThanLongLengthArray2", rlp::Error::kTruncated},
      {"lessThanLongLengthList1", rlp::Error::kTruncated},
      {"lessThanLongLengthList2", rlp::Error::kTruncated},
  };
  for (const auto& [name, c] : cases) {
    INFO(std::string(name));
    CHECK(c.at("in").as_string() == "INVALID");
    Bytes encoded = test::unhex(c.at("out").as_string());
    rlp::Item item;
    rlp::Error e = rlp::decode(encoded, item);
    CHECK(e != rlp::Error::kOk);
    if (auto it = reasons.find(std::string(name)); it != reasons.end())
      CHECK(rlp::to_string(e) == std::string(rlp::to_string(it->second)));
    // ListReader checks elements as they are read; decoding each one finds the fault.
    rlp::ListReader r(encoded);
    bool refused = false;
    while (!refused && r.ok() && !r.at_end()) {
      rlp::Item child;
      refused = rlp::decode(r.raw(), child) != rlp::Error::kOk;
    }
    CHECK((refused || !r.ok()));
  }
}

TEST_CASE("rlp: byte strings use the shortest prefix", "[rlp]") {
  CHECK(to_hex(rlp::Encoder().str("").finish()) == "80");
  CHECK(to_hex(rlp::Encoder().bytes(test::unhex("00")).finish()) == "00");
  CHECK(to_hex(rlp::Encoder().bytes(test::unhex("7f")).finish()) == "7f");
  CHECK(to_hex(rlp::Encoder().bytes(test::unhex("80")).finish()) == "8180");
  CHECK(to_hex(rlp::Encoder().bytes(test::unhex("ff")).finish()) == "81ff");
  CHECK(to_hex(rlp::Encoder().str(std::string(55, 'a')).finish()).substr(0, 4) == "b761");
  CHECK(to_hex(rlp::Encoder().str(std::string(56, 'a')).finish()).substr(0, 6) == "b83861");
  CHECK(to_hex(rlp::Encoder().str(std::string(256, 'a')).finish()).substr(0, 8) == "b9010061");
  CHECK(to_hex(rlp::Encoder().str(std::string(70000, 'a')).finish()).substr(0, 10) == "ba01117061");
  for (size_t n : {size_t{55}, size_t{56}, size_t{256}, size_t{70000}}) {
    Bytes enc = rlp::Encoder().str(std::string(n, 'a')).finish();
    rlp::Item item;
    REQUIRE(rlp::decode(enc, item) == rlp::Error::kOk);
    CHECK(item.data.size() == n);
  }
}

TEST_CASE("rlp: integers encode big-endian without leading zeros", "[rlp]") {
  CHECK(to_hex(rlp::Encoder().uint(0).finish()) == "80");
  CHECK(to_hex(rlp::Encoder().uint(1).finish()) == "01");
  CHECK(to_hex(rlp::Encoder().uint(127).finish()) == "7f");
  CHECK(to_hex(rlp::Encoder().uint(128).finish()) == "8180");
  CHECK(to_hex(rlp::Encoder().uint(256).finish()) == "820100");
  CHECK(to_hex(rlp::Encoder().uint(std::numeric_limits<uint64_t>::max()).finish()) ==
        "88ffffffffffffffff");
  CHECK(to_hex(rlp::Encoder().uint(kU128Max).finish()) == "90" + std::string(32, 'f'));
  CHECK(to_hex(rlp::Encoder().uint(u128(1) << 64).finish()) == "89010000000000000000");
}

TEST_CASE("rlp: list prefixes switch to the long form above 55 bytes", "[rlp]") {
  rlp::Encoder short_list;
  short_list.begin_list().str(std::string(54, 'x')).end_list();  // payload 55
  CHECK(to_hex(short_list.finish()).substr(0, 4) == "f7b6");
  rlp::Encoder long_list;
  long_list.begin_list().str(std::string(55, 'x')).end_list();  // payload 56
  CHECK(to_hex(long_list.finish()).substr(0, 6) == "f838b7");
}

TEST_CASE("rlp: ListReader reads back nested lists", "[rlp]") {
  FixedBytes<20> addr;
  for (size_t i = 0; i < addr.size(); ++i) addr.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  const std::string long_text(300, 'z');
  rlp::Encoder enc;
  enc.begin_list()
      .uint(7)
      .uint(kU128Max)
      .fixed(addr)
      .str("hello")
      .begin_list()
      .uint(0)
      .str("")
      .begin_list()
      .str(long_text)
      .uint(std::numeric_limits<uint64_t>::max())
      .end_list()
      .begin_list()
      .end_list()
      .end_list()
      .uint(u128(1) << 100)
      .raw(rlp::Encoder().begin_list().uint(9).end_list().finish())
      .end_list();
  Bytes encoded = enc.finish();

  rlp::ListReader r(encoded);
  CHECK(r.u64() == 7);
  CHECK(bool(r.u128v() == kU128Max));
  CHECK(r.fixed<20>() == addr);
  CHECK(r.str() == "hello");
  rlp::ListReader sub = r.list();
  CHECK(sub.u64() == 0);
  CHECK(sub.str() == "");
  rlp::ListReader inner = sub.list();
  CHECK(inner.str() == long_text);
  CHECK(inner.u64() == std::numeric_limits<uint64_t>::max());
  CHECK(inner.done());
  rlp::ListReader empty = sub.list();
  CHECK(empty.at_end());
  CHECK(empty.done());
  CHECK(sub.done());
  CHECK(bool(r.u128v() == (u128(1) << 100)));
  CHECK(to_hex(r.raw()) == "c109");
  CHECK(r.at_end());
  CHECK(r.done());
  CHECK(r.error() == rlp::Error::kOk);

  rlp::Item item;
  REQUIRE(rlp::decode(encoded, item) == rlp::Error::kOk);
  CHECK(rlp::encode(item) == encoded);
}

TEST_CASE("rlp: integer reads refuse leading zeros and overflow", "[rlp]") {
  {
    const Bytes r_bytes = rlp::Encoder().begin_list().uint(kU128Max).end_list().finish();
    rlp::ListReader r(r_bytes);
    CHECK(r.u64() == 0);
    CHECK(r.error() == rlp::Error::kIntegerOverflow);
  }
  {
    Bytes seventeen(17, 0xff);
    const Bytes r_bytes = rlp::Encoder().begin_list().bytes(seventeen).end_list().finish();
    rlp::ListReader r(r_bytes);
    CHECK(bool(r.u128v() == 0));
    CHECK(r.error() == rlp::Error::kIntegerOverflow);
  }
  {
    const Bytes r_bytes = rlp::Encoder().begin_list().uint(std::numeric_limits<uint64_t>::max()).end_list().finish();
    rlp::ListReader r(r_bytes);
    CHECK(r.u64() == std::numeric_limits<uint64_t>::max());
    CHECK(r.done());
  }
  {
    const Bytes r_bytes = test::unhex("c3820001");
    rlp::ListReader r(r_bytes);
    CHECK(r.u64() == 0);
    CHECK(r.error() == rlp::Error::kLeadingZero);
  }
  {
    const Bytes r_bytes = test::unhex("c100");  // zero must be the empty string
    rlp::ListReader r(r_bytes);
    CHECK(bool(r.u128v() == 0));
    CHECK(r.error() == rlp::Error::kLeadingZero);
  }
  {
    const Bytes r_bytes = test::unhex("c180");
    rlp::ListReader r(r_bytes);
    CHECK(r.u64() == 0);
    CHECK(r.done());
  }
}

TEST_CASE("rlp: every error is reachable", "[rlp]") {
  CHECK(decode_hex("") == rlp::Error::kTruncated);
  CHECK(decode_hex("81") == rlp::Error::kTruncated);
  CHECK(decode_hex("c20102c0") == rlp::Error::kTrailingBytes);
  CHECK(decode_hex("c2820102") == rlp::Error::kTruncated);  // inner item runs past its list
  CHECK(decode_hex("8105") == rlp::Error::kNonCanonical);
  CHECK(decode_hex("c28105") == rlp::Error::kNonCanonical);
  CHECK(decode_hex("b801ff") == rlp::Error::kNonCanonical);
  CHECK(decode_hex("f80100") == rlp::Error::kNonCanonical);
  CHECK(decode_hex("b800") == rlp::Error::kLeadingZero);
  CHECK(decode_hex("0000") == rlp::Error::kTrailingBytes);
  CHECK(decode_hex("c0c0") == rlp::Error::kTrailingBytes);

  // Long lengths that do not fit size_t, or that overflow when added to an offset.
  CHECK(decode_hex("bfffffffffffffffff") == rlp::Error::kTruncated);
  CHECK(decode_hex("ffffffffffffffffff00") == rlp::Error::kTruncated);
  CHECK(decode_hex("bf7fffffffffffffff01") == rlp::Error::kTruncated);
  CHECK(decode_hex("c9bfffffffffffffffff") == rlp::Error::kTruncated);
  CHECK(decode_hex("bf") == rlp::Error::kTruncated);
  CHECK(decode_hex("b9") == rlp::Error::kTruncated);

  CHECK(rlp::ListReader(test::unhex("80")).error() == rlp::Error::kExpectedList);
  CHECK(rlp::ListReader(test::unhex("05")).error() == rlp::Error::kExpectedList);
  CHECK(rlp::ListReader(test::unhex("c000")).error() == rlp::Error::kTrailingBytes);
  CHECK(rlp::ListReader(test::unhex("")).error() == rlp::Error::kTruncated);
  CHECK(rlp::ListReader(test::unhex("c3")).error() == rlp::Error::kTruncated);
  CHECK(rlp::ListReader(test::unhex("f800")).error() == rlp::Error::kLeadingZero);
  {
    const Bytes r_bytes = test::unhex("c105");
    rlp::ListReader r(r_bytes);
    r.list();
    CHECK(r.error() == rlp::Error::kExpectedList);
  }
  {
    const Bytes r_bytes = test::unhex("c1c0");
    rlp::ListReader r(r_bytes);
    CHECK(r.bytes().empty());
    CHECK(r.error() == rlp::Error::kExpectedBytes);
  }
  {
    const Bytes r_bytes = test::unhex("c105");
    rlp::ListReader r(r_bytes);
    CHECK(r.u64() == 5);
    CHECK(r.u64() == 0);  // past the last element
    CHECK(r.error() == rlp::Error::kTruncated);
  }
  {
    const Bytes r_bytes = test::unhex("c28105");
    rlp::ListReader r(r_bytes);
    CHECK(r.bytes().empty());
    CHECK(r.error() == rlp::Error::kNonCanonical);
  }
  {
    const Bytes r_bytes = rlp::Encoder().begin_list().bytes(Bytes(19, 1)).bytes(Bytes(21, 1)).end_list().finish();
    rlp::ListReader r(r_bytes);
    CHECK(r.fixed<20>().is_zero());
    CHECK(r.error() == rlp::Error::kWrongLength);
  }
  {
    const Bytes r_bytes = rlp::Encoder().begin_list().bytes(Bytes(21, 1)).end_list().finish();
    rlp::ListReader r(r_bytes);
    r.fixed<20>();
    CHECK(r.error() == rlp::Error::kWrongLength);
  }

  rlp::Item item;
  CHECK(rlp::decode(nested_lists(rlp::kMaxDepth), item) == rlp::Error::kOk);
  CHECK(rlp::decode(nested_lists(rlp::kMaxDepth + 1), item) == rlp::Error::kTooDeep);
  CHECK(rlp::decode(nested_lists(5000), item) == rlp::Error::kTooDeep);

  const rlp::Error all[] = {
      rlp::Error::kOk,           rlp::Error::kTruncated,     rlp::Error::kNonCanonical,
      rlp::Error::kLeadingZero,  rlp::Error::kTrailingBytes, rlp::Error::kExpectedList,
      rlp::Error::kExpectedBytes, rlp::Error::kIntegerOverflow, rlp::Error::kWrongLength,
      rlp::Error::kTooDeep};
  std::set<std::string> texts;
  for (rlp::Error e : all) texts.insert(rlp::to_string(e));
  CHECK(texts.size() == std::size(all));
  CHECK(std::string(rlp::to_string(rlp::Error::kTruncated)) == "truncated");
  CHECK(std::string(rlp::to_string(rlp::Error::kNonCanonical)) == "non-canonical size");
}

TEST_CASE("rlp: nesting up to kMaxDepth decodes to the same tree", "[rlp]") {
  Bytes encoded = nested_lists(rlp::kMaxDepth);
  rlp::Item item;
  REQUIRE(rlp::decode(encoded, item) == rlp::Error::kOk);
  size_t depth = 0;
  for (const rlp::Item* at = &item; at->is_list; ++depth) {
    if (at->items.empty()) {
      ++depth;
      break;
    }
    at = &at->items.front();
  }
  CHECK(depth == rlp::kMaxDepth);
  CHECK(rlp::encode(item) == encoded);
}

TEST_CASE("rlp: ListReader errors are sticky", "[rlp]") {
  const Bytes r_bytes = test::unhex("c7820001c10505c0");
  rlp::ListReader r(r_bytes);
  CHECK(r.u64() == 0);
  CHECK(r.error() == rlp::Error::kLeadingZero);
  // Every later read yields a zero value and keeps the first error.
  rlp::ListReader sub = r.list();
  CHECK(!sub.ok());
  CHECK(sub.error() == rlp::Error::kLeadingZero);
  CHECK(sub.u64() == 0);
  CHECK(sub.at_end());
  CHECK(!sub.done());
  CHECK(r.u64() == 0);
  CHECK(r.str() == "");
  CHECK(r.fixed<20>().is_zero());
  CHECK(r.raw().empty());
  CHECK(r.bytes().empty());
  CHECK(bool(r.u128v() == 0));
  r.fail(rlp::Error::kWrongLength);
  CHECK(!r.done());
  CHECK(r.error() == rlp::Error::kLeadingZero);

  // A reader that failed at construction hands out failed readers too.
  const Bytes bad_bytes = test::unhex("8105");
  rlp::ListReader bad(bad_bytes);
  CHECK(bad.error() == rlp::Error::kNonCanonical);
  rlp::ListReader child = bad.list();
  CHECK(child.error() == rlp::Error::kNonCanonical);
  CHECK(child.at_end());
}

TEST_CASE("rlp: done() refuses unread elements", "[rlp]") {
  Bytes encoded = rlp::Encoder().begin_list().uint(1).uint(2).begin_list().uint(3).end_list().end_list().finish();
  {
    rlp::ListReader r(encoded);
    CHECK(r.u64() == 1);
    CHECK(!r.at_end());
    CHECK(!r.done());
    CHECK(r.error() == rlp::Error::kTrailingBytes);
    CHECK(r.u64() == 0);  // sticky
  }
  {
    rlp::ListReader r(encoded);
    CHECK(r.u64() == 1);
    CHECK(r.u64() == 2);
    rlp::ListReader sub = r.list();
    CHECK(r.done());
    CHECK(!sub.done());
    CHECK(sub.error() == rlp::Error::kTrailingBytes);
  }
}

TEST_CASE("rlp: random trees round-trip through encode and decode", "[rlp]") {
  std::mt19937_64 rng(20240517);
  for (int i = 0; i < 500; ++i) {
    rlp::Item item = random_item(rng, 0);
    Bytes encoded = rlp::encode(item);
    rlp::Item decoded;
    REQUIRE(rlp::decode(encoded, decoded) == rlp::Error::kOk);
    CHECK(same(decoded, item));
    if (item.is_list) {
      rlp::ListReader r(encoded);
      size_t n = 0;
      for (; r.ok() && !r.at_end(); ++n) {
        rlp::Item child;
        CHECK(rlp::decode(r.raw(), child) == rlp::Error::kOk);
        CHECK(same(child, item.items[n]));
      }
      CHECK(r.done());
      CHECK(n == item.items.size());
    }
  }
}

TEST_CASE("rlp: random and mutated bytes never crash, and what decodes is canonical", "[rlp]") {
  std::mt19937_64 rng(0x7e57c0de);
  // Prefix bytes near the interesting boundaries are drawn more often.
  static constexpr uint8_t kPrefixes[] = {0x00, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xb9, 0xbf,
                                          0xc0, 0xc1, 0xf7, 0xf8, 0xf9, 0xff};
  size_t decoded = 0;
  auto check = [&decoded](const Bytes& input) {
    rlp::Item item;
    rlp::Error e = rlp::decode(input, item);
    if (e == rlp::Error::kOk) {
      ++decoded;
      CHECK(rlp::encode(item) == input);
    }
    rlp::ListReader r(input);
    for (int k = 0; k < 1000 && r.ok() && !r.at_end(); ++k) {
      ByteView raw = r.raw();
      rlp::Item child;
      if (rlp::decode(raw, child) == rlp::Error::kOk) CHECK(rlp::encode(child).size() == raw.size());
    }
    if (e == rlp::Error::kOk && item.is_list) CHECK(r.done());
  };
  for (int i = 0; i < 4000; ++i) {
    Bytes input(rng() % 40);
    for (auto& b : input) {
      b = (rng() % 4 == 0) ? kPrefixes[rng() % std::size(kPrefixes)] : static_cast<uint8_t>(rng());
    }
    check(input);
  }
  for (int i = 0; i < 2000; ++i) {
    Bytes input = rlp::encode(random_item(rng, 0));
    switch (rng() % 4) {
      case 0:
        if (!input.empty()) input[rng() % input.size()] = static_cast<uint8_t>(rng());
        break;
      case 1:
        if (!input.empty()) input.resize(rng() % input.size());
        break;
      case 2:
        input.push_back(static_cast<uint8_t>(rng()));
        break;
      default:
        if (!input.empty()) input[rng() % input.size()] = kPrefixes[rng() % std::size(kPrefixes)];
        break;
    }
    check(input);
  }
  // Enough inputs decode for the canonical re-encoding check to mean something.
  CHECK(decoded > 500);
}
