// Genesis files: parse_genesis on any text, then, for a document it accepts,
// the contracts' own genesis sections through build_genesis (no store).
// Checks that an accepted genesis obeys the bounds parse_genesis promises and
// that a refused one says why.
#include "chain/chain.h"
#include "chain/genesis.h"
#include "contracts/native.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vest;
  Genesis genesis;
  std::string error;
  if (!parse_genesis(vest::fuzz::input_text(data, size), genesis, error)) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  const ChainParams& p = genesis.params;
  FUZZ_CHECK(p.chain_id > 0);
  FUZZ_CHECK(!p.chain_name.empty() && p.chain_name.size() <= 64);
  FUZZ_CHECK(!p.validators.empty() && p.validators.total_power() > 0);
  for (const Validator& v : p.validators.validators()) FUZZ_CHECK(!v.address.is_zero() && v.power > 0);
  FUZZ_CHECK(p.block_time_ms >= 1 && p.block_time_ms <= 3600 * 1000);
  FUZZ_CHECK(p.max_tx_bytes >= 256 && p.max_tx_bytes <= (1u << 20));
  FUZZ_CHECK(p.max_block_bytes >= p.max_tx_bytes && p.max_block_bytes <= vest::kMaxBlockBytesLimit);
  FUZZ_CHECK(p.max_block_txs >= 1 && p.max_block_txs <= 100000);

  Executor executor(genesis.params);
  NativeContracts contracts;
  contracts.register_with(executor);
  GenesisBlock block;
  Status s = build_genesis(genesis, executor, block);
  if (s.ok()) {
    FUZZ_CHECK(block.block.header.chain_id == p.chain_id && block.block.header.height == 0);
    FUZZ_CHECK(read_params(*block.state) == p);
  } else {
    FUZZ_CHECK(!s.message.empty());
  }
  return 0;
}
