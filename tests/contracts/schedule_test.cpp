#include "contracts/vesting/schedule.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "chain/rlp.h"
#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::vesting;
namespace json = boost::json;

namespace {

using MetTimes = std::vector<std::optional<uint64_t>>;

constexpr uint64_t kMaxTime = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kAnchor = 1'767'225'600;  // 2026-01-01T00:00:00Z
const Amount kE18 = Amount(1'000'000'000'000'000'000ull);
const Amount kE30 = Amount(1'000'000'000'000'000ull) * 1'000'000'000'000'000ull;
const MetTimes kNoneMet;

std::string dec(Amount a) { return to_decimal(a); }

Schedule one(Part p) { return Schedule{{p}}; }

// The example of docs: half linear over a year with a 30-day cliff, a quarter at
// 90 days, a quarter for keeping 1000 tokens staked for 30 days.
Schedule mixed() {
  return Schedule{{Part::linear(5000, 0, 31'536'000, 2'592'000), Part::tranche(2500, 7'776'000),
                   Part::stake(2500, 1000 * kE18, 2'592'000)}};
}

// floor(total * bps / 10000), computed without mul_div.
Amount share(Amount total, uint32_t bps) { return total / 10000 * bps + total % 10000 * bps / 10000; }

uint64_t below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }

Amount random_total(std::mt19937_64& rng) {
  static const Amount edges[] = {0, 1, 2, 3, 7, 9999, 10000, 10001, kE30, kU128Max, kU128Max - 1};
  if (below(rng, 4) == 0) return edges[below(rng, std::size(edges))];
  Amount v = (Amount(rng()) << 64) | rng();
  return v >> below(rng, 128);
}

uint64_t random_offset(std::mt19937_64& rng) {
  switch (below(rng, 4)) {
    case 0: return below(rng, 10);
    case 1: return below(rng, 100'000);
    case 2: return below(rng, 40'000'000);
    default: return below(rng, kMaxOffset + 1);
  }
}

Schedule random_schedule(std::mt19937_64& rng) {
  const size_t n = 1 + below(rng, kMaxParts);
  std::set<uint32_t> cuts;
  while (cuts.size() < n - 1) cuts.insert(static_cast<uint32_t>(1 + below(rng, kBpsTotal - 1)));
  cuts.insert(kBpsTotal);
  Schedule s;
  uint32_t prev = 0;
  for (uint32_t cut : cuts) {
    const uint32_t bps = cut - prev;
    prev = cut;
    switch (below(rng, 7)) {
      case 0: {
        uint64_t a = random_offset(rng), b = random_offset(rng);
        if (a == b) b = a == kMaxOffset ? a - 1 : a + 1;
        const uint64_t start = std::min(a, b), end = std::max(a, b);
        const bool has_cliff = below(rng, 2) == 0;
        const uint64_t cliff = start + below(rng, end - start + 1);
        s.parts.push_back(Part::linear(bps, start, end, has_cliff ? std::optional(cliff) : std::nullopt));
        break;
      }
      case 1: s.parts.push_back(Part::tranche(bps, random_offset(rng))); break;
      case 2: {
        const uint64_t count = 1 + below(rng, 3);
        const uint64_t start = random_offset(rng) / 2;
        const uint64_t period = 1 + below(rng, (kMaxOffset - start) / count);
        s.parts.push_back(Part::periodic(bps, start, period, count));
        break;
      }
      case 3: s.parts.push_back(Part::stake(bps, 1 + below(rng, 1'000'000), 1 + below(rng, kMaxOffset))); break;
      case 4:
        s.parts.push_back(below(rng, 2) ? Part::purchase_units(bps, 1 + below(rng, 100))
                                        : Part::purchase_spend(bps, random_total(rng) | 1));
        break;
      case 5: s.parts.push_back(Part::referrals(bps, 1 + below(rng, 100))); break;
      default: s.parts.push_back(Part::usage(bps, "m" + std::to_string(below(rng, 1000)), 1 + below(rng, 1000))); break;
    }
  }
  return s;
}

size_t milestone_count(const Schedule& s) {
  size_t n = 0;
  for (const Part& p : s.parts) n += is_milestone(p.kind);
  return n;
}

uint64_t add_sat(uint64_t a, uint64_t b) { return a > kMaxTime - b ? kMaxTime : a + b; }

// Times worth probing: around the anchor and every part's offsets and met times.
std::vector<uint64_t> probe_times(std::mt19937_64& rng, const Schedule& s, uint64_t anchor, const MetTimes& met) {
  std::vector<uint64_t> times = {0, kMaxTime, anchor};
  auto around = [&](uint64_t t) {
    times.push_back(t);
    if (t > 0) times.push_back(t - 1);
    if (t < kMaxTime) times.push_back(t + 1);
  };
  around(anchor);
  for (const Part& p : s.parts) {
    for (uint64_t off : {p.start, p.cliff, p.end, p.time}) around(add_sat(anchor, off));
    for (uint64_t k = 1; k <= p.count; ++k) around(add_sat(anchor, p.start + k * p.period));
    if (p.kind == Part::Kind::kLinear)
      for (int k = 0; k < 3; ++k) times.push_back(add_sat(anchor, p.start + below(rng, p.end - p.start + 1)));
  }
  for (const auto& m : met)
    if (m) around(*m);
  for (int k = 0; k < 5; ++k) times.push_back(add_sat(anchor, below(rng, 2 * kMaxOffset)));
  std::sort(times.begin(), times.end());
  return times;
}

std::string validate_message(const Schedule& s) {
  Status st = validate(s);
  if (st.ok()) return "ok";
  CHECK(st.code == 300);
  CHECK(st.reason == "bad_schedule");
  return st.message;
}

std::string decode_message(ByteView b) {
  Schedule out = mixed();
  Status st = decode(b, out);
  if (st.ok()) return "ok";
  CHECK(st.code == 300);
  CHECK(st.reason == "bad_schedule");
  CHECK(out == mixed());  // untouched
  return st.message;
}

std::string json_error(std::string_view text) {
  Schedule out = mixed();
  std::string error;
  if (parse_schedule_json(json::parse(text), out, error)) return "ok";
  CHECK(out == mixed());  // untouched
  return error;
}

}  // namespace

TEST_CASE("schedule: linear part boundaries with a cliff", "[vesting]") {
  // 1000 tokens from offset 100 to 1100, cliff at 400: one token per second.
  const Schedule s = one(Part::linear(10000, 100, 1100, 400));
  REQUIRE(validate(s).ok());
  auto at = [&](uint64_t t) { return dec(vested(s, 1000, kAnchor, t, kNoneMet)); };
  CHECK(at(0) == "0");
  CHECK(at(kAnchor - 1) == "0");       // before the anchor
  CHECK(at(kAnchor) == "0");           // before start
  CHECK(at(kAnchor + 100) == "0");     // at start, before the cliff
  CHECK(at(kAnchor + 399) == "0");     // one second before the cliff
  CHECK(at(kAnchor + 400) == "300");   // at the cliff: everything accrued since start
  CHECK(at(kAnchor + 401) == "301");
  CHECK(at(kAnchor + 1099) == "999");  // one second before the end
  CHECK(at(kAnchor + 1100) == "1000");  // at the end: the whole part
  CHECK(at(kAnchor + 1101) == "1000");
  CHECK(at(kMaxTime) == "1000");
}

TEST_CASE("schedule: linear part without a cliff, and with the cliff at the end", "[vesting]") {
  const Schedule no_cliff = one(Part::linear(10000, 10, 20));
  CHECK(no_cliff.parts[0].cliff == 10);
  CHECK(vested(no_cliff, 100, kAnchor, kAnchor + 9, kNoneMet) == 0);
  CHECK(vested(no_cliff, 100, kAnchor, kAnchor + 10, kNoneMet) == 0);
  CHECK(vested(no_cliff, 100, kAnchor, kAnchor + 11, kNoneMet) == 10);
  CHECK(vested(no_cliff, 100, kAnchor, kAnchor + 19, kNoneMet) == 90);
  CHECK(vested(no_cliff, 100, kAnchor, kAnchor + 20, kNoneMet) == 100);

  // A cliff at the end behaves as a tranche at the end.
  const Schedule cliff_at_end = one(Part::linear(10000, 10, 20, 20));
  CHECK(vested(cliff_at_end, 100, kAnchor, kAnchor + 19, kNoneMet) == 0);
  CHECK(vested(cliff_at_end, 100, kAnchor, kAnchor + 20, kNoneMet) == 100);

  // Rounding is down, inside the stretch: 7 tokens over 3 seconds.
  const Schedule seven = one(Part::linear(10000, 0, 3));
  CHECK(vested(seven, 7, kAnchor, kAnchor + 1, kNoneMet) == 2);
  CHECK(vested(seven, 7, kAnchor, kAnchor + 2, kNoneMet) == 4);
  CHECK(vested(seven, 7, kAnchor, kAnchor + 3, kNoneMet) == 7);

  // The largest total halfway through: floor((2^128 - 1) / 2), no overflow.
  const Schedule two = one(Part::linear(10000, 0, 2));
  CHECK(vested(two, kU128Max, kAnchor, kAnchor + 1, kNoneMet) == kU128Max / 2);
  CHECK(vested(two, kU128Max, kAnchor, kAnchor + 2, kNoneMet) == kU128Max);
}

TEST_CASE("schedule: a tranche vests exactly at its time", "[vesting]") {
  const Schedule s{{Part::tranche(4000, 3600), Part::tranche(6000, 0)}};
  REQUIRE(validate(s).ok());
  CHECK(vested(s, 1000, kAnchor, kAnchor - 1, kNoneMet) == 0);
  CHECK(vested(s, 1000, kAnchor, kAnchor, kNoneMet) == 600);  // offset 0: at the anchor
  CHECK(vested(s, 1000, kAnchor, kAnchor + 3599, kNoneMet) == 600);
  CHECK(vested(s, 1000, kAnchor, kAnchor + 3600, kNoneMet) == 1000);
  CHECK(vested(s, 1000, kAnchor, kMaxTime, kNoneMet) == 1000);
}

TEST_CASE("schedule: stake milestones vest once met, from the time they were met", "[vesting]") {
  const Schedule s{{Part::stake(3000, 100, 60), Part::tranche(5000, 100), Part::stake(2000, 500, 60)}};
  REQUIRE(validate(s).ok());
  const uint64_t end = kAnchor + 100;
  CHECK(vested(s, 1000, kAnchor, end, {}) == 500);
  CHECK(vested(s, 1000, kAnchor, kMaxTime, {std::nullopt, std::nullopt}) == 500);
  // Met times index the milestone parts only, in part order.
  const MetTimes second = {std::nullopt, kAnchor + 50};
  CHECK(vested(s, 1000, kAnchor, kAnchor + 49, second) == 0);
  CHECK(vested(s, 1000, kAnchor, kAnchor + 50, second) == 200);
  CHECK(vested(s, 1000, kAnchor, end, second) == 700);
  const MetTimes both = {kAnchor + 500, kAnchor + 50};
  CHECK(vested(s, 1000, kAnchor, kAnchor + 499, both) == 700);
  CHECK(vested(s, 1000, kAnchor, kAnchor + 500, both) == 1000);
  // Missing entries are unmet; extra entries are ignored.
  CHECK(vested(s, 1000, kAnchor, kMaxTime, {kAnchor}) == 800);
  CHECK(vested(s, 1000, kAnchor, kMaxTime, {kAnchor, kAnchor, kAnchor}) == 1000);
  // A met time after the query time does not count yet.
  CHECK(vested(s, 1000, kAnchor, kAnchor, {kAnchor + 1, kAnchor + 1}) == 0);
}

TEST_CASE("schedule: a periodic part releases equal shares, the last period the remainder", "[vesting]") {
  // Four years of monthly unlocks (30-day months) as one part.
  constexpr uint64_t kMonth = 2'592'000;
  const Schedule s = one(Part::periodic(10000, 0, kMonth, 48));
  REQUIRE(validate(s).ok());
  const Amount total = 1000 * kE18 + 7;  // not a multiple of 48
  const Amount per = total / 48;
  CHECK(vested(s, total, kAnchor, kAnchor, kNoneMet) == 0);
  CHECK(vested(s, total, kAnchor, kAnchor + kMonth - 1, kNoneMet) == 0);
  CHECK(vested(s, total, kAnchor, kAnchor + kMonth, kNoneMet) == per);
  CHECK(vested(s, total, kAnchor, kAnchor + 2 * kMonth - 1, kNoneMet) == per);
  CHECK(vested(s, total, kAnchor, kAnchor + 47 * kMonth, kNoneMet) == 47 * per);
  CHECK(vested(s, total, kAnchor, kAnchor + 48 * kMonth - 1, kNoneMet) == 47 * per);
  CHECK(vested(s, total, kAnchor, kAnchor + 48 * kMonth, kNoneMet) == total);
  CHECK(vested(s, total, kAnchor, kMaxTime, kNoneMet) == total);

  // The next unlocks are the next period ends, as many as asked for.
  auto next = upcoming_unlocks(s, total, kAnchor, kAnchor + 5 * kMonth + 10, kNoneMet, 3);
  CHECK(next == std::vector<Unlock>{{kAnchor + 6 * kMonth, per}, {kAnchor + 7 * kMonth, per},
                                    {kAnchor + 8 * kMonth, per}});
  auto last = upcoming_unlocks(s, total, kAnchor, kAnchor + 47 * kMonth, kNoneMet, 8);
  CHECK(last == std::vector<Unlock>{{kAnchor + 48 * kMonth, total - 47 * per}});

  // A start offset delays the first period; the encoding and JSON round-trip.
  const Schedule delayed = one(Part::periodic(10000, 365 * 86400, kMonth, 12));
  CHECK(vested(delayed, total, kAnchor, kAnchor + 365 * 86400 + kMonth - 1, kNoneMet) == 0);
  CHECK(vested(delayed, total, kAnchor, kAnchor + 365 * 86400 + kMonth, kNoneMet) == total / 12);
  Schedule back;
  REQUIRE(decode(encode(delayed), back).ok());
  CHECK(back == delayed);
  std::string error;
  Schedule parsed;
  REQUIRE(parse_schedule_json(schedule_json(delayed), parsed, error));
  CHECK(parsed == delayed);
  REQUIRE(parse_schedule_json(json::parse(R"({"parts":[{"type":"periodic","bps":10000,"period":2592000,"count":48}]})"),
                              parsed, error));
  CHECK(parsed == s);

  // Fields are checked like every other part's.
  CHECK(validate_message(one(Part::periodic(10000, 0, 0, 48))) == "parts[0].period: must be above 0");
  CHECK(validate_message(one(Part::periodic(10000, 0, kMonth, 0))) == "parts[0].count: must be above 0");
  CHECK(validate_message(one(Part::periodic(10000, 0, kMonth, 1'000'000))) ==
        "parts[0].count: the last period must end at most " + std::to_string(kMaxOffset) + " seconds in");
  CHECK(validate_message(one(Part::periodic(10000, 0, kMaxTime, 2))).find("parts[0].count") == 0);
  CHECK(json_error(R"({"parts":[{"type":"periodic","bps":10000,"period":10,"count":2,"end":5}]})") ==
        "parts[0].end: not a field of a periodic part");
}

TEST_CASE("schedule: part amounts add up to awkward totals exactly", "[vesting]") {
  const Schedule thirds{{Part::tranche(3333, 10), Part::linear(3333, 0, 7, 3), Part::stake(3334, 1, 1)}};
  const Schedule single = one(Part::tranche(10000, 5));
  const Schedule uneven{{Part::tranche(1, 1), Part::tranche(9998, 2), Part::tranche(1, 3)}};
  REQUIRE(validate(thirds).ok());
  REQUIRE(validate(uneven).ok());

  CHECK(part_amounts(thirds, 0) == std::vector<Amount>{0, 0, 0});
  CHECK(part_amounts(thirds, 1) == std::vector<Amount>{0, 0, 1});
  CHECK(part_amounts(thirds, 3) == std::vector<Amount>{0, 0, 3});
  CHECK(part_amounts(thirds, 7) == std::vector<Amount>{2, 2, 3});
  const Amount e29 = kE30 / 10;
  CHECK(part_amounts(thirds, kE30) == std::vector<Amount>{3333 * e29 / 1000, 3333 * e29 / 1000, 3334 * e29 / 1000});
  CHECK(part_amounts(single, kU128Max) == std::vector<Amount>{kU128Max});

  for (const Schedule* s : {&thirds, &single, &uneven}) {
    for (Amount total : {Amount(0), Amount(1), Amount(3), Amount(7), kE30, kU128Max}) {
      INFO("total " << dec(total));
      const std::vector<Amount> amounts = part_amounts(*s, total);
      REQUIRE(amounts.size() == s->parts.size());
      Amount sum = 0;
      for (size_t i = 0; i < amounts.size(); ++i) {
        if (i + 1 < amounts.size()) CHECK(amounts[i] == share(total, s->parts[i].bps));
        REQUIRE(checked_add(sum, amounts[i]));
        sum += amounts[i];
      }
      CHECK(dec(sum) == dec(total));
      const MetTimes all_met(milestone_count(*s), kAnchor);
      CHECK(dec(vested(*s, total, kAnchor, kAnchor + 10, all_met)) == dec(total));
      CHECK(dec(vested(*s, total, kAnchor, kMaxTime, all_met)) == dec(total));
      CHECK(vested(*s, total, kAnchor, kAnchor + 9, all_met) <= total);
    }
  }
  // The last part takes the remainder: 1 bps of 2^128 - 1 rounds down, the last gets the dust.
  const std::vector<Amount> a = part_amounts(uneven, kU128Max);
  CHECK(a[0] == kU128Max / 10000);
  CHECK(a[1] == share(kU128Max, 9998));
  CHECK(a[2] == kU128Max - a[0] - a[1]);
  CHECK(a[2] > a[0]);
}

TEST_CASE("schedule: vested is bounded, monotone and complete over random schedules", "[vesting]") {
  std::mt19937_64 rng(20260101);
  size_t checks = 0;
  for (int round = 0; round < 3000; ++round) {
    const Schedule s = random_schedule(rng);
    REQUIRE(validate(s).ok());
    const Amount total = random_total(rng);
    // Mostly ordinary anchors; sometimes anchors so late that unlock times overflow.
    const uint64_t anchor = below(rng, 8) == 0 ? kMaxTime - below(rng, 2 * kMaxOffset) : below(rng, 1ull << 40);
    MetTimes met(milestone_count(s) + below(rng, 2));
    for (auto& m : met)
      if (below(rng, 3) != 0) m = add_sat(anchor, below(rng, 2 * kMaxOffset)) - below(rng, 2);
    INFO("round " << round << " total " << dec(total) << " anchor " << anchor);

    const std::vector<Amount> amounts = part_amounts(s, total);
    Amount sum = 0;
    for (Amount a : amounts) sum += a;
    REQUIRE(sum == total);

    Amount prev = 0;
    for (uint64_t t : probe_times(rng, s, anchor, met)) {
      const Amount v = vested(s, total, anchor, t, met);
      REQUIRE(v <= total);
      REQUIRE(v >= prev);
      prev = v;
      ++checks;
    }

    // Every part reached and every milestone met: exactly the total.
    const MetTimes all_met(milestone_count(s), 0);
    const bool representable = validate_at(s, anchor).ok();
    const Amount at_end = vested(s, total, anchor, kMaxTime, all_met);
    if (representable) REQUIRE(at_end == total);
    REQUIRE(at_end <= total);

    // The unlock steps add up: vested(t) + steps up to T == vested(T).
    const uint64_t t = below(rng, 2) == 0 ? anchor : add_sat(anchor, below(rng, kMaxOffset));
    const std::vector<Unlock> steps = upcoming_unlocks(s, total, anchor, t, met, kMaxParts * 3);
    Amount running = vested(s, total, anchor, t, met);
    uint64_t last = t;
    for (const Unlock& u : steps) {
      REQUIRE(u.time > last);
      REQUIRE(u.amount > 0);
      running += u.amount;
      REQUIRE(running == vested(s, total, anchor, u.time, met));
      last = u.time;
    }
    // After the last step nothing more vests, short of an unmet milestone being met
    // (or, when the anchor is so late that a linear end is past 2^64 - 1, streaming on).
    if (representable) REQUIRE(running == vested(s, total, anchor, kMaxTime, met));
    const size_t limit = below(rng, 4);
    const std::vector<Unlock> first = upcoming_unlocks(s, total, anchor, t, met, limit);
    REQUIRE(first.size() == std::min(limit, steps.size()));
    REQUIRE(std::equal(first.begin(), first.end(), steps.begin()));
  }
  CHECK(checks > 100'000);
}

TEST_CASE("schedule: the canonical encoding round-trips", "[vesting]") {
  // [[2, 10000, 0]]
  CHECK(to_hex(encode(one(Part::tranche(10000, 0)))) == "c6c50282271080");
  // [[1, 5000, 0, 2592000, 31536000], [2, 2500, 7776000], [3, 2500, 10^21, 2592000]]
  const Bytes m = encode(mixed());
  CHECK(to_hex(m) ==
        "eb"
        "ce" "01" "821388" "80" "83278d00" "8401e13380"
        "c8" "02" "8209c4" "8376a700"
        "d2" "03" "8209c4" "893635c9adc5dea00000" "83278d00");
  Schedule back;
  REQUIRE(decode(m, back).ok());
  CHECK(back == mixed());

  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    const Schedule s = random_schedule(rng);
    const Bytes b = encode(s);
    Schedule d;
    REQUIRE(decode(b, d).ok());
    REQUIRE(d == s);
    REQUIRE(encode(d) == b);
  }
}

TEST_CASE("schedule: decode refuses malformed bytes", "[vesting]") {
  const Bytes good = encode(mixed());
  CHECK(decode_message(good) == "ok");

  Bytes trailing = good;
  trailing.push_back(0x00);
  CHECK(decode_message(trailing) == "schedule: trailing bytes");
  CHECK(decode_message(test::unhex("80")) == "schedule: expected a list");
  CHECK(decode_message({}) == "schedule: truncated");
  CHECK(decode_message(test::unhex("c0")) == "parts: must have 1 to 16 parts");
  // [[8, 10000, 0]]: no such kind.
  CHECK(decode_message(test::unhex("c6c50882271080")) == "parts[0].kind: unknown kind 8");
  // [[2, 5000, 0]]: shares add up to half.
  CHECK(decode_message(test::unhex("c6c50282138880")) == "parts: bps add up to 5000, must be 10000");
  // [[2, 10000, 0, 0]] and [[2, 10000]]: a field too many, a field short.
  CHECK(decode_message(test::unhex("c7c6028227108080")) == "parts[0]: trailing bytes");
  CHECK(decode_message(test::unhex("c5c402822710")) == "parts[0]: truncated");
  // [[2, 2^32 + 10000, 0]]: must not wrap to a valid 10000.
  CHECK(decode_message(test::unhex("c9c80285010000271080")) == "parts[0].bps: must be 1 to 10000");
  // [[2, 0x002710, 0]]: an integer with a leading zero.
  CHECK(decode_message(test::unhex("c7c6028300271080")) == "parts[0]: leading zero");
  // [2, 10000, 0] without the outer list: a part is not a schedule.
  CHECK(decode_message(test::unhex("c50282271080")) == "parts[0]: expected a list");
  // [[1, 10000, 10, 10, 5]]: a linear part ending before its start; validate() runs after decoding.
  CHECK(decode_message(test::unhex("c8c7018227100a0a05")) == "parts[0].end: must be after start");

  // 17 parts of 1 bps: refused before reading further.
  rlp::Encoder e;
  e.begin_list();
  for (int i = 0; i < 17; ++i) e.begin_list().uint(2).uint(1).uint(0).end_list();
  e.end_list();
  CHECK(decode_message(e.finish()) == "parts: must have 1 to 16 parts");

  // Every strict prefix is refused; any single-byte change is refused or decodes
  // to a schedule that encodes to exactly those bytes.
  for (size_t n = 0; n < good.size(); ++n) CHECK(decode_message(ByteView(good.data(), n)) != "ok");
  for (size_t i = 0; i < good.size(); ++i) {
    for (int x = 0; x < 256; ++x) {
      Bytes b = good;
      b[i] = static_cast<uint8_t>(x);
      Schedule s;
      if (decode(b, s).ok()) REQUIRE(encode(s) == b);
    }
  }
}

TEST_CASE("schedule: validate names the offending field", "[vesting]") {
  CHECK(validate_message(mixed()) == "ok");
  CHECK(validate_message(Schedule{}) == "parts: must have 1 to 16 parts");
  CHECK(validate_message(Schedule{std::vector<Part>(17, Part::tranche(1, 0))}) == "parts: must have 1 to 16 parts");
  CHECK(validate_message(Schedule{std::vector<Part>(16, Part::tranche(625, 0))}) == "ok");
  CHECK(validate_message(Schedule{{Part::tranche(5000, 0), Part::tranche(5001, 0)}}) ==
        "parts: bps add up to 10001, must be 10000");
  CHECK(validate_message(Schedule{{Part::tranche(10000, 0), Part::tranche(0, 0)}}) == "parts[1].bps: must be 1 to 10000");
  CHECK(validate_message(one(Part::tranche(10001, 0))) == "parts[0].bps: must be 1 to 10000");

  auto third = [](Part p) { return Schedule{{Part::tranche(5000, 0), Part::tranche(2500, 0), p}}; };
  CHECK(validate_message(third(Part::linear(2500, 10, 10))) == "parts[2].end: must be after start");
  CHECK(validate_message(third(Part::linear(2500, 10, 5))) == "parts[2].end: must be after start");
  CHECK(validate_message(third(Part::linear(2500, 10, 20, 9))) == "parts[2].cliff: must not be before start");
  CHECK(validate_message(third(Part::linear(2500, 10, 20, 21))) == "parts[2].cliff: must not be after end");
  CHECK(validate_message(third(Part::linear(2500, 10, 20, 20))) == "ok");
  CHECK(validate_message(third(Part::linear(2500, 0, kMaxOffset))) == "ok");
  CHECK(validate_message(third(Part::linear(2500, 0, kMaxOffset + 1))) ==
        "parts[2].end: must be at most 3155760000 seconds");
  CHECK(validate_message(third(Part::tranche(2500, kMaxOffset))) == "ok");
  CHECK(validate_message(third(Part::tranche(2500, kMaxOffset + 1))) ==
        "parts[2].time: must be at most 3155760000 seconds");
  CHECK(validate_message(third(Part::stake(2500, 0, 10))) == "parts[2].min_stake: must be above 0");
  CHECK(validate_message(third(Part::stake(2500, 1, 0))) == "parts[2].duration: must be above 0");
  CHECK(validate_message(third(Part::stake(2500, kU128Max, kMaxOffset + 1))) ==
        "parts[2].duration: must be at most 3155760000 seconds");

  Part foreign = Part::tranche(2500, 5);
  foreign.end = 9;
  CHECK(validate_message(third(foreign)) == "parts[2].end: must be 0 in a tranche part");
  foreign = Part::linear(2500, 0, 5);
  foreign.min_stake = 1;
  CHECK(validate_message(third(foreign)) == "parts[2].min_stake: must be 0 in a linear part");
  foreign = Part::stake(2500, 1, 1);
  foreign.time = 1;
  CHECK(validate_message(third(foreign)) == "parts[2].time: must be 0 in a stake part");
  foreign.time = 0;
  foreign.kind = static_cast<Part::Kind>(9);
  CHECK(validate_message(third(foreign)) == "parts[2].kind: unknown kind 9");
}

TEST_CASE("schedule: validate_at refuses anchors whose unlock times overflow", "[vesting]") {
  const Schedule s = mixed();
  CHECK(validate_at(s, kAnchor).ok());
  CHECK(validate_at(s, kMaxTime - 31'536'000).ok());
  const Status st = validate_at(s, kMaxTime - 31'535'999);
  CHECK(st.code == 300);
  CHECK(st.message == "parts[0].end: anchor 18446744073678015616 + offset overflows");
  CHECK(validate_at(Schedule{{Part::stake(5000, 1, 1), Part::tranche(5000, 2)}}, kMaxTime - 1).message ==
        "parts[1].time: anchor 18446744073709551614 + offset overflows");
  CHECK(validate_at(Schedule{}, 0).message == "parts: must have 1 to 16 parts");
  // vested() stays defined for such anchors: an unrepresentable time is never reached.
  CHECK(vested(s, 100, kMaxTime - 10, kMaxTime, {kMaxTime}) == 25);
  CHECK(upcoming_unlocks(s, 100, kMaxTime - 10, kMaxTime - 10, {}, 10).empty());
}

TEST_CASE("schedule: JSON round-trips and its errors name the field", "[vesting]") {
  const char* text =
      R"({"parts":[{"type":"linear","bps":5000,"start":0,"cliff":2592000,"end":31536000},)"
      R"({"type":"tranche","bps":2500,"time":7776000},)"
      R"({"type":"stake","bps":2500,"min_stake":"1000000000000000000000","duration":2592000}]})";
  Schedule s;
  std::string error;
  REQUIRE(parse_schedule_json(json::parse(text), s, error));
  CHECK(error.empty());
  CHECK(s == mixed());
  CHECK(json::serialize(schedule_json(s)) == text);

  // "cliff" is optional and defaults to start; the output always has it.
  REQUIRE(parse_schedule_json(json::parse(R"({"parts":[{"type":"linear","bps":10000,"start":5,"end":9}]})"), s, error));
  CHECK(s == one(Part::linear(10000, 5, 9)));
  CHECK(json::serialize(schedule_json(s)) ==
        R"({"parts":[{"type":"linear","bps":10000,"start":5,"cliff":5,"end":9}]})");

  CHECK(json_error("[]") == "schedule: must be an object");
  CHECK(json_error("{}") == "parts: missing");
  CHECK(json_error(R"({"parts":[],"x":1})") == "x: unknown field");
  CHECK(json_error(R"({"parts":{}})") == "parts: must be an array");
  CHECK(json_error(R"({"parts":[]})") == "parts: must have 1 to 16 parts");
  CHECK(json_error(R"({"parts":[1]})") == "parts[0]: must be an object");
  CHECK(json_error(R"({"parts":[{"bps":10000,"time":0}]})") == "parts[0].type: missing");
  CHECK(json_error(R"({"parts":[{"type":"cliff","bps":10000}]})") ==
        "parts[0].type: must be \"linear\", \"tranche\", \"periodic\", \"stake\", \"purchases\", \"referrals\" or "
        "\"usage\"");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":5000,"time":0},{"type":"tranche","bps":5000}]})") ==
        "parts[1].time: missing");
  CHECK(json_error(R"({"parts":[{"type":"tranche","time":0}]})") == "parts[0].bps: missing");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":0,"time":0}]})") == "parts[0].bps: must be 1 to 10000");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":4294977296,"time":0}]})") ==
        "parts[0].bps: must be 1 to 10000");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":10000,"time":-1}]})") ==
        "parts[0].time: must be a non-negative integer");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":10000,"time":1.5}]})") ==
        "parts[0].time: must be a non-negative integer");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":10000,"time":"5"}]})") ==
        "parts[0].time: must be a non-negative integer");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":10000,"time":0,"end":5}]})") ==
        "parts[0].end: not a field of a tranche part");
  CHECK(json_error(R"({"parts":[{"type":"linear","bps":10000,"start":0}]})") == "parts[0].end: missing");
  CHECK(json_error(R"({"parts":[{"type":"linear","bps":10000,"start":9,"end":5}]})") ==
        "parts[0].end: must be after start");
  CHECK(json_error(R"({"parts":[{"type":"linear","bps":10000,"start":0,"cliff":6,"end":5}]})") ==
        "parts[0].cliff: must not be after end");
  CHECK(json_error(R"({"parts":[{"type":"stake","bps":10000,"duration":5}]})") == "parts[0].min_stake: missing");
  CHECK(json_error(R"({"parts":[{"type":"stake","bps":10000,"min_stake":1000,"duration":5}]})") ==
        "parts[0].min_stake: must be a decimal string of base units");
  CHECK(json_error(R"({"parts":[{"type":"stake","bps":10000,"min_stake":"01","duration":5}]})") ==
        "parts[0].min_stake: must be a decimal string of base units");
  CHECK(json_error(R"({"parts":[{"type":"stake","bps":10000,"min_stake":"0","duration":5}]})") ==
        "parts[0].min_stake: must be above 0");
  CHECK(json_error(R"({"parts":[{"type":"stake","bps":10000,"min_stake":"1"}]})") == "parts[0].duration: missing");
  CHECK(json_error(R"({"parts":[{"type":"tranche","bps":5000,"time":0}]})") ==
        "parts: bps add up to 5000, must be 10000");

  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    const Schedule r = random_schedule(rng);
    Schedule back;
    REQUIRE(parse_schedule_json(json::parse(json::serialize(schedule_json(r))), back, error));
    REQUIRE(back == r);
  }
}

TEST_CASE("schedule: upcoming unlocks of a mixed schedule", "[vesting]") {
  const Schedule s = mixed();
  const Amount total = 1'000'000;  // parts: 500000 linear, 250000 tranche, 250000 milestone
  const uint64_t cliff = kAnchor + 2'592'000, tranche = kAnchor + 7'776'000, end = kAnchor + 31'536'000;
  // Linear accrued at the cliff: floor(500000 * 2592000 / 31536000) = 41095; at the tranche 123287.
  CHECK(vested(s, total, kAnchor, cliff, {}) == 41'095);
  CHECK(vested(s, total, kAnchor, tranche, {}) == 250'000 + 123'287);

  CHECK(upcoming_unlocks(s, total, kAnchor, kAnchor, {}, 10) ==
        std::vector<Unlock>{{cliff, 41'095}, {tranche, 250'000 + 82'192}, {end, 376'713}});
  // From before the anchor, the same steps.
  CHECK(upcoming_unlocks(s, total, kAnchor, 0, {}, 10) == upcoming_unlocks(s, total, kAnchor, kAnchor, {}, 10));
  // Strictly after t: at the cliff, the cliff is past; the next step carries what streams until then.
  CHECK(upcoming_unlocks(s, total, kAnchor, cliff, {}, 10) ==
        std::vector<Unlock>{{tranche, 250'000 + 82'192}, {end, 376'713}});
  CHECK(upcoming_unlocks(s, total, kAnchor, cliff - 1, {}, 1) == std::vector<Unlock>{{cliff, 41'095}});
  CHECK(upcoming_unlocks(s, total, kAnchor, kAnchor, {}, 0).empty());
  CHECK(upcoming_unlocks(s, total, kAnchor, end, {}, 10).empty());
  CHECK(upcoming_unlocks(s, 0, kAnchor, kAnchor, {}, 10).empty());

  // A milestone met later than t is a known step; one met earlier is already vested.
  const uint64_t met = kAnchor + 5'000'000;  // linear accrued there: 79274
  CHECK(upcoming_unlocks(s, total, kAnchor, kAnchor, {met}, 10) ==
        std::vector<Unlock>{{cliff, 41'095},
                            {met, 250'000 + 79'274 - 41'095},
                            {tranche, 250'000 + 123'287 - 79'274},
                            {end, 376'713}});
  CHECK(upcoming_unlocks(s, total, kAnchor, met, {met}, 10) ==
        std::vector<Unlock>{{tranche, 250'000 + 123'287 - 79'274}, {end, 376'713}});
  CHECK(vested(s, total, kAnchor, met, {met}) == 250'000 + 79'274);

  // Parts falling due at the same time merge into one step.
  const Schedule same{{Part::tranche(2000, 100), Part::linear(3000, 0, 100, 50), Part::tranche(5000, 100)}};
  CHECK(upcoming_unlocks(same, 10'000, kAnchor, kAnchor, {}, 10) ==
        std::vector<Unlock>{{kAnchor + 50, 1500}, {kAnchor + 100, 2000 + 1500 + 5000}});
  // Tiny totals: steps whose amount rounds to 0 are left out.
  CHECK(upcoming_unlocks(same, 1, kAnchor, kAnchor, {}, 10) == std::vector<Unlock>{{kAnchor + 100, 1}});
}

TEST_CASE("schedule: purchases, referrals and usage parts encode, validate and read as milestones", "[vesting]") {
  const Schedule s{{Part::linear(4000, 0, 1000), Part::purchase_units(1000, 3),
                    Part::purchase_spend(1000, 500 * Amount(1'000'000)), Part::referrals(1000, 2),
                    Part::stake(1000, 7, 60), Part::usage(2000, "courses_completed", 10)}};
  REQUIRE(validate(s).ok());
  // [5, 1000, 3, 0], [5, 1000, 0, 500000000], [6, 1000, 2], [7, 2000, "courses_completed", 10]
  const Bytes enc = encode(s);
  rlp::ListReader r(enc);
  r.list();
  CHECK(to_hex(r.raw()) == "c6058203e80380");
  CHECK(to_hex(r.raw()) == "ca058203e880841dcd6500");
  CHECK(to_hex(r.raw()) == "c5068203e802");
  r.raw();
  CHECK(to_hex(r.raw()) == "d7078207d091636f75727365735f636f6d706c657465640a");
  Schedule back;
  REQUIRE(decode(enc, back).ok());
  CHECK(back == s);
  // docs/protocol.md: devnet Academy's schedule.
  CHECK(to_hex(encode(Schedule{{Part::tranche(5000, 15'552'000), Part::usage(5000, "courses_completed", 10)}})) ==
        "e1c80282138883ed4e00d70782138891636f75727365735f636f6d706c657465640a");

  // Milestone parts, in part order: purchases(units), purchases(spend), referrals, stake, usage.
  const Amount total = 100'000;
  const uint64_t t = kAnchor + 10'000;
  CHECK(vested(s, total, kAnchor, t, kNoneMet) == 40'000);
  CHECK(vested(s, total, kAnchor, t, {t, std::nullopt, std::nullopt, std::nullopt, std::nullopt}) == 50'000);
  CHECK(vested(s, total, kAnchor, t, {std::nullopt, std::nullopt, std::nullopt, std::nullopt, t}) == 60'000);
  CHECK(vested(s, total, kAnchor, t, {std::nullopt, std::nullopt, t + 1, std::nullopt, std::nullopt}) == 40'000);
  CHECK(vested(s, total, kAnchor, t + 1, {std::nullopt, std::nullopt, t + 1, std::nullopt, std::nullopt}) == 50'000);
  CHECK(vested(s, total, kAnchor, t, {t, t, t, t, t}) == total);
  // A met time after t is an upcoming unlock; an unmet part has no date.
  CHECK(upcoming_unlocks(s, total, kAnchor, t, {std::nullopt, std::nullopt, t + 5, std::nullopt, std::nullopt}, 8) ==
        std::vector<Unlock>{{t + 5, 10'000}});

  // Errors name the field.
  CHECK(validate_message(one(Part::purchase_units(10000, 0))) ==
        "parts[0].units: give exactly one of units or spend, above 0");
  Part both = Part::purchase_units(10000, 1);
  both.spend = 1;
  CHECK(validate_message(one(both)) == "parts[0].units: give exactly one of units or spend, above 0");
  CHECK(validate_message(one(Part::referrals(10000, 0))) == "parts[0].buyers: must be above 0");
  CHECK(validate_message(one(Part::usage(10000, "courses", 0))) == "parts[0].target: must be above 0");
  for (const char* bad : {"", "Courses", "1courses", "courses-done", "a_name_that_is_longer_than_32_chars"})
    CHECK(validate_message(one(Part::usage(10000, bad, 1))) ==
          "parts[0].metric: must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter");
  CHECK(validate_message(one(Part::usage(10000, "a_name_that_is_exactly_32_chars_", 1))) == "ok");
  Part foreign = Part::referrals(10000, 1);
  foreign.units = 2;
  CHECK(validate_message(one(foreign)) == "parts[0].units: must be 0 in a referrals part");
  foreign = Part::tranche(10000, 1);
  foreign.metric = "x";
  CHECK(validate_message(one(foreign)) == "parts[0].metric: must be 0 in a tranche part");
  // [[5, 10000, 0, 0]]: a purchases part with neither units nor spend, refused on decode.
  CHECK(decode_message(test::unhex("c7c6058227108080")) ==
        "parts[0].units: give exactly one of units or spend, above 0");
  // [[7, 10000, "", 1]]: no metric name.
  CHECK(decode_message(test::unhex("c7c60782271080" "01")) ==
        "parts[0].metric: must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter");
}

TEST_CASE("schedule: JSON of purchases, referrals and usage parts round-trips, errors name the field", "[vesting]") {
  const std::string text =
      R"({"parts":[{"type":"purchases","bps":2500,"units":3},{"type":"purchases","bps":2500,"spend":"500000000"},)"
      R"({"type":"referrals","bps":2500,"buyers":2},{"type":"usage","bps":2500,"metric":"courses_completed","target":10}]})";
  Schedule s;
  std::string error;
  REQUIRE(parse_schedule_json(json::parse(text), s, error));
  CHECK(s == Schedule{{Part::purchase_units(2500, 3), Part::purchase_spend(2500, 500'000'000),
                       Part::referrals(2500, 2), Part::usage(2500, "courses_completed", 10)}});
  CHECK(json::serialize(schedule_json(s)) == text);

  CHECK(json_error(R"({"parts":[{"type":"purchases","bps":10000}]})") ==
        "parts[0].units: give exactly one of units or spend");
  CHECK(json_error(R"({"parts":[{"type":"purchases","bps":10000,"units":1,"spend":"1"}]})") ==
        "parts[0].units: give exactly one of units or spend");
  CHECK(json_error(R"({"parts":[{"type":"purchases","bps":10000,"spend":5}]})") ==
        "parts[0].spend: must be a decimal string of base units");
  CHECK(json_error(R"({"parts":[{"type":"purchases","bps":10000,"units":0}]})") ==
        "parts[0].units: give exactly one of units or spend, above 0");
  CHECK(json_error(R"({"parts":[{"type":"referrals","bps":10000}]})") == "parts[0].buyers: missing");
  CHECK(json_error(R"({"parts":[{"type":"referrals","bps":10000,"buyers":1,"time":3}]})") ==
        "parts[0].time: not a field of a referrals part");
  CHECK(json_error(R"({"parts":[{"type":"usage","bps":10000,"target":1}]})") == "parts[0].metric: missing");
  CHECK(json_error(R"({"parts":[{"type":"usage","bps":10000,"metric":4,"target":1}]})") ==
        "parts[0].metric: must be a string");
  CHECK(json_error(R"({"parts":[{"type":"usage","bps":10000,"metric":"Bad","target":1}]})") ==
        "parts[0].metric: must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter");
  CHECK(json_error(R"({"parts":[{"type":"usage","bps":10000,"metric":"ok"}]})") == "parts[0].target: missing");
}
