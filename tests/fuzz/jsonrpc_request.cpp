// Request bodies as they come from HTTP or WebSocket, through the JSON-RPC
// dispatcher with methods that answer in every way a handler can: a result,
// an error, an exception, a reply dropped, a reply made twice, a reply made
// after handle() returned. Checks that every body gets exactly one answer,
// and that the answer is "" (notifications only) or well-formed JSON-RPC 2.0.
#include <vector>

#include "rpc/json_rpc.h"
#include "rpc/params.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace vest::rpc;
namespace json = boost::json;

Limits fuzz_limits() {
  Limits l;
  l.max_batch = 8;
  l.max_depth = 16;
  return l;
}

// Replies that handlers kept to answer later, answered after handle() returns.
std::vector<Dispatcher::Reply> g_later;

const Dispatcher& dispatcher() {
  static Dispatcher* d = [] {
    auto* d = new Dispatcher();
    d->add_sync("echo", ParamNames::any(), [](const json::value& params) { return params; });
    d->add_sync("add", {"a", "b"}, [](const json::value& params) -> Result {
      const json::object& p = params_object(params);
      return get_u64(p, "a") + get_u64(p, "b");
    });
    d->add_sync("fields", {"s", "b", "o", "a"}, [](const json::value& params) -> Result {
      const json::object& p = params_object(params);
      json::object out;
      out["s"] = opt_string(p, "s").value_or("");
      out["b"] = opt_bool(p, "b", false);
      if (p.contains("o")) out["o"] = get_object(p, "o");
      if (p.contains("a")) out["a"] = get_array(p, "a");
      return out;
    });
    d->add_sync("throws", ParamNames::any(), [](const json::value&) -> Result { throw std::runtime_error("internal detail"); });
    d->add_sync("bad_params", ParamNames::any(), [](const json::value&) -> Result { throw InvalidParams("missing field 'x'"); });
    d->add_sync("app_error", ParamNames::any(), [](const json::value&) -> Result {
      return Error{3, "refused", json::object{{"reason", "nope"}}};
    });
    d->add("drops", ParamNames::any(), [](const json::value&, Dispatcher::Reply) {});
    d->add("twice", ParamNames::any(), [](const json::value& params, Dispatcher::Reply reply) {
      reply(json::value(1));
      reply(params);
    });
    d->add("later", ParamNames::any(), [](const json::value& params, Dispatcher::Reply reply) {
      g_later.push_back([reply, copy = json::value(params)](Result) { reply(copy); });
    });
    d->set_internal_error_log([](std::string_view, std::string_view) {});
    return d;
  }();
  return *d;
}

bool valid_id(const json::value& id) { return id.is_string() || id.is_number() || id.is_null(); }

void check_response(const json::value& r) {
  FUZZ_CHECK(r.is_object());
  const json::object& o = r.get_object();
  const json::value* version = o.if_contains("jsonrpc");
  FUZZ_CHECK(version && version->is_string() && version->get_string() == "2.0");
  const json::value* id = o.if_contains("id");
  FUZZ_CHECK(id && valid_id(*id));
  FUZZ_CHECK(o.contains("result") != o.contains("error"));
  if (const json::value* e = o.if_contains("error")) {
    FUZZ_CHECK(e->is_object());
    FUZZ_CHECK(e->get_object().contains("code") && e->get_object().at("code").is_int64());
    FUZZ_CHECK(e->get_object().contains("message") && e->get_object().at("message").is_string());
  }
  FUZZ_CHECK(o.size() == 3);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Limits limits = fuzz_limits();
  int answers = 0;
  std::string response;
  dispatcher().handle(vest::fuzz::input_text(data, size), limits, [&](std::string text) {
    ++answers;
    response = std::move(text);
  });
  for (auto& reply : g_later) reply(nullptr);
  g_later.clear();
  FUZZ_CHECK(answers == 1);
  if (response.empty()) return 0;

  json::error_code ec;
  json::value doc = json::parse(response, ec);
  FUZZ_CHECK(!ec);
  if (doc.is_array()) {
    const json::array& batch = doc.get_array();
    FUZZ_CHECK(!batch.empty() && batch.size() <= limits.max_batch);
    for (const json::value& r : batch) check_response(r);
  } else {
    check_response(doc);
  }
  return 0;
}
