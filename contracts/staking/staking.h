// Staking: bonding native tokens (liquid ones and still-vesting ones), an
// unbonding period, rewards from a pool at a rate per second of block time
// shared pro rata to stake, and the stake milestones of vesting schedules.
//
// Rules (docs/staking.md):
// - stake X bonds min(X, unvested - already bonded unvested) of the account's
//   still-vesting tokens first (they stay in the vesting escrow, marked
//   bonded), and the rest from its liquid balance (moved to the bonded pool).
// - unstake X takes liquid-backed stake first, then vesting-backed; it unbonds
//   for `unbonding_period` seconds and returns at the first block at or past
//   maturity: liquid-backed tokens to the balance, vesting-backed ones simply
//   stop being bonded.
// - a vesting claim turns bonded vesting tokens that are claimed into
//   liquid-backed stake (the claimed tokens go to the bonded pool); a revoke
//   removes stake whose vesting tokens went back to the funder.
// - rewards: reward_rate base units per second while anything is staked,
//   never more than the pool holds beyond what it already owes; nothing is
//   emitted while nobody stakes (the pool keeps it).
//
// State layout (docs/protocol.md, "State"):
//   staking/params                    RLP[unbonding_period, max_unbonding, reward_rate, fee_pool_bps]
//   staking/global                    RLP[total, reward_per_token, last_time, owed]
//   staking/acct/<address>            RLP[free, vesting, unbonding_free, unbonding_vesting,
//                                         rpt_paid, rewards, entries, [[level, since], ...]]
//   staking/unbond/<address><maturity u64><seq u64>   RLP[free, vesting]
//   staking/queue/<maturity u64><address><seq u64>    (empty): matures at that time
//   staking/seq                       next unbonding sequence number
//   staking/board/<~total u128><address>              (empty): largest stakes first
#pragma once

#include <optional>
#include <vector>

#include "chain/contract.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/vesting.h"

namespace vest::staking {

constexpr Amount kRptScale = 1000000000000000000;  // reward_per_token is scaled by 10^18

struct Params {
  uint64_t unbonding_period = 21 * 86400;
  uint64_t max_unbonding = 7;
  Amount reward_rate = 0;     // native base units per second
  uint32_t fee_pool_bps = 0;  // share of each fee that goes to the reward pool
};

struct Global {
  Amount total = 0;             // everything bonded
  Amount reward_per_token = 0;  // accumulated, scaled by kRptScale
  uint64_t last_time = 0;       // block time rewards were accrued to
  Amount owed = 0;              // rewards accrued to stakers, not yet paid
};

// A stretch of continuous stake: amounts up to `level` have been bonded
// without interruption since `since`.
struct StakeStep {
  Amount level = 0;
  uint64_t since = 0;
};

struct Account {
  Amount free = 0;     // bonded, backed by tokens in the bonded pool
  Amount vesting = 0;  // bonded, backed by still-vesting tokens in the escrow
  Amount unbonding_free = 0;
  Amount unbonding_vesting = 0;
  Amount rpt_paid = 0;  // reward_per_token when rewards were last settled
  Amount rewards = 0;   // settled, unpaid
  uint64_t entries = 0;  // unbonding entries
  std::vector<StakeStep> history;  // ascending levels and times, the top one the current stake; at most 64

  Amount staked() const { return free + vesting; }
};

struct Unbonding {
  uint64_t maturity = 0;
  uint64_t seq = 0;
  Amount free = 0;
  Amount vesting = 0;
};

// The account that holds liquid-backed stake and unbonding tokens:
// keccak256("vestchain/module/staking")[12:].
Address bonded_pool_address();
// The account that pays rewards: keccak256("vestchain/module/rewards")[12:].
Address reward_pool_address();

std::optional<Params> params(const StateReader& state);
Global global(const StateReader& state);
Account account(const StateReader& state, const Address& a);
std::vector<Unbonding> unbondings(const StateReader& state, const Address& a);
// Rewards accrued by `a` as of block time `t` (settled plus pending).
Amount pending_rewards(const StateReader& state, const Address& a, uint64_t t);
// Global state with rewards accrued to `t` (what the next block would see).
Global accrued_global(const StateReader& state, uint64_t t);
// Since when at least `level` has been bonded without interruption.
std::optional<uint64_t> staked_since(const Account& acct, Amount level);
// The milestone met-times of a position at `t`: the recorded ones, plus those
// the account's current stake history meets by `t`.
std::vector<std::optional<uint64_t>> milestones_at(const StateReader& state, const vesting::Position& p, uint64_t t);
// ---- read models: what a position, an account's holdings and a milestone
// are at a time, with the milestones the stake meets counted whether or not a
// claim has recorded them yet. The RPC serialises these; it computes nothing.

struct MilestoneProgress {
  size_t part = 0;  // index into the schedule's parts
  Amount amount = 0;
  Amount min_stake = 0;
  uint64_t duration = 0;
  std::optional<uint64_t> met_at;
  uint64_t staked_seconds = 0;     // towards `duration`, capped at it
  uint64_t remaining_seconds = 0;  // 0 once met
};

struct PositionStatus {
  vesting::Position position;  // milestones_met as of `t`, stake and count parts
  Amount vested = 0;
  Amount claimable = 0;
  Amount locked = 0;
  std::vector<vesting::Unlock> next_unlocks;  // none once revoked or declined
  std::vector<MilestoneProgress> milestones;       // stake parts
  std::vector<vesting::CountProgress> counts;      // purchases, referrals and usage parts
};

// Position `p` at block time `t`, with at most `unlocks` next unlocks.
PositionStatus position_status(const StateReader& state, const vesting::Position& p, uint64_t t, size_t unlocks);
std::vector<MilestoneProgress> milestone_progress(const StateReader& state, const vesting::Position& p, uint64_t t);
// vesting::holdings() with the milestones `owner`'s stake meets at `t`.
std::map<std::string, vesting::Holdings> holdings(const StateReader& state, const Address& owner, uint64_t t);
// A step of one of an account's positions reached in a stretch of block time:
// from `time` on, `amount` more of the position is vested (and claimable) than
// at the previous step or the stretch's start.
struct UnlockReached {
  uint64_t position_id = 0;
  std::string asset;
  uint64_t time = 0;
  Amount amount = 0;
  std::vector<vesting::PartStep> parts;  // the schedule parts with a step at `time`
  Amount claimable = 0;                  // the position's claimable at the stretch's end
};
// The steps of `owner`'s accepted positions (revoked and declined ones
// excepted) with times in (after, upto], in position id and time order, at most
// `limit`: what became claimable at the first block at or after each step, for
// a block of time `upto` whose parent's time is `after`. A position accepted in
// that stretch (bought, granted or accepted then) reports every step up to
// `upto`, since none was claimable before. Stake milestones count with the
// met-times the stake gives them (milestones_at), so a milestone's step is at
// the time it was met. `state` is the state after that block.
std::vector<UnlockReached> unlocks_reached(const StateReader& state, const Address& owner, uint64_t after,
                                           uint64_t upto, size_t limit);
// Unbonding of `a` that has matured by `t` but that no block has returned yet
// (the next block at or after `t` returns it): liquid-backed tokens only.
Amount matured_unbonding(const StateReader& state, const Address& a, uint64_t t);

// Largest stakers, ties by address ascending; starts after `after` (exclusive).
std::vector<std::pair<Address, Amount>> leaderboard(const StateReader& state, std::optional<Address> after_addr,
                                                    std::optional<Amount> after_amount, size_t limit);

// Records milestones of `a`'s accepted positions that its stake has met by
// now (vesting::record_milestones); returns the min_stake levels of those
// still unmet, ascending, which the stake history keeps (docs/staking.md).
std::vector<Amount> settle_milestones(Context& ctx, const Address& a);
// After `a`'s escrowed native tokens shrank (a claim paid `claimed` to its
// balance, or a revoke took tokens back): keeps bonded vesting tokens within
// what the escrow still holds for `a`.
Status after_escrow_change(Context& ctx, const Address& a, bool revoked);

class Staking : public Contract, public FeeHandler {
 public:
  explicit Staking(FeeHandler& bank) : bank_(bank) {}
  std::string_view name() const override { return "staking"; }
  std::vector<uint64_t> kinds() const override { return {kStakeKind, kUnstakeKind, kClaimRewardsKind}; }
  Status init_genesis(State& state, const boost::json::object& genesis) override;
  Status check(uint64_t kind, ByteView payload) const override;
  Status apply(Context& ctx, uint64_t kind, ByteView payload) override;
  // Matures unbonding entries due by the block's time.
  void begin_block(Context& ctx) override;

  // Fees: fee_pool_bps of each fee to the reward pool, the rest to the proposer.
  Status charge_fee(State& state, const BlockEnv& block, const Address& payer, Amount fee,
                    std::vector<Event>& events) override;
  Amount fee_balance(const StateReader& state, const Address& payer) const override;

  // The stake clock the vesting contract follows: milestones_at() and
  // after_escrow_change() above. Stateless.
  static const vesting::StakeClock& clock();

 private:
  class Clock : public vesting::StakeClock {
   public:
    std::vector<std::optional<uint64_t>> milestones_at(const StateReader& state, const vesting::Position& p,
                                                       uint64_t t) const override;
    Status after_escrow_change(Context& ctx, const Address& a, bool revoked) const override;
  };

  FeeHandler& bank_;
};

}  // namespace vest::staking
