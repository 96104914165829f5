// Real processes for integration tests: a vestd on a port of its own choosing
// with its own temporary data directory, and the vest command line.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/util/process.h"
#include "tests/util/test_util.h"

namespace vest::test {

// Development accounts of the "test test ... junk" mnemonic, funded in
// genesis/devnet.json (10,000 VEST and 100,000 USDV each).
inline constexpr const char* kDevKey0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
inline constexpr const char* kDevAddr0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
inline constexpr const char* kDevKey1 = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
inline constexpr const char* kDevAddr1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
inline constexpr const char* kDevKey2 = "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
inline constexpr const char* kDevAddr2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
inline constexpr const char* kDevKey3 = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
inline constexpr const char* kDevAddr3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
// Account 9 is also the sale admin in genesis/devnet.json.
inline constexpr const char* kDevKey9 = "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
inline constexpr const char* kDevAddr9 = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

// genesis/devnet.json: chain id and params.min_fee.
inline constexpr uint64_t kDevChainId = 7357;
inline const Amount kDevMinFee = 1000000000000000;

// A private key from its hex text (one of the kDevKey constants).
inline PrivateKey key_hex(const char* hex) { return *PrivateKey::from(*from_hex(hex)); }

std::filesystem::path bin_path(const std::string& name);
std::filesystem::path source_path(const std::string& relative);

// A vestd process. The destructor stops it (SIGTERM, then SIGKILL).
class Vestd {
 public:
  // Starts `vestd --dev --genesis genesis/devnet.json --datadir <datadir>
  // --rpc 127.0.0.1:0 <extra...>` and waits until it serves RPC.
  explicit Vestd(std::filesystem::path datadir, std::vector<std::string> extra = {"--instant"});
  // A full node of the devnet chain (or of `genesis`): `vestd --genesis
  // genesis/devnet.json --datadir <datadir> --rpc 127.0.0.1:0 <extra...>`,
  // without --dev or a key.
  static std::unique_ptr<Vestd> full_node(std::filesystem::path datadir, std::vector<std::string> extra = {},
                                          std::optional<std::filesystem::path> genesis = std::nullopt);
  // `vestd <args...>` exactly (say --config FILE), its output in `logdir`; waits
  // until it serves RPC. A `wrapper` runs vestd under another program
  // (`env LD_PRELOAD=… FAKETIME=+300s`); it must exec vestd, so that
  // stopping the process stops vestd.
  static std::unique_ptr<Vestd> with_args(std::filesystem::path logdir, std::vector<std::string> args,
                                          std::vector<std::string> wrapper = {});
  ~Vestd();
  Vestd(const Vestd&) = delete;
  Vestd& operator=(const Vestd&) = delete;

  uint16_t port() const { return port_; }
  // The process id while it runs, -1 once stopped.
  pid_t pid() const { return pid_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Sends SIGTERM and waits; returns the exit status (0 for a clean stop).
  int stop();
  void kill9();
  std::string log() const;
  // The P2P address it listens on ("127.0.0.1:PORT", from its log; empty when
  // not listening), its node id, and the two as a --peer argument.
  std::string p2p_address() const;
  std::string node_id();
  std::string peer_arg();

  // One JSON-RPC call; the whole response object (with "result" or "error").
  boost::json::object rpc(const std::string& method, boost::json::value params = nullptr);
  // The "result" of a call that must succeed.
  boost::json::value call(const std::string& method, boost::json::value params = nullptr);

 private:
  Vestd(std::filesystem::path datadir, std::vector<std::string> extra, bool dev, std::filesystem::path genesis);
  Vestd() = default;
  // Starts `<wrapper...> vestd <args...>` with its output in dir_ and waits for its RPC port.
  void launch(std::vector<std::string> args, const std::vector<std::string>& wrapper = {});
  std::filesystem::path dir_;  // holds vestd.out and vestd.log (and data/ unless with_args)
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Arguments that make a vestd listen for peers on a free port of 127.0.0.1.
inline const std::vector<std::string> kListen = {"--p2p", "127.0.0.1:0"};

// `a` followed by `b`.
inline std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The node's node_status answer.
inline boost::json::object status_of(Vestd& node) { return node.call("node_status").as_object(); }

// Raw HTTP exchange: sends `request` bytes to 127.0.0.1:port and returns what
// comes back until the server closes or `timeout_ms` passes.
std::string raw_http(uint16_t port, const std::string& request, int timeout_ms = 5000);
// The status code of the HTTP response at the start of `text`, 0 if there is none.
int http_status(const std::string& text);
// The value of the header `lower_name` (lower case) of the HTTP response `text`,
// empty when absent.
std::string header_value(const std::string& text, const std::string& lower_name);
// POSTs `body` to / and returns {status code, response body}.
std::pair<int, std::string> http_post(uint16_t port, const std::string& body);
// http_post for any thread: makes no test assertions, and gives nullopt when
// the connection fails or ends before one complete response (a killed server).
std::optional<std::pair<int, std::string>> try_http_post(uint16_t port, const std::string& body,
                                                         int timeout_ms = 60000);

// The first of `count` consecutive ports of 127.0.0.1 that were free just now
// (each bound and released), picked at random in 20000..32767, below the
// ephemeral range, so that tests running at once rarely pick the same.
uint16_t free_port_range(unsigned count);

// The value of the sample `name` (no labels) in the node's GET /metrics;
// fails the test when it is absent.
uint64_t metric(Vestd& node, const std::string& name);

// Waits until `done()` holds, polling every 50 ms; fails the test, naming
// `what`, after `limit`.
template <typename F>
void eventually(F done, std::chrono::milliseconds limit, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("timed out waiting for " << what);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Writes `toml` as vestd.toml in `dir` (for --config) and returns its path.
std::filesystem::path write_config(const TempDir& dir, const std::string& toml);

// Raises this process's open-file limit (which vestd inherits) to at least
// `want`; false when the hard limit is lower.
bool raise_fd_limit(uint64_t want);

// Runs build/bin/vest with `args` and no standard input.
RunResult run_vest(const std::vector<std::string>& args);


// build/bin/vest with `args` started in the background (no standard input),
// for commands that wait on something the test does meanwhile. finish() waits
// for it; the destructor kills it if it still runs.
class BackgroundVest {
 public:
  explicit BackgroundVest(const std::vector<std::string>& args);
  ~BackgroundVest();
  BackgroundVest(const BackgroundVest&) = delete;
  BackgroundVest& operator=(const BackgroundVest&) = delete;
  RunResult finish();

 private:
  TempDir dir_;
  pid_t pid_ = -1;
};

}  // namespace vest::test
