// Integration: rules of the RPC server that hold under attack, against a real
// vestd: strict parameters, Host and Origin checks, connection exhaustion.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "tests/integration/harness.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string transfer_raw(uint64_t nonce) {
  Transaction tx = wallet::build_signed(wallet::TxParams{kDevChainId, nonce, kDevMinFee}, bank::kTransferKind,
                                        bank::Transfer{*parse_address(kDevAddr1), "VEST", 1}.encode(),
                                        key_hex(kDevKey0));
  return to_hex_0x(tx.encode());
}

}  // namespace

TEST_CASE("hardening: a misspelt parameter is refused, naming it", "[integration][hardening]") {
  TempDir dir;
  Vestd node(dir.path());
  for (uint64_t nonce = 0; nonce < 3; ++nonce) {
    node.call("tx_submit", json::object{{"raw", transfer_raw(nonce)}, {"wait", true}});
  }
  const json::object page{{"address", kDevAddr0}, {"limit", 1}};
  CHECK(node.call("account_getTransactions", page).at("transactions").as_array().size() == 1);

  // `limt` would have been ignored, and three transactions answered as if it were a valid page.
  json::object r = node.rpc("account_getTransactions", json::object{{"address", kDevAddr0}, {"limt", 1}});
  INFO(json::serialize(r));
  REQUIRE(r.contains("error"));
  CHECK(r.at("error").at("code") == -32602);
  CHECK(r.at("error").at("message") ==
        "unknown parameter 'limt' (account_getTransactions takes address, kinds, kind, cursor, limit)");

  json::object range = node.rpc("chain_getEvents", json::object{{"address", kDevAddr0}, {"fromHeight", 1}, {"toHeight", 2}});
  REQUIRE(range.contains("error"));
  CHECK(range.at("error").at("code") == -32602);
  CHECK(std::string(range.at("error").at("message").as_string()).starts_with("fields 'fromHeight' and 'toHeight' read a range: not with"));

  // A refused submission changes nothing: the transaction is not admitted.
  const std::string raw = transfer_raw(3);
  json::object submit = node.rpc("tx_submit", json::object{{"raw", raw}, {"wiat", true}});
  REQUIRE(submit.contains("error"));
  CHECK(submit.at("error").at("message") == "unknown parameter 'wiat' (tx_submit takes raw, wait, timeout)");
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("nonce") == 3);
  CHECK(node.call("account_get", json::object{{"address", kDevAddr0}}).at("pendingCount") == 0);
  CHECK(node.rpc("node_status", json::object{{"verbose", true}}).at("error").at("code") == -32602);
  CHECK(node.call("node_status", json::object{}).at("chainId") == 7357);
}

namespace {

// A raw HTTP request to / with these headers and body.
std::string request(const std::string& method, const std::string& headers, const std::string& body = "") {
  std::string text = method + " / HTTP/1.1\r\n" + headers + "Connection: close\r\n";
  if (!body.empty()) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

uint64_t time_offset(Vestd& node) { return node.call("node_status").at("timeOffset").to_number<uint64_t>(); }

// The value of a Prometheus metric without labels in `text`.
uint64_t metric(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoull(text.substr(at + name.size() + 2));
}

std::string scrape(Vestd& node) {
  return raw_http(node.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

// A connected socket to 127.0.0.1:port, -1 when the connection failed.
int connect_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

const std::string kDevIncreaseTime = R"({"jsonrpc":"2.0","id":1,"method":"dev_increaseTime","params":{"seconds":2592000}})";

}  // namespace

TEST_CASE("hardening: a web page cannot drive the node", "[integration][hardening]") {
  TempDir dir;
  Vestd node(dir.path());
  const std::string host = "Host: 127.0.0.1:" + std::to_string(node.port()) + "\r\n";

  // The attack: any web page may POST text/plain to another origin without asking first
  // (fetch(url, {method: "POST", mode: "no-cors", body})), so it used to run dev_* calls.
  std::string plain = raw_http(node.port(), request("POST", host + "Content-Type: text/plain;charset=UTF-8\r\n",
                                                    kDevIncreaseTime));
  INFO(plain);
  CHECK(http_status(plain) == 415);
  CHECK(plain.find(R"({"error":"Content-Type must be application/json"})") != std::string::npos);
  for (const char* type : {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    CHECK(http_status(raw_http(node.port(), request("POST", host + "Content-Type: " + type + "\r\n", kDevIncreaseTime))) ==
          415);
  }
  CHECK(http_status(raw_http(node.port(), request("POST", host, kDevIncreaseTime))) == 415);  // no Content-Type
  // The page's origin is named by the browser, and refused whatever the type.
  std::string foreign = raw_http(
      node.port(), request("POST", host + "Origin: https://evil.example\r\nContent-Type: text/plain\r\n", kDevIncreaseTime));
  CHECK(http_status(foreign) == 403);
  CHECK(header_value(foreign, "access-control-allow-origin").empty());
  CHECK(foreign.find("origin 'https://evil.example' is not allowed") != std::string::npos);
  // DNS rebinding: the page's own host name resolves to 127.0.0.1, so it is same-origin to
  // the browser, which names that host in the Host header.
  std::string rebound = raw_http(node.port(), request("POST", "Host: evil.example:" + std::to_string(node.port()) +
                                                                  "\r\nContent-Type: application/json\r\n",
                                                      kDevIncreaseTime));
  CHECK(http_status(rebound) == 403);
  CHECK(rebound.find("host 'evil.example:") != std::string::npos);
  CHECK(http_status(raw_http(node.port(), "GET /metrics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")) ==
        403);
  // A WebSocket opened by such a page is refused at the upgrade.
  std::string ws = raw_http(node.port(),
                            "GET / HTTP/1.1\r\n" + host +
                                "Origin: https://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                            3000);
  CHECK(http_status(ws) == 403);

  // None of it moved the clock.
  CHECK(time_offset(node) == 0);
  // /health and /metrics still answer localhost, and a JSON client still runs the call.
  CHECK(http_status(raw_http(node.port(), "GET /health HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n")) == 200);
  std::string metrics = scrape(node);
  CHECK(http_status(metrics) == 200);
  CHECK(metric(metrics, "vest_rpc_unsupported_media_total") == 4);
  CHECK(metric(metrics, "vest_rpc_forbidden_total") == 4);
  CHECK(node.call("dev_increaseTime", json::object{{"seconds", 60}}).at("offset") == 60);
  CHECK(time_offset(node) == 60);
}

TEST_CASE("hardening: a dapp on an allowed origin can call the node", "[integration][hardening]") {
  TempDir dir;
  Vestd node(dir.path(), {"--instant", "--rpc-cors-origin", "https://dapp.example", "--rpc-allow-host", "vestd.internal"});
  const std::string host = "Host: localhost:" + std::to_string(node.port()) + "\r\n";
  const std::string origin = "Origin: https://dapp.example\r\n";

  // The browser asks first (preflight) for a JSON POST, then sends it.
  std::string pre = raw_http(node.port(), request("OPTIONS", host + origin +
                                                                 "Access-Control-Request-Method: POST\r\n"
                                                                 "Access-Control-Request-Headers: content-type\r\n"));
  INFO(pre);
  CHECK(http_status(pre) == 204);
  CHECK(header_value(pre, "access-control-allow-origin") == "https://dapp.example");
  CHECK(header_value(pre, "access-control-allow-headers") == "Content-Type");
  CHECK(header_value(pre, "access-control-allow-methods").find("POST") != std::string::npos);
  std::string post = raw_http(node.port(), request("POST", host + origin + "Content-Type: application/json\r\n",
                                                   R"({"jsonrpc":"2.0","id":1,"method":"node_status"})"));
  CHECK(http_status(post) == 200);
  CHECK(header_value(post, "access-control-allow-origin") == "https://dapp.example");
  CHECK(post.find("\"chainId\":7357") != std::string::npos);

  // Other origins are still refused, and told nothing that lets their page read an answer.
  std::string other = raw_http(node.port(), request("POST", host + "Origin: https://other.example\r\n" +
                                                                 "Content-Type: application/json\r\n",
                                                    R"({"jsonrpc":"2.0","id":1,"method":"node_status"})"));
  CHECK(http_status(other) == 403);
  CHECK(header_value(other, "access-control-allow-origin").empty());
  auto upgrade = [&](const std::string& extra) {
    return http_status(raw_http(node.port(),
                                "GET / HTTP/1.1\r\n" + host + extra +
                                    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                                1000));
  };
  CHECK(upgrade(origin) == 101);
  CHECK(upgrade("") == 101);
  CHECK(upgrade("Origin: https://other.example\r\n") == 403);
  // The extra host name is served besides localhost's.
  CHECK(http_status(raw_http(node.port(), "GET /health HTTP/1.1\r\nHost: vestd.internal:8645\r\nConnection: close\r\n\r\n")) ==
        200);
  CHECK(http_status(raw_http(node.port(), "GET /health HTTP/1.1\r\nHost: other.internal\r\nConnection: close\r\n\r\n")) ==
        403);
}

TEST_CASE("hardening: --dev on an address other than loopback warns loudly", "[integration][hardening]") {
  TempDir dir;
  const std::filesystem::path log = dir.path() / "vestd.log";
  pid_t pid = spawn({bin_path("vestd").string(), "--dev", "--genesis", source_path("genesis/devnet.json").string(),
                     "--datadir", (dir.path() / "data").string(), "--rpc", "0.0.0.0:0"},
                    dir.path() / "vestd.out", log, false);
  std::string text;
  for (int i = 0; i < 300 && text.find("RPC listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    text = read_file(log);
  }
  std::this_thread::sleep_for(100ms);
  text = read_file(log);
  ::kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 0);
  INFO(text);
  CHECK(text.find("WARN  !!! --dev with RPC on 0.0.0.0, not a loopback address") != std::string::npos);

  // On loopback there is no such warning.
  TempDir quiet;
  Vestd node(quiet.path());
  CHECK(node.log().find("not a loopback address") == std::string::npos);
}

TEST_CASE("hardening: two thousand idle and slow sockets do not keep a client out", "[integration][hardening]") {
  constexpr size_t kSockets = 2000;
  REQUIRE(raise_fd_limit(kSockets + 512));
  TempDir dir;
  std::string toml = "[rpc]\nheader_timeout_s = 2\n";
  SECTION("at the default connection limit") {}
  SECTION("with places for 300 connections") { toml += "max_connections = 300\n"; }
  Vestd node(dir.path(), {"--config", write_config(dir, toml).string()});

  // Half send nothing, half the start of a request that never ends.
  const auto start = Clock::now();
  std::vector<int> fds;
  for (size_t i = 0; i < kSockets; ++i) {
    int fd = connect_loopback(node.port());
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    if (i % 2 == 1) {
      const std::string half = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
      (void)::send(fd, half.data(), half.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  INFO("sockets opened in " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
                            << " ms");
  // A normal client is served at once, several times over.
  for (int i = 0; i < 3; ++i) {
    const auto asked = Clock::now();
    auto answer = try_http_post(node.port(), R"({"jsonrpc":"2.0","id":1,"method":"node_status"})", 5000);
    const auto took = Clock::now() - asked;
    INFO("answered in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    REQUIRE(answer);
    CHECK(answer->first == 200);
    CHECK(took < 1s);
  }

  // The node closes every one of them: evicted to make room, or at the header timeout.
  std::vector<bool> closed(kSockets, false);
  size_t open = kSockets;
  const auto deadline = start + 6s;
  while (open > 0 && Clock::now() < deadline) {
    std::vector<pollfd> polls;
    std::vector<size_t> which;
    for (size_t i = 0; i < kSockets; ++i) {
      if (closed[i]) continue;
      polls.push_back(pollfd{fds[i], POLLIN, 0});
      which.push_back(i);
    }
    if (::poll(polls.data(), polls.size(), 100) <= 0) continue;
    for (size_t k = 0; k < polls.size(); ++k) {
      if (!(polls[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::recv(polls[k].fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) {
        closed[which[k]] = true;
        --open;
      }
    }
  }
  const auto all_closed = Clock::now() - start;
  for (int fd : fds) ::close(fd);
  INFO("closed by the node within " << std::chrono::duration_cast<std::chrono::milliseconds>(all_closed).count()
                                    << " ms");
  CHECK(open == 0);

  const std::string metrics = scrape(node);
  const uint64_t evicted = metric(metrics, "vest_rpc_connections_evicted_total");
  const uint64_t timed_out = metric(metrics, "vest_rpc_header_timeouts_total");
  INFO("evicted " << evicted << ", header timeouts " << timed_out);
  CHECK(metric(metrics, "vest_rpc_connections_refused_total") == 0);
  CHECK(evicted + timed_out >= kSockets);
  if (toml.find("max_connections") != std::string::npos) {
    CHECK(evicted >= kSockets - 300);
  } else {
    CHECK(evicted == 0);
  }
  CHECK(metric(metrics, "vest_rpc_connections_active") <= 2);
}
