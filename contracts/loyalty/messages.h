// Badges and their rules, and their encoding (docs/protocol.md, "Messages").
// A badge is defined in genesis (`sale.badges`) or by the sale admin's
// sale.define_badge (contracts/sale/messages.h), whose payload is
// Badge::encode(). Wallets build these; only contracts/ executes them.
//
// Encoding: RLP[id, name, kind, tier, package, count, min_stake, duration, metric]
// with the fields foreign to the rule's kind 0 (or empty).
#pragma once

#include <cstdint>
#include <string>

#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/status.h"

namespace vest::loyalty {

// At most this many badges on a chain, and this many of them stake badges:
// each stake change of an account looks at every stake badge it does not hold
// yet, and its stake history keeps a step for each (docs/sale-and-vesting.md, "Badges").
constexpr size_t kMaxBadges = 64;
constexpr size_t kMaxStakeBadges = 16;
constexpr size_t kMaxBadgeName = 64;
// Longest stake duration: 100 Julian years, as for schedules.
constexpr uint64_t kMaxStakeDuration = 36'525ull * 86'400ull;

struct Rule {
  enum class Kind : uint8_t {
    kFirstPurchase = 1,  // the holder's first purchase
    kTier = 2,           // a purchase brings the holder to tier `tier` (an index of sale.tiers, > 0) or above
    kUpgraded = 3,       // the holder upgrades a purchase to package `package` (0: to any package)
    kReferrals = 4,      // `count` new buyers have named the holder as referrer
    kStake = 5,          // the holder has kept at least `min_stake` staked for `duration` seconds
    kUsage = 6,          // the holder's usage `metric` reaches `count`
  };
  Kind kind = Kind::kFirstPurchase;
  uint64_t tier = 0;
  uint64_t package = 0;
  uint64_t count = 0;
  Amount min_stake = 0;
  uint64_t duration = 0;
  std::string metric;

  friend bool operator==(const Rule&, const Rule&) = default;
};

// "first_purchase", "tier", "upgraded", "referrals", "stake" or "usage".
const char* kind_name(Rule::Kind kind);

struct Badge {
  uint32_t id = 0;  // > 0
  std::string name;  // 1..64 bytes
  Rule rule;

  Bytes encode() const;
  // Strict decode; kMalformedPayload on failure, `out` untouched.
  static Status decode(ByteView payload, Badge& out);
  // The rules every badge obeys, with the field named on failure (kBadBadge):
  // a rule that every account would meet at once (a threshold of 0, tier 0)
  // is refused, since awarding it would mean visiting every account.
  Status validate() const;

  friend bool operator==(const Badge&, const Badge&) = default;
};

// Rejection codes of badges (700..799).
enum class Code : uint32_t {
  kBadBadge = 700,         // a rule out of range, or naming a tier, package or metric the chain lacks
  kBadgeExists = 701,      // a badge with this id exists (badges never change once defined)
  kTooManyBadges = 702,    // kMaxBadges, or kMaxStakeBadges stake badges, already defined
  kMalformedPayload = 703,
};

const char* reason_of(Code code);
Status reject(Code code, std::string message);

}  // namespace vest::loyalty
