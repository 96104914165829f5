#include "bench/vestd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vest::bench {

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_match(const std::string& text, const std::regex& re) {
  std::smatch m;
  return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

// Forks `argv[0] argv...` with stdin from /dev/null and its output appended to `log`.
pid_t spawn(std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Emptied here, not in the child: the log of an earlier process must not be read as this one's.
  if (int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644); fd >= 0) close(fd);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Stopped with the bench even when the bench is killed.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_APPEND);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

bool port_free(unsigned port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd, 1) == 0;
  close(fd);
  return ok;
}

}  // namespace

void run_program(const std::string& program, std::vector<std::string> args, const std::filesystem::path& log) {
  args.insert(args.begin(), program);
  const pid_t pid = spawn(args, log);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(program + " " + args.at(1) + " failed:\n" + read_all(log));
}

unsigned free_port_block(unsigned count, unsigned from) {
  for (unsigned base = from; base + count <= 65535; base += count) {
    unsigned i = 0;
    while (i < count && port_free(base + i)) ++i;
    if (i == count) return base;
  }
  throw std::runtime_error("no " + std::to_string(count) + " free consecutive ports on 127.0.0.1");
}

VestdProcess::VestdProcess(const std::string& vestd, std::vector<std::string> args, std::filesystem::path log)
    : log_(std::move(log)) {
  args.insert(args.begin(), vestd);
  args.insert(args.end(), {"--rpc", "127.0.0.1:0"});
  pid_ = spawn(args, log_);
  static const std::regex rpc_re(R"(RPC listening on (127\.0\.0\.1:\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  for (;;) {
    std::string port = first_match(log_text(), rpc_re);
    if (!port.empty()) {
      url_ = "http://" + port;
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(vestd + " exited at start:\n" + log_text());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error(vestd + " did not serve RPC within a minute:\n" + log_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

VestdProcess::~VestdProcess() { stop(); }

std::string VestdProcess::log_text() const { return read_all(log_); }

std::string VestdProcess::peer_arg() const {
  static const std::regex id_re(R"(node id ([0-9a-f]+))");
  static const std::regex p2p_re(R"(P2P listening on (127\.0\.0\.1:\d+))");
  const std::string text = log_text();
  const std::string id = first_match(text, id_re), address = first_match(text, p2p_re);
  if (id.empty() || address.empty()) throw std::runtime_error("the node does not listen for peers:\n" + text);
  return id + "@" + address;
}

double VestdProcess::cpu_seconds() const {
  // /proc/PID/stat: fields 14 and 15 (utime, stime, in clock ticks) follow the
  // command name, which is in parentheses and may hold spaces.
  const std::string stat = read_all("/proc/" + std::to_string(pid_) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;
  unsigned long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void VestdProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace vest::bench
