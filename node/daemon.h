// Runs a node from its configuration until SIGINT or SIGTERM.
#pragma once

#include "node/config.h"

namespace vest::node {

// Returns the process exit code: 0 after a clean shutdown, 1 when the node
// could not start (the reason is logged).
int run_daemon(const Config& config);

}  // namespace vest::node
