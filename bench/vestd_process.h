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
  // CPU seconds (user + system) the process has used so far.
  double cpu_seconds() const;
  // SIGTERM, then SIGKILL after ten seconds; waits for the exit. Idempotent.
  void stop();

 private:
  std::string log_text() const;

  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace vest::bench
