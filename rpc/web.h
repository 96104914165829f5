// The explorer and buyer dashboard (docs/explorer.md): the files of rpc/web/ and
// Debian's Chart.js, embedded into vestd at build time by rpc/embed_web.cmake.
#pragma once

#include <vector>

#include "rpc/server.h"

namespace vest::rpc {

// The page at "/" (rpc/web/index.html), the other files of rpc/web/ at
// "/web/<name>" and Chart.js at "/web/chart.js", each with its content type and an
// ETag from its SHA-256; for Server::set_static_files.
std::vector<StaticFile> web_files();

}  // namespace vest::rpc
