// Integration: abusive RPC clients against a real vestd. Each case checks the
// refusal the client gets, that a well-behaved client is served right after, and
// that the node's resident memory stays bounded (VmRSS of /proc/<pid>/status).
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
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

constexpr long kMiB = 1024;  // in KiB, the unit of VmRSS
// AddressSanitizer keeps freed memory in quarantine (up to 256 MiB), which resident
// memory then includes.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kSanitizerKiB = 256 * kMiB;
#else
constexpr long kSanitizerKiB = 0;
#endif

// Resident memory of process `pid` in KiB.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  FAIL("no VmRSS for process " << pid);
  return 0;
}

// Remembers the node's memory when made; check() requires it grew less than `limit_kib`.
class MemoryWatch {
 public:
  explicit MemoryWatch(const Vestd& node) : pid_(node.pid()), start_(rss_kib(pid_)) {}
  void check(long limit_kib) const {
    long now = rss_kib(pid_);
    INFO("VmRSS " << start_ << " KiB -> " << now << " KiB");
    CHECK(now - start_ < limit_kib + kSanitizerKiB);
  }

 private:
  pid_t pid_;
  long start_;
};

// A well-behaved client is answered, and promptly.
void check_served(Vestd& node) {
  const auto start = Clock::now();
  CHECK(node.call("node_status").at("chainId") == 7357);
  CHECK(Clock::now() - start < 2s);
}

// A client TCP connection to 127.0.0.1 whose every wait is bounded.
class Socket {
 public:
  explicit Socket(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Socket() { close(); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends all of `bytes`; false when the server closed or reset the connection first.
  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Sends what the socket takes right now; how much that was (-1: closed).
  ssize_t send_now(std::string_view bytes) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return n;
  }

  // Reads what arrives within `timeout` into input(); false once the server closed.
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  // Reads until `done(input())` holds or the server closes or `timeout` passes; whether done.
  template <class Done>
  bool read_until(std::chrono::milliseconds timeout, Done done) {
    const auto deadline = Clock::now() + timeout;
    while (!done(in_)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms || !read_some(std::min(left, 100ms))) return done(in_);
    }
    return true;
  }
  // True when the server closes the connection within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (!read_some(50ms)) return true;
    }
    return false;
  }
  std::string& input() { return in_; }

 private:
  int fd_;
  std::string in_;
};

std::string post_head(const std::string& extra) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra + "\r\n";
}

// POSTs `body` and parses the answer, which must be 200 and valid JSON.
json::value post_json(Vestd& node, const std::string& body) {
  auto [status, text] = http_post(node.port(), body);
  INFO("HTTP " << status << " " << text.substr(0, 300));
  REQUIRE(status == 200);
  json::error_code ec;
  json::value v = json::parse(text, ec);
  REQUIRE_FALSE(ec);
  return v;
}

int error_code(const json::value& r) { return r.at("error").at("code").to_number<int>(); }
std::string error_message(const json::value& r) { return std::string(r.at("error").at("message").as_string()); }
uint64_t height(Vestd& node) { return node.call("node_status").at("height").to_number<uint64_t>(); }

// The value of a Prometheus metric without labels in `text`.
uint64_t metric(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoull(text.substr(at + name.size() + 2));
}

// A client WebSocket frame carrying `text`: FIN, the opcode (1 text, 2 binary),
// masked with the all-zero key, so the payload goes as it is.
std::string ws_frame(std::string_view text, uint8_t opcode = 1) {
  std::string f(1, static_cast<char>(0x80 | opcode));
  const uint64_t n = text.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    f.push_back(static_cast<char>(0x80 | 126));
    for (int shift : {8, 0}) f.push_back(static_cast<char>(n >> shift));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>(n >> shift));
  }
  f.append(4, '\0');
  f.append(text);
  return f;
}

// Takes one complete message (text, continuation frames joined) off the front of
// `in`, as the server sends them (unmasked). Control frames are skipped.
std::optional<std::string> take_ws_message(std::string& in) {
  std::string message;
  size_t pos = 0;
  for (;;) {
    if (in.size() < pos + 2) return std::nullopt;
    const auto b0 = static_cast<uint8_t>(in[pos]), b1 = static_cast<uint8_t>(in[pos + 1]);
    uint64_t len = b1 & 0x7f;
    size_t head = 2;
    if (len >= 126) {
      const size_t ext = len == 126 ? 2 : 8;
      if (in.size() < pos + 2 + ext) return std::nullopt;
      len = 0;
      for (size_t i = 0; i < ext; ++i) len = len << 8 | static_cast<uint8_t>(in[pos + 2 + i]);
      head += ext;
    }
    if (in.size() < pos + head + len) return std::nullopt;
    const uint8_t opcode = b0 & 0x0f;
    if (opcode < 0x8) message.append(in, pos + head, len);
    pos += head + len;
    if ((b0 & 0x80) && opcode < 0x8) break;
  }
  in.erase(0, pos);
  return message;
}

// Opens a WebSocket on `sock`; true once the server answered 101.
bool ws_handshake(Socket& sock) {
  sock.send_all(
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  bool got = sock.read_until(5s, [](const std::string& in) { return in.find("\r\n\r\n") != std::string::npos; });
  if (!got || http_status(sock.input()) != 101) return false;
  sock.input().erase(0, sock.input().find("\r\n\r\n") + 4);
  return true;
}

}  // namespace

TEST_CASE("abuse: a body over the limit gets 413 and is not buffered", "[integration][abuse]") {
  TempDir dir;
  Vestd node(dir.path());
  MemoryWatch memory(node);
  const std::string chunk(64 * 1024, ' ');

  SECTION("announced by Content-Length") {
    Socket s(node.port());
    s.send_all(post_head("Content-Length: 1073741824\r\n"));
    for (int i = 0; i < 256 && s.send_all(chunk); ++i) {  // up to 16 MiB of it
    }
    s.read_until(5s, [](const std::string& in) { return in.find("\r\n\r\n") != std::string::npos; });
    CHECK(http_status(s.input()) == 413);
    CHECK(s.input().find("body too large") != std::string::npos);
  }
  SECTION("chunked, with no length announced") {
    Socket s(node.port());
    s.send_all(post_head("Transfer-Encoding: chunked\r\n"));
    const std::string framed = "10000\r\n" + chunk + "\r\n";
    for (int i = 0; i < 512 && s.send_all(framed); ++i) {  // up to 32 MiB
    }
    s.read_until(5s, [](const std::string& in) { return in.find("\r\n\r\n") != std::string::npos; });
    CHECK(http_status(s.input()) == 413);
  }
  SECTION("a transaction too large for the body") {
    auto [status, text] = http_post(node.port(), R"({"jsonrpc":"2.0","id":1,"method":"tx_submit","params":{"raw":"0x)" +
                                                     std::string(2 * 1024 * 1024, 'a') + "\"}}");
    CHECK(status == 413);
  }
  check_served(node);
  memory.check(8 * kMiB);  // 16 and 32 MiB were sent
}

TEST_CASE("abuse: a batch over the limit is refused whole and none of it runs", "[integration][abuse]") {
  TempDir dir;
  Vestd node(dir.path());
  MemoryWatch memory(node);
  const uint64_t before = height(node);
  auto batch = [](size_t n, const std::string& call) {
    std::string text = "[";
    for (size_t i = 0; i < n; ++i) text += (i ? "," : "") + call;
    return text + "]";
  };
  for (size_t n : {size_t{101}, size_t{20000}}) {
    INFO(n << " calls");
    json::value r = post_json(node, batch(n, R"({"jsonrpc":"2.0","id":7,"method":"dev_mine"})"));
    REQUIRE(r.is_object());
    CHECK(error_code(r) == -32600);
    CHECK(error_message(r) == "Invalid Request: batch too large");
    CHECK(r.at("id").is_null());
    // Notifications too: no answer expected, and still nothing runs.
    r = post_json(node, batch(n, R"({"jsonrpc":"2.0","method":"dev_mine"})"));
    CHECK(error_code(r) == -32600);
  }
  CHECK(height(node) == before);
  // At the limit, every call is answered.
  json::value full = post_json(node, batch(100, R"({"jsonrpc":"2.0","id":1,"method":"node_status"})"));
  CHECK(full.as_array().size() == 100);
  check_served(node);
  memory.check(16 * kMiB);
}

TEST_CASE("abuse: deep nesting is a parse error, not a stack overflow", "[integration][abuse]") {
  TempDir dir;
  Vestd node(dir.path());
  MemoryWatch memory(node);
  auto check_too_deep = [&](const std::string& body) {
    json::value r = post_json(node, body);
    CHECK(error_code(r) == -32700);
    CHECK(error_message(r) == "Parse error: nesting too deep");
    CHECK(r.at("id").is_null());
  };
  check_too_deep(std::string(100000, '['));
  check_too_deep(std::string(500000, '[') + std::string(500000, ']'));  // balanced, just under 1 MiB
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  check_too_deep(objects);
  auto nested_params = [](int depth) {
    return R"({"jsonrpc":"2.0","id":1,"method":"account_get","params":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}";
  };
  check_too_deep(nested_params(64));
  // Within the depth limit the request parses, and the method refuses the params.
  json::value shallow = post_json(node, nested_params(60));
  CHECK(error_code(shallow) == -32602);
  check_served(node);
  memory.check(8 * kMiB);
}

TEST_CASE("abuse: invalid UTF-8 is a parse error that says so", "[integration][abuse]") {
  TempDir dir;
  Vestd node(dir.path());
  MemoryWatch memory(node);
  auto request = [](const std::string& address) {
    return R"({"jsonrpc":"2.0","id":1,"method":"account_get","params":{"address":")" + address + "\"}}";
  };
  for (const char* bad : {"\xff\xfe", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "0x\xe2\x82"}) {
    INFO("bytes " << to_hex(as_bytes(bad)));
    json::value r = post_json(node, request(bad));
    CHECK(error_code(r) == -32700);
    CHECK(error_message(r) == "Parse error: invalid UTF-8");
    CHECK(r.at("id").is_null());
  }
  json::value in_key = post_json(node, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"node_status\",\"\xff\":1}");
  CHECK(error_message(in_key) == "Parse error: invalid UTF-8");
  // A \u escape must not name half of a surrogate pair.
  json::value lone = post_json(node, request("\\udc00"));
  CHECK(error_code(lone) == -32700);
  CHECK(error_message(lone) == "Parse error: unpaired UTF-16 surrogate in a \\u escape");
  CHECK(error_code(post_json(node, request("\\ud800x"))) == -32700);
  // Valid UTF-8 parses, and the method judges the value.
  json::value fine = post_json(node, request("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  CHECK(error_code(fine) == -32602);
  CHECK(error_message(fine) == "field 'address': expected a 0x address of 40 hex digits");

  // Over WebSocket, a text message must be UTF-8 by the protocol itself: the connection
  // is closed with status 1007. A binary message reaches the parser like an HTTP body.
  const std::string bad_request = request("\xff\xfe");
  Socket text_ws(node.port());
  REQUIRE(ws_handshake(text_ws));
  text_ws.send_all(ws_frame(bad_request));
  CHECK(text_ws.wait_closed(5s));
  CHECK(text_ws.input().rfind("\x88\x02\x03\xef", 0) == 0);  // close frame, status 1007
  Socket binary_ws(node.port());
  REQUIRE(ws_handshake(binary_ws));
  binary_ws.send_all(ws_frame(bad_request, 2));
  std::optional<std::string> answer;
  binary_ws.read_until(5s, [&](std::string& in) { return (answer = take_ws_message(in)).has_value(); });
  REQUIRE(answer);
  CHECK(error_message(json::parse(*answer)) == "Parse error: invalid UTF-8");
  check_served(node);
  memory.check(8 * kMiB);
}

TEST_CASE("abuse: numbers that cannot be echoed or read exactly are refused", "[integration][abuse]") {
  TempDir dir;
  Vestd node(dir.path());
  MemoryWatch memory(node);
  auto with_id = [](const std::string& id) {
    return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"node_status"})";
  };
  for (const std::string& id : std::vector<std::string>{"123456789012345678901234567890", "1.5", "1e2"}) {
    INFO("id " << id.substr(0, 40));
    json::value r = post_json(node, with_id(id));  // the answer itself must be valid JSON
    CHECK(error_code(r) == -32600);
    CHECK(error_message(r) == "Invalid Request: id must be a string, an integer or null");
    CHECK(r.at("id").is_null());
  }
  // 64-bit integers are echoed exactly.
  CHECK(post_json(node, with_id("18446744073709551615")).at("id") == UINT64_MAX);
  CHECK(post_json(node, with_id("-9223372036854775808")).at("id") == INT64_MIN);
  // Beyond a double's range a number has no JSON form to send back: the request does not parse.
  for (const std::string& id : std::vector<std::string>{"1e400", "-1e400", "1e999999999999", std::string(500000, '9')}) {
    INFO("id " << id.substr(0, 40));
    json::value overflow = post_json(node, with_id(id));
    CHECK(error_code(overflow) == -32700);
    CHECK(error_message(overflow) == "Parse error: number out of range");
    CHECK(overflow.at("id").is_null());
  }

  // Numeric params: out of range is -32602, never a wrapped value.
  auto call = [&](const std::string& method, const std::string& params) {
    return post_json(node, R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params + "}");
  };
  CHECK(error_code(call("chain_getBlock", R"({"height":1e400})")) == -32700);
  for (const char* p : {R"({"height":18446744073709551616})", R"({"height":-1})",
                        R"({"height":1.5})"}) {
    INFO(p);
    json::value r = call("chain_getBlock", p);
    CHECK(error_code(r) == -32602);
    CHECK(error_message(r) == "field 'height' must be a non-negative 64-bit integer");
  }
  CHECK(call("chain_getBlock", R"({"height":18446744073709551615})").at("result").is_null());
  CHECK(error_code(call("account_get", std::string(R"({"address":")") + kDevAddr0 +
                                           R"(","atHeight":18446744073709551615})")) == -32602);
  CHECK(error_code(call("account_getTransactions", std::string(R"({"address":")") + kDevAddr0 +
                                                       R"(","limit":1e30})")) == -32602);
  CHECK(error_code(call("dev_mine", R"({"blocks":18446744073709551615})")) == -32602);
  CHECK(error_code(call("dev_increaseTime", R"({"seconds":18446744073709551615})")) == -32602);
  CHECK(height(node) == 0);
  check_served(node);
  memory.check(8 * kMiB);
}

TEST_CASE("abuse: tx_submit waits at most wait_timeout_s however large the timeout", "[integration][abuse]") {
  TempDir dir;
  std::filesystem::path config = write_config(dir, "[rpc]\nwait_timeout_s = 1\n");
  // No block is sealed, so every wait runs to its timeout.
  Vestd node(dir.path(), {"--block-time-ms", "3600000", "--config", config.string()});
  MemoryWatch memory(node);
  const PrivateKey key = *PrivateKey::from(*from_hex(kDevKey0));
  uint64_t nonce = 0;
  for (const char* timeout : {"18446744073709551615", "9223372036854775808", "9223372036854775807"}) {
    INFO("timeout " << timeout);
    Transaction tx = wallet::build_signed(wallet::TxParams{kDevChainId, nonce++, kDevMinFee}, bank::kTransferKind,
                                          bank::Transfer{*parse_address(kDevAddr1), "VEST", 1}.encode(), key);
    const auto start = Clock::now();
    json::value r = post_json(node, R"({"jsonrpc":"2.0","id":1,"method":"tx_submit","params":{"raw":")" +
                                        to_hex_0x(tx.encode()) + R"(","wait":true,"timeout":)" + timeout + "}}");
    const auto waited = Clock::now() - start;
    INFO(json::serialize(r));
    CHECK(r.at("result").at("status") == "pending");
    CHECK(waited >= 900ms);
    CHECK(waited < 5s);
  }
  check_served(node);
  memory.check(8 * kMiB);
}

TEST_CASE("abuse: over a thousand idle connections, the oldest make room and a client is served",
          "[integration][abuse]") {
  constexpr size_t kSockets = 1200;
  constexpr size_t kMaxConnections = 256;
  REQUIRE(raise_fd_limit(kSockets + 256));
  TempDir dir;
  std::filesystem::path config =
      write_config(dir, "[rpc]\nmax_connections = 256\nheader_timeout_s = 3\n");
  Vestd node(dir.path(), {"--config", config.string()});
  MemoryWatch memory(node);

  const auto start = Clock::now();
  std::vector<std::unique_ptr<Socket>> socks;
  for (size_t i = 0; i < kSockets; ++i) socks.push_back(std::make_unique<Socket>(node.port()));

  // Each new one takes the place of the one idle longest, which is closed without an
  // answer (it asked nothing); the newest keep their places.
  std::vector<bool> closed(kSockets, false);
  size_t evicted = 0;
  while (evicted < kSockets - kMaxConnections && Clock::now() - start < 2s) {
    for (size_t i = 0; i < kSockets; ++i) {
      if (closed[i]) continue;
      pollfd p{socks[i]->fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) continue;
      if (!socks[i]->read_some(0ms)) {
        closed[i] = true;
        CHECK(http_status(socks[i]->input()) == 0);
        ++evicted;
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  CHECK(evicted == kSockets - kMaxConnections);
  std::vector<Socket*> held;
  for (size_t i = 0; i < kSockets; ++i) {
    if (!closed[i]) held.push_back(socks[i].get());
  }
  CHECK(held.size() == kMaxConnections);
  // While every place is taken, a good client is served all the same.
  check_served(node);
  memory.check(16 * kMiB);

  // Those still open are closed by the node when their headers do not come in time.
  for (Socket* s : held) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(start + 6s - Clock::now());
    CHECK(s->wait_closed(std::max(left, 100ms)));
  }
  check_served(node);
  std::string metrics = raw_http(node.port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  CHECK(metric(metrics, "vest_rpc_connections_refused_total") == 0);
  CHECK(metric(metrics, "vest_rpc_connections_evicted_total") >= kSockets - kMaxConnections);
  CHECK(metric(metrics, "vest_rpc_connections_active") <= 2);  // this request, perhaps the one before
  memory.check(16 * kMiB);
}

TEST_CASE("abuse: slow senders are cut off after the request timeout", "[integration][abuse]") {
  TempDir dir;
  std::filesystem::path config = write_config(dir, "[rpc]\nrequest_timeout_s = 1\n");
  Vestd node(dir.path(), {"--config", config.string()});
  MemoryWatch memory(node);

  // Each sends a valid request one byte per 100 ms: it would take 12 s to arrive.
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"node_status"})";
  const std::string request = post_head("Content-Length: " + std::to_string(body.size()) + "\r\n") + body;
  constexpr size_t kSenders = 20;
  std::vector<std::unique_ptr<Socket>> senders;
  for (size_t i = 0; i < kSenders; ++i) senders.push_back(std::make_unique<Socket>(node.port()));
  const auto start = Clock::now();
  std::vector<std::optional<Clock::duration>> cut(kSenders);
  bool checked_meanwhile = false;
  for (size_t pos = 0; pos < request.size() && Clock::now() - start < 4s; ++pos) {
    size_t open = 0;
    for (size_t i = 0; i < kSenders; ++i) {
      if (cut[i]) continue;
      if (!senders[i]->send_all(request.substr(pos, 1)) || !senders[i]->read_some(0ms)) {
        cut[i] = Clock::now() - start;
      } else {
        ++open;
      }
    }
    if (open == 0) break;
    if (!checked_meanwhile && Clock::now() - start > 300ms) {
      check_served(node);  // while they trickle
      checked_meanwhile = true;
    }
    std::this_thread::sleep_for(100ms);
  }
  CHECK(checked_meanwhile);
  for (size_t i = 0; i < kSenders; ++i) {
    INFO("sender " << i);
    REQUIRE(cut[i]);
    CHECK(*cut[i] >= 900ms);
    CHECK(*cut[i] < 2500ms);
    CHECK(http_status(senders[i]->input()) == 0);  // no answer to a request that never arrived
  }
  check_served(node);
  memory.check(8 * kMiB);
}

TEST_CASE("abuse: a WebSocket flood is paused, not buffered", "[integration][abuse]") {
  TempDir dir;
  Vestd node(dir.path());
  MemoryWatch memory(node);

  // Each message is a batch of 100 node_status calls: about 5 KB in, 60 KB out.
  auto message = [](size_t n) {
    std::string text = "[";
    for (size_t j = 0; j < 100; ++j) {
      text += (j ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":)") + std::to_string(n * 100 + j) +
              R"(,"method":"node_status"})";
    }
    return text + "]";
  };
  Socket ws(node.port());
  REQUIRE(ws_handshake(ws));
  // Send for 1.5 s without reading a single answer.
  size_t sent = 0;
  std::string pending = ws_frame(message(0));
  const auto start = Clock::now();
  while (Clock::now() - start < 1500ms) {
    ssize_t n = ws.send_now(pending);
    REQUIRE(n >= 0);
    if (static_cast<size_t>(n) == pending.size()) {
      pending = ws_frame(message(++sent));
    } else {
      pending.erase(0, static_cast<size_t>(n));
      pollfd p{ws.fd(), POLLOUT, 0};
      ::poll(&p, 1, 50);
    }
  }
  INFO(sent << " messages sent");
  CHECK(sent > 32);  // more than the node handles at once for one connection
  check_served(node);
  memory.check(16 * kMiB);  // the answers to what was sent would take 60 KB each

  // Reading resumes the flood's answers, complete and in order.
  for (size_t n = 0; n < std::min<size_t>(sent, 64); ++n) {
    std::optional<std::string> text;
    ws.read_until(5s, [&](std::string& in) { return (text = take_ws_message(in)).has_value(); });
    REQUIRE(text);
    json::value answer = json::parse(*text);
    REQUIRE(answer.as_array().size() == 100);
    CHECK(answer.at(0).at("id") == n * 100);
    CHECK(answer.at(99).at("result").at("chainId") == 7357);
  }
  ws.close();

  // A message over the body limit closes that WebSocket only.
  Socket big(node.port());
  REQUIRE(ws_handshake(big));
  big.send_all(ws_frame(std::string(2 * 1024 * 1024, ' ')));
  CHECK(big.wait_closed(5s));
  check_served(node);
  memory.check(16 * kMiB);
}
