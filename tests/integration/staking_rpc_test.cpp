// Integration: staking over RPC on a real vestd, with dev_increaseTime: a VIP
// purchase whose bonus unlocks by staking, unbonding that matures, rewards.
#include <catch2/catch.hpp>

#include "chain/transaction.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "tests/integration/harness.h"

using namespace vest;
using namespace vest::test;
namespace json = boost::json;

namespace {

constexpr uint64_t kDay = 86400;
const Amount kVestUnit = 1000000000000000000;

struct Sender {
  Vestd& node;
  PrivateKey key;
  const char* address;

  // Signs `payload` with the account's next nonce and waits for its block.
  json::object send(uint64_t kind, const Bytes& payload) {
    json::value acct = node.call("account_get", json::object{{"address", address}});
    Transaction tx;
    tx.chain_id = 7357;
    tx.nonce = acct.at("nonce").to_number<uint64_t>();
    tx.fee = *parse_decimal(node.call("node_status").at("minFee").as_string());
    tx.kind = kind;
    tx.payload = payload;
    tx.sign(key);
    return node.rpc("tx_submit", json::object{{"raw", to_hex_0x(tx.encode())}, {"wait", true}});
  }
};

Amount amount(const json::value& v) { return *parse_decimal(v.as_string()); }

void advance(Vestd& node, uint64_t seconds) {
  node.call("dev_increaseTime", json::object{{"seconds", seconds}});
  node.call("dev_mine");
}

}  // namespace

TEST_CASE("rpc: a VIP bonus unlocks by staking, unbonding matures, rewards accrue", "[integration][staking]") {
  TempDir dir;
  Vestd node(dir.path());
  Sender alice{node, *PrivateKey::from(*from_hex(kDevKey0)), kDevAddr0};

  // VIP: 30,000 VEST now, 7,500 VEST bonus: 40% linear (cliff day 90), 30% after
  // staking 10,000 VEST for 30 days, 30% after staking 20,000 VEST for 90 days.
  json::object bought = alice.send(sale::kPurchaseKind, sale::Purchase{3, 1, kU128Max, {}}.encode());
  INFO(json::serialize(bought));
  REQUIRE(bought.at("result").at("status") == "committed");
  json::object staked = alice.send(staking::kStakeKind, staking::AmountMsg{20000 * kVestUnit}.encode());
  REQUIRE(staked.at("result").at("status") == "committed");

  json::value st = node.call("staking_get", json::object{{"address", kDevAddr0}});
  CHECK(amount(st.at("staked")) == 20000 * kVestUnit);
  CHECK(amount(st.at("fromVesting")) == 7500 * kVestUnit);  // still-vesting tokens bond first
  REQUIRE(st.at("milestones").as_array().size() == 2);
  CHECK(st.at("milestones").at(0).at("remainingSeconds").to_number<uint64_t>() == 30 * kDay);

  json::value pos = node.call("vesting_get", json::object{{"id", 1}});
  CHECK(amount(pos.at("claimable")) == 0);

  advance(node, 30 * kDay);
  pos = node.call("vesting_get", json::object{{"id", 1}});
  INFO(json::serialize(pos));
  // The first milestone (2,250 VEST) is met; nothing linear before the 90-day cliff.
  CHECK(amount(pos.at("vested")) == 2250 * kVestUnit);
  CHECK_FALSE(pos.at("milestones").at(0).at("metAt").is_null());
  CHECK(pos.at("milestones").at(1).at("metAt").is_null());
  CHECK(pos.at("milestones").at(1).at("stakedSeconds").to_number<uint64_t>() >= 30 * kDay);

  // Claiming the milestone tranche: the claimed tokens were bonded, so they stay staked.
  Amount before = amount(node.call("account_get", json::object{{"address", kDevAddr0}}).at("balances").at("VEST"));
  json::object claimed = alice.send(vesting::kClaimKind, vesting::Claim{}.encode());
  REQUIRE(claimed.at("result").at("status") == "committed");
  json::value acct = node.call("account_get", json::object{{"address", kDevAddr0}});
  Amount fee = *parse_decimal(node.call("node_status").at("minFee").as_string());
  CHECK(amount(acct.at("balances").at("VEST")) == before - fee);
  CHECK(amount(acct.at("staked")) == 20000 * kVestUnit);
  CHECK(amount(acct.at("stakedFromVesting")) == 5250 * kVestUnit);

  // Rewards accrue while staked (0.001 VEST/s on devnet, alice the only staker).
  json::value totals = node.call("staking_totals");
  CHECK(amount(totals.at("totalStaked")) == 20000 * kVestUnit);
  CHECK(!totals.at("aprEstimate").is_null());
  CHECK(amount(node.call("staking_get", json::object{{"address", kDevAddr0}}).at("pendingRewards")) >=
        30 * kDay * kVestUnit / 1000);
  json::value board = node.call("staking_leaderboard");
  CHECK(board.at("leaders").at(0).at("address") == kDevAddr0);

  // Unstake 15,000: below both levels; the met milestone stays met.
  json::object unstaked = alice.send(staking::kUnstakeKind, staking::AmountMsg{15000 * kVestUnit}.encode());
  REQUIRE(unstaked.at("result").at("status") == "committed");
  st = node.call("staking_get", json::object{{"address", kDevAddr0}});
  REQUIRE(st.at("unbonding").as_array().size() == 1);
  uint64_t maturity = st.at("unbonding").at(0).at("maturity").to_number<uint64_t>();
  CHECK_FALSE(node.call("vesting_get", json::object{{"id", 1}}).at("milestones").at(0).at("metAt").is_null());

  // 21 days later the unbonding has matured and the liquid part is back.
  Amount liquid = amount(node.call("account_get", json::object{{"address", kDevAddr0}}).at("balances").at("VEST"));
  advance(node, 21 * kDay + 1);
  st = node.call("staking_get", json::object{{"address", kDevAddr0}});
  CHECK(st.at("unbonding").as_array().empty());
  CHECK(node.call("node_status").at("headTime").to_number<uint64_t>() >= maturity);
  Amount after = amount(node.call("account_get", json::object{{"address", kDevAddr0}}).at("balances").at("VEST"));
  CHECK(after > liquid);
  // The block that matured it has a staking.unbonded event for the account.
  json::value events = node.call("chain_getEvents", json::object{{"address", kDevAddr0}, {"kind", "staking.unbonded"}});
  CHECK(events.at("events").as_array().size() == 1);
}
