// Messages of the staking contract and their encodings (docs/protocol.md,
// "Messages"). Wallets build these; only contracts/staking executes them.
#pragma once

#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/status.h"

namespace vest::staking {

// Bonds `amount` native tokens: still-vesting tokens first, then liquid ones.
// payload = RLP[amount]
constexpr uint64_t kStakeKind = 30;
// Starts unbonding `amount`: liquid-backed stake first, then vesting-backed.
// payload = RLP[amount]
constexpr uint64_t kUnstakeKind = 31;
// Pays out accrued rewards, or bonds them again with restake = 1.
// payload = RLP[restake]
constexpr uint64_t kClaimRewardsKind = 32;

struct AmountMsg {
  Amount amount = 0;
  Bytes encode() const;
  static Status decode(ByteView payload, AmountMsg& out);
};

struct ClaimRewards {
  bool restake = false;
  Bytes encode() const;
  static Status decode(ByteView payload, ClaimRewards& out);
};

// Rejection codes of the staking contract (400..499).
enum class Code : uint32_t {
  kZeroAmount = 400,
  kInsufficientStakeable = 401,  // neither vesting nor liquid tokens cover the amount
  kInsufficientStake = 402,      // unstaking more than is staked
  kTooManyUnbonding = 403,       // the account has the maximum of unbonding entries
  kNoRewards = 404,
  kMalformedPayload = 405,
};

const char* reason_of(Code code);
Status reject(Code code, std::string message);

}  // namespace vest::staking
