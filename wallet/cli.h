// The `vest` command line: keys, transfers and reads. wallet/main.cpp only
// calls run_cli().
#pragma once

namespace vest::wallet {

// Parses argv, runs the command and returns the process exit code:
// 0 success, 1 the command failed (node refused, not found), 2 usage error.
int run_cli(int argc, char** argv);

}  // namespace vest::wallet
