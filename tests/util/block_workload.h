// A deterministic mix of blocks for pipeline tests: transfers, purchases,
// claims, stakes, unstakes (whose maturing gives blocks events of their own),
// reward claims and a message that fails.
#pragma once

#include <functional>
#include <vector>

#include "tests/util/chain_fixture.h"

namespace vest::test {

// Builds block `i` (0-based) of the workload from `t`'s accounts and current
// nonces. Needs at least 3 accounts.
inline std::vector<VerifiedTx> workload_block(TestChain& t, size_t i) {
  std::vector<VerifiedTx> txs;
  const size_t a = i % 3, b = (i + 1) % 3;
  txs.push_back(t.transfer(a, t.addrs[b], 1000 + i));
  if (i % 5 == 0) txs.push_back(t.sign(b, sale::kPurchaseKind, sale::Purchase{1, 1, kUsd * 1000, std::nullopt}.encode()));
  if (i % 7 == 3) txs.push_back(t.sign(a, staking::kStakeKind, staking::AmountMsg{100 * kVest}.encode()));
  if (i % 11 == 9) txs.push_back(t.sign(a, staking::kUnstakeKind, staking::AmountMsg{10 * kVest}.encode()));
  if (i % 6 == 5) txs.push_back(t.sign(b, vesting::kClaimKind, vesting::Claim{}.encode()));
  if (i % 13 == 12) txs.push_back(t.sign(a, staking::kClaimRewardsKind, staking::ClaimRewards{i % 2 == 0}.encode()));
  if (i % 17 == 8) txs.push_back(t.transfer(b, t.addrs[a], kStartUsd * 10, "USDV"));  // fails: too much
  return txs;
}

// The raw block at `height` as it travels: header, transactions, signature,
// last_commit, evidence.
inline Block stored_full_block(const ChainStore& store, uint64_t height) {
  auto sb = store.block(height);
  REQUIRE(sb);
  Block b;
  b.header = sb->header;
  b.sig = sb->sig;
  b.last_commit = sb->last_commit;
  b.evidence = sb->evidence;
  for (const Hash& h : sb->tx_hashes) {
    auto rec = store.transaction(h);
    REQUIRE(rec);
    b.txs.push_back(rec->raw);
  }
  return b;
}

// Every state entry of `store`, in key order.
inline std::vector<std::pair<Bytes, Bytes>> state_entries(const ChainStore& store) {
  std::vector<std::pair<Bytes, Bytes>> out;
  store.scan({}, {}, [&](ByteView k, ByteView v) {
    out.emplace_back(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
    return true;
  });
  return out;
}

// Signs `b`'s header with `key`, as a proposer would after changing it.
inline void reseal(Block& b, const PrivateKey& key) { b.sig = sign(key, b.header.signing_digest()); }

}  // namespace vest::test
