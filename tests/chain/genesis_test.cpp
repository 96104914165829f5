#include <catch2/catch.hpp>

#include "chain/chain.h"
#include "contracts/native.h"
#include "tests/util/test_util.h"

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
        "0x3638ac0824b06911e036c08355042ab4bb68ee6156b0fce7bbbdf4f88d28d2a2");
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
