// JavaScript packages for interop tests, installed once per build tree.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vest::test {

// An npm package and the major version a script is written for.
struct NpmPackage {
  const char* name;
  const char* major;  // "6." matches 6.x.y
  const char* spec;   // what npm installs: "ethers@6"
};

// The npm folder ${VEST_BIN_DIR}/../<folder> with `packages` installed (once per
// build tree); skips the test (exit code 4) when node or npm is missing or the
// install fails. Safe when several test programs call it at once.
std::filesystem::path ensure_npm_packages(const std::string& folder, const std::vector<NpmPackage>& packages);

// The npm folder ${VEST_BIN_DIR}/../npm with ethers 6, viem 2 and web3.js 4
// installed; skips the test (exit code 4) when node or npm is missing or the
// install fails. Safe when several test programs call it at once.
std::filesystem::path ensure_npm_packages();

}  // namespace vest::test
