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
        "0x1c20eb21fbb9a43a79799a7e3962618cd32195545637789e16eb55517c081787");
  // The genesis validator is the documented devnet key's address.
  CHECK(to_checksum(g.params.validator) == "0x4753350410E0104A83a8FAa296672a7B41B7F895");
}
