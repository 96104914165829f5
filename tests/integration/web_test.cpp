// Integration: the explorer page that vestd serves at GET / (rpc/web/, docs/explorer.md):
// its files, headers and access rules against a real vestd, and the page itself in
// headless Chromium against a node that ran purchases, claims and stakes.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <iostream>
#include <string>

#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "contracts/vesting/schedule.h"
#include "tests/integration/chain_calls.h"
#include "tests/integration/harness.h"
#include "tests/util/npm.h"

using namespace vest;
using namespace vest::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kChartJs = "/usr/share/javascript/chart.js/chart.min.js";

// GET `path` with `headers` (each ending in \r\n) from the node, whole response.
std::string get(const Vestd& node, const std::string& path, const std::string& headers = "") {
  return raw_http(node.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(node.port()) +
                                   "\r\n" + headers + "Connection: close\r\n\r\n");
}

std::string body_of(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

// A JSON POST of node_status to / with `headers`.
std::string post_status(const Vestd& node, const std::string& headers) {
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"node_status"})";
  return raw_http(node.port(), "POST / HTTP/1.1\r\n" + headers + "Content-Type: application/json\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
}

std::string ws_upgrade(const Vestd& node, const std::string& headers) {
  return raw_http(node.port(),
                  "GET / HTTP/1.1\r\n" + headers +
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                  1500);
}

}  // namespace

TEST_CASE("web: GET / serves the page, its files and Chart.js with types, ETags and the CSP", "[integration][web]") {
  TempDir dir;
  Vestd node(dir.path());

  struct Expected {
    std::string path;
    fs::path source;
    std::string type;
  };
  const std::vector<Expected> files = {
      {"/", source_path("rpc/web/index.html"), "text/html; charset=utf-8"},
      {"/web/app.js", source_path("rpc/web/app.js"), "text/javascript; charset=utf-8"},
      {"/web/style.css", source_path("rpc/web/style.css"), "text/css; charset=utf-8"},
      {"/web/chart.js", kChartJs, "text/javascript; charset=utf-8"},
  };
  for (const Expected& f : files) {
    INFO(f.path);
    const std::string r = get(node, f.path);
    REQUIRE(http_status(r) == 200);
    CHECK(header_value(r, "content-type") == f.type);
    // The bytes built into vestd are those of the file (the build re-embeds a changed one).
    CHECK(body_of(r) == read_file(f.source));
    CHECK(header_value(r, "cache-control") == "no-cache");
    CHECK(header_value(r, "x-content-type-options") == "nosniff");
    const std::string csp = header_value(r, "content-security-policy");
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("script-src 'self';") != std::string::npos);
    CHECK(csp.find("connect-src 'self';") != std::string::npos);
    CHECK(csp.find("unsafe") == std::string::npos);
    const std::string etag = header_value(r, "etag");
    REQUIRE(etag.size() == 34);
    CHECK(etag.front() == '"');

    // The browser's copy is current: 304 without a body; another ETag: the file again.
    const std::string again = get(node, f.path, "If-None-Match: " + etag + "\r\n");
    CHECK(http_status(again) == 304);
    CHECK(body_of(again).empty());
    CHECK(header_value(again, "etag") == etag);
    CHECK(http_status(get(node, f.path, "If-None-Match: \"0123\"\r\n")) == 200);
  }
  // The query string is not part of the path; other paths are not files.
  CHECK(http_status(get(node, "/?x=1")) == 200);
  CHECK(http_status(get(node, "/web/nothing.js")) == 404);
  CHECK(http_status(get(node, "/web/")) == 404);
  CHECK(http_status(get(node, "/index.html")) == 404);
  // The page's paths answer GET only; POST / is JSON-RPC as ever.
  CHECK(http_status(raw_http(node.port(), "DELETE /web/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) ==
        405);
  CHECK(http_status(post_status(node, "Host: 127.0.0.1\r\n")) == 200);
}

TEST_CASE("web: the page's own origin may call the node, other origins and hosts are refused as before",
          "[integration][web]") {
  TempDir dir;
  Vestd node(dir.path());
  const std::string port = std::to_string(node.port());
  const std::string host = "Host: 127.0.0.1:" + port + "\r\n";

  // The page at http://127.0.0.1:PORT/ calls / from its own origin, by POST and WebSocket.
  const std::string own = post_status(node, host + "Origin: http://127.0.0.1:" + port + "\r\n");
  INFO(own);
  CHECK(http_status(own) == 200);
  CHECK(own.find("\"chainId\":7357") != std::string::npos);
  CHECK(header_value(own, "access-control-allow-origin").empty());  // same origin: no CORS needed
  CHECK(http_status(ws_upgrade(node, host + "Origin: http://127.0.0.1:" + port + "\r\n")) == 101);
  CHECK(http_status(post_status(node, "Host: LOCALHOST:" + port + "\r\nOrigin: http://localhost:" + port + "\r\n")) ==
        200);

  // Another origin, even on the same host name: refused, the page included.
  const std::vector<std::string> origins = {"https://evil.example", "http://localhost:" + port, "http://127.0.0.1:1",
                                             "http://127.0.0.1:" + port + ".evil.example", "null"};
  for (const std::string& origin : origins) {
    INFO(origin);
    CHECK(http_status(post_status(node, host + "Origin: " + origin + "\r\n")) == 403);
    CHECK(http_status(get(node, "/", "Origin: " + origin + "\r\n")) == 403);
    CHECK(http_status(ws_upgrade(node, host + "Origin: " + origin + "\r\n")) == 403);
  }
  // DNS rebinding: a foreign Host is refused for the page as for every request, and its
  // own origin does not help.
  const std::string rebound = raw_http(node.port(), "GET / HTTP/1.1\r\nHost: evil.example:" + port +
                                                        "\r\nOrigin: http://evil.example:" + port +
                                                        "\r\nConnection: close\r\n\r\n");
  CHECK(http_status(rebound) == 403);
  CHECK(rebound.find("host 'evil.example:") != std::string::npos);
  CHECK(http_status(post_status(node, "Host: evil.example:" + port + "\r\nOrigin: http://evil.example:" + port +
                                          "\r\n")) == 403);
  CHECK(metric(node, "vest_rpc_forbidden_total") == 17);
}

TEST_CASE("web: with --rpc-allow-host * a DNS-rebound page is not taken for the node's own", "[integration][web]") {
  TempDir dir;
  Vestd node(dir.path(), {"--instant", "--rpc-allow-host", "*", "--rpc-allow-host", "explorer.example"});
  const std::string port = std::to_string(node.port());
  // "*" serves any Host, so the rebound page loads; but its calls name its own origin,
  // which only a named host makes the node's.
  CHECK(http_status(raw_http(node.port(), "GET / HTTP/1.1\r\nHost: evil.example:" + port +
                                              "\r\nConnection: close\r\n\r\n")) == 200);
  const std::string rebound =
      post_status(node, "Host: evil.example:" + port + "\r\nOrigin: http://evil.example:" + port + "\r\n");
  CHECK(http_status(rebound) == 403);
  CHECK(rebound.find("origin 'http://evil.example:" + port + "' is not allowed") != std::string::npos);
  CHECK(http_status(ws_upgrade(node, "Host: evil.example:" + port + "\r\nOrigin: http://evil.example:" + port + "\r\n")) ==
        403);
  // A host named on purpose (a proxy's name) serves the page's calls.
  CHECK(http_status(post_status(node, "Host: explorer.example\r\nOrigin: https://explorer.example\r\n")) == 200);
  CHECK(http_status(post_status(node, "Host: 127.0.0.1:" + port + "\r\nOrigin: http://127.0.0.1:" + port + "\r\n")) == 200);
}

TEST_CASE("web: --no-web answers GET / as before the page, and its origin is no longer allowed", "[integration][web]") {
  TempDir dir;
  Vestd node(dir.path(), {"--instant", "--no-web"});
  const std::string port = std::to_string(node.port());
  const std::string page = get(node, "/");
  CHECK(http_status(page) == 405);
  CHECK(body_of(page) == R"({"error":"method not allowed"})");
  CHECK(header_value(page, "content-security-policy").empty());
  CHECK(http_status(get(node, "/web/app.js")) == 404);
  CHECK(http_status(get(node, "/web/chart.js")) == 404);
  CHECK(http_status(post_status(node, "Host: 127.0.0.1:" + port + "\r\nOrigin: http://127.0.0.1:" + port + "\r\n")) ==
        403);
  CHECK(http_status(post_status(node, "Host: 127.0.0.1:" + port + "\r\n")) == 200);
  CHECK(node.log().find("explorer page at") == std::string::npos);
}

namespace {

// A package name that would run script if the page inserted it as HTML.
// (At most 64 characters, the longest name a package may have.)
constexpr const char* kMarkupName = R"(<img src=x onerror="__xss=1"><script>__xss=2</script><b>&</b>)";

// The sale admin adds package 9 with the markup name, a cap of 100 units and 3 per account.
void create_markup_package(Vestd& node) {
  sale::Package p;
  p.id = 9;
  p.name = kMarkupName;
  p.price_asset = "USDV";
  p.price = 20 * kUsd;
  p.base = 200 * kVest;
  p.bonus_kind = sale::Package::BonusKind::kBps;
  p.bonus = 2000;
  p.supply_cap = 100;
  p.account_cap = 3;
  std::string error;
  const json::value schedule = json::parse(R"({"parts": [
      {"type": "tranche", "bps": 2500, "time": 604800},
      {"type": "periodic", "bps": 7500, "start": 604800, "period": 2592000, "count": 6}]})");
  REQUIRE(vesting::parse_schedule_json(schedule, p.schedule, error));
  submit_ok(node, kDevKey9, sale::kCreatePackageKind, p.encode());
}

std::string chromium_path() {
  RunResult r = run_program({"sh", "-c", "command -v chromium"});
  std::string path = r.out.substr(0, r.out.find('\n'));
  return r.exit_code == 0 ? path : std::string();
}

}  // namespace

TEST_CASE("web: the explorer page in headless Chromium shows what the RPC answers, live", "[integration][web][browser]") {
  const std::string chromium = chromium_path();
  if (chromium.empty()) skip("chromium is not installed (scripts/install-deps.sh installs it): the page's browser test is skipped");
  const fs::path npm_dir = ensure_npm_packages("npm-browser", {{"playwright-core", "1.", "playwright-core@1"}});
  const fs::path out_dir = fs::weakly_canonical(fs::path(VEST_BIN_DIR) / ".." / "test-output" / "explorer");
  fs::remove_all(out_dir);
  fs::create_directories(out_dir);

  TempDir dir;
  Vestd node(dir.path());
  // Account 0 buys Starter and Growth; account 2 buys VIP with account 0 as referrer,
  // twice package 9 and Loyalty, and stakes 20,000 VEST; the admin adds a package named
  // with markup.
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(1, 1, 1000 * kUsd));
  submit_ok(node, kDevKey0, sale::kPurchaseKind, purchase_payload(2, 1, 1000 * kUsd));
  submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(3, 1, 5000 * kUsd, std::string(kDevAddr0)));
  create_markup_package(node);
  submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(9, 2, 1000 * kUsd));
  submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(4, 1, 1000 * kUsd));
  submit_ok(node, kDevKey2, staking::kStakeKind, staking::AmountMsg{20000 * kVest}.encode());
  // 40 days on: Starter's cliff and Growth's first tranche have passed, and VIP's first
  // milestone (10,000 VEST staked 30 days) is met. Account 0 claims; account 2 claims
  // position 4 and unstakes 1,000 VEST, which starts unbonding, then buys 2 Starter: Loyalty's
  // "2 more units" part is met in that block, its "1,000 USDV more" part stays at 200.
  advance(node, 40 * kDay);
  const json::object claimed0 = submit_ok(node, kDevKey0, vesting::kClaimKind, vesting::Claim{}.encode());
  CHECK(!events_of(claimed0, "vesting.claimed").empty());
  submit_ok(node, kDevKey2, staking::kUnstakeKind, staking::AmountMsg{1000 * kVest}.encode());
  const json::object account2 = node.call("account_get", json::object{{"address", kDevAddr2}}).as_object();
  REQUIRE(account2.at("unbonding") == json::value(dec(1000 * kVest)));
  const json::object starters = submit_ok(node, kDevKey2, sale::kPurchaseKind, purchase_payload(1, 2, 1000 * kUsd));
  REQUIRE(events_of(starters, "vesting.milestone_met").size() == 1);
  REQUIRE(positions(node, kDevAddr0).size() >= 3);  // Starter, Growth, the VIP referral
  REQUIRE(positions(node, kDevAddr2).size() == 4);  // VIP, package 9, Loyalty, Starter

  const fs::path script = source_path("tests/integration/js/explorer_check.mjs");
  std::cout << "explorer screenshots: " << out_dir.string() << std::endl;
  RunResult r = run_program({"timeout", "240", "env", "VEST_NPM_DIR=" + npm_dir.string(), "VEST_CHROMIUM=" + chromium,
                             "node", script.string(), node.url(), out_dir.string(), kDevAddr0, kDevAddr2,
                             kMarkupName});
  std::cout << r.out << r.err << std::flush;
  INFO("node " << script.string() << " " << node.url() << " -> exit " << r.exit_code << "\n--- stdout\n"
               << r.out << "--- stderr\n"
               << r.err << "--- vestd log (tail)\n"
               << node.log().substr(node.log().size() > 4000 ? node.log().size() - 4000 : 0));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("all checks passed") != std::string::npos);
  CHECK(fs::exists(out_dir / "home.png"));
  CHECK(fs::exists(out_dir / "account.png"));
}
