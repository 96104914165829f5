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
  d.add_sync("echo", ParamNames::any(), [](const json::value& params) { return params; });
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

namespace {

// The answer of `d` to one request.
json::value answer(const Dispatcher& d, const std::string& request) {
  std::string out;
  d.handle(request, Limits{}, [&](std::string r) { out = std::move(r); });
  return out.empty() ? json::value() : json::parse(out);
}

}  // namespace

TEST_CASE("a parameter a method does not declare is refused, naming it") {
  Dispatcher d;
  int runs = 0;
  d.add_sync("page", {"address", "limit", "cursor"}, [&](const json::value& params) -> Result {
    ++runs;
    return opt_u64(params_object(params), "limit").value_or(25);
  });
  d.add_sync("status", {}, [&](const json::value&) -> Result {
    ++runs;
    return "ok";
  });
  auto call = [&](const std::string& method, const std::string& params) {
    return answer(d, R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params + "}");
  };
  auto refused = [&](const json::value& r, const std::string& message) {
    INFO(json::serialize(r));
    REQUIRE(r.as_object().contains("error"));
    CHECK(r.at("error").at("code") == kInvalidParams);
    CHECK(std::string(r.at("error").at("message").as_string()) == message);
    CHECK(r.at("id") == 1);
  };

  // Declared names pass, in any combination, as an object or wrapped in an array.
  CHECK(call("page", R"({"limit":5})").at("result") == 5);
  CHECK(call("page", R"([{"limit":6,"cursor":null,"address":"x"}])").at("result") == 6);
  CHECK(call("page", "{}").at("result") == 25);
  CHECK(call("page", "[]").at("result") == 25);
  CHECK(call("status", "{}").at("result") == "ok");
  CHECK(answer(d, R"({"jsonrpc":"2.0","id":1,"method":"status"})").at("result") == "ok");
  CHECK(call("status", "null").at("result") == "ok");
  CHECK(runs == 7);

  // A misspelt or foreign name is refused before the handler runs.
  refused(call("page", R"({"limt":5})"), "unknown parameter 'limt' (page takes address, limit, cursor)");
  refused(call("page", R"([{"limit":5,"fromHeight":1}])"),
          "unknown parameter 'fromHeight' (page takes address, limit, cursor)");
  refused(call("page", R"({"Limit":5})"), "unknown parameter 'Limit' (page takes address, limit, cursor)");
  refused(call("status", R"({"verbose":true})"), "unknown parameter 'verbose' (status takes none)");
  refused(call("status", "[1]"), "params must be an object");
  refused(call("page", R"([{"limit":5},{}])"), "params must be an object");
  // A long name is quoted only in part.
  refused(call("status", "{\"" + std::string(1000, 'x') + "\":1}"),
          "unknown parameter '" + std::string(64, 'x') + "...' (status takes none)");
  CHECK(runs == 7);

  // In a batch, only the call with the unknown name is refused.
  json::value batch = answer(d, R"([{"jsonrpc":"2.0","id":1,"method":"page","params":{"toHeight":9}},
                                    {"jsonrpc":"2.0","id":2,"method":"page","params":{"limit":3}}])");
  REQUIRE(batch.as_array().size() == 2);
  CHECK(batch.at(0).at("error").at("message") == "unknown parameter 'toHeight' (page takes address, limit, cursor)");
  CHECK(batch.at(1).at("result") == 3);
  CHECK(runs == 8);

  // The refusals count as errors of the method.
  std::string metrics;
  d.append_metrics(metrics);
  CHECK(metrics.find("vest_rpc_call_errors_total{method=\"page\"} 5\n") != std::string::npos);
  CHECK(metrics.find("vest_rpc_call_errors_total{method=\"status\"} 3\n") != std::string::npos);
}

TEST_CASE("free-form methods see whatever params come") {
  Dispatcher d;
  d.add_sync("echo", ParamNames::any(), [](const json::value& params) { return params; });
  CHECK(answer(d, R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"anything":1}})").at("result") ==
        json::parse(R"({"anything":1})"));
  CHECK(answer(d, R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[1,2]})").at("result") == json::parse("[1,2]"));
}

TEST_CASE("per-method metrics: calls, errors and a latency histogram") {
  Dispatcher d;
  d.add_sync("ok", {}, [](const json::value&) -> Result { return 1; });
  d.add_sync("fails", {}, [](const json::value&) -> Result { throw InvalidParams("missing field 'x'"); });
  for (int i = 0; i < 3; ++i) answer(d, R"({"jsonrpc":"2.0","id":1,"method":"ok"})");
  answer(d, R"({"jsonrpc":"2.0","id":1,"method":"fails"})");
  answer(d, "not json");
  std::string m;
  d.append_metrics(m);
  INFO(m);
  CHECK(m.find("# TYPE vest_rpc_call_duration_seconds histogram\n") != std::string::npos);
  CHECK(m.find("# HELP vest_rpc_call_errors_total ") != std::string::npos);
  CHECK(m.find("vest_rpc_calls_total{method=\"ok\"} 3\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_errors_total{method=\"ok\"} 0\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_errors_total{method=\"fails\"} 1\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_duration_seconds_bucket{method=\"ok\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_duration_seconds_bucket{method=\"ok\",le=\"60.000000\"} 3\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_duration_seconds_count{method=\"ok\"} 3\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_duration_seconds_count{method=\"fails\"} 1\n") != std::string::npos);
  CHECK(m.find("vest_rpc_call_duration_seconds_sum{method=\"ok\"} 0.") != std::string::npos);
  CHECK(m.find("vest_rpc_errors_total 2\n") != std::string::npos);  // the failed call and the parse error
}
