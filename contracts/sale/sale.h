// The sale: packages of the native token bought with a payment asset, base
// tokens delivered at once and the bonus locked in a vesting position; tiers
// by trailing spend; referral rewards that vest on the package's schedule.
//
// State layout (docs/protocol.md, "State"):
//   sale/config                          RLP[admin, treasury, revenue, payment_asset, token_asset,
//                                            tier_window, [[name, min_spend, bonus_bps], ...]]
//   sale/pkg/<id u32>                    the package (Package::encode)
//   sale/sold/<id u32>                   units sold
//   sale/bought/<id u32><address>        units bought by one account
//   sale/next                            next purchase id (absent = 1)
//   sale/purchase/<id u64>               the purchase record
//   sale/buyer/<address><id u64>         (empty): an account's purchases
//   sale/spend/<address><time u64><id u64>   payment-asset spend, pruned after the tier window
//   sale/release/<release_at u64><id u64>    (empty): an escrowed payment due to revenue then
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "chain/contract.h"
#include "contracts/sale/messages.h"
#include "contracts/vesting/vesting.h"

namespace vest::sale {

struct Tier {
  std::string name;
  Amount min_spend = 0;  // payment-asset base units spent in the window
  uint32_t bonus_bps = 0;  // extra bonus, basis points of base
};

struct Config {
  Address admin;
  Address treasury;  // holds the token inventory
  Address revenue;   // receives payments
  std::string payment_asset;
  std::string token_asset;
  uint64_t tier_window = 365 * 86400;
  std::vector<Tier> tiers;  // ascending min_spend, the first at 0
};

struct PurchaseRecord {
  uint64_t id = 0;
  Address buyer;
  uint32_t package_id = 0;
  uint64_t quantity = 0;
  std::string price_asset;
  Amount cost = 0;
  Amount base = 0;
  Amount bonus = 0;       // package bonus
  Amount tier_bonus = 0;  // extra from the buyer's tier
  uint32_t tier = 0;      // the tier that applied
  std::optional<Address> referrer;
  Amount referral_reward = 0;
  uint64_t position_id = 0;           // the bonus position, 0 when no bonus
  uint64_t referral_position_id = 0;  // 0 when no referral reward
  uint64_t time = 0;
  uint64_t height = 0;
  // Upgrades (sale.upgrade): an upgrade is a record of its own, whose cost,
  // base and bonus are the differences it paid and delivered (bonus includes
  // the tier's part; tier_bonus is 0), vesting from the original's time.
  uint64_t upgrade_of = 0;   // on an upgrade: the purchase it upgraded
  uint64_t upgraded_by = 0;  // on a purchase: the upgrade that replaced it
  // Refunds (sale.refund): a package with a refund window leaves the payment
  // in the sale escrow until release_at (0: paid to revenue at once).
  uint64_t release_at = 0;
  bool released = false;     // the escrowed payment went to revenue
  uint64_t refunded_at = 0;  // block time of the refund, 0 when not refunded
  bool counted_referral = false;  // raised the referrer's referrals count

  // "refunded", "upgraded" or "active".
  const char* status() const { return refunded_at ? "refunded" : upgraded_by ? "upgraded" : "active"; }
};

// Units of one purchase bought at one tier: `tier_bonus` is what they earn
// from it (units x the tier's bonus_bps of one unit's base, rounded down per unit).
struct TierStep {
  uint32_t tier = 0;
  uint64_t units = 0;
  Amount tier_bonus = 0;
};

// Everything a purchase would do, computed without doing it (sale_quote).
struct Plan {
  Package package;
  uint64_t quantity = 0;
  Amount cost = 0;
  Amount base = 0;
  Amount bonus = 0;
  Amount tier_bonus = 0;
  uint32_t tier = 0;
  Amount referral_reward = 0;
  Amount spend_before = 0;  // in the tier window, before this purchase
  std::vector<TierStep> tier_steps;  // in unit order; `tier` is the first's
};

// Everything an upgrade would do (sale_quote with fromPurchase), computed without doing it.
struct UpgradePlan {
  PurchaseRecord from;
  Package from_package;
  Package package;  // the target
  uint64_t quantity = 0;
  Amount new_cost = 0;   // the target's price x quantity
  Amount cost = 0;       // new_cost - what the purchase paid: what the upgrade pays
  Amount base = 0;       // base delivered now: target base x quantity - the purchase's base
  Amount new_bonus = 0;  // the target's package bonus for quantity
  Amount new_tier_bonus = 0;  // the tier's extra on the target's base, at the tier reached before the upgrade
  Amount bonus = 0;      // new_bonus + new_tier_bonus - the purchase's bonus and tier bonus: locked now
  uint32_t tier = 0;
  uint64_t anchor = 0;   // the original purchase's time
  Amount spend_before = 0;
};

// The sale escrow: payments of purchases within their refund window.
Address sale_escrow_address();

std::optional<Config> config(const StateReader& state);
// Stores `cfg` as the sale's configuration; for the contract that hands the
// admin, treasury and revenue roles over (contracts/roles).
void save_config(State& state, const Config& cfg);
std::optional<Package> package(const StateReader& state, uint32_t id);
std::vector<Package> packages(const StateReader& state);
uint64_t sold(const StateReader& state, uint32_t id);
uint64_t bought(const StateReader& state, uint32_t id, const Address& account);
std::optional<PurchaseRecord> purchase(const StateReader& state, uint64_t id);
// Calls `fn` for every purchase of the chain in id (and so chain) order,
// starting at `from_id`; stops when it returns false.
void for_each_purchase(const StateReader& state, uint64_t from_id,
                       const std::function<bool(const PurchaseRecord&)>& fn);
// `account`'s purchase ids, newest first, strictly below `before` (0: from the newest).
std::vector<uint64_t> purchase_ids(const StateReader& state, const Address& account, uint64_t before, size_t limit);
bool has_purchased(const StateReader& state, const Address& account);
// Payment-asset spend of `account` in the tier window ending at `t`: purchases
// at block times in (t - window, t]. A spend exactly one window old no longer counts.
Amount spend_in_window(const StateReader& state, const Config& cfg, const Address& account, uint64_t t);
// Index into cfg.tiers of the tier `spend` reaches.
uint32_t tier_for(const Config& cfg, Amount spend);
// The tiers `quantity` units of `pkg` are bought at by a buyer whose window
// spend is `spend`: each unit at the tier reached with the units before it.
// kOverflow when a bonus does not fit in 128 bits.
Status tier_steps(const Config& cfg, const Package& pkg, Amount spend, uint64_t quantity, std::vector<TierStep>& out);

// Checks a purchase against the state and computes it; the rules of apply().
Status plan_purchase(const StateReader& state, const BlockEnv& block, const Address& buyer, const Purchase& p,
                     Plan& out);

// Checks an upgrade against the state and computes it; the rules of apply().
Status plan_upgrade(const StateReader& state, const BlockEnv& block, const Address& buyer, const Upgrade& u,
                    UpgradePlan& out);

// What a refund would move (sale_quote for a refund, and the rules of apply()).
struct RefundPlan {
  PurchaseRecord purchase;
  Amount payment = 0;        // back to the buyer from the sale escrow
  Amount base = 0;           // returned by the buyer to the treasury
  Amount claimed_bonus = 0;  // bonus the buyer claimed, repaid to the treasury
  Amount bonus_cancelled = 0;     // still in the bonus position, back to the treasury
  Amount referral_cancelled = 0;  // still in the referral position, back to the treasury
  Amount referral_kept = 0;       // what the referrer already claimed (stays with the referrer)
};
Status plan_refund(const StateReader& state, const BlockEnv& block, const Address& buyer, const Refund& r,
                   RefundPlan& out);

// At most this many escrowed payments are released (moved to revenue) per
// block; the rest wait for the next blocks, and a refund is refused from
// release_at on either way.
constexpr size_t kReleasesPerBlock = 64;

// ---- read models (the RPC serialises these)

struct PackageStatus {
  Package package;
  uint64_t sold = 0;
  std::optional<uint64_t> remaining;  // nullopt: no supply cap
  std::string status;                 // "paused", "upcoming", "ended", "sold_out" or "open"
  // For a given account: units bought, and what its cap still allows (nullopt: no cap).
  std::optional<uint64_t> bought;
  std::optional<uint64_t> remaining_for_account;
};
PackageStatus package_status(const StateReader& state, const Package& p, uint64_t t,
                             const std::optional<Address>& account);

struct TierStatus {
  uint32_t index = 0;  // into Config::tiers
  Amount spend = 0;    // in the window ending at t
  // The next tier, and the spend still missing to reach it; nullopt at the top.
  std::optional<uint32_t> next;
  Amount to_next = 0;
};
TierStatus tier_status(const StateReader& state, const Config& cfg, const Address& account, uint64_t t);

// When an account's tier falls because its spend leaves the tier window (no
// new spend assumed): from `time` on it is at tier `to` instead of `from`.
struct TierLapse {
  uint64_t time = 0;
  uint32_t from = 0;
  uint32_t to = 0;
  Amount spend_after = 0;  // in the window ending at `time`

  friend bool operator==(const TierLapse&, const TierLapse&) = default;
};
// The first lapse of `account`'s tier in (t, t + horizon], from its spend in
// the window ending at t; nullopt when its tier holds through t + horizon.
std::optional<TierLapse> tier_lapse(const StateReader& state, const Config& cfg, const Address& account, uint64_t t,
                                    uint64_t horizon);

struct SpendRank {
  Address account;
  Amount spend = 0;  // payment-asset spend in the tier window ending at t
  uint32_t tier = 0;
};
// Every buyer with spend in the window ending at t, largest spend first, ties
// by address ascending; nullopt when more than `max_entries` spend entries
// would have to be read.
std::optional<std::vector<SpendRank>> spend_leaderboard(const StateReader& state, const Config& cfg, uint64_t t,
                                                        size_t max_entries);

class Sale : public Contract {
 public:
  std::string_view name() const override { return "sale"; }
  std::vector<uint64_t> kinds() const override {
    return {kPurchaseKind, kCreatePackageKind, kUpdatePackageKind, kSetReporterKind, kUpgradeKind, kRefundKind,
            kDefineBadgeKind};
  }
  // Stake backed by a refunded purchase's bonus follows `clock` (contracts/native.h).
  void set_stake_clock(const vesting::StakeClock* clock) { clock_ = clock; }
  Status init_genesis(State& state, const boost::json::object& genesis) override;
  Status check(uint64_t kind, ByteView payload) const override;
  Status apply(Context& ctx, uint64_t kind, ByteView payload) override;
  // Releases escrowed payments whose refund window has closed (kReleasesPerBlock).
  void begin_block(Context& ctx) override;
  std::string_view invariants() const override {
    return "the sale escrow holds exactly the payments queued for release";
  }
  std::string check_invariants(const StateReader& state) const override;

 private:
  Status buy(Context& ctx, const Purchase& p);
  Status upgrade(Context& ctx, const Upgrade& u);
  Status refund(Context& ctx, const Refund& r);

  const vesting::StakeClock* clock_ = nullptr;
};

// Reads a package from its genesis JSON form (docs/genesis.md).
bool parse_package_json(const boost::json::value& v, const std::string& path, Package& out, std::string& error);
boost::json::object package_json(const Package& p);

}  // namespace vest::sale
