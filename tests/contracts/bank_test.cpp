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
  CHECK(genesis_error(edited_genesis([](auto& g) {
          g["validators"].as_array()[0].as_object()["address"] = "0x1234";
        })).find("validators[0].address") != std::string::npos);
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

TEST_CASE("bank: check_supply finds balances that do not add up to the supply", "[bank]") {
  TestChain t;
  t.produce({t.transfer(0, t.addrs[1], 5 * test::kVest), t.transfer(1, t.addrs[2], 7 * test::kUsd, "USDV")});
  Overlay state(t.chain->store());
  CHECK(bank::check_supply(state) == "");
  CHECK(t.contracts.bank.check_invariants(state) == "");

  Bytes bal_key = make_key("bank/bal/", t.addrs[1].view(), as_bytes("USDV"));
  Bytes supply_key = make_key("bank/supply/", as_bytes("USDV"));
  SECTION("a balance raised without the supply") {
    state.put(bal_key, encode_uint(bank::balance(state, t.addrs[1], "USDV") + 1));
    std::string problem = bank::check_supply(state);
    CHECK(problem == "bank: the balances of USDV add up to " + to_decimal(bank::supply(state, "USDV") + 1) +
                         ", its supply is " + to_decimal(bank::supply(state, "USDV")));
    CHECK(t.contracts.bank.check_invariants(state) == problem);
  }
  SECTION("a supply lowered") {
    state.put(supply_key, encode_uint(bank::supply(state, "USDV") - 1));
    CHECK(bank::check_supply(state).find("the balances of USDV add up to") != std::string::npos);
  }
  SECTION("a balance in an asset that does not exist") {
    state.put(make_key("bank/bal/", t.addrs[1].view(), as_bytes("GOLD")), encode_uint(1));
    CHECK(bank::check_supply(state) == "bank: balance of " + to_checksum(t.addrs[1]) + " in unknown asset \"GOLD\"");
  }
  SECTION("an amount that does not decode") {
    state.put(bal_key, Bytes{0x00, 0x01});
    CHECK(bank::check_supply(state).find("is not a positive amount (0x0001)") != std::string::npos);
  }
  SECTION("a supply without an asset") {
    state.put(make_key("bank/supply/", as_bytes("GOLD")), encode_uint(1));
    CHECK(bank::check_supply(state) == "bank: supply recorded for unknown asset \"GOLD\"");
  }
}
