// A real RPC server on 127.0.0.1 with test methods, and raw clients to poke it.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rpc/json_rpc.h"
#include "rpc/server.h"

namespace vest::rpc::test {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

// Small limits so the limit tests stay fast.
Limits test_limits();

// Methods: echo (returns params), add {a,b}, slow {ms} (replies from another thread),
// throws (std::runtime_error), bad_params, app_error (code 3 with data), raw_bytes
// (code 3, a message that is not UTF-8), drops (never replies), note (counts calls
// in `notes`).
class TestServer {
 public:
  explicit TestServer(Limits limits = test_limits(), std::function<void(Server&)> configure = {});
  ~TestServer();

  std::uint16_t port() const { return server_->local_port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  Server& server() { return *server_; }

  std::atomic<int> notes{0};

 private:
  Dispatcher dispatcher_;
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<Server> server_;
  std::vector<std::thread> io_threads_;
  std::mutex workers_mutex_;
  std::vector<std::thread> workers_;
};

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = true;

  std::string header(const std::string& lower_name) const;
  boost::json::value json() const;
};

// One client TCP connection; every wait is bounded (5 s unless given).
class Conn {
 public:
  explicit Conn(std::uint16_t port);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // False when the write failed.
  bool send_raw(const std::string& bytes);
  // The next response; nullopt when the connection closed or timed out first.
  std::optional<HttpReply> read_reply(Ms timeout = 5000ms);
  // Sends a well-formed HTTP/1.1 request and reads the reply.
  std::optional<HttpReply> request(const std::string& method, const std::string& target,
                                   const std::string& body = "",
                                   const std::string& extra_headers = "");
  // True when the server closes the connection within `timeout` (unread data is dropped).
  bool wait_closed(Ms timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An HTTP request on a fresh connection; REQUIREs a reply.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "", const std::string& extra_headers = "");
// POST / with `body`; REQUIREs status 200 and returns the parsed JSON.
boost::json::value rpc(std::uint16_t port, const std::string& body);

// A WebSocket client connection on "/".
class WsConn {
 public:
  explicit WsConn(std::uint16_t port);
  ~WsConn();
  bool send(const std::string& text);
  // The next message; nullopt when closed or timed out.
  std::optional<std::string> read(Ms timeout = 5000ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vest::rpc::test
