#include "tests/util/npm.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <fstream>

#include "tests/util/process.h"
#include "tests/util/test_util.h"

namespace vest::test {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// The JavaScript clients of the interop tests, at the major versions they are written for.
const std::vector<NpmPackage> kClientPackages = {
    {"ethers", "6.", "ethers@6"}, {"viem", "2.", "viem@2"}, {"web3", "4.", "web3@4"}};


// True when `dir`/node_modules holds every package at its major version.
bool packages_present(const fs::path& dir, const std::vector<NpmPackage>& packages) {
  for (const auto& p : packages) {
    fs::path manifest = dir / "node_modules" / p.name / "package.json";
    std::error_code ec;
    if (!fs::is_regular_file(manifest, ec)) return false;
    json::error_code jec;
    json::value doc = json::parse(read_file(manifest), jec);
    if (jec || !doc.is_object()) return false;
    const json::value* version = doc.as_object().if_contains("version");
    if (!version || !version->is_string() || !std::string_view(version->get_string()).starts_with(p.major))
      return false;
  }
  return true;
}

// An exclusive flock on a file, released by the destructor (or when the process ends).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    REQUIRE(fd_ >= 0);
    while (flock(fd_, LOCK_EX) != 0) REQUIRE(errno == EINTR);
  }
  ~FileLock() { close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

// Safe when several test programs do this at once: the install runs under an flock on
// <folder>.lock next to the folder, into a staging folder, and is published whole with one
// rename (or an atomic exchange with the folder when it already exists, e.g. holding only
// the keystore test's ethers). Readers never see a half-installed package, and an
// interrupted install leaves the folder as it was.
fs::path ensure_npm_packages(const std::string& folder, const std::vector<NpmPackage>& packages) {
  if (!on_path("node")) skip("node is not installed");
  if (!on_path("npm")) skip("npm is not installed");
  const fs::path npm_dir = fs::weakly_canonical(fs::path(VEST_BIN_DIR) / ".." / folder);
  if (packages_present(npm_dir, packages)) return npm_dir;

  const fs::path parent = npm_dir.parent_path();
  fs::create_directories(parent);
  FileLock lock(parent / (folder + ".lock"));
  if (packages_present(npm_dir, packages)) return npm_dir;  // another test installed them meanwhile

  const fs::path staging = parent / (folder + ".staging-" + std::to_string(getpid()));
  const fs::path log = parent / (folder + "-install.log");
  fs::remove_all(staging);
  fs::create_directories(staging);
  std::vector<std::string> cmd = {"timeout", "600", "npm", "install", "--no-audit", "--no-fund", "--prefix",
                                  staging.string()};
  std::string specs;
  for (const auto& p : packages) {
    cmd.push_back(p.spec);
    specs += std::string(specs.empty() ? "" : " ") + p.spec;
  }
  RunResult r = run_program(cmd);
  std::ofstream(log) << "$ npm install --no-audit --no-fund --prefix " << staging.string() << " " << specs
                     << "\nexit " << r.exit_code << "\n"
                     << r.out << r.err;
  if (r.exit_code != 0 || !packages_present(staging, packages)) {
    fs::remove_all(staging);
    skip("npm install of " + specs + " failed (exit " + std::to_string(r.exit_code) + "); see " + log.string());
  }

  if (std::rename(staging.c_str(), npm_dir.c_str()) != 0) {
    // The folder exists (an older or partial install): swap it for the new one atomically.
    INFO("publishing " << staging << " as " << npm_dir);
    REQUIRE(renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, npm_dir.c_str(), RENAME_EXCHANGE) == 0);
    fs::remove_all(staging);  // now the previous folder
  }
  REQUIRE(packages_present(npm_dir, packages));
  return npm_dir;
}

fs::path ensure_npm_packages() { return ensure_npm_packages("npm", kClientPackages); }


}  // namespace vest::test
