// Integration: what an operator sees of a real vestd: Prometheus metrics that move
// with the chain, debug and JSON logs, and the refusal of a validator key file
// that others may read.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "chain/keccak.h"
#include "chain/transaction.h"
#include "contracts/bank/messages.h"
#include "tests/integration/harness.h"
#include "wallet/tx_builder.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

std::string transfer(const char* key, const char* to, const char* asset, Amount amount, uint64_t nonce,
                     Amount fee = kDevMinFee) {
  Transaction tx = wallet::build_signed(wallet::TxParams{kDevChainId, nonce, fee}, bank::kTransferKind,
                                        bank::Transfer{*parse_address(to), asset, amount}.encode(), key_hex(key));
  return to_hex_0x(tx.encode());
}

std::string scrape(Vestd& node) {
  std::string r = raw_http(node.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  REQUIRE(r.rfind("HTTP/1.1 200", 0) == 0);
  return r.substr(r.find("\r\n\r\n") + 4);
}

// The value of the sample `name` (with its labels, if any) in Prometheus text; -1 when absent.
double sample(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// The metric names the text declares with # TYPE, each of which must also have # HELP.
std::set<std::string> declared(const std::string& text) {
  std::set<std::string> names;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::string name = line.substr(7, line.find(' ', 7) - 7);
    CHECK(text.find("# HELP " + name + " ") != std::string::npos);
    names.insert(name);
  }
  return names;
}

// The metric names docs/operations.md lists in its metrics table ("| `name` |").
std::set<std::string> documented() {
  std::set<std::string> names;
  std::istringstream in(read_file(source_path("docs/operations.md")));
  std::string line;
  std::regex row(R"(^\| `(vestd?_[a-z_]+)`)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) names.insert(m[1]);
  }
  return names;
}

// Served only by a validator of a network (consensus).
bool is_consensus(const std::string& name) { return name.rfind("vestd_consensus_", 0) == 0; }

json::object submit(Vestd& node, const std::string& raw) { return node.rpc("tx_submit", json::object{{"raw", raw}}); }

std::string devnet_validator_key_hex() { return to_hex(keccak256(as_bytes("vestchain devnet validator")).view()); }

}  // namespace

TEST_CASE("observability: metrics move with transactions, blocks and rejections", "[integration][observability]") {
  TempDir dir;
  Vestd node(dir.path(), {"--block-time-ms", "3600000"});  // blocks on dev_mine only
  const std::string before = scrape(node);
  CHECK(sample(before, "vestd_blocks_produced_total") == 0);
  CHECK(sample(before, "vestd_transactions_committed_total") == 0);
  CHECK(sample(before, "vestd_block_production_seconds_count") == 0);

  // Two transfers that commit, and a pair from account 3 of which the second fails in
  // its block: the first spends all of its USDV (the mempool does not replay pending
  // messages, docs/operations.md).
  const Amount all_usdv = Amount(100000) * 1000000;
  REQUIRE(submit(node, transfer(kDevKey0, kDevAddr1, "VEST", 1, 0)).contains("result"));
  const std::string committed = transfer(kDevKey0, kDevAddr1, "VEST", 2, 1);
  REQUIRE(submit(node, committed).contains("result"));
  REQUIRE(submit(node, transfer(kDevKey3, kDevAddr1, "USDV", all_usdv, 0)).contains("result"));
  REQUIRE(submit(node, transfer(kDevKey3, kDevAddr1, "USDV", 1, 1)).contains("result"));
  // Refused at admission.
  CHECK(submit(node, transfer(kDevKey1, kDevAddr0, "VEST", 1, 0, 0)).contains("error"));  // fee_too_low
  CHECK(submit(node, transfer(kDevKey1, kDevAddr0, "VEST", 1, 5)).contains("error"));     // nonce_too_high
  CHECK(submit(node, transfer(kDevKey1, kDevAddr0, "VEST", 1, 7)).contains("error"));     // nonce_too_high
  CHECK(sample(scrape(node), "vestd_mempool_transactions") == 4);
  CHECK(node.call("dev_mine").at("height") == 1);
  CHECK(submit(node, committed).contains("error"));  // already_known
  CHECK(node.rpc("account_get", json::object{{"address", "0x12"}}).contains("error"));

  const std::string m = scrape(node);
  INFO(m);
  CHECK(sample(m, "vestd_head_height") == 1);
  CHECK(sample(m, "vestd_head_age_seconds") >= 0);
  CHECK(sample(m, "vestd_head_age_seconds") < 60);
  CHECK(sample(m, "vestd_blocks_produced_total") == 1);
  CHECK(sample(m, "vestd_transactions_committed_total") == 3);
  CHECK(sample(m, "vestd_transactions_failed_total") == 1);
  CHECK(sample(m, "vestd_mempool_admitted_total") == 4);
  CHECK(sample(m, "vestd_mempool_transactions") == 0);
  CHECK(sample(m, "vestd_mempool_rejected_total{reason=\"fee_too_low\"}") == 1);
  CHECK(sample(m, "vestd_mempool_rejected_total{reason=\"nonce_too_high\"}") == 2);
  CHECK(sample(m, "vestd_mempool_rejected_total{reason=\"already_known\"}") == 1);
  CHECK(sample(m, "vestd_block_production_seconds_count") == 1);
  CHECK(sample(m, "vestd_block_production_seconds_bucket{le=\"+Inf\"}") == 1);
  CHECK(sample(m, "vestd_block_production_seconds_sum") > 0);
  CHECK(sample(m, "vest_rpc_calls_total{method=\"tx_submit\"}") == 8);
  CHECK(sample(m, "vest_rpc_call_errors_total{method=\"tx_submit\"}") == 4);
  CHECK(sample(m, "vest_rpc_call_errors_total{method=\"account_get\"}") == 1);
  CHECK(sample(m, "vest_rpc_call_duration_seconds_count{method=\"tx_submit\"}") == 8);
  CHECK(sample(m, "vest_rpc_call_duration_seconds_bucket{method=\"dev_mine\",le=\"+Inf\"}") == 1);
  CHECK(sample(m, "vest_rpc_call_errors_total{method=\"node_status\"}") == 0);

  // Every metric served has # HELP and # TYPE and is listed in docs/operations.md, and
  // every one listed there is served, but consensus's (a validator of a network's: below).
  const std::set<std::string> served = declared(m), docs = documented();
  for (const std::string& name : served) {
    INFO(name);
    CHECK(docs.count(name) == 1);
  }
  for (const std::string& name : docs) {
    INFO(name);
    CHECK(served.count(name) == (is_consensus(name) ? 0 : 1));
  }
}

TEST_CASE("observability: a validator of a network serves the consensus metrics docs/operations.md lists",
          "[integration][observability]") {
  TempDir dir;
  const std::filesystem::path key = dir.path() / "validator.key";
  std::ofstream(key) << devnet_validator_key_hex() << "\n";
  REQUIRE(::chmod(key.c_str(), 0600) == 0);
  // The devnet's own validator, without --dev: one validator deciding by consensus.
  auto node = Vestd::full_node(dir.path() / "node", {"--validator-key", key.string(), "--block-time-ms", "100"});
  eventually([&] { return sample(scrape(*node), "vestd_consensus_decisions_total") >= 2; },
             std::chrono::seconds(20), "two decisions");
  const std::string m = scrape(*node);
  CHECK(sample(m, "vestd_consensus_timeouts_total{step=\"propose\"}") >= 0);
  CHECK(sample(m, "vestd_consensus_block_interval_seconds_count") >= 1);
  const std::set<std::string> served = declared(m), docs = documented();
  for (const std::string& name : served) {
    INFO(name);
    CHECK(docs.count(name) == 1);
  }
  for (const std::string& name : docs) {
    INFO(name);
    CHECK(served.count(name) == 1);
  }
  json::object status = node->call("node_status").as_object();
  CHECK(status.at("role") == "validator");
  const PrivateKey validator = *PrivateKey::from(*from_hex(devnet_validator_key_hex()));
  CHECK(status.at("consensus").at("proposer") == json::value(to_checksum(address_of(validator))));
  CHECK(status.at("validators").as_array().size() == 1);
}

TEST_CASE("observability: --log-format json writes one object per line, debug says what happened",
          "[integration][observability]") {
  TempDir dir;
  Vestd node(dir.path(), {"--instant", "--log-format", "json", "--log-level", "debug"});
  const std::string good = transfer(kDevKey0, kDevAddr1, "VEST", 1, 0);
  json::object ok = node.rpc("tx_submit", json::object{{"raw", good}, {"wait", true}});
  REQUIRE(ok.contains("result"));
  const std::string hash(ok.at("result").at("hash").as_string());
  CHECK(submit(node, transfer(kDevKey1, kDevAddr0, "VEST", 1, 0, 0)).contains("error"));
  REQUIRE(node.stop() == 0);

  const std::string log = node.log();
  std::istringstream in(log);
  std::string line;
  size_t lines = 0;
  bool admitted = false, rejected = false, produced = false, accepted = false, closed = false;
  std::set<std::string> levels;
  while (std::getline(in, line)) {
    ++lines;
    INFO(line);
    json::error_code ec;
    json::value v = json::parse(line, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(v.is_object());
    const json::object& o = v.as_object();
    CHECK(o.size() == 4);
    REQUIRE(o.contains("time"));
    CHECK(std::regex_match(std::string(o.at("time").as_string()),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    levels.insert(std::string(o.at("level").as_string()));
    const std::string message(o.at("message").as_string());
    const json::object& fields = o.at("fields").as_object();
    if (message == "transaction admitted" && std::string(fields.at("hash").as_string()) == hash) {
      admitted = fields.at("from") == kDevAddr0 && fields.at("nonce") == "0";
    }
    if (message == "transaction rejected") rejected = fields.at("reason") == "fee_too_low";
    if (message == "block produced" && fields.at("height") == "1") {
      produced = fields.at("txs") == "1" && fields.contains("took_us") && fields.contains("time");
    }
    accepted = accepted || std::regex_search(message, std::regex(R"(^rpc connection \d+ from 127\.0\.0\.1:\d+ accepted)"));
    closed = closed || std::regex_search(message, std::regex(R"(^rpc connection \d+ closed)"));
  }
  CHECK(lines > 5);
  CHECK(admitted);
  CHECK(rejected);
  CHECK(produced);
  CHECK(accepted);
  CHECK(closed);
  CHECK(levels == std::set<std::string>{"debug", "info"});
  // No key reaches the log.
  CHECK(log.find(devnet_validator_key_hex()) == std::string::npos);
  CHECK(log.find(kDevKey0) == std::string::npos);
}

TEST_CASE("observability: text logs at debug level name what happened, and info does not",
          "[integration][observability]") {
  TempDir dir;
  Vestd debug(dir.path() / "debug", {"--instant", "--log-level", "debug"});
  REQUIRE(debug.rpc("tx_submit", json::object{{"raw", transfer(kDevKey0, kDevAddr1, "VEST", 1, 0)}, {"wait", true}})
              .contains("result"));
  REQUIRE(debug.stop() == 0);
  const std::string text = debug.log();
  INFO(text);
  CHECK(std::regex_search(text, std::regex(R"(DEBUG transaction admitted hash=0x[0-9a-f]{64} from=0x)")));
  CHECK(std::regex_search(text, std::regex(R"(DEBUG block produced height=1 hash=0x[0-9a-f]{64} time=\d+ txs=1 )")));

  Vestd info(dir.path() / "info", {"--instant"});
  REQUIRE(info.rpc("tx_submit", json::object{{"raw", transfer(kDevKey0, kDevAddr1, "VEST", 1, 0)}, {"wait", true}})
              .contains("result"));
  REQUIRE(info.stop() == 0);
  CHECK(info.log().find("DEBUG") == std::string::npos);
  CHECK(info.log().find("INFO  block 1 ") != std::string::npos);
}

TEST_CASE("observability: a validator key file others may read is refused at start", "[integration][observability]") {
  TempDir dir;
  const std::filesystem::path key = dir.path() / "validator.key";
  std::ofstream(key) << devnet_validator_key_hex() << "\n";
  auto start = [&] {
    return run_program({bin_path("vestd").string(), "--dev", "--genesis", source_path("genesis/devnet.json").string(),
                        "--datadir", (dir.path() / "data").string(), "--rpc", "127.0.0.1:0", "--validator-key",
                        key.string()});
  };
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    INFO("mode " << std::oct << mode);
    REQUIRE(::chmod(key.c_str(), mode) == 0);
    RunResult r = start();
    INFO(r.err);
    CHECK(r.exit_code == 1);
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode);
    CHECK(r.err.find(std::string("permissions ") + text + " for '" + key.string() + "' are too open") !=
          std::string::npos);
    CHECK(r.err.find("chmod 600 " + key.string()) != std::string::npos);
    CHECK(r.err.find(devnet_validator_key_hex()) == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "data"));  // refused before the chain is touched
  }
  // Readable by its owner only, the same file starts the node.
  REQUIRE(::chmod(key.c_str(), 0600) == 0);
  Vestd node(dir.path() / "node", {"--instant", "--validator-key", key.string()});
  CHECK(node.call("node_status").at("chainId") == 7357);
  CHECK(node.log().find(devnet_validator_key_hex()) == std::string::npos);
}
