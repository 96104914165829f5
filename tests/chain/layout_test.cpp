// Keeps the dependency table of docs/developer-notes.md true.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>

namespace fs = std::filesystem;

namespace {

struct Rule {
  std::string folder;
  std::vector<std::string> forbidden;  // include path prefixes
};

std::vector<std::string> violations(const Rule& rule) {
  std::vector<std::string> out;
  fs::path root = fs::path(VEST_SOURCE_DIR) / rule.folder;
  std::regex include_re(R"re(^\s*#\s*include\s*[<"]([^>"]+)[>"])re");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cpp") continue;
    std::ifstream in(entry.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      if (!std::regex_search(line, m, include_re)) continue;
      std::string inc = m[1];
      for (const auto& f : rule.forbidden) {
        if (inc.rfind(f, 0) == 0)
          out.push_back(entry.path().string() + ":" + std::to_string(n) + " includes " + inc);
      }
    }
  }
  return out;
}

// Every top-level folder of the project but those in `except` (and build trees), as include prefixes.
std::vector<std::string> project_folders_except(const std::set<std::string>& except) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(VEST_SOURCE_DIR)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory() || except.count(name) || name.starts_with(".") || name.starts_with("build")) continue;
    out.push_back(name + "/");
  }
  return out;
}

}  // namespace

TEST_CASE("developer notes: forbidden includes", "[layout]") {
  std::vector<Rule> rules = {
      {"chain", {"contracts/", "consensus/", "node/", "rpc/", "wallet/", "boost/asio", "boost/beast"}},
      {"contracts", {"consensus/", "node/", "rpc/", "wallet/", "boost/asio", "boost/beast"}},
      {"rpc", {"node/", "wallet/"}},
      {"wallet", {"node/", "rpc/", "contracts/native.h"}},
      {"node", {"wallet/"}},
      // p2p/ knows bytes and channels: libraries only, nothing of the project but itself.
      {"p2p", project_folders_except({"p2p"})},
  };
  // consensus/ is pure: chain/ only, and no networking.
  Rule consensus{"consensus", project_folders_except({"consensus", "chain"})};
  consensus.forbidden.insert(consensus.forbidden.end(), {"boost/asio", "boost/beast"});
  rules.push_back(consensus);
  for (const auto& rule : rules) {
    for (const auto& v : violations(rule)) FAIL_CHECK(v);
  }
}

TEST_CASE("wallet uses only the contracts' published message headers", "[layout]") {
  fs::path root = fs::path(VEST_SOURCE_DIR) / "wallet";
  std::regex include_re(R"re(#\s*include\s*"(contracts/[^"]+)")re");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_search(line, m, include_re)) continue;
      std::string inc = m[1];
      bool published = inc.ends_with("/messages.h") || inc == "contracts/catalog.h";
      if (!published) FAIL_CHECK(entry.path().string() + " includes " + inc);
    }
  }
}

// The contracts' include graph (contracts/<name>/ including contracts/<other>/)
// has no cycle: each contract builds on those before it (docs/developer-notes.md).
TEST_CASE("contracts depend on each other in one direction", "[layout]") {
  fs::path root = fs::path(VEST_SOURCE_DIR) / "contracts";
  std::regex include_re(R"re(^\s*#\s*include\s*"contracts/([a-z_]+)/)re");
  std::map<std::string, std::set<std::string>> uses;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    const std::string name = dir.path().filename().string();
    uses[name];
    for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
      std::ifstream in(entry.path());
      std::string line;
      while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, include_re) && m[1] != name) uses[name].insert(m[1]);
      }
    }
  }
  REQUIRE(uses.count("vesting"));
  REQUIRE(uses.count("staking"));
  CHECK(uses["staking"].count("vesting"));  // the direction the graph must keep
  // Badges are told their facts by the contracts that own them and read none of their state.
  REQUIRE(uses.count("loyalty"));
  CHECK(uses["loyalty"].empty());
  CHECK(uses["vesting"].count("loyalty"));
  CHECK(uses["sale"].count("loyalty"));
  CHECK(uses["staking"].count("loyalty"));
  // Depth-first search for a back edge.
  std::map<std::string, int> state;  // 0 unseen, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& c) {
    state[c] = 1;
    path.push_back(c);
    for (const auto& d : uses[c]) {
      if (state[d] == 1) {
        std::string cycle;
        for (const auto& p : path) cycle += p + " -> ";
        FAIL_CHECK("contract include cycle: " << cycle << d);
      } else if (state[d] == 0) {
        visit(d);
      }
    }
    path.pop_back();
    state[c] = 2;
  };
  for (const auto& [c, _] : uses)
    if (state[c] == 0) visit(c);
}

// ctest takes the test list that catch_discover_tests writes as a CMake list: a
// ';' in a test's name splits it into names that match no test, which then
// "pass" without running anything.
TEST_CASE("no test name holds a semicolon, which would keep ctest from running it", "[layout]") {
  const std::regex name_re(R"re(TEST_CASE\(\s*"([^"]*)")re");
  std::vector<std::string> bad;
  size_t names = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(VEST_SOURCE_DIR) / "tests")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), name_re), end; it != end; ++it) {
      ++names;
      if ((*it)[1].str().find(';') != std::string::npos) bad.push_back(entry.path().string() + ": " + (*it)[1].str());
    }
  }
  INFO(names << " test names read");
  CHECK(names > 300);
  for (const auto& b : bad) FAIL_CHECK(b);
}
