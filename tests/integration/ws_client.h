// A WebSocket JSON-RPC client on a real vestd: calls, and the notifications
// of subscriptions, on one connection. Every wait is bounded.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace vest::test {

class WsClient {
 public:
  // Connects to ws://127.0.0.1:port/. A `receive_buffer` (bytes), when given,
  // is set as the socket's SO_RCVBUF before connecting (a slow reader's).
  explicit WsClient(uint16_t port, std::optional<int> receive_buffer = std::nullopt);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Sends one request and returns its whole response; notifications read
  // meanwhile are kept for next(). Fails the test when no response comes.
  boost::json::object call(const std::string& method, boost::json::value params = nullptr);
  // subscribe with `params`, which must succeed: the subscription id.
  std::string subscribe(boost::json::object params);
  // The next notification's params ({subscription, result}); nullopt when none
  // comes within `timeout` or the connection closed.
  std::optional<boost::json::object> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // next() for any thread: no test assertions; nullopt also for a message
  // that is not a notification.
  std::optional<boost::json::object> receive(std::chrono::milliseconds timeout);
  // Sends `text` as one message without reading anything.
  bool send(const std::string& text);

  // How the server closed the connection, read after every message before it.
  struct Closed {
    int code = 0;
    std::string reason;
    size_t messages = 0;  // read before the close
  };
  // Reads until the server closes; nullopt when it does not within `timeout`.
  std::optional<Closed> read_until_close(std::chrono::milliseconds timeout);
  // Closes the connection (the WebSocket close handshake, then the socket).
  void close();

 private:
  // The next message, from the kept ones first; nullopt on timeout or close.
  std::optional<boost::json::value> read(std::chrono::milliseconds timeout);
  std::optional<boost::json::value> read_wire(std::chrono::milliseconds timeout);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<boost::json::value> kept_;  // notifications read while waiting for a response
  uint64_t next_id_ = 1;
};

}  // namespace vest::test
