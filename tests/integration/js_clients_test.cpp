// Integration: real JavaScript clients (ethers v6, viem v2, web3.js v4) against a real
// vestd, through each library's raw JSON-RPC layer; and a transfer signed in JavaScript
// from docs/protocol.md alone. The checks themselves are in js/clients_check.mjs.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string_view>

#include "tests/integration/harness.h"
#include "tests/util/npm.h"

using namespace vest;
using namespace vest::test;
namespace fs = std::filesystem;
namespace json = boost::json;


TEST_CASE("js clients: ethers v6 viem v2 and web3.js v4 against a real vestd", "[integration][interop]") {
  const fs::path npm_dir = ensure_npm_packages();

  TempDir dir;
  Vestd node(dir.path());
  const fs::path script = source_path("tests/integration/js/clients_check.mjs");
  RunResult r = run_program(
      {"timeout", "120", "env", "VEST_NPM_DIR=" + npm_dir.string(), "node", script.string(), node.url()});
  std::cout << r.out << r.err << std::flush;
  INFO("node " << script.string() << " " << node.url() << " -> exit " << r.exit_code << "\n--- stdout\n"
               << r.out << "--- stderr\n"
               << r.err << "--- vestd log (tail)\n"
               << node.log().substr(node.log().size() > 4000 ? node.log().size() - 4000 : 0));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("all checks passed") != std::string::npos);
}
