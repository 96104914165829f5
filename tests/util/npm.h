// JavaScript packages for interop tests, installed once per build tree.
#pragma once

#include <filesystem>

namespace vest::test {

// The npm folder ${VEST_BIN_DIR}/../npm with ethers 6, viem 2 and web3.js 4
// installed; skips the test (exit code 4) when node or npm is missing or the
// install fails. Safe when several test programs call it at once.
std::filesystem::path ensure_npm_packages();

}  // namespace vest::test
