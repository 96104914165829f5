#include <catch2/catch.hpp>

#include "tests/util/chain_fixture.h"

using namespace vest;
using vest::test::TestChain;

namespace {

// Builds genesis from `text` and returns the error (empty when accepted).
std::string genesis_error(const std::string& text) {
  Genesis g;
  std::string error;
  if (!parse_genesis(text, g, error)) return error;
  Executor ex(g.params);
  NativeContracts contracts;
  contracts.register_with(ex);
  GenesisBlock out;
  Status s = build_genesis(g, ex, out);
  return s.ok() ? "" : s.message;
}

std::string edited_genesis(const std::function<void(boost::json::object&)>& edit) {
  auto doc = boost::json::parse(test::test_genesis_json({address_of(test::test_key("a"))},
                                                        address_of(test::test_key("validator"))));
  edit(doc.as_object());
  return boost::json::serialize(doc);
}

}  // namespace

TEST_CASE("genesis: every bad field is refused by name", "[bank][genesis]") {
  CHECK(genesis_error(edited_genesis([](auto&) {})) == "");
  CHECK(genesis_error("{") .find("not valid JSON") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g.erase("chain_id"); })).find("chain_id: missing") !=
        std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["chain_id"] = "7"; })).find("chain_id") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["params"].as_object()["min_fee"] = 5; }))
            .find("params.min_fee") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["params"].as_object()["colour"] = 5; }))
            .find("params.colour: unknown field") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["validator"] = "0x1234"; })).find("validator") !=
        std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["params"].as_object()["block_time_ms"] = 0; }))
            .find("params.block_time_ms") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["bank"].as_object()["native"] = "NOPE"; }))
            .find("bank.native") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) {
          g["bank"].as_object()["assets"].as_array()[1].as_object()["symbol"] = "usd";
        })).find("bank.assets[1].symbol") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) {
          g["bank"].as_object()["assets"].as_array()[1].as_object()["symbol"] = "VEST";
        })).find("duplicate") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) {
          g["bank"].as_object()["balances"].as_array()[0].as_object()["amounts"].as_object()["GOLD"] = "1";
        })).find("bank.balances[0].amounts.GOLD: unknown asset") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) {
          g["bank"].as_object()["balances"].as_array()[0].as_object()["amounts"].as_object()["VEST"] = "-1";
        })).find("bank.balances[0].amounts.VEST") != std::string::npos);
  // A tier bonus that would wrap to a small number in 32 bits is still too large.
  CHECK(genesis_error(edited_genesis([](auto& g) {
          g["sale"].as_object()["tiers"].as_array()[1].as_object()["bonus_bps"] = 4294967496ull;
        })).find("sale.tiers[1].bonus_bps: at most 10000") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["sale"].as_object().erase("packages"); }))
            .find("sale.packages: missing") != std::string::npos);
  CHECK(genesis_error(edited_genesis([](auto& g) { g["surprise"] = 1; })).find("surprise: unknown genesis section") !=
        std::string::npos);
}

TEST_CASE("genesis: supply overflow is refused", "[bank][genesis]") {
  auto text = edited_genesis([](auto& g) {
    auto& balances = g["bank"].as_object()["balances"].as_array();
    boost::json::object second = balances[0].as_object();
    second["address"] = to_checksum(address_of(test::test_key("b")));
    second["amounts"].as_object()["VEST"] = to_decimal(kU128Max);
    balances.push_back(second);
  });
  CHECK(genesis_error(text).find("overflows") != std::string::npos);
}

TEST_CASE("bank: transfer rules", "[bank]") {
  TestChain t;
  bank::Bank& b = t.contracts.bank;

  SECTION("zero amount is refused before execution") {
    bank::Transfer tr{t.addrs[1], "VEST", 0};
    Status s = b.check(bank::kTransferKind, tr.encode());
    CHECK(s.code == static_cast<uint32_t>(bank::Code::kZeroAmount));
  }
  SECTION("malformed payload") {
    Status s = b.check(bank::kTransferKind, Bytes{0xc0});
    CHECK(s.code == static_cast<uint32_t>(bank::Code::kMalformedPayload));
  }
  SECTION("unknown asset fails in the block and moves nothing") {
    auto out = t.produce({t.transfer(0, t.addrs[1], 1, "GOLD")});
    REQUIRE(out.included.size() == 1);
    CHECK(out.receipts[0].reason == "unknown_asset");
    CHECK(t.balance(1) == test::kStartVest);
  }
  SECTION("transfer to self keeps the balance, less the fee") {
    auto out = t.produce({t.transfer(0, t.addrs[0], 1000)});
    CHECK(out.receipts[0].ok());
    CHECK(t.balance(0) == test::kStartVest - test::kMinFee);
  }
  SECTION("fees can take the whole native balance but no more") {
    // Spend all but exactly one fee, then one more transfer can pay only its fee.
    Amount all = test::kStartVest - 2 * test::kMinFee;
    auto out = t.produce({t.transfer(0, t.addrs[1], all)});
    CHECK(out.receipts[0].ok());
    CHECK(t.balance(0) == test::kMinFee);
    auto second = t.transfer(0, t.addrs[1], 1);
    auto out2 = t.produce({second});
    REQUIRE(out2.included.size() == 1);
    CHECK(out2.receipts[0].reason == "insufficient_funds");
    CHECK(t.balance(0) == 0);
    auto third = t.transfer(0, t.addrs[1], 1);
    auto out3 = t.produce({third});
    CHECK(out3.included.empty());
    REQUIRE(out3.dropped.size() == 1);
    CHECK(out3.dropped[0].second.reason == "insufficient_fee");
  }
}
