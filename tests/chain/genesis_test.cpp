#include <catch2/catch.hpp>

#include "chain/chain.h"
#include "contracts/native.h"
#include "tests/util/chain_fixture.h"

using namespace vest;

// The development genesis is part of the public interface: wallets and scripts
// recognise the chain by this hash. A change to genesis/devnet.json, to any
// encoding or to the state tree changes it, and must be deliberate.
TEST_CASE("genesis/devnet.json has its pinned genesis hash", "[genesis]") {
  std::string text = test::read_file(std::filesystem::path(VEST_SOURCE_DIR) / "genesis/devnet.json");
  Genesis g;
  std::string error;
  REQUIRE(parse_genesis(text, g, error));
  CHECK(g.params.chain_id == 7357);
  Executor executor(g.params);
  NativeContracts contracts;
  contracts.register_with(executor);
  GenesisBlock block;
  REQUIRE(build_genesis(g, executor, block).ok());
  CHECK(to_hex_0x(block.block.header.hash().view()) ==
        "0x1689208c80261c14c60ba12e06668ac38779ca7c1a462f48aa9c6fd4cbe19707");
  // The genesis validator is the documented devnet key's address, alone, power 1.
  REQUIRE(g.params.validators.size() == 1);
  CHECK(to_checksum(g.params.validators.validators()[0].address) == "0x4753350410E0104A83a8FAa296672a7B41B7F895");
  CHECK(g.params.validators.total_power() == 1);
  CHECK(block.block.header.validators_hash == g.params.validators.hash());
  CHECK(block.block.header.version == kBlockVersion);
  // Development account 9 may change the validator set (and administers the sale).
  REQUIRE(g.params.validator_admin);
  CHECK(to_checksum(*g.params.validator_admin) == "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
}

TEST_CASE("genesis: validator_admin and the evidence parameters are read, errors name the field", "[genesis]") {
  auto parse = [](const std::function<void(boost::json::object&)>& edit, Genesis& g, std::string& error) {
    auto doc = boost::json::parse(test::test_genesis_json({address_of(test::test_key("x"))},
                                                          address_of(test::test_key("validator"))))
                   .as_object();
    edit(doc);
    return parse_genesis(boost::json::serialize(doc), g, error);
  };
  auto error_of = [&](const std::function<void(boost::json::object&)>& edit) {
    Genesis g;
    std::string error;
    CHECK_FALSE(parse(edit, g, error));
    return error;
  };
  Genesis g;
  std::string error;
  // Absent: no admin and the defaults.
  REQUIRE(parse([](auto&) {}, g, error));
  CHECK_FALSE(g.params.validator_admin);
  CHECK(g.params.evidence_max_age_blocks == 100000);
  CHECK(g.params.max_block_evidence == 32);
  const Address admin = address_of(test::test_key("admin"));
  REQUIRE(parse([&](auto& doc) {
    doc["validator_admin"] = to_checksum(admin);
    doc["params"].as_object()["evidence_max_age_blocks"] = 7;
    doc["params"].as_object()["max_block_evidence"] = 256;
  }, g, error));
  CHECK(g.params.validator_admin == admin);
  CHECK(g.params.evidence_max_age_blocks == 7);
  CHECK(g.params.max_block_evidence == 256);
  // They reach the state: read_params gives them back.
  Executor executor(g.params);
  NativeContracts contracts;
  contracts.register_with(executor);
  GenesisBlock block;
  REQUIRE(build_genesis(g, executor, block).ok());
  auto stored = read_params(*block.state);
  REQUIRE(stored);
  CHECK(*stored == g.params);

  CHECK(error_of([](auto& doc) { doc["validator_admin"] = "0x12"; }).starts_with("genesis: validator_admin: "));
  CHECK(error_of([](auto& doc) { doc["validator_admin"] = to_checksum(Address{}); }) ==
        "genesis: validator_admin: must not be the zero address (leave it out for a set that never changes)");
  CHECK(error_of([](auto& doc) { doc["params"].as_object()["evidence_max_age_blocks"] = 0; }) ==
        "genesis: params.evidence_max_age_blocks: must be between 1 and 10000000");
  CHECK(error_of([](auto& doc) { doc["params"].as_object()["evidence_max_age_blocks"] = 10000001; }) ==
        "genesis: params.evidence_max_age_blocks: must be between 1 and 10000000");
  CHECK(error_of([](auto& doc) { doc["params"].as_object()["max_block_evidence"] = 0; }) ==
        "genesis: params.max_block_evidence: must be between 1 and 256");
  CHECK(error_of([](auto& doc) { doc["params"].as_object()["max_block_evidence"] = 257; }) ==
        "genesis: params.max_block_evidence: must be between 1 and 256");
  CHECK(error_of([](auto& doc) { doc["params"].as_object()["max_block_evidence"] = "many"; })
            .starts_with("genesis: params.max_block_evidence: "));
  // A set of more than 100 validators is refused.
  CHECK(error_of([](auto& doc) {
          boost::json::array list;
          for (int i = 0; i < 101; ++i)
            list.push_back(boost::json::object{
                {"address", to_checksum(address_of(test::test_key("v" + std::to_string(i))))}, {"power", 1}});
          doc["validators"] = list;
        }) == "genesis: validators: must list at most 100 validators, not 101");
}
