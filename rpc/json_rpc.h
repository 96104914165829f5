// JSON-RPC 2.0 dispatcher: parses requests and batches, calls registered methods
// and builds the response text. Knows nothing about HTTP.
#pragma once

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/limits.h"

namespace vest::rpc {

// Standard JSON-RPC 2.0 error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

// A JSON-RPC error object; a null `data` is left out of the response.
struct Error {
  int code = kInternalError;
  std::string message;
  boost::json::value data;
};

// Anything a boost::json::value can be built from.
template <class T>
concept JsonLike = std::constructible_from<boost::json::value, T>;

// The outcome of one call: a JSON result or an Error.
class Result {
 public:
  // Implicit on purpose, so handlers can `return value;` or `return Error{...};`.
  template <JsonLike T>
  Result(T&& value) : value_(std::forward<T>(value)) {}
  Result(Error error) : failed_(true), error_(std::move(error)) {}

  bool ok() const { return !failed_; }
  // The result; null when !ok().
  const boost::json::value& value() const& { return value_; }
  boost::json::value value() && { return std::move(value_); }
  // The error; meaningless when ok().
  const Error& error() const { return error_; }

 private:
  bool failed_ = false;
  boost::json::value value_;
  Error error_;
};

// Thrown by handlers for convenience; the dispatcher turns it into its Error.
class Exception : public std::runtime_error {
 public:
  Exception(int code, std::string message, boost::json::value data = nullptr);
  const Error& error() const { return error_; }

 private:
  Error error_;
};

// -32602 with a message naming the offending field.
class InvalidParams : public Exception {
 public:
  explicit InvalidParams(std::string message, boost::json::value data = nullptr)
      : Exception(kInvalidParams, std::move(message), std::move(data)) {}
};

// The parameter names a method accepts. The dispatcher refuses a params object (or
// `[{...}]`) holding any other name with -32602 "unknown parameter 'x'", and params
// that are not an object, `[{...}]`, `[]` or null with -32602 "params must be an
// object", before the handler runs. any() leaves params to the handler (free-form
// methods, such as tests' echo).
class ParamNames {
 public:
  ParamNames(std::initializer_list<std::string_view> names) : names_(names.begin(), names.end()) {}
  static ParamNames any() {
    ParamNames p{};
    p.any_ = true;
    return p;
  }
  bool accepts_any() const { return any_; }
  bool accepts(std::string_view name) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  bool any_ = false;
};

// The connection a call came on, for methods whose work outlives their answer
// (subscriptions). The server hands one per WebSocket connection; HTTP calls
// have none.
class Session {
 public:
  virtual ~Session() = default;
};

// `response` as JSON text, with every byte that is not part of valid UTF-8 in
// a string replaced by U+FFFD (answers and notifications are always UTF-8).
std::string render_json(const boost::json::value& response);

class Dispatcher {
 public:
  using Reply = std::function<void(Result)>;
  // `params` is null when omitted, else an object or an array; it stays valid until
  // `reply` is called. Call `reply` exactly once, from any thread, now or later;
  // further calls are ignored, and dropping it uncalled answers -32603.
  using Handler = std::function<void(const boost::json::value& params, Reply reply)>;
  using SyncHandler = std::function<Result(const boost::json::value& params)>;
  // A handler told the connection of the call: null for HTTP.
  using SessionHandler = std::function<Result(const boost::json::value& params, const std::shared_ptr<Session>& session)>;
  // Receives the response text, or "" when nothing must be sent (notifications only).
  using Done = std::function<void(std::string response)>;
  // Told the method name and what() of an unexpected exception hidden from the client.
  using InternalErrorLog = std::function<void(std::string_view method, std::string_view what)>;

  Dispatcher() = default;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Registers (or replaces) a method taking the named `params`. Register everything
  // before serving: not thread-safe against handle().
  void add(std::string name, ParamNames params, Handler handler);
  // Registers a method that answers before returning.
  void add_sync(std::string name, ParamNames params, SyncHandler handler);
  // Registers a method that answers before returning and is told the call's session.
  void add_session(std::string name, ParamNames params, SessionHandler handler);
  // Set before serving; called from handler threads.
  void set_internal_error_log(InternalErrorLog log);

  // Parses `text` (one request or a batch) and runs it; `done` is called exactly
  // once, from any thread, possibly before handle() returns, with valid UTF-8 (a
  // byte of a result or message that is not is replaced by U+FFFD). Thread-safe.
  // `session`, when given, is the connection the text came on (add_session).
  void handle(std::string_view text, const Limits& limits, Done done,
              std::shared_ptr<Session> session = nullptr) const;

  // Appends Prometheus text: calls, error answers and a latency histogram per
  // method, and all error responses. Thread-safe.
  void append_metrics(std::string& out) const;

  // Upper bounds of the latency histogram's buckets, in microseconds.
  static constexpr std::uint64_t kLatencyBucketsUs[] = {500,     1000,    2500,    5000,     10000,
                                                       25000,   50000,   100000,  250000,   500000,
                                                       1000000, 2500000, 5000000, 10000000, 60000000};
  static constexpr std::size_t kLatencyBuckets = std::size(kLatencyBucketsUs);

 private:
  struct Method {
    Handler handler;
    SessionHandler session_handler;  // instead of `handler` when set
    ParamNames params{};
    mutable std::atomic<std::uint64_t> calls{0};
    mutable std::atomic<std::uint64_t> errors{0};
    // Answered calls by latency bucket (the last: above every bound), and their sum.
    mutable std::array<std::atomic<std::uint64_t>, kLatencyBuckets + 1> latency{};
    mutable std::atomic<std::uint64_t> latency_sum_us{0};

    void record(bool failed, std::chrono::steady_clock::duration took) const;
  };
  struct Call;
  struct Batch;
  using Complete = std::function<void(boost::json::value response)>;

  void run_one(const boost::json::value& request, std::shared_ptr<const boost::json::value> doc,
               const std::shared_ptr<Session>& session, Complete complete) const;
  boost::json::value error_response(const boost::json::value& id, Error error) const;

  std::map<std::string, Method, std::less<>> methods_;
  InternalErrorLog log_;
  mutable std::atomic<std::uint64_t> errors_{0};
};

}  // namespace vest::rpc
