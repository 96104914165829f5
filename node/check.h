// `vestd check`: the offline consistency check of a stopped node's data
// directory (chain/check.h), with the genesis and contracts the node runs.
#pragma once

#include <filesystem>
#include <iosfwd>

namespace vest::node {

struct CheckOptions {
  std::filesystem::path datadir;
  std::filesystem::path genesis;
  uint64_t recent_blocks = 1000;  // blocks whose transactions and roots are checked
};

// Opens the store in `datadir` (which no running vestd may hold), runs the
// check and prints one line per check passed to `out`, then "consistent" or
// the first problem. Returns the process exit code: 0 consistent, 1 a problem
// found or the store cannot be opened (the reason is printed), 2 the genesis
// file cannot be read.
int run_check(const CheckOptions& options, std::ostream& out);

}  // namespace vest::node
