// Badges: awards for what an account has done, defined as rules over what the
// chain already knows (contracts/loyalty/messages.h). A badge is awarded once,
// in the block where its rule first holds, with a "loyalty.badge_awarded"
// event; it is no asset and no message moves it.
//
// Direction (docs/developer-notes.md): loyalty builds on no other contract.
// The contracts that own the facts tell it when a fact changes, in the same
// message: the sale (purchases, tiers; upgrades call upgraded()), vesting (the
// holder counts of referrals and usage, raised in one place) and staking (its
// stake history, which it keeps for the stake badges' levels as it does for
// stake milestones). Loyalty reads none of their state, so it cannot form a
// cycle with them; what a rule names (a tier, a metric, a package) is checked
// by the sale, which defines badges.
//
// State layout (docs/protocol.md, "State"):
//   loyalty/badge/<id u32>                    RLP[badge encoding, defined_height, defined_time, holders]
//   loyalty/held/<address><id u32>            RLP[height, time, met_at]: the award
//   loyalty/holder/<id u32><seq u64>          address: the badge's holders in award order, seq from 1
//   loyalty/wait/<address><id u32>            due time: a stake badge queued for the account
//   loyalty/due/<time u64><address><id u32>   (empty): the queue begin_block awards from
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/contract.h"
#include "contracts/loyalty/messages.h"

namespace vest::loyalty {

// At most this many queued stake badges are awarded by one block's
// begin_block; the rest wait for the next block (their met time is kept).
constexpr size_t kMaxAwardsPerBlock = 256;

struct BadgeInfo {
  Badge badge;
  uint64_t defined_height = 0;  // 0: in genesis
  uint64_t defined_time = 0;
  uint64_t holders = 0;
};

struct Award {
  uint32_t badge = 0;
  uint64_t height = 0;  // block that awarded it
  uint64_t time = 0;    // that block's time
  uint64_t met_at = 0;  // when the rule first held: `time`, or for a stake badge the end of its duration
};

std::optional<BadgeInfo> badge(const StateReader& state, uint32_t id);
// Every badge, by id (at most kMaxBadges).
std::vector<BadgeInfo> badges(const StateReader& state);
std::optional<Award> award(const StateReader& state, const Address& holder, uint32_t id);
// `holder`'s badges, by badge id.
std::vector<Award> awards(const StateReader& state, const Address& holder);
// Holders of badge `id` in award order from award number `from_seq` (1 = the
// first), at most `limit`: (seq, address).
std::vector<std::pair<uint64_t, Address>> holders(const StateReader& state, uint32_t id, uint64_t from_seq,
                                                  size_t limit);
// When a stake badge not yet held is due for `holder` (nullopt: not queued).
std::optional<uint64_t> stake_due(const StateReader& state, const Address& holder, uint32_t id);

// Stores a badge whose references (tier, package, metric) the caller checked;
// `b` validates. kBadgeExists, kTooManyBadges; state unchanged on failure.
Status define_genesis_badge(State& state, const Badge& b);
// The same in a block, with a "loyalty.badge_defined" event. A badge defined
// after genesis is awarded from then on: an account whose rule already held is
// awarded at its next fact of the rule's kind (a purchase, a referral, a usage
// report, a stake change), and stake counts from the definition.
Status define_badge(Context& ctx, const Badge& b);

// ---- the facts, from the contracts that own them ----

// The sale: `buyer` bought, and is at tier index `tier` after it. Awards
// first_purchase, and tier badges up to `tier`.
void purchased(Context& ctx, const Address& buyer, uint64_t tier);
// Vesting: `holder`'s referrals count (metric empty) or usage `metric` is now
// `value`. Awards the referrals or usage badges whose count it reaches.
void counted(Context& ctx, const Address& holder, Rule::Kind kind, std::string_view metric, Amount value);
// The upgrade of a purchase: `holder` upgraded a purchase to package
// `to_package`. Awards the upgraded badges naming that package or any.
// The upgrade code calls it once per upgrade, after its own event.
void upgraded(Context& ctx, const Address& holder, uint32_t to_package);
// Staking: `holder`'s stake history changed (a stake, an unstake, a revoke);
// `staked_since(level)` says since when at least `level` has been bonded
// without interruption (nullopt: it is not). Queues each stake badge the
// holder lacks at the time its rule will hold, or drops it when the stake
// went below its level; awards at once one whose time has come.
void stake_changed(Context& ctx, const Address& holder,
                   const std::function<std::optional<uint64_t>(Amount)>& staked_since);
// The min_stake of every stake badge `holder` does not hold, for the stake
// history to keep (at most kMaxStakeBadges).
std::vector<Amount> stake_levels(const StateReader& state, const Address& holder);

class Loyalty : public Contract {
 public:
  std::string_view name() const override { return "loyalty"; }
  // No messages: badges are defined through the sale (sale.define_badge) and never move.
  std::vector<uint64_t> kinds() const override { return {}; }
  Status init_genesis(State&, const boost::json::object&) override { return Status::success(); }
  Status check(uint64_t, ByteView) const override;
  Status apply(Context&, uint64_t, ByteView) override;
  // Awards the queued stake badges due by the block's time, at most kMaxAwardsPerBlock.
  void begin_block(Context& ctx) override;

  std::string_view invariants() const override { return "each badge's holder count matches its holders"; }
  std::string check_invariants(const StateReader& state) const override;
};

// Reads a badge from its genesis JSON form (docs/genesis.md), e.g.
// {"id":1,"name":"First steps","rule":{"kind":"first_purchase"}} or
// {"id":4,"name":"Committed","rule":{"kind":"stake","min_stake":"10000000000000000000000","duration":2592000}},
// and validates it.
bool parse_badge_json(const boost::json::value& v, const std::string& path, Badge& out, std::string& error);
boost::json::object rule_json(const Rule& r);

}  // namespace vest::loyalty
