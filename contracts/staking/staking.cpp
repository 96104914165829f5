#include "contracts/staking/staking.h"

#include <algorithm>
#include <cassert>
#include <map>

#include "chain/json_fields.h"
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "contracts/bank/bank.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/modules.h"

namespace vest::staking {

namespace {

constexpr std::string_view kParamsKey = "staking/params";
constexpr std::string_view kGlobalKey = "staking/global";
constexpr std::string_view kAccountPrefix = "staking/acct/";
constexpr std::string_view kUnbondPrefix = "staking/unbond/";
constexpr std::string_view kQueuePrefix = "staking/queue/";
constexpr std::string_view kSeqKey = "staking/seq";
constexpr std::string_view kBoardPrefix = "staking/board/";
constexpr size_t kMaxSteps = 64;
constexpr size_t kMaturedPerBlock = 1000;

Bytes account_key(const Address& a) { return make_key(kAccountPrefix, a.view()); }

Bytes unbond_key(const Address& a, uint64_t maturity, uint64_t seq) {
  Bytes k = make_key(kUnbondPrefix, a.view());
  put_u64_be(k, maturity);
  put_u64_be(k, seq);
  return k;
}

Bytes queue_key(uint64_t maturity, const Address& a, uint64_t seq) {
  Bytes k(kQueuePrefix.begin(), kQueuePrefix.end());
  put_u64_be(k, maturity);
  append(k, a.view());
  put_u64_be(k, seq);
  return k;
}

Bytes board_key(Amount total, const Address& a) {
  Bytes k(kBoardPrefix.begin(), kBoardPrefix.end());
  Amount inverted = ~total;  // larger stakes sort first
  for (int i = 15; i >= 0; --i) k.push_back(static_cast<uint8_t>(inverted >> (8 * i)));
  append(k, a.view());
  return k;
}

Bytes encode_global(const Global& g) {
  rlp::Encoder e;
  e.begin_list().uint(g.total).uint(g.reward_per_token).uint(g.last_time).uint(g.owed).end_list();
  return e.finish();
}

Bytes encode_account(const Account& a) {
  rlp::Encoder e;
  e.begin_list().uint(a.free).uint(a.vesting).uint(a.unbonding_free).uint(a.unbonding_vesting).uint(a.rpt_paid);
  e.uint(a.rewards).uint(a.entries).begin_list();
  for (const StakeStep& s : a.history) e.begin_list().uint(s.level).uint(s.since).end_list();
  e.end_list().end_list();
  return e.finish();
}

Bytes encode_unbond(Amount free, Amount vesting) {
  rlp::Encoder e;
  e.begin_list().uint(free).uint(vesting).end_list();
  return e.finish();
}

bool decode_unbond(ByteView v, Amount& free, Amount& vesting) {
  rlp::ListReader r(v);
  free = r.u128v();
  vesting = r.u128v();
  return r.done();
}

void put_global(State& state, const Global& g) { state.put(as_bytes(kGlobalKey), encode_global(g)); }

void put_account(State& state, const Address& a, const Account& before, const Account& after) {
  if (before.staked() != after.staked()) {
    if (before.staked() > 0) state.erase(board_key(before.staked(), a));
    if (after.staked() > 0) state.put(board_key(after.staked(), a), {});
  }
  bool empty = after.staked() == 0 && after.unbonding_free == 0 && after.unbonding_vesting == 0 &&
               after.rewards == 0 && after.entries == 0;
  if (empty) {
    state.erase(account_key(a));
  } else {
    state.put(account_key(a), encode_account(after));
  }
}

std::string native(const StateReader& state) { return bank::native_symbol(state); }

// Native tokens of `a` in positions that may back its stake.
vesting::Backing escrowed(const StateReader& state, const Address& a, uint64_t t) {
  return vesting::stake_backing(state, a, native(state), t);
}

// Accrues rewards up to `t` into `g`. Nothing is emitted while nothing is
// staked, and never more than the pool holds beyond what it owes.
void accrue(const StateReader& state, const Params& p, Global& g, uint64_t t) {
  if (t <= g.last_time) return;
  if (g.total > 0 && p.reward_rate > 0) {
    Amount emission = checked_mul(p.reward_rate, t - g.last_time).value_or(kU128Max);
    Amount pool = bank::balance(state, reward_pool_address(), native(state));
    Amount available = pool > g.owed ? pool - g.owed : 0;
    emission = std::min(emission, available);
    auto delta = mul_div(emission, kRptScale, g.total);
    if (delta) {
      Amount credited = mul_div(*delta, g.total, kRptScale).value_or(0);
      g.reward_per_token = checked_add(g.reward_per_token, *delta).value_or(g.reward_per_token);
      g.owed += credited;
    }
  }
  g.last_time = t;
}

// Moves what `acct` earned since it last settled into its rewards.
void settle(Account& acct, const Global& g) {
  Amount earned = mul_div(acct.staked(), g.reward_per_token - acct.rpt_paid, kRptScale).value_or(0);
  acct.rewards = checked_add(acct.rewards, earned).value_or(kU128Max);
  acct.rpt_paid = g.reward_per_token;
}

// Keeps the steps that answer staked_since() for `levels` (the min_stake of
// every unmet milestone of the account's positions) and the top step (the
// current stake). Any other step is merged into the one above it, which
// changes staked_since() only for levels no existing position asks about; a
// position accepted later counts from its acceptance, after every step. Past
// kMaxSteps the highest needed steps below the top are merged as well: their
// milestones then count from a later time, never an earlier one.
void history_prune(Account& acct, const std::vector<Amount>& levels) {
  std::vector<StakeStep>& h = acct.history;
  if (h.empty()) return;
  std::vector<bool> keep(h.size(), false);
  keep.back() = true;
  for (Amount level : levels) {
    for (size_t i = 0; i < h.size(); ++i) {
      if (h[i].level >= level) {
        keep[i] = true;
        break;
      }
    }
  }
  std::vector<StakeStep> kept;
  for (size_t i = 0; i < h.size(); ++i)
    if (keep[i]) kept.push_back(h[i]);
  while (kept.size() > kMaxSteps) kept.erase(kept.end() - 2);
  h = std::move(kept);
}

// The stake grew to acct.staked() at time t; `levels` as for history_prune.
void history_grow(Account& acct, uint64_t t, const std::vector<Amount>& levels) {
  Amount level = acct.staked();
  if (!acct.history.empty() && acct.history.back().since == t) {
    acct.history.back().level = level;
  } else if (acct.history.empty() || acct.history.back().level < level) {
    acct.history.push_back(StakeStep{level, t});
  }
  history_prune(acct, levels);
}

// The stake shrank to acct.staked().
void history_shrink(Account& acct) {
  Amount level = acct.staked();
  if (level == 0) {
    acct.history.clear();
    return;
  }
  for (size_t i = 0; i < acct.history.size(); ++i) {
    if (acct.history[i].level >= level) {
      acct.history[i].level = level;
      acct.history.resize(i + 1);
      return;
    }
  }
}

// Stake badges follow the stake history as stake milestones do: tells
// loyalty after each change of `a`'s history.
void history_changed(Context& ctx, const Address& a, const Account& acct) {
  loyalty::stake_changed(ctx, a, [&acct](Amount level) { return staked_since(acct, level); });
}

uint64_t next_seq(State& state) {
  auto v = state.get(as_bytes(kSeqKey));
  uint64_t seq = v ? static_cast<uint64_t>(decode_uint(*v).value_or(0)) : 0;
  state.put(as_bytes(kSeqKey), encode_uint(seq + 1));
  return seq;
}

Event account_event(const char* type, const Address& a, std::vector<std::pair<std::string, std::string>> fields) {
  Event e{type, {a}, {{"account", to_checksum(a)}}};
  for (auto& f : fields) e.fields.push_back(std::move(f));
  return e;
}

Status stake_amount(Context& ctx, const Params& p, Amount amount, bool from_liquid_only) {
  // Milestones met so far are recorded before the history changes.
  std::vector<Amount> levels = settle_milestones(ctx, ctx.sender);
  // The history keeps the levels of the stake badges not yet held, too.
  for (Amount level : loyalty::stake_levels(ctx.state, ctx.sender)) levels.push_back(level);
  Global g = global(ctx.state);
  accrue(ctx.state, p, g, ctx.block.time);
  Account before = account(ctx.state, ctx.sender);
  Account acct = before;
  settle(acct, g);
  Amount from_vesting = 0;
  if (!from_liquid_only) {
    Amount unvested = escrowed(ctx.state, ctx.sender, ctx.block.time).unvested;
    Amount bonded = acct.vesting + acct.unbonding_vesting;
    from_vesting = std::min(amount, unvested > bonded ? unvested - bonded : Amount(0));
  }
  Amount from_liquid = amount - from_vesting;
  Amount liquid = bank::balance(ctx.state, ctx.sender, native(ctx.state));
  if (from_liquid > liquid) {
    auto text = [&](Amount a) { return bank::amount_text(ctx.state, native(ctx.state), a); };
    return reject(Code::kInsufficientStakeable, "staking " + text(amount) + " needs " + text(from_liquid) +
                                                    " liquid after " + text(from_vesting) +
                                                    " still-vesting; the account holds " + text(liquid));
  }
  if (from_liquid > 0) {
    if (Status s = bank::transfer(ctx, ctx.sender, bonded_pool_address(), native(ctx.state), from_liquid,
                                  "stake_bond");
        !s.ok())
      return s;
  }
  auto total = checked_add(g.total, amount);
  if (!total) return reject(Code::kInsufficientStakeable, "total stake would overflow");
  g.total = *total;
  acct.free += from_liquid;
  acct.vesting += from_vesting;
  history_grow(acct, ctx.block.time, levels);
  put_global(ctx.state, g);
  put_account(ctx.state, ctx.sender, before, acct);
  ctx.emit(account_event("staking.staked", ctx.sender,
                         {{"amount", to_decimal(amount)},
                          {"fromVesting", to_decimal(from_vesting)},
                          {"fromLiquid", to_decimal(from_liquid)},
                          {"staked", to_decimal(acct.staked())}}));
  history_changed(ctx, ctx.sender, acct);
  return Status::success();
}

Status unstake(Context& ctx, const Params& p, Amount amount) {
  settle_milestones(ctx, ctx.sender);
  Global g = global(ctx.state);
  accrue(ctx.state, p, g, ctx.block.time);
  Account before = account(ctx.state, ctx.sender);
  Account acct = before;
  settle(acct, g);
  if (amount > acct.staked())
    return reject(Code::kInsufficientStake,
                  "unstaking " + bank::amount_text(ctx.state, native(ctx.state), amount) + " but " +
                      bank::amount_text(ctx.state, native(ctx.state), acct.staked()) + " is staked");
  if (acct.entries >= p.max_unbonding)
    return reject(Code::kTooManyUnbonding, "the account already has " + std::to_string(acct.entries) +
                                               " unbonding entries, the most allowed");
  Amount from_free = std::min(amount, acct.free);
  Amount from_vesting = amount - from_free;
  acct.free -= from_free;
  acct.vesting -= from_vesting;
  acct.unbonding_free += from_free;
  acct.unbonding_vesting += from_vesting;
  acct.entries++;
  g.total -= amount;
  history_shrink(acct);
  uint64_t maturity = ctx.block.time + p.unbonding_period;
  uint64_t seq = next_seq(ctx.state);
  ctx.state.put(unbond_key(ctx.sender, maturity, seq), encode_unbond(from_free, from_vesting));
  ctx.state.put(queue_key(maturity, ctx.sender, seq), {});
  put_global(ctx.state, g);
  put_account(ctx.state, ctx.sender, before, acct);
  ctx.emit(account_event("staking.unstaked", ctx.sender,
                         {{"amount", to_decimal(amount)},
                          {"maturity", std::to_string(maturity)},
                          {"staked", to_decimal(acct.staked())}}));
  history_changed(ctx, ctx.sender, acct);
  return Status::success();
}

Status claim_rewards(Context& ctx, const Params& p, bool restake) {
  Global g = global(ctx.state);
  accrue(ctx.state, p, g, ctx.block.time);
  Account before = account(ctx.state, ctx.sender);
  Account acct = before;
  settle(acct, g);
  Amount pool = bank::balance(ctx.state, reward_pool_address(), native(ctx.state));
  Amount pay = std::min(acct.rewards, pool);
  if (pay == 0) return reject(Code::kNoRewards, "no rewards have accrued");
  if (Status s = bank::transfer(ctx, reward_pool_address(), ctx.sender, native(ctx.state), pay, "reward_payment");
      !s.ok())
    return s;
  acct.rewards -= pay;
  g.owed -= std::min(g.owed, pay);
  put_global(ctx.state, g);
  put_account(ctx.state, ctx.sender, before, acct);
  ctx.emit(account_event("staking.rewards_claimed", ctx.sender,
                         {{"amount", to_decimal(pay)}, {"restaked", restake ? "true" : "false"}}));
  if (restake) return stake_amount(ctx, p, pay, true);
  return Status::success();
}

}  // namespace

// ---- messages ----

const char* reason_of(Code code) {
  switch (code) {
    case Code::kZeroAmount: return "zero_amount";
    case Code::kInsufficientStakeable: return "insufficient_stakeable";
    case Code::kInsufficientStake: return "insufficient_stake";
    case Code::kTooManyUnbonding: return "too_many_unbonding";
    case Code::kNoRewards: return "no_rewards";
    case Code::kMalformedPayload: return "malformed_payload";
  }
  return "unknown";
}

Status reject(Code code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

Bytes AmountMsg::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(amount).end_list();
  return e.finish();
}

Status AmountMsg::decode(ByteView payload, AmountMsg& out) {
  rlp::ListReader r(payload);
  AmountMsg m;
  m.amount = r.u128v();
  if (!r.done()) return reject(Code::kMalformedPayload, std::string("staking payload: ") + rlp::to_string(r.error()));
  out = m;
  return Status::success();
}

Bytes ClaimRewards::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(restake ? 1 : 0).end_list();
  return e.finish();
}

Status ClaimRewards::decode(ByteView payload, ClaimRewards& out) {
  rlp::ListReader r(payload);
  uint64_t restake = r.u64();
  if (!r.done() || restake > 1) return reject(Code::kMalformedPayload, "claim_rewards payload: expected RLP[0 or 1]");
  out.restake = restake == 1;
  return Status::success();
}

// ---- reads ----

Address bonded_pool_address() { return module_address(kBondedPoolModule); }
Address reward_pool_address() { return module_address(kRewardPoolModule); }

std::optional<Params> params(const StateReader& state) {
  auto v = state.get(as_bytes(kParamsKey));
  if (!v) return std::nullopt;
  rlp::ListReader r(*v);
  Params p;
  p.unbonding_period = r.u64();
  p.max_unbonding = r.u64();
  p.reward_rate = r.u128v();
  p.fee_pool_bps = static_cast<uint32_t>(r.u64());
  if (!r.done()) return std::nullopt;
  return p;
}

Global global(const StateReader& state) {
  Global g;
  auto v = state.get(as_bytes(kGlobalKey));
  if (!v) return g;
  rlp::ListReader r(*v);
  g.total = r.u128v();
  g.reward_per_token = r.u128v();
  g.last_time = r.u64();
  g.owed = r.u128v();
  bool ok = r.done();
  assert(ok && "corrupt staking/global");
  (void)ok;
  return g;
}

Account account(const StateReader& state, const Address& a) {
  Account acct;
  auto v = state.get(account_key(a));
  if (!v) return acct;
  rlp::ListReader r(*v);
  acct.free = r.u128v();
  acct.vesting = r.u128v();
  acct.unbonding_free = r.u128v();
  acct.unbonding_vesting = r.u128v();
  acct.rpt_paid = r.u128v();
  acct.rewards = r.u128v();
  acct.entries = r.u64();
  rlp::ListReader steps = r.list();
  while (steps.ok() && !steps.at_end()) {
    rlp::ListReader s = steps.list();
    StakeStep step{s.u128v(), s.u64()};
    if (!s.done()) break;
    acct.history.push_back(step);
  }
  bool ok = steps.done() && r.done();
  assert(ok && "corrupt staking account");
  (void)ok;
  return acct;
}

std::vector<Unbonding> unbondings(const StateReader& state, const Address& a) {
  std::vector<Unbonding> out;
  Bytes prefix = make_key(kUnbondPrefix, a.view());
  state.scan(prefix, {}, [&](ByteView key, ByteView value) {
    Unbonding u;
    u.maturity = get_u64_be(key.data() + prefix.size());
    u.seq = get_u64_be(key.data() + prefix.size() + 8);
    if (decode_unbond(value, u.free, u.vesting)) out.push_back(u);
    return out.size() < 64;
  });
  return out;
}

Global accrued_global(const StateReader& state, uint64_t t) {
  Global g = global(state);
  if (auto p = params(state)) accrue(state, *p, g, t);
  return g;
}

Amount pending_rewards(const StateReader& state, const Address& a, uint64_t t) {
  Global g = accrued_global(state, t);
  Account acct = account(state, a);
  settle(acct, g);
  return acct.rewards;
}

std::optional<uint64_t> staked_since(const Account& acct, Amount level) {
  if (level == 0) return std::nullopt;
  for (const StakeStep& s : acct.history)
    if (s.level >= level) return s.since;
  return std::nullopt;
}

std::vector<std::optional<uint64_t>> milestones_at(const StateReader& state, const vesting::Position& p, uint64_t t) {
  std::vector<std::optional<uint64_t>> met = p.milestones_met;
  if (p.revoked_at || !p.accepted() || p.asset != native(state)) return met;
  Account acct = account(state, p.beneficiary);
  size_t k = 0;
  for (const auto& part : p.schedule.parts) {
    if (!vesting::is_milestone(part.kind)) continue;
    if (k >= met.size()) met.resize(k + 1);
    if (part.kind == vesting::Part::Kind::kStakeMilestone && !met[k]) {
      if (auto since = staked_since(acct, part.min_stake)) {
        // The clock starts once the stake is there and the position is both
        // anchored and accepted (so no history before its acceptance counts).
        uint64_t start = std::max({*since, p.anchor, p.accepted_at});
        if (start <= UINT64_MAX - part.duration && start + part.duration <= t) met[k] = start + part.duration;
      }
    }
    ++k;
  }
  return met;
}

namespace {

// milestone_progress() for met-times already computed by milestones_at().
std::vector<MilestoneProgress> progress_of(const StateReader& state, const vesting::Position& p, uint64_t t,
                                           const std::vector<std::optional<uint64_t>>& met) {
  std::vector<MilestoneProgress> out;
  auto amounts = vesting::part_amounts(p.schedule, p.total);
  Account acct = account(state, p.beneficiary);
  size_t k = 0;
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const auto& part = p.schedule.parts[i];
    if (!vesting::is_milestone(part.kind)) continue;
    if (part.kind != vesting::Part::Kind::kStakeMilestone) {
      ++k;
      continue;
    }
    MilestoneProgress m{i, amounts[i], part.min_stake, part.duration, std::nullopt, 0, 0};
    if (k < met.size() && met[k]) {
      m.met_at = met[k];
      m.staked_seconds = part.duration;
    } else {
      uint64_t held = 0;
      if (auto since = staked_since(acct, part.min_stake); since && !p.revoked_at && p.accepted()) {
        uint64_t start = std::max({*since, p.anchor, p.accepted_at});
        held = t > start ? t - start : 0;
      }
      m.staked_seconds = std::min(held, part.duration);
      m.remaining_seconds = part.duration - m.staked_seconds;
    }
    out.push_back(m);
    ++k;
  }
  return out;
}

}  // namespace

std::vector<MilestoneProgress> milestone_progress(const StateReader& state, const vesting::Position& p, uint64_t t) {
  return progress_of(state, p, t, milestones_at(state, p, t));
}

PositionStatus position_status(const StateReader& state, const vesting::Position& p, uint64_t t, size_t unlocks) {
  PositionStatus st;
  st.position = p;
  st.position.milestones_met = vesting::milestones_at(state, p, t, &Staking::clock());
  const vesting::Position& q = st.position;
  st.vested = q.vested_at(t);
  st.claimable = st.vested - q.released;
  st.locked = q.effective_total() - st.vested;
  if (!q.revoked_at) st.next_unlocks = vesting::upcoming_unlocks(q.schedule, q.total, q.anchor, t, q.milestones_met, unlocks);
  st.milestones = progress_of(state, p, t, q.milestones_met);
  st.counts = vesting::count_progress(state, q, q.milestones_met);
  return st;
}

std::map<std::string, vesting::Holdings> holdings(const StateReader& state, const Address& owner, uint64_t t) {
  return vesting::holdings(state, owner, t, &Staking::clock());
}

namespace {

// unlocks_reached() for a block whose time is its parent's: the milestones met
// in the block, found by comparing with the parent's state.
std::vector<UnlockReached> milestones_met_in_block(const StateReader& state, const StateReader& parent,
                                                   const Address& owner, uint64_t t, size_t limit) {
  std::vector<UnlockReached> out;
  vesting::for_each_position(state, owner, false, [&](const vesting::Position& stored) {
    if (stored.revoked_at) return true;
    vesting::Position now = stored;
    now.milestones_met = milestones_at(state, stored, t);
    const auto before = vesting::get_position(parent, stored.id);
    std::vector<std::optional<uint64_t>> met_before;
    if (before) met_before = milestones_at(parent, *before, t);
    // A position new in the block tells every step at its time, as below.
    std::vector<vesting::PartStep> parts =
        before ? std::vector<vesting::PartStep>{} : vesting::steps_at(stored.schedule, stored.anchor, t, now.milestones_met);
    size_t k = 0;
    for (size_t i = 0; before && i < stored.schedule.parts.size(); ++i) {
      if (!vesting::is_milestone(stored.schedule.parts[i].kind)) continue;
      const bool met = k < now.milestones_met.size() && now.milestones_met[k];
      const bool was_met = k < met_before.size() && met_before[k];
      if (met && !was_met) parts.push_back({i, vesting::StepKind::kMilestone});
      ++k;
    }
    if (parts.empty()) return true;
    const Amount vested_before = before ? [&] {
      vesting::Position p = *before;
      p.milestones_met = met_before;
      return p.vested_at(t);
    }()
                                        : 0;
    const Amount vested = now.vested_at(t);
    if (vested > vested_before)
      out.push_back(UnlockReached{stored.id, stored.asset, t, vested - vested_before, std::move(parts), now.claimable_at(t)});
    return out.size() < limit;
  });
  return out;
}

}  // namespace

std::vector<UnlockReached> unlocks_reached(const StateReader& state, const StateReader* parent, const Address& owner,
                                           uint64_t after, uint64_t upto, size_t limit) {
  std::vector<UnlockReached> out;
  if (upto < after || limit == 0) return out;
  if (upto == after) return parent ? milestones_met_in_block(state, *parent, owner, upto, limit) : out;
  vesting::for_each_position(state, owner, false, [&](const vesting::Position& stored) {
    if (stored.revoked_at) return true;
    const auto met = milestones_at(state, stored, upto);
    // Accepted within the stretch: nothing of it was claimable before.
    const uint64_t from = stored.accepted_at > after && stored.anchor > 0 ? std::min(after, stored.anchor - 1) : after;
    const auto steps = vesting::upcoming_unlocks(stored.schedule, stored.total, stored.anchor, from, met, limit);
    Amount claimable = 0;
    bool have_claimable = false;
    for (const vesting::Unlock& u : steps) {
      if (u.time > upto || out.size() >= limit) break;
      if (!have_claimable) {
        vesting::Position p = stored;
        p.milestones_met = met;
        claimable = p.claimable_at(upto);
        have_claimable = true;
      }
      out.push_back(UnlockReached{stored.id, stored.asset, u.time, u.amount,
                                  vesting::steps_at(stored.schedule, stored.anchor, u.time, met), claimable});
    }
    return out.size() < limit;
  });
  return out;
}

Amount matured_unbonding(const StateReader& state, const Address& a, uint64_t t) {
  Amount sum = 0;
  for (const Unbonding& u : unbondings(state, a))
    if (u.maturity <= t) sum += u.free;
  return sum;
}

std::vector<std::pair<Address, Amount>> leaderboard(const StateReader& state, std::optional<Address> after_addr,
                                                    std::optional<Amount> after_amount, size_t limit) {
  std::vector<std::pair<Address, Amount>> out;
  Bytes start;
  if (after_addr && after_amount) {
    start = board_key(*after_amount, *after_addr);
    start.push_back(0);  // strictly after
  }
  Bytes prefix(kBoardPrefix.begin(), kBoardPrefix.end());
  state.scan(prefix, start, [&](ByteView key, ByteView) {
    Amount inverted = 0;
    for (size_t i = 0; i < 16; ++i) inverted = inverted << 8 | key[prefix.size() + i];
    out.emplace_back(*Address::from(key.subspan(prefix.size() + 16)), ~inverted);
    return out.size() < limit;
  });
  return out;
}

// ---- hooks for vesting ----

std::vector<Amount> settle_milestones(Context& ctx, const Address& a) {
  return vesting::record_milestones(ctx, a, Staking::clock());
}

Status after_escrow_change(Context& ctx, const Address& a, bool revoked) {
  auto p = params(ctx.state);
  if (!p) return Status::success();
  Account before = account(ctx.state, a);
  Amount bonded = before.vesting + before.unbonding_vesting;
  if (bonded == 0) return Status::success();
  Amount escrow = escrowed(ctx.state, a, ctx.block.time).escrowed;
  if (bonded <= escrow) return Status::success();
  Amount excess = bonded - escrow;

  Global g = global(ctx.state);
  accrue(ctx.state, *p, g, ctx.block.time);
  Account acct = before;
  settle(acct, g);
  Amount from_staked = std::min(excess, acct.vesting);
  Amount from_unbonding = excess - from_staked;
  acct.vesting -= from_staked;
  acct.unbonding_vesting -= from_unbonding;
  // Unbonding entries give up their vesting-backed part, oldest first.
  Amount left = from_unbonding;
  for (const Unbonding& u : unbondings(ctx.state, a)) {
    if (left == 0) break;
    Amount take = std::min(left, u.vesting);
    if (take == 0) continue;
    left -= take;
    Amount free = u.free + (revoked ? 0 : take);
    ctx.state.put(unbond_key(a, u.maturity, u.seq), encode_unbond(free, u.vesting - take));
  }
  if (revoked) {
    // The funder took those tokens back: that much stake is gone.
    g.total -= from_staked;
    history_shrink(acct);
  } else {
    // Claimed tokens that were bonded stay bonded, now backed by the pool.
    if (Status s = bank::transfer(ctx, a, bonded_pool_address(), native(ctx.state), excess, "stake_bond"); !s.ok())
      return s;
    acct.free += from_staked;
    acct.unbonding_free += from_unbonding;
  }
  put_global(ctx.state, g);
  put_account(ctx.state, a, before, acct);
  if (revoked) history_changed(ctx, a, acct);
  ctx.emit(account_event(revoked ? "staking.vesting_stake_removed" : "staking.vesting_stake_converted", a,
                         {{"amount", to_decimal(excess)}, {"staked", to_decimal(acct.staked())}}));
  return Status::success();
}

// ---- contract ----

std::vector<std::optional<uint64_t>> Staking::Clock::milestones_at(const StateReader& state,
                                                                   const vesting::Position& p, uint64_t t) const {
  return staking::milestones_at(state, p, t);
}

Status Staking::Clock::after_escrow_change(Context& ctx, const Address& a, bool revoked) const {
  return staking::after_escrow_change(ctx, a, revoked);
}

const vesting::StakeClock& Staking::clock() {
  static const Clock kClock;
  return kClock;
}

Status Staking::init_genesis(State& state, const boost::json::object& genesis) {
  std::string error;
  boost::json::value doc(genesis);
  jf::Fields top(doc, "", &error);
  if (!top.has("staking")) return Status::success();
  jf::Fields s = top.object("staking");
  s.only({"unbonding_period", "max_unbonding_entries", "reward_rate", "fee_pool_bps", "reward_pool"});
  Params p;
  p.unbonding_period = s.u64("unbonding_period", p.unbonding_period);
  p.max_unbonding = s.u64("max_unbonding_entries", p.max_unbonding);
  p.reward_rate = s.amount("reward_rate", 0);
  uint64_t bps = s.u64("fee_pool_bps", 0);
  Amount pool = s.amount("reward_pool", 0);
  if (error.empty() && (p.unbonding_period == 0 || p.unbonding_period > 365 * 86400ull))
    s.fail("unbonding_period", "must be between 1 second and 365 days");
  if (error.empty() && (p.max_unbonding == 0 || p.max_unbonding > 32))
    s.fail("max_unbonding_entries", "must be between 1 and 32");
  if (error.empty() && bps > 10000) s.fail("fee_pool_bps", "at most 10000");
  if (!error.empty()) return reject(ChainCode::kMalformed, error);
  p.fee_pool_bps = static_cast<uint32_t>(bps);
  if (pool > 0) {
    if (Status st = bank::mint(state, reward_pool_address(), native(state), pool); !st.ok())
      return reject(ChainCode::kMalformed, "staking.reward_pool: " + st.message);
  }
  rlp::Encoder e;
  e.begin_list().uint(p.unbonding_period).uint(p.max_unbonding).uint(p.reward_rate).uint(p.fee_pool_bps).end_list();
  state.put(as_bytes(kParamsKey), e.finish());
  return Status::success();
}

Status Staking::check(uint64_t kind, ByteView payload) const {
  if (kind == kClaimRewardsKind) {
    ClaimRewards c;
    return ClaimRewards::decode(payload, c);
  }
  AmountMsg m;
  if (Status s = AmountMsg::decode(payload, m); !s.ok()) return s;
  if (m.amount == 0) return reject(Code::kZeroAmount, "amount must be positive");
  return Status::success();
}

Status Staking::apply(Context& ctx, uint64_t kind, ByteView payload) {
  if (Status s = check(kind, payload); !s.ok()) return s;
  auto p = params(ctx.state);
  if (!p) return reject(Code::kInsufficientStakeable, "staking is not enabled on this chain");
  if (kind == kClaimRewardsKind) {
    ClaimRewards c;
    (void)ClaimRewards::decode(payload, c);
    return claim_rewards(ctx, *p, c.restake);
  }
  AmountMsg m;
  (void)AmountMsg::decode(payload, m);
  return kind == kStakeKind ? stake_amount(ctx, *p, m.amount, false) : unstake(ctx, *p, m.amount);
}

void Staking::begin_block(Context& ctx) {
  Bytes prefix(kQueuePrefix.begin(), kQueuePrefix.end());
  std::vector<Bytes> due;
  ctx.state.scan(prefix, {}, [&](ByteView key, ByteView) {
    if (get_u64_be(key.data() + prefix.size()) > ctx.block.time) return false;
    due.emplace_back(key.begin(), key.end());
    return due.size() < kMaturedPerBlock;
  });
  for (const Bytes& qk : due) {
    uint64_t maturity = get_u64_be(qk.data() + prefix.size());
    Address a = *Address::from(ByteView(qk).subspan(prefix.size() + 8, 20));
    uint64_t seq = get_u64_be(qk.data() + prefix.size() + 28);
    ctx.state.erase(qk);
    Bytes uk = unbond_key(a, maturity, seq);
    auto v = ctx.state.get(uk);
    if (!v) continue;
    Amount free = 0, vest = 0;
    bool ok = decode_unbond(*v, free, vest);
    assert(ok && "corrupt unbonding entry");
    (void)ok;
    ctx.state.erase(uk);
    Account before = account(ctx.state, a);
    Account acct = before;
    acct.unbonding_free -= std::min(acct.unbonding_free, free);
    acct.unbonding_vesting -= std::min(acct.unbonding_vesting, vest);
    acct.entries -= std::min<uint64_t>(acct.entries, 1);
    if (free > 0) {
      Status s = bank::transfer(ctx, bonded_pool_address(), a, native(ctx.state), free, "unbond_return");
      assert(s.ok() && "the bonded pool holds every unbonding token");
      (void)s;
    }
    put_account(ctx.state, a, before, acct);
    ctx.emit(account_event("staking.unbonded", a, {{"amount", to_decimal(free + vest)}}));
  }
}

Status Staking::charge_fee(State& state, const BlockEnv& block, const Address& payer, Amount fee,
                           std::vector<Event>& events) {
  auto p = params(state);
  if (!p) return bank_.charge_fee(state, block, payer, fee, events);
  Amount to_pool = mul_div(fee, p->fee_pool_bps, 10000).value_or(0);
  return bank::pay_fee(state, events, payer, block.proposer, fee, reward_pool_address(), to_pool);
}

Amount Staking::fee_balance(const StateReader& state, const Address& payer) const {
  return bank_.fee_balance(state, payer);
}

}  // namespace vest::staking
