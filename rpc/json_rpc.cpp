#include "rpc/json_rpc.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace vest::rpc {

namespace json = boost::json;

namespace {

// The message of a -32700 answer: what is wrong, where the parser can tell.
std::string parse_error_message(std::string_view text, json::error_code ec, json::parse_options options) {
  if (ec == json::error::too_deep) return "Parse error: nesting too deep";
  if (ec == json::error::exponent_overflow) return "Parse error: number out of range";
  if (ec == json::error::illegal_leading_surrogate || ec == json::error::illegal_trailing_surrogate)
    return "Parse error: unpaired UTF-16 surrogate in a \\u escape";
  if (ec == json::error::syntax) {
    // Boost.JSON reports bad UTF-8 as a syntax error: it is one when the text parses without the check.
    options.allow_invalid_utf8 = true;
    json::error_code lenient;
    json::parse(text, lenient, {}, options);
    if (!lenient) return "Parse error: invalid UTF-8";
  }
  return "Parse error";
}

// The length of the valid UTF-8 sequence at text[i] (RFC 3629), 0 if there is none.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = at(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // no overlong forms
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size() || at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) return 0;
  }
  return n;
}

// The response text, with every byte that is not part of valid UTF-8 replaced by
// U+FFFD. Such bytes can only sit inside strings (a transaction's asset symbol, say),
// since the serializer writes everything else, so the text stays JSON.
std::string render_utf8(const json::value& response) {
  std::string text = json::serialize(response);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = utf8_sequence(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return text;
  std::string out = text.substr(0, i);
  while (i < text.size()) {
    std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

// True when every number in `v` is finite. Boost.JSON parses a number beyond a
// double's range (1e400) as infinity, which has no JSON form: an answer that
// carried it back (an id, a value a method returns) would not be JSON.
// Recursion is bounded by the parser's max_depth.
bool all_finite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return std::isfinite(v.get_double());
    case json::kind::array:
      for (const json::value& e : v.get_array())
        if (!all_finite(e)) return false;
      return true;
    case json::kind::object:
      for (const auto& kv : v.get_object())
        if (!all_finite(kv.value())) return false;
      return true;
    default:
      return true;
  }
}

}  // namespace

std::string render_json(const json::value& response) { return render_utf8(response); }

Exception::Exception(int code, std::string message, json::value data)
    : std::runtime_error(message), error_{code, std::move(message), std::move(data)} {}

namespace {

// At most this many bytes of an unknown parameter's name are quoted back.
constexpr std::size_t kMaxQuotedName = 64;

// `name`, cut to kMaxQuotedName bytes at a character boundary.
std::string quoted_name(std::string_view name) {
  if (name.size() <= kMaxQuotedName) return std::string(name);
  std::size_t n = kMaxQuotedName;
  while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xc0) == 0x80) --n;
  return std::string(name.substr(0, n)) + "...";
}

// The -32602 message for `params` that `accepted` does not allow, or "" when it does.
std::string params_problem(std::string_view method, const ParamNames& accepted, const json::value& params) {
  if (accepted.accepts_any() || params.is_null()) return {};
  const json::object* obj = params.if_object();
  if (const json::array* a = params.if_array()) {
    if (a->empty()) return {};
    if (a->size() == 1) obj = (*a)[0].if_object();
  }
  if (!obj) return "params must be an object";
  for (const auto& kv : *obj) {
    if (accepted.accepts(kv.key())) continue;
    std::string message = "unknown parameter '" + quoted_name(kv.key()) + "'";
    if (accepted.names().empty()) return message + " (" + std::string(method) + " takes none)";
    message += " (" + std::string(method) + " takes ";
    for (std::size_t i = 0; i < accepted.names().size(); ++i) {
      message += (i ? ", " : "") + accepted.names()[i];
    }
    return message + ")";
  }
  return {};
}

// Prometheus text of a count of microseconds in seconds: "0.001500".
std::string seconds_text(std::uint64_t us) {
  std::string frac = std::to_string(us % 1000000);
  return std::to_string(us / 1000000) + "." + std::string(6 - frac.size(), '0') + frac;
}

}  // namespace

bool ParamNames::accepts(std::string_view name) const {
  if (any_) return true;
  for (const std::string& n : names_)
    if (n == name) return true;
  return false;
}

void Dispatcher::Method::record(bool failed, std::chrono::steady_clock::duration took) const {
  if (failed) ++errors;
  const auto us = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  std::size_t bucket = 0;
  while (bucket < kLatencyBuckets && us > kLatencyBucketsUs[bucket]) ++bucket;
  ++latency[bucket];
  latency_sum_us += us;
}

// One call in flight: answers once, and answers -32603 if the handler drops it.
struct Dispatcher::Call {
  const Dispatcher* dispatcher;
  const Method* entry;
  std::chrono::steady_clock::time_point start;
  std::string_view method;
  json::value id;
  bool notification;
  std::shared_ptr<const json::value> doc;
  Complete complete;
  std::atomic<bool> answered{false};

  void finish(Result result) {
    if (answered.exchange(true)) return;
    if (!result.ok()) ++dispatcher->errors_;
    entry->record(!result.ok(), std::chrono::steady_clock::now() - start);
    if (notification) {
      complete(nullptr);
    } else if (result.ok()) {
      complete(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result).value()}});
    } else {
      complete(dispatcher->error_response(id, result.error()));
    }
  }

  void fail_internal(std::string_view what) {
    if (dispatcher->log_) dispatcher->log_(method, what);
    finish(Error{kInternalError, "Internal error", nullptr});
  }

  ~Call() {
    if (answered.load()) return;
    try {
      fail_internal("handler dropped its reply");
    } catch (...) {
    }
  }
};

// Collects the responses of a batch in request order.
struct Dispatcher::Batch {
  std::vector<json::value> responses;
  std::atomic<std::size_t> remaining;
  Done done;

  Batch(std::size_t n, Done d) : responses(n), remaining(n), done(std::move(d)) {}

  void set(std::size_t i, json::value response) {
    responses[i] = std::move(response);
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    json::array out;
    for (auto& r : responses) {
      if (!r.is_null()) out.push_back(std::move(r));
    }
    done(out.empty() ? std::string() : render_json(out));
  }
};

void Dispatcher::add(std::string name, ParamNames params, Handler handler) {
  Method& m = methods_[std::move(name)];
  m.handler = std::move(handler);
  m.params = std::move(params);
}

void Dispatcher::add_sync(std::string name, ParamNames params, SyncHandler handler) {
  add(std::move(name), std::move(params),
      [h = std::move(handler)](const json::value& params, Reply reply) { reply(h(params)); });
}

void Dispatcher::add_session(std::string name, ParamNames params, SessionHandler handler) {
  Method& m = methods_[std::move(name)];
  m.handler = nullptr;
  m.session_handler = std::move(handler);
  m.params = std::move(params);
}

void Dispatcher::set_internal_error_log(InternalErrorLog log) { log_ = std::move(log); }

json::value Dispatcher::error_response(const json::value& id, Error error) const {
  json::object e{{"code", error.code}, {"message", std::move(error.message)}};
  if (!error.data.is_null()) e["data"] = std::move(error.data);
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}

void Dispatcher::handle(std::string_view text, const Limits& limits, Done done,
                        std::shared_ptr<Session> session) const {
  json::parse_options options;
  options.max_depth = limits.max_depth;
  json::error_code ec;
  auto doc = std::make_shared<json::value>(json::parse(text, ec, {}, options));
  auto fail = [&](int code, std::string message) {
    ++errors_;
    done(render_json(error_response(nullptr, Error{code, std::move(message), nullptr})));
  };
  if (ec) return fail(kParseError, parse_error_message(text, ec, options));
  if (!all_finite(*doc)) return fail(kParseError, "Parse error: number out of range");

  if (!doc->is_array()) {
    run_one(*doc, doc, session, [done = std::move(done)](json::value response) {
      done(response.is_null() ? std::string() : render_json(response));
    });
    return;
  }
  const json::array& calls = doc->get_array();
  if (calls.empty()) return fail(kInvalidRequest, "Invalid Request: empty batch");
  if (calls.size() > limits.max_batch)
    return fail(kInvalidRequest, "Invalid Request: batch too large");
  auto batch = std::make_shared<Batch>(calls.size(), std::move(done));
  for (std::size_t i = 0; i < calls.size(); ++i) {
    run_one(calls[i], doc, session,
            [batch, i](json::value response) { batch->set(i, std::move(response)); });
  }
}

void Dispatcher::run_one(const json::value& request, std::shared_ptr<const json::value> doc,
                         const std::shared_ptr<Session>& session, Complete complete) const {
  auto invalid = [&](const json::value& id, std::string message) {
    ++errors_;
    complete(error_response(id, Error{kInvalidRequest, "Invalid Request: " + message, nullptr}));
  };
  if (!request.is_object()) return invalid(nullptr, "not an object");
  const json::object& req = request.get_object();

  const json::value* id = req.if_contains("id");
  // A fraction or an integer beyond 64 bits is held as a double: it could not be
  // echoed exactly (1e400 not even as JSON).
  if (id && !(id->is_string() || id->is_int64() || id->is_uint64() || id->is_null())) {
    return invalid(nullptr, "id must be a string, an integer or null");
  }
  const json::value no_id;
  const json::value& reply_id = id ? *id : no_id;
  const json::value* version = req.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0") {
    return invalid(reply_id, "jsonrpc must be \"2.0\"");
  }
  const json::value* method_name = req.if_contains("method");
  if (!method_name || !method_name->is_string())
    return invalid(reply_id, "method must be a string");
  const json::value* params = req.if_contains("params");
  if (params && !(params->is_object() || params->is_array() || params->is_null())) {
    return invalid(reply_id, "params must be an object or an array");
  }

  auto found = methods_.find(std::string_view(method_name->get_string()));
  if (found == methods_.end()) {
    ++errors_;
    if (!id) return complete(nullptr);
    return complete(error_response(reply_id, Error{kMethodNotFound, "Method not found", nullptr}));
  }
  ++found->second.calls;

  auto call = std::make_shared<Call>();
  call->dispatcher = this;
  call->entry = &found->second;
  call->start = std::chrono::steady_clock::now();
  call->method = found->first;
  call->id = reply_id;
  call->notification = !id;
  call->doc = std::move(doc);
  call->complete = std::move(complete);

  static const json::value kNoParams;
  const json::value& args = params ? *params : kNoParams;
  if (std::string problem = params_problem(found->first, found->second.params, args); !problem.empty()) {
    return call->finish(Error{kInvalidParams, std::move(problem), nullptr});
  }
  // `call` stays alive through the handler so a throw is reported as itself; once
  // every Reply copy and `call` are gone uncalled, ~Call answers -32603.
  try {
    if (found->second.session_handler) {
      call->finish(found->second.session_handler(args, session));
    } else {
      found->second.handler(args, [call](Result result) { call->finish(std::move(result)); });
    }
  } catch (const Exception& e) {
    call->finish(e.error());
  } catch (const std::exception& e) {
    call->fail_internal(e.what());
  } catch (...) {
    call->fail_internal("unknown exception");
  }
}

void Dispatcher::append_metrics(std::string& out) const {
  out += "# HELP vest_rpc_calls_total JSON-RPC calls per registered method.\n";
  out += "# TYPE vest_rpc_calls_total counter\n";
  for (const auto& [name, method] : methods_) {
    out += "vest_rpc_calls_total{method=\"" + name + "\"} " + std::to_string(method.calls.load()) +
           "\n";
  }
  out += "# HELP vest_rpc_call_errors_total JSON-RPC error answers per method (invalid params included).\n";
  out += "# TYPE vest_rpc_call_errors_total counter\n";
  for (const auto& [name, method] : methods_) {
    out += "vest_rpc_call_errors_total{method=\"" + name + "\"} " + std::to_string(method.errors.load()) +
           "\n";
  }
  out += "# HELP vest_rpc_call_duration_seconds Time from reading a call to its answer, per method.\n";
  out += "# TYPE vest_rpc_call_duration_seconds histogram\n";
  for (const auto& [name, method] : methods_) {
    const std::string label = "{method=\"" + name + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= kLatencyBuckets; ++i) {
      cumulative += method.latency[i].load();
      const std::string le = i < kLatencyBuckets ? seconds_text(kLatencyBucketsUs[i]) : "+Inf";
      out += "vest_rpc_call_duration_seconds_bucket" + label + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "vest_rpc_call_duration_seconds_sum" + label + "} " + seconds_text(method.latency_sum_us.load()) + "\n";
    out += "vest_rpc_call_duration_seconds_count" + label + "} " + std::to_string(cumulative) + "\n";
  }
  out += "# HELP vest_rpc_errors_total JSON-RPC error responses, parse errors included.\n";
  out += "# TYPE vest_rpc_errors_total counter\n";
  out += "vest_rpc_errors_total " + std::to_string(errors_.load()) + "\n";
}

}  // namespace vest::rpc
