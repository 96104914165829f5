// vestd processes for the network benchmarks: one started with the given
// arguments (plus --rpc 127.0.0.1:0), its output in a log file, its RPC and
// P2P addresses and node id read from that log.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace vest::bench {

class VestdProcess {
 public:
  // Starts `vestd args... --rpc 127.0.0.1:0` with its output in `log` and waits
  // until it serves RPC; throws with the log's text when it exits or takes
  // more than a minute.
  VestdProcess(const std::string& vestd, std::vector<std::string> args, std::filesystem::path log);
  // Stops it (stop()).
  ~VestdProcess();
  VestdProcess(const VestdProcess&) = delete;
  VestdProcess& operator=(const VestdProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }
  // NODEID@127.0.0.1:PORT, for another node's --peer; throws unless it listens for peers.
  std::string peer_arg() const;
  // What it has written to its log so far.
  std::string log_text() const;
  // CPU seconds (user + system) the process has used so far.
  double cpu_seconds() const;
  // SIGTERM, then SIGKILL after ten seconds; waits for the exit. Idempotent.
  void stop();

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::string url_;
};

// Runs `program args...` to its end with its output in `log`; throws with the
// log's text unless it exits 0.
void run_program(const std::string& program, std::vector<std::string> args, const std::filesystem::path& log);

// The first of `count` consecutive TCP ports on 127.0.0.1, from `from` up,
// that all accept a listener now (they may be taken again before use).
unsigned free_port_block(unsigned count, unsigned from = 20000);

}  // namespace vest::bench
