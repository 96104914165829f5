// A driver for the fuzz targets without libFuzzer, for `make test`: runs every
// file given (every file of a folder given, in name order), then --mutations N
// pseudo-random mutations of them drawn from a fixed --seed. Every run feeds
// the same inputs. When an input makes the target abort or crash, its bytes are
// written to ./replay-crash-input first, so `<target> replay-crash-input` replays it.
//
//   fuzz_tx_decode_replay tests/fuzz/corpus/tx_decode --mutations 20000
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz.h"

namespace {

namespace fs = std::filesystem;
using Input = std::vector<uint8_t>;

constexpr size_t kMaxInputBytes = 64 * 1024;
constexpr const char* kCrashFile = "replay-crash-input";

// The input being run, for the crash handler.
const uint8_t* g_current = nullptr;
size_t g_current_size = 0;

void on_crash(int sig) {
  int fd = ::open(kCrashFile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    size_t done = 0;
    while (done < g_current_size) {
      ssize_t n = ::write(fd, g_current + done, g_current_size - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    const char msg[] = "replay: the failing input is in ./replay-crash-input\n";
    (void)!::write(2, msg, sizeof msg - 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void run(const Input& in) {
  g_current = in.data();
  g_current_size = in.size();
  LLVMFuzzerTestOneInput(in.data(), in.size());
}

// Byte values and tokens that matter to the formats fuzzed: RLP prefix
// boundaries, JSON structure, numbers at the edges of the integer types.
const uint8_t kInterestingBytes[] = {0x00, 0x01, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xbf, 0xc0, 0xc1, 0xf7, 0xf8,
                                     0xff, '"',  '{',  '}',  '[',  ']',  ',',  ':',  '0',  '9',  '-',  '\\'};
const char* const kTokens[] = {"null", "true", "false", "[]", "{}", "\"\"", "0", "-1", "0x", "\"0x\"",
                               "18446744073709551615", "18446744073709551616", "9223372036854775808",
                               "340282366920938463463374607431768211456", "1e400", "1.5", "\"\\u0000\"",
                               "{\"a\":[", "]]]]", "\"2.0\""};

class Mutator {
 public:
  Mutator(uint64_t seed, const std::vector<Input>& corpus) : rng_(seed), corpus_(corpus) {}

  Input next() {
    Input in = corpus_.empty() ? Input{} : corpus_[below(corpus_.size())];
    size_t steps = 1 + below(4);
    for (size_t i = 0; i < steps; ++i) mutate(in);
    if (in.size() > kMaxInputBytes) in.resize(kMaxInputBytes);
    return in;
  }

 private:
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

  void mutate(Input& in) {
    switch (below(9)) {
      case 0:  // flip one bit
        if (!in.empty()) in[below(in.size())] ^= static_cast<uint8_t>(1u << below(8));
        break;
      case 1:  // any byte
        if (!in.empty()) in[below(in.size())] = static_cast<uint8_t>(rng_());
        break;
      case 2:  // an interesting byte
        if (!in.empty()) in[below(in.size())] = kInterestingBytes[below(sizeof kInterestingBytes)];
        break;
      case 3: {  // insert bytes
        size_t at = below(in.size() + 1), n = 1 + below(8);
        for (size_t i = 0; i < n; ++i) in.insert(in.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(rng_()));
        break;
      }
      case 4: {  // erase a range
        if (in.empty()) break;
        size_t at = below(in.size()), n = 1 + below(std::min<size_t>(in.size() - at, 16));
        in.erase(in.begin() + static_cast<std::ptrdiff_t>(at), in.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 5: {  // copy a range elsewhere
        if (in.empty()) break;
        size_t from = below(in.size()), n = 1 + below(std::min<size_t>(in.size() - from, 32));
        Input chunk(in.begin() + static_cast<std::ptrdiff_t>(from), in.begin() + static_cast<std::ptrdiff_t>(from + n));
        size_t to = below(in.size() + 1);
        in.insert(in.begin() + static_cast<std::ptrdiff_t>(to), chunk.begin(), chunk.end());
        break;
      }
      case 6: {  // splice: keep a head, take another input's tail
        if (corpus_.empty()) break;
        const Input& other = corpus_[below(corpus_.size())];
        size_t keep = below(in.size() + 1), from = below(other.size() + 1);
        in.resize(keep);
        in.insert(in.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      case 7:  // truncate
        in.resize(below(in.size() + 1));
        break;
      case 8: {  // insert a token
        const char* t = kTokens[below(std::size(kTokens))];
        size_t at = below(in.size() + 1);
        in.insert(in.begin() + static_cast<std::ptrdiff_t>(at), t, t + std::strlen(t));
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  const std::vector<Input>& corpus_;
};

Input read_input(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Input((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

int usage() {
  std::fprintf(stderr, "usage: <target> FILE_OR_FOLDER... [--mutations N] [--seed S]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mutations = 0, seed = 1;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--mutations" || arg == "--seed") && i + 1 < argc) {
      (arg == "--mutations" ? mutations : seed) = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg.starts_with("--")) {
      return usage();
    } else if (fs::is_directory(arg)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(arg))
        if (e.is_regular_file()) in_dir.push_back(e.path());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(arg)) {
      files.emplace_back(arg);
    } else {
      std::fprintf(stderr, "replay: no such file or folder: %s\n", arg.c_str());
      return 2;
    }
  }
  if (files.empty()) return usage();

  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_crash);
  auto start = std::chrono::steady_clock::now();
  std::vector<Input> corpus;
  for (const auto& f : files) {
    corpus.push_back(read_input(f));
    run(corpus.back());
  }
  Mutator mutator(seed, corpus);
  for (uint64_t i = 0; i < mutations; ++i) run(mutator.next());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("replay: %zu files and %llu mutations (seed %llu) in %.2f s, no failure\n", files.size(),
              static_cast<unsigned long long>(mutations), static_cast<unsigned long long>(seed), seconds);
  return 0;
}
