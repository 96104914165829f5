// Synchronous JSON-RPC 2.0 client over HTTP/1.1 (or HTTPS) for the command line.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace vest::wallet {

// The server answered with a JSON-RPC error object.
class RpcError : public std::runtime_error {
 public:
  RpcError(int code, std::string message, boost::json::value data);
  int code() const { return code_; }
  // Null when the error had no "data".
  const boost::json::value& data() const { return data_; }

 private:
  int code_;
  boost::json::value data_;
};

// No usable answer: bad URL, connection failure, timeout, HTTP error, malformed reply.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RpcClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{30'000};

  // `url` is http://host[:port][/path] (port 80 by default) or https://… (443;
  // the server's certificate must chain to a trusted CA and name `host`, as a
  // DNS name or an IP address); throws TransportError otherwise. Connects lazily.
  explicit RpcClient(std::string url, std::chrono::milliseconds timeout = kDefaultTimeout);
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Limit for a whole call (connect, send, wait, receive); raise it for wait-calls.
  void set_timeout(std::chrono::milliseconds timeout);

  // https: trust the CA certificates (PEM) in `path` instead of the system's.
  // A file that cannot be loaded fails the next call with TransportError.
  void set_ca_file(std::string path);

  // Sends one request (params omitted when null) and returns its "result". Reuses
  // the connection, reconnecting once when a kept-alive one turns out closed.
  // Throws RpcError or TransportError. Not thread-safe: one call at a time.
  boost::json::value call(const std::string& method, boost::json::value params = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vest::wallet
