// vestd's TOML configuration: every key typed, nothing silently ignored.
#include "node/config.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/util/test_util.h"

using namespace vest;
using vest::test::TempDir;

namespace {

// Loads `toml` over the defaults; the error text, or "" when it loaded.
std::string load(const std::string& toml, node::Config& config) {
  TempDir dir;
  const auto path = dir.path() / "vestd.toml";
  std::ofstream(path) << toml;
  std::string error;
  return node::load_config_file(path, config, error) ? std::string() : error;
}

std::string load_error(const std::string& toml) {
  node::Config config;
  return load(toml, config);
}

}  // namespace

TEST_CASE("config: typed values load") {
  node::Config c;
  REQUIRE(load("dev = true\ninstant = false\ngenesis = \"g.json\"\nlog_level = \"debug\"\n"
               "[rpc]\nlisten = \"127.0.0.1:9000\"\nmax_connections = 5000\n",
               c) == "");
  CHECK(c.dev);
  CHECK_FALSE(c.instant);
  CHECK(c.genesis == "g.json");
  CHECK(c.log_level == "debug");
  CHECK(c.rpc.listen == "127.0.0.1:9000");
  CHECK(c.rpc.max_connections == 5000);
  REQUIRE(load("log_format = \"json\"\n[rpc]\nallow_hosts = [\"vestd.internal\"]\n"
               "cors_origins = [\"https://app.example\", \"http://localhost:3000\"]\nheader_timeout_s = 2\n",
               c) == "");
  CHECK(c.log_format == "json");
  CHECK(c.rpc.allow_hosts == std::vector<std::string>{"vestd.internal"});
  CHECK(c.rpc.cors_origins == std::vector<std::string>{"https://app.example", "http://localhost:3000"});
  CHECK(c.rpc.header_timeout_s == 2);
  CHECK(c.rpc.web);
  REQUIRE(load("[rpc]\nweb = false\n", c) == "");
  CHECK_FALSE(c.rpc.web);
}

TEST_CASE("config: a value of the wrong type is refused, naming the key") {
  CHECK(load_error("dev = \"true\"\n") == "dev: expected true or false");
  CHECK(load_error("instant = \"false\"\n") == "instant: expected true or false");
  CHECK(load_error("dev = 1\n") == "dev: expected true or false");
  CHECK(load_error("genesis = 5\n") == "genesis: expected a string");
  CHECK(load_error("block_time_ms = \"1000\"\n") == "block_time_ms: expected a non-negative integer");
  CHECK(load_error("block_time_ms = 1.5\n") == "block_time_ms: expected a non-negative integer");
  CHECK(load_error("[rpc]\nlisten = 8645\n") == "rpc.listen: expected a string");
  CHECK(load_error("[rpc]\nweb = \"no\"\n") == "rpc.web: expected true or false");
  CHECK(load_error("[rpc]\nmax_batch = true\n") == "rpc.max_batch: expected a non-negative integer");
  CHECK(load_error("[rpc]\nthreads = 5000000000\n") ==
        "rpc.threads: expected a non-negative integer up to 4294967295");
  CHECK(load_error("[rpc]\nmax_conections = 10\n") == "unknown setting rpc.max_conections");
  CHECK(load_error("[rpc]\nallow_hosts = \"vestd.internal\"\n") == "rpc.allow_hosts: expected a list of strings");
  CHECK(load_error("[rpc]\ncors_origins = [\"https://a.example\", 1]\n") ==
        "rpc.cors_origins: expected a list of strings");
  CHECK(load_error("log_format = true\n") == "log_format: expected a string");
  // The refused value is not taken.
  node::Config c;
  CHECK(load("instant = true\ndev = \"yes\"\n", c) != "");
  CHECK_FALSE(c.dev);
}
