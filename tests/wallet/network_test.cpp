// Network pins: differences, genesis files, networks.json (wallet/network.h).
#include "wallet/network.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::wallet;

namespace {

NetworkPin devnet() {
  NetworkPin p;
  p.chain_id = 7357;
  p.chain_name = "vestchain-devnet";
  p.genesis_hash = "0x01";
  p.native = "VEST";
  p.min_fee = 1000000000000000;
  p.decimals = {{"VEST", 18}, {"USDV", 6}};
  p.source = "node http://127.0.0.1:8645";
  return p;
}

}  // namespace

TEST_CASE("network: differences name what changed", "[wallet]") {
  NetworkPin pinned = devnet(), seen = devnet();
  CHECK(pin_differences(pinned, seen).empty());
  seen.decimals["VEST"] = 21;
  seen.min_fee = u128(5000) * 1000000000000000000ULL;
  seen.decimals["NEW"] = 2;  // a new asset is not a change
  auto d = pin_differences(pinned, seen);
  REQUIRE(d.size() == 2);
  CHECK(d[0] == "minimum fee 0.001 VEST -> 5000 VEST");
  CHECK(d[1] == "asset VEST decimals 18 -> 21");
  seen = devnet();
  seen.genesis_hash = "0x02";
  seen.chain_name = "other";
  CHECK(pin_differences(pinned, seen).size() == 2);
  seen.genesis_hash = "";  // unknown: not compared
  CHECK(pin_differences(pinned, seen).size() == 1);

  NetworkPin grown = devnet();
  NetworkPin more = devnet();
  more.decimals["NEW"] = 2;
  CHECK(merge_new_assets(grown, more));
  CHECK(grown.decimals.at("NEW") == 2);
  CHECK_FALSE(merge_new_assets(grown, more));
}

TEST_CASE("network: a pin from the development genesis file", "[wallet]") {
  std::string text = test::read_file(std::string(VEST_SOURCE_DIR) + "/genesis/devnet.json");
  NetworkPin p;
  std::string error;
  REQUIRE(pin_from_genesis(text, p, error));
  CHECK(p.chain_id == 7357);
  CHECK(p.chain_name == "vestchain-devnet");
  CHECK(p.native == "VEST");
  CHECK(p.min_fee == 1000000000000000);
  CHECK(p.decimals == std::map<std::string, unsigned>{{"USDV", 6}, {"VEST", 18}});
  CHECK(p.genesis_hash.empty());
  CHECK_FALSE(pin_from_genesis("{}", p, error));
  CHECK_FALSE(error.empty());
}

TEST_CASE("network: networks.json round trip, a damaged file is refused", "[wallet]") {
  test::TempDir dir;
  NetworkStore store(dir.path() / "keystore");
  std::map<uint64_t, NetworkPin> pins;
  std::string error;
  REQUIRE(store.load(pins, error));  // absent: empty
  CHECK(pins.empty());
  pins[7357] = devnet();
  REQUIRE(store.save(pins, error));
  CHECK((std::filesystem::status(store.file()).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  std::map<uint64_t, NetworkPin> back;
  REQUIRE(store.load(back, error));
  CHECK(back == pins);

  std::ofstream(store.file()) << R"({"networks": {"7357": {"chainId": 7357}}})";
  CHECK_FALSE(store.load(back, error));
  CHECK(error.find("malformed") != std::string::npos);
  std::ofstream(store.file()) << "not json";
  CHECK_FALSE(store.load(back, error));
}
