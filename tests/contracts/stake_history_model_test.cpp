// Stake milestones against a brute-force model: thousands of random sequences
// of stake, unstake, restaked rewards, claims and time jumps, run through the
// executor on an in-memory state, each block checked against a reference that
// tracks "seconds continuously at or above S" for every milestone level, and
// against vested(t) never decreasing.
#include <catch2/catch.hpp>
#include <random>

#include "chain/chain.h"
#include "contracts/staking/staking.h"
#include "contracts/vesting/vesting.h"
#include "tests/util/chain_fixture.h"

using namespace vest;
using namespace vest::test;

namespace {

struct Milestone {
  Amount level = 0;
  uint64_t duration = 0;
};

// The reference for one milestone of one position: the start of the current
// run at or above `level`, and when the milestone was met.
struct Reference {
  Milestone m;
  uint64_t anchor = 0;
  std::optional<uint64_t> run_since;
  std::optional<uint64_t> met;

  // The stake is `level_now` from block time `t` on (it was constant since the last call).
  void step(uint64_t t, Amount level_now) {
    if (!met && run_since) {
      uint64_t start = std::max(*run_since, anchor);
      if (start + m.duration <= t) met = start + m.duration;
    }
    if (level_now >= m.level) {
      if (!run_since) run_since = t;
    } else {
      run_since.reset();
    }
  }
  // Met by time t, without a stake change at t.
  std::optional<uint64_t> met_by(uint64_t t) const {
    if (met) return met;
    if (!run_since) return std::nullopt;
    uint64_t start = std::max(*run_since, anchor);
    if (start + m.duration <= t) return start + m.duration;
    return std::nullopt;
  }
};

class Model {
 public:
  Model() : chain_(1) {
    executor_ = std::make_unique<Executor>(chain_.genesis.params);
    contracts_.register_with(*executor_);
    REQUIRE(build_genesis(chain_.genesis, *executor_, genesis_).ok());
    holder_ = chain_.addrs[0];
  }

  // One random sequence; returns the number of milestone checks made.
  size_t run(uint64_t seed, size_t blocks) {
    std::mt19937_64 rng(seed);
    auto below = [&](uint64_t n) { return rng() % n; };
    Overlay state(*genesis_.state);
    uint64_t time = kTestGenesisTime;
    uint64_t height = 0;
    uint64_t nonce = 0;
    auto block = [&](std::vector<std::pair<uint64_t, Bytes>> msgs, uint64_t step) {
      time += step;
      BlockEnv env{kTestChainId, ++height, time, address_of(chain_.validator)};
      std::vector<Event> events;
      executor_->begin_block(state, env, events);
      std::vector<Receipt> receipts;
      for (auto& [kind, payload] : msgs) {
        VerifiedTx tx;
        tx.tx.chain_id = kTestChainId;
        tx.tx.nonce = nonce++;
        tx.tx.fee = kMinFee;
        tx.tx.kind = kind;
        tx.tx.payload = std::move(payload);
        tx.sender = holder_;
        Receipt r;
        REQUIRE(executor_->apply(state, env, tx, r).ok());
        receipts.push_back(r);
      }
      return receipts;
    };

    // Two self-funded positions (accepted, non-revocable: they back stake)
    // with milestones at several levels, created at different times.
    std::vector<Milestone> first, second;
    for (int i = 0; i < 5; ++i) first.push_back({(20 + below(200)) * kVest, 50 + below(600)});
    for (int i = 0; i < 3; ++i) second.push_back({(20 + below(400)) * kVest, 50 + below(900)});
    auto grant = [&](const std::vector<Milestone>& ms) {
      vesting::Schedule s;
      uint32_t left = 10000;
      s.parts.push_back(vesting::Part::tranche(1000, 100));
      left -= 1000;
      for (size_t i = 0; i < ms.size(); ++i) {
        uint32_t bps = i + 1 == ms.size() ? left : 9000 / static_cast<uint32_t>(ms.size());
        left -= bps;
        s.parts.push_back(vesting::Part::stake(bps, ms[i].level, ms[i].duration));
      }
      vesting::Grant g{holder_, "VEST", (100 + below(400)) * kVest, vesting::encode(s), false, 0};
      return std::pair<uint64_t, Bytes>{vesting::kGrantKind, g.encode()};
    };
    std::vector<Reference> refs;
    std::vector<uint64_t> ids;
    auto add_refs = [&](const std::vector<Milestone>& ms) {
      for (const Milestone& m : ms) refs.push_back(Reference{m, time, std::nullopt, std::nullopt});
    };
    REQUIRE(block({grant(first)}, 10)[0].ok());
    ids.push_back(1);
    add_refs(first);

    auto staked = [&] { return staking::account(state, holder_).staked(); };
    std::vector<Amount> last_vested(2, 0);
    size_t checks = 0;
    for (size_t b = 0; b < blocks; ++b) {
      std::vector<std::pair<uint64_t, Bytes>> msgs;
      // Mostly top-ups, so the stake history grows past any small bound.
      switch (below(10)) {
        case 0:
        case 1:
        case 2:
        case 3: msgs.push_back({staking::kStakeKind, staking::AmountMsg{(1 + below(40)) * kVest}.encode()}); break;
        case 4:
          if (staked() > 0 && below(2) == 0)
            msgs.push_back({staking::kUnstakeKind, staking::AmountMsg{1 + static_cast<Amount>(rng()) % staked()}.encode()});
          break;
        case 5:
        case 6: msgs.push_back({staking::kClaimRewardsKind, staking::ClaimRewards{true}.encode()}); break;
        case 7: msgs.push_back({vesting::kClaimKind, vesting::Claim{}.encode()}); break;
        default: break;  // time passes
      }
      if (b == blocks / 3) msgs.push_back(grant(second));
      uint64_t step = below(4) == 0 ? 1 + below(1000) : 1 + below(60);
      block(std::move(msgs), step);
      if (b == blocks / 3 && vesting::get_position(state, 2)) {
        ids.push_back(2);
        add_refs(second);
      }
      const Amount level = staked();
      for (Reference& r : refs) r.step(time, level);

      size_t k = 0;
      for (size_t i = 0; i < ids.size(); ++i) {
        auto pos = vesting::get_position(state, ids[i]);
        REQUIRE(pos);
        auto met = staking::milestones_at(state, *pos, time);
        for (size_t j = 0; j < met.size(); ++j, ++k) {
          INFO("seed " << seed << " block " << b << " position " << ids[i] << " milestone " << j << " level "
                       << to_decimal(refs[k].m.level) << " duration " << refs[k].m.duration);
          REQUIRE(met[j] == refs[k].met_by(time));
          ++checks;
        }
        Amount vested = staking::position_status(state, *pos, time, 0).vested;
        INFO("seed " << seed << " block " << b << " position " << ids[i]);
        REQUIRE(vested >= last_vested[i]);
        last_vested[i] = vested;
      }
    }
    return checks;
  }

 private:
  TestChain chain_;
  std::unique_ptr<Executor> executor_;
  NativeContracts contracts_;
  GenesisBlock genesis_;
  Address holder_;
};

}  // namespace

TEST_CASE("property: stake milestones match a brute-force model and vested never decreases", "[staking][property]") {
  Model model;
  size_t checks = 0;
  for (uint64_t seed = 1; seed <= 2000; ++seed) checks += model.run(seed, 60);
  CHECK(checks > 100000);
}

TEST_CASE("staking: restaking rewards daily for 31 days completes a 30-day milestone", "[staking]") {
  // A reward rate the pool sustains for the whole month.
  TestChain t(3, [](boost::json::object& g) { g["staking"].as_object()["reward_rate"] = to_decimal(kVest / 1000); });
  const vesting::Schedule s{{vesting::Part::stake(10000, 100 * kVest, 30 * 86400)}};
  vesting::Grant g{t.addrs[0], "VEST", 1000 * kVest, vesting::encode(s), false, 0};
  REQUIRE(t.run(t.sign(0, vesting::kGrantKind, g.encode())).ok());
  REQUIRE(t.run(t.sign(0, staking::kStakeKind, staking::AmountMsg{100 * kVest}.encode()), 0).ok());
  const uint64_t since = t.chain->head().time;
  Amount last = 0;
  for (int day = 1; day <= 31; ++day) {
    // Every restake raises the stake: 31 steps, more than the old 16-step history.
    Receipt r = t.run(t.sign(0, staking::kClaimRewardsKind, staking::ClaimRewards{true}.encode()), 86400);
    INFO("day " << day << ": " << r.reason << " " << r.message);
    REQUIRE(r.ok());
    auto pos = *vesting::get_position(t.chain->store(), 1);
    Amount vested = staking::position_status(t.chain->store(), pos, t.chain->head().time, 0).vested;
    CHECK(vested >= last);
    last = vested;
  }
  auto pos = *vesting::get_position(t.chain->store(), 1);
  auto met = staking::milestones_at(t.chain->store(), pos, t.chain->head().time);
  REQUIRE(met.size() == 1);
  CHECK(met[0] == since + 30 * 86400);
  CHECK(last == 1000 * kVest);
}
