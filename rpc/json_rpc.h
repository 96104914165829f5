// JSON-RPC 2.0 dispatcher: parses requests and batches, calls registered methods
// and builds the response text. Knows nothing about HTTP.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

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

class Dispatcher {
 public:
  using Reply = std::function<void(Result)>;
  // `params` is null when omitted, else an object or an array; it stays valid until
  // `reply` is called. Call `reply` exactly once, from any thread, now or later;
  // further calls are ignored, and dropping it uncalled answers -32603.
  using Handler = std::function<void(const boost::json::value& params, Reply reply)>;
  using SyncHandler = std::function<Result(const boost::json::value& params)>;
  // Receives the response text, or "" when nothing must be sent (notifications only).
  using Done = std::function<void(std::string response)>;
  // Told the method name and what() of an unexpected exception hidden from the client.
  using InternalErrorLog = std::function<void(std::string_view method, std::string_view what)>;

  Dispatcher() = default;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Registers (or replaces) a method. Register everything before serving: not
  // thread-safe against handle().
  void add(std::string name, Handler handler);
  // Registers a method that answers before returning.
  void add_sync(std::string name, SyncHandler handler);
  // Set before serving; called from handler threads.
  void set_internal_error_log(InternalErrorLog log);

  // Parses `text` (one request or a batch) and runs it; `done` is called exactly
  // once, from any thread, possibly before handle() returns, with valid UTF-8 (a
  // byte of a result or message that is not is replaced by U+FFFD). Thread-safe.
  void handle(std::string_view text, const Limits& limits, Done done) const;

  // Appends Prometheus text: calls per method and error responses. Thread-safe.
  void append_metrics(std::string& out) const;

 private:
  struct Method {
    Handler handler;
    mutable std::atomic<std::uint64_t> calls{0};
  };
  struct Call;
  struct Batch;
  using Complete = std::function<void(boost::json::value response)>;

  void run_one(const boost::json::value& request, std::shared_ptr<const boost::json::value> doc,
               Complete complete) const;
  boost::json::value error_response(const boost::json::value& id, Error error) const;

  std::map<std::string, Method, std::less<>> methods_;
  InternalErrorLog log_;
  mutable std::atomic<std::uint64_t> errors_{0};
};

}  // namespace vest::rpc
