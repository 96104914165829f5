// A network of real vestd processes on 127.0.0.1, written by `vestd testnet`
// on a free port range: its validators and full nodes started from their
// written configurations (with a [consensus] table of short timeouts added),
// each of which a test can kill, stop, pause, resume and start again, and
// the check that every node holds the same block at every height it has.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace vest::test {

// The chain id of the networks `vestd testnet` writes.
inline constexpr uint64_t kTestnetChainId = 7358;

// The [consensus] table of every node of a LocalTestnet (docs/operations.md,
// "Consensus"): timeouts short enough for many heights a second on loopback.
struct ConsensusSettings {
  uint64_t timeout_propose_ms = 400, timeout_propose_delta_ms = 100;
  uint64_t timeout_prevote_ms = 150, timeout_prevote_delta_ms = 50;
  uint64_t timeout_precommit_ms = 150, timeout_precommit_delta_ms = 50;
  uint64_t timeout_commit_ms = 100;
  uint64_t gossip_interval_ms = 100;
};

struct LocalTestnetOptions {
  size_t validators = 4;
  size_t full_nodes = 0;
  ConsensusSettings consensus;
  // Runs every node with --log-level debug (the consensus reactor's
  // "consensus: vote" lines).
  bool debug_log = false;
};

class LocalTestnet {
 public:
  // Writes the network into `dir`/net and starts every node, validators first;
  // returns once every node holds block 1.
  LocalTestnet(const TempDir& dir, LocalTestnetOptions options);
  // Resumes the paused nodes, then stops every node still running.
  ~LocalTestnet();
  LocalTestnet(const LocalTestnet&) = delete;
  LocalTestnet& operator=(const LocalTestnet&) = delete;

  // Nodes by index: validators 0..validators()-1, then full nodes, then twins.
  size_t size() const { return nodes_.size(); }
  size_t validators() const { return options_.validators; }
  // A running node (fails the test when it is not running).
  Vestd& operator[](size_t k);
  bool running(size_t k) const;
  const std::string& name(size_t k) const;
  // A validator's address (EIP-55); empty for a full node.
  const std::string& validator_address(size_t k) const;
  const std::filesystem::path& datadir(size_t k) const;
  // The logs of every run of node k, oldest first (a restart starts a new one).
  std::vector<std::filesystem::path> logs(size_t k) const;
  std::filesystem::path genesis() const { return dir_ / "genesis.json"; }

  // Starts node k (again) from its configuration, under `wrapper` when given
  // (Vestd::with_args), and waits until it serves RPC.
  void start(size_t k, const std::vector<std::string>& wrapper = {});
  // SIGKILL, and waits for the process to end.
  void kill(size_t k);
  // SIGTERM, and waits: a clean stop. Returns the exit status.
  int stop(size_t k);
  // SIGSTOP / SIGCONT: a node that neither sends nor answers meanwhile.
  void pause(size_t k);
  void resume(size_t k);

  // A second process with validator k's key: a copy of k's data directory
  // (taken while k is stopped, so k must not be running) with a node key of
  // its own and k's configuration but for the data directory and the two
  // ports kept spare for it. Returns its index; it is not started.
  size_t add_twin(size_t k);

 private:
  struct Member {
    std::string name;
    std::string address;  // validators only
    std::filesystem::path config;
    std::filesystem::path datadir;
    std::unique_ptr<Vestd> process;
    bool paused = false;
    unsigned runs = 0;
  };

  std::filesystem::path log_dir(size_t k, unsigned run) const;

  LocalTestnetOptions options_;
  std::filesystem::path dir_;
  uint16_t spare_port_ = 0;  // the first of two ports no written node uses
  std::vector<Member> nodes_;
};

// The hashes of node's blocks from..to ("" where it has none), with batched
// chain_getBlock calls.
std::vector<std::string> block_hashes(Vestd& node, uint64_t from, uint64_t to);

// The running nodes of `net` (at least two): for each height, every one that
// holds it holds the same block. Returns the highest height checked.
uint64_t check_same_blocks(LocalTestnet& net);

}  // namespace vest::test
