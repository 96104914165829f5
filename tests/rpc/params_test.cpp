#include "rpc/params.h"

#include <catch2/catch.hpp>

#include "rpc/json_rpc.h"

namespace json = boost::json;
using namespace vest::rpc;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidParams& e) {
    CHECK(e.error().code == kInvalidParams);
    return e.error().message;
  }
  return "no error";
}

}  // namespace

TEST_CASE("params_object accepts an object, a wrapped object and nothing") {
  json::value obj = json::parse(R"({"a":1})");
  json::value wrapped = json::parse(R"([{"a":1}])");
  CHECK(params_object(obj).at("a") == 1);
  CHECK(params_object(wrapped).at("a") == 1);
  CHECK(params_object(json::value()).empty());
  CHECK(params_object(json::array()).empty());
  CHECK(error_of([] { params_object(json::parse("[1,2]")); }) == "params must be an object");
  CHECK(error_of([] { params_object(json::parse("[{},{}]")); }) == "params must be an object");
}

TEST_CASE("string and bool fields name the field in errors") {
  json::object p = json::parse(R"({"address":"0xab","flag":true,"n":null,"s":5})").as_object();
  CHECK(get_string(p, "address") == "0xab");
  CHECK(opt_string(p, "missing") == std::nullopt);
  CHECK(opt_string(p, "n") == std::nullopt);
  CHECK(get_bool(p, "flag"));
  CHECK(opt_bool(p, "missing", true));
  CHECK(error_of([&] { get_string(p, "nope"); }) == "missing field 'nope'");
  CHECK(error_of([&] { get_string(p, "n"); }) == "missing field 'n'");
  CHECK(error_of([&] { get_string(p, "s"); }) == "field 's' must be a string");
  CHECK(error_of([&] { opt_bool(p, "s", false); }) == "field 's' must be a boolean");
  CHECK(error_of([&] { get_object(p, "s"); }) == "field 's' must be an object");
  CHECK(error_of([&] { get_array(p, "s"); }) == "field 's' must be an array");
}

TEST_CASE("get_u64 accepts integers, decimal and hex strings only") {
  json::object p = json::parse(R"({
    "int": 42, "big": 18446744073709551615, "dec": "1000", "hex": "0xff", "HEX": "0XFF",
    "neg": -1, "float": 1.5, "exp": 1e3, "over": "18446744073709551616", "empty": "",
    "bare": "0x", "plus": "+1", "space": " 1", "word": "ten", "bool": true
  })")
                       .as_object();
  CHECK(get_u64(p, "int") == 42);
  CHECK(get_u64(p, "big") == 18446744073709551615ull);
  CHECK(get_u64(p, "dec") == 1000);
  CHECK(get_u64(p, "hex") == 255);
  CHECK(get_u64(p, "HEX") == 255);
  CHECK(opt_u64(p, "missing") == std::nullopt);
  for (const char* bad :
       {"neg", "float", "exp", "over", "empty", "bare", "plus", "space", "word", "bool"}) {
    INFO(bad);
    CHECK(error_of([&] { get_u64(p, bad); }) ==
          "field '" + std::string(bad) + "' must be a non-negative 64-bit integer");
  }
  CHECK(error_of([&] { get_u64(p, "limit"); }) == "missing field 'limit'");
}

TEST_CASE("Dispatcher works without a server") {
  Dispatcher d;
  d.add_sync("echo", [](const json::value& params) { return params; });
  std::string out;
  d.handle(R"({"jsonrpc":"2.0","id":7,"method":"echo","params":[1]})", Limits{},
           [&](std::string r) { out = std::move(r); });
  CHECK(json::parse(out) == json::parse(R"({"jsonrpc":"2.0","id":7,"result":[1]})"));
  d.handle(R"({"jsonrpc":"2.0","method":"echo"})", Limits{},
           [&](std::string r) { out = std::move(r); });
  CHECK(out.empty());

  std::string metrics;
  d.append_metrics(metrics);
  CHECK(metrics.find("vest_rpc_calls_total{method=\"echo\"} 2\n") != std::string::npos);
}
