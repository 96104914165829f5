// Integration: the vest command line against a real vestd.
#include <catch2/catch.hpp>
#include <fstream>

#include "chain/transaction.h"
#include "contracts/sale/messages.h"
#include "contracts/vesting/schedule.h"
#include "tests/integration/harness.h"
#include "tests/integration/rpc_proxy.h"

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
  CHECK(text.out.find("balance    10002.5 VEST\n") != std::string::npos);

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

namespace {

// A keystore holding development key 0, with a light KDF.
Wallet wallet_with_key0(const TempDir& dir, const std::string& rpc) {
  Wallet w{dir.path() / "keystore", dir.path() / "password", rpc};
  write(w.password, "pw\n");
  write(dir.path() / "dev0.key", kDevKey0);
  RunResult r = w.run({"key", "import", "--light-kdf", "--private-key-file", (dir.path() / "dev0.key").string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return w;
}

// A node that answers like vestd but says VEST has 21 decimals and the minimum
// fee is 5,000 VEST: `transfer --amount 1.5` would sign 1,500 VEST with a
// 5,000 VEST fee if vest believed it.
void inflate(const std::string& method, json::object& response) {
  if (!response.contains("result")) return;
  json::value& result = response["result"];
  if (method == "node_status") result.as_object()["minFee"] = "5000000000000000000000";
  if (method == "chain_getAssets") {
    for (auto& a : result.at("assets").as_array())
      if (a.at("symbol") == "VEST") a.as_object()["decimals"] = 21;
  }
}

uint64_t nonce_of(Vestd& node, const char* address) {
  return node.call("account_get", json::object{{"address", address}}).at("nonce").to_number<uint64_t>();
}

}  // namespace

TEST_CASE("vest: a node that changes decimals or the minimum fee is refused, nothing is signed",
          "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  RpcProxy liar(node.port(), inflate);
  Wallet w = wallet_with_key0(dir, node.url());

  // First contact with the honest node pins the network beside the keys.
  RunResult first = w.run({"transfer", "--to", kDevAddr1, "--amount", "1"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.err.find("note: pinned vestchain-devnet (chain id 7357)") != std::string::npos);
  REQUIRE(std::filesystem::exists(w.keystore / "networks.json"));
  json::value pins = w.run_json({"network", "show"});
  CHECK(pins.at("networks").at(0).at("assets").at("VEST") == 18);
  CHECK(pins.at("networks").at(0).at("minFee") == "1000000000000000");
  REQUIRE(nonce_of(node, kDevAddr0) == 1);

  // The same wallet through the lying endpoint: refused, naming each change and the way out.
  Wallet lied_to = w;
  lied_to.rpc = liar.url();
  RunResult refused = lied_to.run({"transfer", "--to", kDevAddr1, "--amount", "1.5"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("does not match the network pinned for chain id 7357") != std::string::npos);
  CHECK(refused.err.find("asset VEST decimals 18 -> 21") != std::string::npos);
  CHECK(refused.err.find("minimum fee 0.001 VEST -> 5000 VEST") != std::string::npos);
  CHECK(refused.err.find("vest network forget 7357") != std::string::npos);
  CHECK(refused.out.empty());
  CHECK(liar.saw("chain_getAssets"));
  CHECK_FALSE(liar.saw("tx_submit"));
  CHECK(nonce_of(node, kDevAddr0) == 1);
  // In JSON too; and reads that convert amounts are refused (they would show them wrong).
  RunResult as_json = lied_to.run({"--json", "transfer", "--to", kDevAddr1, "--amount", "1.5"});
  CHECK(as_json.exit_code == 1);
  CHECK(json::parse(as_json.out).at("error").as_string().find("decimals 18 -> 21") != std::string::npos);
  RunResult read = lied_to.run({"account"});
  CHECK(read.exit_code == 1);
  CHECK(read.err.find("decimals 18 -> 21") != std::string::npos);
  CHECK_FALSE(liar.saw("tx_submit"));
  // The pin is unchanged.
  CHECK(w.run_json({"network", "show"}) == pins);

  // A fresh keystore with the genesis file as the reference refuses the liar on first contact.
  TempDir fresh;
  Wallet with_genesis = wallet_with_key0(fresh, liar.url());
  RunResult from_genesis = with_genesis.run(
      {"--genesis", source_path("genesis/devnet.json").string(), "transfer", "--to", kDevAddr1, "--amount", "1.5"});
  INFO(from_genesis.out << from_genesis.err);
  CHECK(from_genesis.exit_code == 1);
  CHECK(from_genesis.err.find("asset VEST decimals 18 -> 21") != std::string::npos);
  CHECK_FALSE(liar.saw("tx_submit"));
  CHECK_FALSE(std::filesystem::exists(fresh.path() / "keystore" / "networks.json"));
  // ... and, against the honest node, pins the file's values.
  with_genesis.rpc = node.url();
  RunResult honest = with_genesis.run({"--genesis", source_path("genesis/devnet.json").string(), "account"});
  INFO(honest.out << honest.err);
  CHECK(honest.exit_code == 0);
  json::value file_pins = with_genesis.run_json({"network", "show"});
  CHECK(file_pins.at("networks").at(0).at("source").as_string().starts_with("genesis "));
  CHECK(file_pins.at("networks").at(0).at("genesisHash") == node.call("node_status").at("genesisHash"));

  // Forgetting is the deliberate way to accept a change: the next contact pins anew.
  RunResult forgot = w.run({"network", "forget", "7357"});
  CHECK(forgot.exit_code == 0);
  CHECK(w.run_json({"network", "show"}).at("networks").as_array().empty());
  RunResult relearn = lied_to.run({"account"});
  CHECK(relearn.exit_code == 0);
  CHECK(w.run_json({"network", "show"}).at("networks").at(0).at("assets").at("VEST") == 21);
  CHECK(run_vest({"--keystore", w.keystore.string(), "network", "forget", "99"}).exit_code == 1);
}

TEST_CASE("vest: --max-fee caps the fee it signs", "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = wallet_with_key0(dir, node.url());

  // The default cap is 100 x the pinned minimum fee (0.001 VEST): 0.1 VEST.
  RunResult over = w.run({"--fee", "0.2", "transfer", "--to", kDevAddr1, "--amount", "1"});
  INFO(over.out << over.err);
  CHECK(over.exit_code == 1);
  CHECK(over.err.find("the fee 0.2 VEST is above the limit of 0.1 VEST") != std::string::npos);
  CHECK(over.err.find("--max-fee") != std::string::npos);
  RunResult under_cap = w.run({"--fee", "0.002", "--max-fee", "0.001", "transfer", "--to", kDevAddr1, "--amount", "1"});
  CHECK(under_cap.exit_code == 1);
  CHECK(under_cap.err.find("above the limit of 0.001 VEST") != std::string::npos);
  CHECK(nonce_of(node, kDevAddr0) == 0);

  json::value sent = w.run_json({"--fee", "0.1", "transfer", "--to", kDevAddr1, "--amount", "1"});
  CHECK(sent.at("fee") == "100000000000000000");
  json::value raised = w.run_json({"--fee", "0.5", "--max-fee", "0.5", "transfer", "--to", kDevAddr1, "--amount", "1"});
  CHECK(raised.at("fee") == "500000000000000000");
  CHECK(nonce_of(node, kDevAddr0) == 2);
}

namespace {

// A self-signed certificate for `san` (e.g. "IP:127.0.0.1") and its key, made with the openssl CLI.
RpcProxy::Tls make_certificate(const std::filesystem::path& dir, const std::string& name, const std::string& san) {
  RpcProxy::Tls tls{dir / (name + ".crt"), dir / (name + ".key")};
  RunResult r = run_program({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                             "-nodes", "-days", "1", "-subj", "/CN=" + name, "-addext", "subjectAltName=" + san,
                             "-keyout", tls.key.string(), "-out", tls.cert.string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return tls;
}

}  // namespace

TEST_CASE("vest: https with a private CA, and untrusted certificates refused", "[integration][wallet]") {
  if (!on_path("openssl")) skip("openssl CLI not found");
  TempDir dir;
  Vestd node(dir.path());
  RpcProxy::Tls good = make_certificate(dir.path(), "vestd-test", "IP:127.0.0.1");
  RpcProxy tls(node.port(), {}, good);
  REQUIRE(tls.url().starts_with("https://127.0.0.1:"));
  Wallet w = wallet_with_key0(dir, tls.url());

  // Trusted through --rpc-cacert: reads and a signed transfer over TLS.
  RunResult status = w.run({"--rpc-cacert", good.cert.string(), "status"});
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("vestchain-devnet") != std::string::npos);
  json::value sent = w.run_json({"--rpc-cacert", good.cert.string(), "transfer", "--to", kDevAddr1, "--amount", "1"});
  CHECK(sent.at("status") == "committed");
  CHECK(tls.saw("tx_submit"));
  size_t calls = tls.methods().size();

  // The system store does not trust a self-signed certificate.
  RunResult untrusted = w.run({"transfer", "--to", kDevAddr1, "--amount", "1"});
  INFO(untrusted.out << untrusted.err);
  CHECK(untrusted.exit_code == 1);
  CHECK(untrusted.err.find("certificate is refused") != std::string::npos);
  CHECK(untrusted.err.find("--rpc-cacert") != std::string::npos);

  // A certificate the CA file trusts, but for another name.
  RpcProxy::Tls other = make_certificate(dir.path(), "elsewhere", "DNS:elsewhere.example");
  RpcProxy wrong_name(node.port(), {}, other);
  Wallet misnamed = w;
  misnamed.rpc = wrong_name.url();
  RunResult mismatch = misnamed.run({"--rpc-cacert", other.cert.string(), "status"});
  INFO(mismatch.out << mismatch.err);
  CHECK(mismatch.exit_code == 1);
  CHECK(mismatch.err.find("IP address mismatch") != std::string::npos);

  // A CA file that does not exist.
  RunResult no_ca = w.run({"--rpc-cacert", (dir.path() / "absent.pem").string(), "status"});
  CHECK(no_ca.exit_code == 1);
  CHECK(no_ca.err.find("cannot load CA certificates") != std::string::npos);

  // A CA for a plain http:// node is a mistake, not a protection.
  RunResult plain = run_vest({"--rpc", node.url(), "--rpc-cacert", good.cert.string(), "status"});
  CHECK(plain.exit_code == 1);
  CHECK(plain.err.find("--rpc-cacert is for https:// nodes") != std::string::npos);

  // None of the refused connections reached the node; one transfer was sent in all.
  CHECK(tls.methods().size() == calls);
  CHECK(wrong_name.methods().empty());
  CHECK(nonce_of(node, kDevAddr0) == 1);
}

TEST_CASE("vest and vestd: --version prints the project version", "[integration][wallet]") {
  RunResult vest = run_vest({"--version"});
  CHECK(vest.exit_code == 0);
  CHECK(vest.out == std::string("vest ") + VEST_VERSION + "\n");
  RunResult vestd = run_program({bin_path("vestd").string(), "--version"});
  CHECK(vestd.exit_code == 0);
  CHECK(vestd.out == std::string("vestd ") + VEST_VERSION + "\n");
  CHECK(std::string(VEST_VERSION).find('.') != std::string::npos);
}

TEST_CASE("vest: key new and key import refuse an empty password unless told", "[integration][wallet]") {
  TempDir dir;
  std::string keystore = (dir.path() / "keystore").string();
  write(dir.path() / "empty", "\n");
  write(dir.path() / "dev0.key", kDevKey0);
  std::vector<std::string> base = {"--keystore", keystore, "--password-file", (dir.path() / "empty").string()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), base.begin(), base.end());
    return run_vest(args);
  };
  RunResult refused = with({"key", "new", "--light-kdf"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("the password is empty") != std::string::npos);
  CHECK(refused.err.find("--allow-empty-password") != std::string::npos);
  RunResult import = with({"key", "import", "--light-kdf", "--private-key-file", (dir.path() / "dev0.key").string()});
  CHECK(import.exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(keystore));

  RunResult allowed = with({"key", "new", "--light-kdf", "--allow-empty-password"});
  INFO(allowed.err);
  CHECK(allowed.exit_code == 0);
  CHECK(allowed.out.find("New key 0x") != std::string::npos);
}

namespace {

// Signs (kind, payload) with `key` and submits it, waiting for its block.
void submit_committed(Vestd& node, const char* key, uint64_t kind, Bytes payload) {
  PrivateKey k = key_hex(key);
  json::value acct = node.call("account_get", json::object{{"address", to_checksum(address_of(k))}});
  Transaction tx;
  tx.chain_id = kDevChainId;
  tx.nonce = acct.at("nonce").to_number<uint64_t>() + acct.at("pendingCount").to_number<uint64_t>();
  tx.fee = kDevMinFee;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.sign(k);
  json::value r = node.call("tx_submit", json::object{{"raw", to_hex_0x(tx.encode())}, {"wait", true}});
  REQUIRE(r.at("status") == "committed");
}

bool has(const RunResult& r, const std::string& text) { return r.out.find(text) != std::string::npos; }

}  // namespace

TEST_CASE("vest: packages show exact shares and offsets", "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = wallet_with_key0(dir, node.url());
  // The sale admin (account 9) adds a package with thirds and offsets of hours.
  sale::Package p;
  p.id = 8;
  p.name = "Thirds";
  p.price_asset = "USDV";
  p.price = 10000000;
  p.base = 10 * kDevMinFee * 1000;
  p.bonus_kind = sale::Package::BonusKind::kBps;
  p.bonus = 3333;
  std::string error;
  json::value schedule = json::parse(R"({"parts": [
      {"type": "tranche", "bps": 3333, "time": 43200},
      {"type": "linear", "bps": 6667, "start": 0, "cliff": 43200, "end": 108000}]})");
  REQUIRE(vesting::parse_schedule_json(schedule, p.schedule, error));
  submit_committed(node, kDevKey9, sale::kCreatePackageKind, p.encode());

  RunResult r = w.run({"packages"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r, "#8 Thirds (open)"));
  CHECK(has(r, "bonus  33.33 % of base, vesting: 33.33 % at 12 h; 66.67 % linear from day 0 to day 1 + 6 h (cliff 12 h);"));
  CHECK(has(r, "bonus  10.00 % of base, vesting: 100.00 % linear from day 0 to day 180 (cliff day 30);"));
  CHECK(has(r, "30.00 % after staking 10000 VEST for 30 days;"));
  CHECK(r.out.find("day 0.") == std::string::npos);
}

TEST_CASE("vest: account, tx and block show amounts with decimals and symbol, and every event",
          "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = wallet_with_key0(dir, node.url());

  json::value sent = w.run_json({"transfer", "--to", kDevAddr1, "--amount", "1.5"});
  std::string transfer_hash(sent.at("hash").as_string());
  uint64_t transfer_height = sent.at("height").to_number<uint64_t>();
  RunResult tx = w.run({"tx", transfer_hash});
  INFO(tx.out << tx.err);
  CHECK(has(tx, "  fee     0.001 VEST\n"));
  CHECK(has(tx, "  amount  1.5 VEST\n"));
  CHECK(has(tx, " asset=VEST amount=1.5 VEST reason=transfer\n"));
  CHECK(has(tx, " proposerShare=0.0008 VEST pool="));  // the fee is an event too

  RunResult bought = w.run({"buy", "1"});
  INFO(bought.out << bought.err);
  REQUIRE(bought.exit_code == 0);
  CHECK(has(bought, "  maxPrice 100 USDV\n"));
  CHECK(has(bought, " cost=100 USDV priceAsset=USDV base=1000 VEST bonus=100 VEST tierBonus=0 VEST"));
  CHECK(has(bought, " total=100 VEST origin=purchase"));
  REQUIRE(w.run({"stake", "5"}).exit_code == 0);
  RunResult unstaked = w.run({"unstake", "2"});
  CHECK(has(unstaked, "  amount  2 VEST\n"));

  // Liquid, locked, staked (5 from the still-vesting bonus first) and unbonding.
  RunResult account = w.run({"account"});
  INFO(account.out << account.err);
  CHECK(has(account, "  balance    99900 USDV\n"));
  CHECK(has(account, "  balance    10998.496 VEST\n"));  // 10000 - 1.5 + 1000 (base) - 4 fees of 0.001
  CHECK(has(account, "  locked     100 VEST (vesting)\n"));
  CHECK(has(account, "  claimable  0 VEST\n"));
  CHECK(has(account, "  staked     3 VEST (3 VEST of it still vesting)\n"));
  CHECK(has(account, "  unbonding  2 VEST\n    2 VEST until "));

  // The unbonding matures in a block of its own: a block event, no transaction.
  uint64_t period = node.call("staking_params").at("unbondingPeriod").to_number<uint64_t>();
  node.call("dev_increaseTime", json::object{{"seconds", period + 1}});
  node.call("dev_mine");
  RunResult head = w.run({"block"});
  INFO(head.out << head.err);
  CHECK(has(head, "  txs      0\n  events   1\n"));
  CHECK(has(head, std::string("    block  staking.unbonded account=") + kDevAddr0 + " amount=2 VEST\n"));
  RunResult transfer_block = w.run({"block", std::to_string(transfer_height)});
  // The fee, then the transfer.
  CHECK(has(transfer_block, "  events   2\n    tx 0   bank.fee payer="));
  CHECK(has(transfer_block, " amount=1.5 VEST reason=transfer\n"));
  json::value head_json = w.run_json({"block"});
  CHECK(head_json.at("allEvents").at(0).at("type") == "staking.unbonded");
  CHECK(w.run({"account"}).out.find("  unbonding  0 VEST\n") != std::string::npos);
}

TEST_CASE("vest: a refused transaction prints the node's message", "[integration][wallet]") {
  TempDir dir;
  Vestd node(dir.path());
  Wallet w = wallet_with_key0(dir, node.url());
  RunResult r = w.run({"transfer", "--to", kDevAddr1, "--amount", "1000000"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const std::string prefix = "error: node refused tx_submit: ";
  auto at = r.err.find(prefix);
  auto reason = r.err.find(" [insufficient_funds] (code 1");
  REQUIRE(at != std::string::npos);
  REQUIRE(reason != std::string::npos);
  CHECK(reason > at + prefix.size() + 5);  // the node's own words between the two
  std::string message = r.err.substr(at + 7, r.err.find('\n', at) - at - 7);
  // The same words in JSON.
  RunResult as_json = w.run({"--json", "transfer", "--to", kDevAddr1, "--amount", "1000000"});
  CHECK(as_json.exit_code == 1);
  CHECK(json::parse(as_json.out).at("error") == json::value(message));
  CHECK(nonce_of(node, kDevAddr0) == 0);
}
