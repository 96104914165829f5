#include <catch2/catch.hpp>

#include "chain/contract.h"
#include "chain/state.h"

using namespace vest;

namespace {

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::vector<std::pair<std::string, std::string>> scan_all(const StateReader& s, std::string_view prefix,
                                                          std::string_view start = "") {
  std::vector<std::pair<std::string, std::string>> out;
  s.scan(as_bytes(prefix), as_bytes(start), [&](ByteView k, ByteView v) {
    out.emplace_back(std::string(as_string(k)), std::string(as_string(v)));
    return true;
  });
  return out;
}

}  // namespace

TEST_CASE("overlay reads through to its parent and shadows it", "[state]") {
  EmptyState empty;
  Overlay base(empty);
  base.put(b("a/1"), b("one"));
  base.put(b("a/2"), b("two"));
  base.put(b("b/1"), b("other"));
  Overlay top(base);
  CHECK(top.get(b("a/1")) == b("one"));
  top.put(b("a/1"), b("uno"));
  top.erase(b("a/2"));
  top.put(b("a/3"), b("three"));
  CHECK(top.get(b("a/1")) == b("uno"));
  CHECK_FALSE(top.get(b("a/2")));
  CHECK(base.get(b("a/2")) == b("two"));  // the parent is untouched

  auto entries = scan_all(top, "a/");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0] == std::make_pair(std::string("a/1"), std::string("uno")));
  CHECK(entries[1] == std::make_pair(std::string("a/3"), std::string("three")));
  CHECK(scan_all(top, "a/", "a/2").size() == 1);
  CHECK(scan_all(top, "b/").size() == 1);

  top.merge_into(base);
  CHECK(top.writes().empty());
  CHECK(base.get(b("a/1")) == b("uno"));
  CHECK_FALSE(base.get(b("a/2")));
}

TEST_CASE("overlay scan stops when asked, in both layers", "[state]") {
  EmptyState empty;
  Overlay base(empty);
  for (char c = 'a'; c <= 'j'; ++c) base.put(b(std::string("k/") + c), b("p"));
  Overlay top(base);
  for (char c = 'a'; c <= 'j'; c += 2) top.put(b(std::string("k/") + c), b("t"));
  int seen = 0;
  std::string order;
  top.scan(as_bytes("k/"), {}, [&](ByteView k, ByteView v) {
    order += static_cast<char>(k.back());
    order += static_cast<char>(v[0]);
    return ++seen < 5;
  });
  CHECK(seen == 5);
  CHECK(order == "atbpctdpet");
}

TEST_CASE("stored integers are minimal big-endian", "[state]") {
  CHECK(encode_uint(0).empty());
  CHECK(encode_uint(256) == Bytes{1, 0});
  CHECK(decode_uint(encode_uint(kU128Max)) == kU128Max);
  CHECK_FALSE(decode_uint(Bytes{0, 1}));
  CHECK_FALSE(decode_uint(Bytes(17, 1)));
}
