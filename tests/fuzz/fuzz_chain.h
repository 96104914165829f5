// A small real chain behind the RPC method table, for the rpc_params target
// and its seed corpus: genesis/devnet.json in a temporary folder (removed at
// exit) with a few blocks of transfers, purchases, grants, stakes, claims and a
// failed transaction. Built once per process, always the same (fixed keys and
// block times), and never changed afterwards: transactions submitted through it
// are checked for admission in a throwaway mempool, dev_mine seals nothing and
// dev_increaseTime moves no clock, so every input sees the same chain.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "contracts/native.h"
#include "rpc/chain_methods.h"
#include "rpc/json_rpc.h"
#include "rpc/node_api.h"

namespace vest::fuzz {

class FuzzChain : public rpc::NodeApi {
 public:
  // The chain, built on first use. Aborts when it cannot be built.
  static FuzzChain& get();
  ~FuzzChain() override;

  // Development accounts 0, 1 and 2 of genesis/devnet.json.
  const std::vector<PrivateKey>& keys() const { return keys_; }
  const std::vector<Address>& accounts() const { return accounts_; }
  // Every committed transaction, in chain order.
  const std::vector<Hash>& tx_hashes() const { return tx_hashes_; }
  // A valid signed transfer from account 0 with its next nonce: admissible, never committed.
  Bytes next_transfer() const;
  // The limits the methods are registered with (tx_submit's longest wait).
  static rpc::MethodLimits method_limits();

  const ChainStore& store() const override { return chain_->store(); }
  const ChainParams& params() const override { return chain_->params(); }
  const Hash& genesis_hash() const override { return chain_->genesis_hash(); }
  rpc::NodeInfo info() const override;
  BlockEnv next_block_env() const override;
  Status submit(ByteView raw, Hash& hash) override;
  size_t pending_count(const Address&) const override { return 0; }
  std::optional<VerifiedTx> pending(const Hash&) const override { return std::nullopt; }
  void wait_for(const Hash& hash, std::chrono::milliseconds timeout,
                std::function<void(rpc::WaitResult)> done) override;
  Status dev_mine(uint32_t blocks, uint64_t& height) override;
  Status dev_increase_time(uint64_t seconds, uint64_t& offset) override;
  // Checks the evidence as the node's pool would, keeping nothing.
  Status dev_submit_evidence(ByteView raw, Hash& hash) override;

 private:
  FuzzChain() = default;
  void build();

  std::filesystem::path dir_;
  Genesis genesis_;
  NativeContracts contracts_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Chain> chain_;
  std::vector<PrivateKey> keys_;
  std::vector<Address> accounts_;
  std::vector<Hash> tx_hashes_;
};

// A dispatcher with every method vestd registers, over FuzzChain::get().
rpc::Dispatcher& fuzz_dispatcher();
// The registered method names, in name order.
const std::vector<std::string>& fuzz_method_names();

}  // namespace vest::fuzz
