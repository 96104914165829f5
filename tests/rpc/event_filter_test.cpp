#include "rpc/event_filter.h"

#include <catch2/catch.hpp>

#include "rpc/json_rpc.h"

namespace json = boost::json;
using namespace vest;
using namespace vest::rpc;

namespace {

const char* kAlice = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const char* kBob = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const char* kCarol = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

Event event(std::string type, std::vector<const char*> names) {
  Event e;
  e.type = std::move(type);
  for (const char* n : names) e.addresses.push_back(*parse_address(n));
  return e;
}

EventFilter filter(const char* params) { return event_filter_param(json::parse(params).as_object()); }

std::string error_of(const char* params) {
  try {
    filter(params);
  } catch (const InvalidParams& e) {
    CHECK(e.error().code == kInvalidParams);
    return e.error().message;
  }
  return "no error";
}

}  // namespace

TEST_CASE("an empty event filter matches every event") {
  EventFilter f = filter("{}");
  CHECK(f.types.empty());
  CHECK(f.addresses.empty());
  CHECK(f.matches(event("bank.transfer", {kAlice, kBob})));
  CHECK(f.matches(event("staking.unbonded", {})));
}

TEST_CASE("an event filter matches by type and by any named address") {
  std::string params = std::string(R"({"types":["vesting.claimed","bank.transfer"],"addresses":[")") + kBob + R"("]})";
  EventFilter f = filter(params.c_str());
  CHECK(f.matches(event("bank.transfer", {kAlice, kBob})));
  CHECK(f.matches(event("vesting.claimed", {kBob})));
  CHECK_FALSE(f.matches(event("bank.transfer", {kAlice, kCarol})));  // other addresses
  CHECK_FALSE(f.matches(event("bank.fee", {kBob})));                 // other type
  CHECK_FALSE(f.matches(event("vesting.claimed", {})));              // names nobody

  EventFilter by_type = filter(R"({"types":["bank.fee"]})");
  CHECK(by_type.matches(event("bank.fee", {kCarol})));
  CHECK_FALSE(by_type.matches(event("bank.transfer", {kCarol})));
}

TEST_CASE("an event filter accepts addresses in any valid case") {
  std::string lower = R"({"addresses":["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"]})";
  CHECK(filter(lower.c_str()).matches(event("bank.transfer", {kAlice})));
}

TEST_CASE("a malformed event filter is refused naming the field") {
  CHECK(error_of(R"({"types":"bank.transfer"})") == "field 'types' must be an array");
  CHECK(error_of(R"({"addresses":{}})") == "field 'addresses' must be an array");
  CHECK(error_of(R"({"types":[5]})") == "field 'types': each entry is an event type such as \"vesting.claimed\"");
  CHECK(error_of(R"({"types":["Bank.Transfer"]})") == "field 'types': each entry is an event type such as \"vesting.claimed\"");
  CHECK(error_of(R"({"types":["transfer"]})") == "field 'types': each entry is an event type such as \"vesting.claimed\"");
  CHECK(error_of(R"({"addresses":[1]})") == "field 'addresses': each entry is an address string");
  CHECK(error_of(R"({"addresses":["0x1234"]})") == "field 'addresses': expected a 0x address of 40 hex digits");
  CHECK(error_of(R"({"addresses":["0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266"]})") ==
        "field 'addresses': EIP-55 checksum mismatch");

  std::string many = R"({"types":[)";
  for (int i = 0; i < 17; ++i) many += std::string(i ? "," : "") + "\"bank.transfer\"";
  many += "]}";
  CHECK(error_of(many.c_str()) == "field 'types': at most 16 entries");
}
