// Validator set changes (chain/validator_set.h): with_power keeps every
// invariant of a set or refuses, saying why; the state keeps each set with the
// height it certifies from, and the set of any height is the newest entry at or
// below it.
#include <catch2/catch.hpp>

#include "chain/rlp.h"
#include "chain/validator_set.h"
#include "tests/util/test_util.h"

using namespace vest;

namespace {

Address addr(const std::string& name) { return address_of(test::test_key(name)); }

ValidatorSet make_set(std::vector<Validator> v) {
  std::string error;
  auto s = ValidatorSet::make(std::move(v), error);
  INFO(error);
  REQUIRE(s);
  return *s;
}

std::vector<Validator> numbered(size_t n) {
  std::vector<Validator> v;
  for (size_t i = 0; i < n; ++i) v.push_back({addr("v" + std::to_string(i)), 1});
  return v;
}

}  // namespace

TEST_CASE("with_power adds, changes and removes one validator", "[validators]") {
  const Address a = addr("a"), b = addr("b"), c = addr("c");
  const ValidatorSet s = make_set({{a, 5}, {b, 1}});
  std::string error;
  auto added = s.with_power(c, 3, error);
  REQUIRE(added);
  CHECK(*added == make_set({{a, 5}, {b, 1}, {c, 3}}));
  auto raised = s.with_power(b, 7, error);
  REQUIRE(raised);
  CHECK(*raised == make_set({{a, 5}, {b, 7}}));
  CHECK(raised->total_power() == 12);
  auto removed = s.with_power(a, 0, error);
  REQUIRE(removed);
  CHECK(*removed == make_set({{b, 1}}));
  // The set itself is a value: unchanged.
  CHECK(s == make_set({{a, 5}, {b, 1}}));
}

TEST_CASE("with_power refuses what breaks a set or changes nothing, saying why", "[validators]") {
  const Address a = addr("a"), b = addr("b");
  const ValidatorSet s = make_set({{a, 5}, {b, 1}});
  auto refused = [&](const ValidatorSet& set, const Address& who, uint64_t power) {
    std::string error;
    CHECK_FALSE(set.with_power(who, power, error));
    CHECK_FALSE(error.empty());
    return error;
  };
  CHECK(refused(s, addr("stranger"), 0) == to_checksum(addr("stranger")) + " is not a validator");
  CHECK(refused(s, a, 5) == to_checksum(a) + " already has power 5");
  CHECK(refused(s, Address{}, 1) == "the zero address cannot be a validator");
  CHECK(refused(make_set({{a, 5}}), a, 0) == "removing " + to_checksum(a) + " would leave no validator");
  CHECK(refused(s, addr("c"), UINT64_MAX - 5) ==
        "power 18446744073709551610 would take the total power beyond 2^64 - 1");
  CHECK(refused(s, b, UINT64_MAX - 4) == "power 18446744073709551611 would take the total power beyond 2^64 - 1");
  // Raising one validator to the whole bound is fine when the others fit under it.
  std::string error;
  CHECK(s.with_power(b, UINT64_MAX - 5, error));
  const ValidatorSet full = make_set(numbered(kMaxValidators));
  CHECK(refused(full, addr("one more"), 1).find("more than 100") != std::string::npos);
  // A full set still changes powers and loses members.
  CHECK(full.with_power(full.validators()[0].address, 2, error));
  CHECK(full.with_power(full.validators()[0].address, 0, error));
}

TEST_CASE("a set holds at most 100 validators, from genesis or the state", "[validators]") {
  std::string error;
  CHECK(ValidatorSet::make(numbered(kMaxValidators), error));
  CHECK_FALSE(ValidatorSet::make(numbered(kMaxValidators + 1), error));
  CHECK(error == "must list at most 100 validators, not 101");
  // The decoder refuses an encoding of 101, each entry otherwise valid.
  const ValidatorSet full = make_set(numbered(kMaxValidators));
  Bytes raw = full.encode();
  REQUIRE(ValidatorSet::decode(raw));
  std::vector<Validator> more = full.validators();
  more.push_back({Address{}, 1});
  more.back().address.bytes.fill(0xff);  // sorts last
  rlp::Encoder e;
  e.begin_list();
  for (const Validator& v : more) e.begin_list().fixed(v.address).uint(v.power).end_list();
  e.end_list();
  CHECK_FALSE(ValidatorSet::decode(e.finish()));
}

TEST_CASE("the state keeps each set with the height it certifies from", "[validators]") {
  EmptyState empty;
  Overlay state(empty);
  CHECK_FALSE(validators_at(state, 0));
  CHECK_FALSE(latest_validators(state));
  const ValidatorSet s0 = make_set({{addr("a"), 1}});
  const ValidatorSet s5 = make_set({{addr("a"), 1}, {addr("b"), 2}});
  const ValidatorSet s9 = make_set({{addr("b"), 2}});
  write_validators(state, 0, s0);
  schedule_validators(state, 3, s5);  // executed in block 3: from block 5
  schedule_validators(state, 7, s9);
  for (uint64_t h = 0; h < 5; ++h) CHECK(validators_at(state, h) == ValidatorsAt{s0, 0});
  for (uint64_t h = 5; h < 9; ++h) CHECK(validators_at(state, h) == ValidatorsAt{s5, 5});
  CHECK(validators_at(state, 9) == ValidatorsAt{s9, 9});
  CHECK(validators_at(state, UINT64_MAX) == ValidatorsAt{s9, 9});
  CHECK(latest_validators(state) == ValidatorsAt{s9, 9});
  auto history = validator_history(state);
  REQUIRE(history.size() == 3);
  CHECK(history[0].effective_from == 9);
  CHECK(history[1].effective_from == 5);
  CHECK(history[2].effective_from == 0);
  // A second change in the same block replaces that block's entry.
  const ValidatorSet s9b = make_set({{addr("c"), 4}});
  schedule_validators(state, 7, s9b);
  CHECK(validators_at(state, 10) == ValidatorsAt{s9b, 9});
  CHECK(validator_history(state).size() == 3);
  // A corrupt entry reads as none, not as another set.
  Bytes key(kValidatorSetPrefix.begin(), kValidatorSetPrefix.end());
  put_u64_be(key, UINT64_MAX - 9);
  state.put(key, Bytes{0xc0});
  CHECK_FALSE(validators_at(state, 9));
  CHECK(validators_at(state, 8) == ValidatorsAt{s5, 5});
  CHECK(validator_history(state).empty());
}
