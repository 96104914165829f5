#include "tests/integration/harness.h"

#include "tests/util/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

namespace vest::test {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string post_request(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The body length of `response` once its head and a body of the length that
// its Content-Length names have arrived; nullopt before.
std::optional<size_t> complete_length(const std::string& response) {
  auto head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  std::smatch m;
  std::string head = response.substr(0, head_end);
  if (!std::regex_search(head, m, std::regex("[Cc]ontent-[Ll]ength: *(\\d+)"))) return std::nullopt;
  size_t length = std::stoul(m[1]);
  if (response.size() < head_end + 4 + length) return std::nullopt;
  return length;
}

// Sends `request` to 127.0.0.1:port and reads until the server closes, one
// complete response with a Content-Length has arrived, or `timeout_ms`
// passes. False when no connection could be made. No test assertions: any
// thread may call it.
bool exchange(uint16_t port, const std::string& request, int timeout_ms, std::string& response) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return false;
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. 413)
    sent += static_cast<size_t>(n);
  }
  response.clear();
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
    if (complete_length(response)) break;
  }
  close(fd);
  return true;
}

}  // namespace

fs::path bin_path(const std::string& name) { return fs::path(VEST_BIN_DIR) / name; }
fs::path source_path(const std::string& relative) { return fs::path(VEST_SOURCE_DIR) / relative; }

Vestd::Vestd(fs::path datadir, std::vector<std::string> extra)
    : Vestd(std::move(datadir), std::move(extra), true, source_path("genesis/devnet.json")) {}

std::unique_ptr<Vestd> Vestd::full_node(fs::path datadir, std::vector<std::string> extra,
                                        std::optional<fs::path> genesis) {
  return std::unique_ptr<Vestd>(new Vestd(std::move(datadir), std::move(extra), false,
                                          genesis.value_or(source_path("genesis/devnet.json"))));
}

std::unique_ptr<Vestd> Vestd::with_args(fs::path logdir, std::vector<std::string> args,
                                        std::vector<std::string> wrapper) {
  std::unique_ptr<Vestd> v(new Vestd());
  v->dir_ = std::move(logdir);
  v->launch(std::move(args), wrapper);
  return v;
}

Vestd::Vestd(fs::path datadir, std::vector<std::string> extra, bool dev, fs::path genesis) : dir_(std::move(datadir)) {
  std::vector<std::string> args = {"--genesis", genesis.string(), "--datadir", (dir_ / "data").string(), "--rpc",
                                   "127.0.0.1:0"};
  if (dev) args.insert(args.begin(), "--dev");
  args.insert(args.end(), extra.begin(), extra.end());
  launch(std::move(args));
}

void Vestd::launch(std::vector<std::string> args, const std::vector<std::string>& wrapper) {
  fs::create_directories(dir_);
  log_path_ = dir_ / "vestd.log";
  fs::remove(log_path_);  // a restart must not read the previous run's port
  args.insert(args.begin(), bin_path("vestd").string());
  args.insert(args.begin(), wrapper.begin(), wrapper.end());
  pid_ = spawn(args, dir_ / "vestd.out", log_path_, false);
  // The node logs the port it bound: "RPC listening on 127.0.0.1:PORT".
  std::regex port_re(R"(RPC listening on 127\.0\.0\.1:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string text = log();
    if (std::regex_search(text, m, port_re)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("vestd exited at start:\n" << text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("vestd did not start within 30 s:\n" << log());
}

std::string Vestd::p2p_address() const {
  std::smatch m;
  std::string text = log();
  static const std::regex re(R"(P2P listening on (127\.0\.0\.1:\d+))");
  return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

std::string Vestd::node_id() { return std::string(call("node_status").as_object().at("nodeId").as_string()); }

std::string Vestd::peer_arg() { return node_id() + "@" + p2p_address(); }

Vestd::~Vestd() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    wait_exit(pid_);
  }
}

int Vestd::stop() {
  REQUIRE(pid_ > 0);
  ::kill(pid_, SIGTERM);
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

void Vestd::kill9() {
  REQUIRE(pid_ > 0);
  ::kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
}

std::string Vestd::log() const { return read_file(log_path_); }

json::object Vestd::rpc(const std::string& method, json::value params) {
  json::object req{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}};
  if (!params.is_null()) req["params"] = std::move(params);
  auto [status, body] = http_post(port_, json::serialize(req));
  INFO("HTTP " << status << " " << body);
  REQUIRE(status == 200);
  return json::parse(body).as_object();
}

json::value Vestd::call(const std::string& method, json::value params) {
  json::object r = rpc(method, std::move(params));
  INFO(method << " -> " << json::serialize(r));
  REQUIRE(r.contains("result"));
  return r.at("result");
}

int http_status(const std::string& text) {
  return text.rfind("HTTP/1.1 ", 0) == 0 && text.size() >= 12 ? std::stoi(text.substr(9, 3)) : 0;
}

std::string header_value(const std::string& text, const std::string& lower_name) {
  const std::string head = text.substr(0, text.find("\r\n\r\n"));
  std::string lower;
  for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = lower.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return {};
  size_t start = at + 3 + lower_name.size();
  while (start < head.size() && head[start] == ' ') ++start;
  return head.substr(start, head.find("\r\n", start) - start);
}

std::string raw_http(uint16_t port, const std::string& request, int timeout_ms) {
  std::string response;
  REQUIRE(exchange(port, request, timeout_ms, response));
  return response;
}

std::pair<int, std::string> http_post(uint16_t port, const std::string& body) {
  std::string resp = raw_http(port, post_request(body), 60000);
  int status = 0;
  if (resp.rfind("HTTP/1.1 ", 0) == 0) status = std::stoi(resp.substr(9, 3));
  auto head_end = resp.find("\r\n\r\n");
  return {status, head_end == std::string::npos ? "" : resp.substr(head_end + 4)};
}

std::optional<std::pair<int, std::string>> try_http_post(uint16_t port, const std::string& body, int timeout_ms) {
  std::string resp;
  if (!exchange(port, post_request(body), timeout_ms, resp)) return std::nullopt;
  auto length = complete_length(resp);
  if (!length || resp.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
  size_t head_end = resp.find("\r\n\r\n");
  return std::make_pair(std::stoi(resp.substr(9, 3)), resp.substr(head_end + 4, *length));
}

RunResult run_vest(const std::vector<std::string>& args) {
  std::vector<std::string> full = {bin_path("vest").string()};
  full.insert(full.end(), args.begin(), args.end());
  return run_program(full);
}

BackgroundVest::BackgroundVest(const std::vector<std::string>& args) {
  std::vector<std::string> full = {bin_path("vest").string()};
  full.insert(full.end(), args.begin(), args.end());
  pid_ = spawn(full, dir_.path() / "out", dir_.path() / "err", false);
}

BackgroundVest::~BackgroundVest() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_);
  }
}

RunResult BackgroundVest::finish() {
  REQUIRE(pid_ > 0);
  RunResult r;
  r.exit_code = wait_exit(pid_);
  pid_ = -1;
  r.out = read_file(dir_.path() / "out");
  r.err = read_file(dir_.path() / "err");
  return r;
}

uint16_t free_port_range(unsigned count) {
  REQUIRE(count > 0);
  REQUIRE(count < 1000);
  std::random_device random;
  std::uniform_int_distribution<unsigned> pick(20000, 32767 - count + 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const unsigned base = pick(random);
    std::vector<int> held;
    for (unsigned p = base; p < base + count; ++p) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(p));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
        held.push_back(fd);
        continue;
      }
      if (fd >= 0) close(fd);
      break;
    }
    const bool all = held.size() == count;
    for (int fd : held) close(fd);
    if (all) return static_cast<uint16_t>(base);
  }
  FAIL("no " << count << " consecutive free ports in 20000..32767");
  return 0;
}

uint64_t metric(Vestd& node, const std::string& name) {
  std::string r = raw_http(node.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  REQUIRE(r.rfind("HTTP/1.1 200", 0) == 0);
  size_t at = r.find("\n" + name + " ");
  INFO("metric " << name);
  REQUIRE(at != std::string::npos);
  return std::stoull(r.substr(at + name.size() + 2));
}

std::filesystem::path write_config(const TempDir& dir, const std::string& toml) {
  std::filesystem::path p = dir.path() / "vestd.toml";
  std::ofstream(p) << toml;
  return p;
}

bool raise_fd_limit(uint64_t want) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= want) return true;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < want) return false;
  lim.rlim_cur = want;
  return setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

}  // namespace vest::test
