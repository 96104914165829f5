// Integration: the vest command line against a real vestd.
#include <catch2/catch.hpp>
#include <fstream>

#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

struct Wallet {
  std::filesystem::path keystore;
  std::filesystem::path password;
  std::string rpc;

  RunResult run(std::vector<std::string> args) const {
    std::vector<std::string> full = {"--rpc", rpc, "--keystore", keystore.string(), "--password-file",
                                     password.string()};
    full.insert(full.end(), args.begin(), args.end());
    return run_vest(full);
  }
  json::value run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), "--json");
    RunResult r = run(args);
    INFO("vest " << args.back() << " exit " << r.exit_code << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("vest: import a development key, transfer, read it back", "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w{dir.path() / "keystore", dir.path() / "password", node.url()};
  write(w.password, "correct horse battery staple\n");
  write(dir.path() / "dev0.key", std::string(kDevKey0) + "\n");

  json::value imported = w.run_json({"key", "import", "--light-kdf", "--private-key-file", (dir.path() / "dev0.key").string()});
  CHECK(imported.at("address") == kDevAddr0);
  // The keystore file never holds the key in clear.
  std::string file = read_file(std::string(imported.at("path").as_string()));
  CHECK(file.find(kDevKey0) == std::string::npos);
  CHECK(file.find("\"version\":3") != std::string::npos);
  json::value list = w.run_json({"key", "list"});
  REQUIRE(list.at("keys").as_array().size() == 1);

  json::value sent = w.run_json({"transfer", "--to", kDevAddr1, "--amount", "2.5"});
  CHECK(sent.at("status") == "committed");
  CHECK(sent.at("message").at("amount") == "2500000000000000000");
  std::string hash(sent.at("hash").as_string());

  json::value tx = w.run_json({"tx", hash});
  CHECK(tx.at("status") == "committed");
  CHECK(tx.at("from") == kDevAddr0);
  json::value acct = w.run_json({"account", kDevAddr1});
  CHECK(acct.at("balances").at("VEST") == "10002500000000000000000");
  json::value block = w.run_json({"block"});
  CHECK(block.at("transactions").at(0) == json::value(hash));
  json::value status = w.run_json({"status"});
  CHECK(status.at("chainId") == 7357);

  // Human output, too.
  RunResult text = w.run({"account", kDevAddr1});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("VEST 10002.5") != std::string::npos);

  // A payment-asset transfer with its own decimals.
  json::value usd = w.run_json({"transfer", "--to", kDevAddr1, "--amount", "12.34", "--asset", "USDV"});
  CHECK(usd.at("message").at("amount") == "12340000");
}

TEST_CASE("vest: refusals are clear and exit non-zero", "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w{dir.path() / "keystore", dir.path() / "password", node.url()};
  write(w.password, "pw\n");
  write(dir.path() / "dev0.key", kDevKey0);
  REQUIRE(w.run({"key", "import", "--light-kdf", "--private-key-file", (dir.path() / "dev0.key").string()}).exit_code == 0);

  RunResult too_much = w.run({"transfer", "--to", kDevAddr1, "--amount", "1000000"});
  CHECK(too_much.exit_code == 1);
  CHECK(too_much.err.find("insufficient_funds") != std::string::npos);

  RunResult bad_checksum = w.run({"transfer", "--to", "0x70997970c51812dc3a010c7d01b50e0d17dc79C8", "--amount", "1"});
  CHECK(bad_checksum.exit_code == 1);
  CHECK(bad_checksum.err.find("checksum") != std::string::npos);

  RunResult too_precise = w.run({"transfer", "--to", kDevAddr1, "--amount", "0.0000001", "--asset", "USDV"});
  CHECK(too_precise.exit_code == 1);

  write(dir.path() / "wrong", "not the password\n");
  RunResult wrong = run_vest({"--rpc", node.url(), "--keystore", w.keystore.string(), "--password-file",
                              (dir.path() / "wrong").string(), "transfer", "--to", kDevAddr1, "--amount", "1"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("password") != std::string::npos);

  RunResult unreachable = run_vest({"--rpc", "http://127.0.0.1:1", "status"});
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("cannot reach") != std::string::npos);

  RunResult usage = run_vest({"transfer"});
  CHECK(usage.exit_code == 2);

  // Nothing moved.
  json::value acct = w.run_json({"account", kDevAddr0});
  CHECK(acct.at("nonce") == 0);
}
