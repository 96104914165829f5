// A JSON-RPC endpoint in the test process, on 127.0.0.1, that forwards every
// call to a real vestd and may rewrite the answers on the way back: a peer that
// answers like vestd but lies. With a certificate it speaks https (TLS 1.2+).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vest::test {

class RpcProxy {
 public:
  // Changes the answer to one call of `method` in place (the whole response
  // object, with "result" or "error").
  using Rewrite = std::function<void(const std::string& method, boost::json::object& response)>;
  struct Tls {
    std::filesystem::path cert;  // PEM certificate chain the proxy presents
    std::filesystem::path key;   // PEM private key
  };

  // Listens on 127.0.0.1 (a free port) and serves in a thread of its own.
  explicit RpcProxy(uint16_t upstream_port, Rewrite rewrite = {}, std::optional<Tls> tls = std::nullopt);
  // Stops serving and joins the thread.
  ~RpcProxy();
  RpcProxy(const RpcProxy&) = delete;
  RpcProxy& operator=(const RpcProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const;
  // The methods of the calls forwarded so far, in order.
  std::vector<std::string> methods() const;
  bool saw(const std::string& method) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  bool tls_ = false;
};

}  // namespace vest::test
