// Messages of the sale contract and their encodings (docs/protocol.md,
// "Messages"). Wallets build these; only contracts/sale executes them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/address.h"
#include "chain/amount.h"
#include "chain/bytes.h"
#include "chain/status.h"
#include "contracts/vesting/schedule.h"

namespace vest::sale {

// A package's terms. Encoding (the create_package payload and the stored form):
// RLP[id, name, price_asset, price, base, bonus_kind, bonus, schedule, supply_cap,
//     account_cap, start, end, paused, referral_bps, [upgrade_to, ...], refund_window]
struct Package {
  enum class BonusKind : uint8_t { kAmount = 0, kBps = 1 };

  uint32_t id = 0;
  std::string name;
  std::string price_asset;  // what the buyer pays in
  Amount price = 0;         // per unit, base units of price_asset
  Amount base = 0;          // tokens delivered at once per unit
  BonusKind bonus_kind = BonusKind::kBps;
  Amount bonus = 0;         // per unit (kAmount) or basis points of base (kBps)
  vesting::Schedule schedule;  // how the bonus vests, offsets from the purchase
  uint64_t supply_cap = 0;   // units that may ever be sold, 0: no cap
  uint64_t account_cap = 0;  // units one account may buy, 0: no cap
  uint64_t start = 0;        // sale window in block time; end 0: no end
  uint64_t end = 0;
  bool paused = false;
  uint32_t referral_bps = 0;  // referrer reward, basis points of base
  // Packages a purchase of this one may be upgraded to (sale.upgrade): at most
  // kMaxUpgradeTargets distinct ids, ascending, none this package's own.
  std::vector<uint32_t> upgrades_to;
  // Seconds after a purchase during which its buyer may return it (sale.refund);
  // the payment waits in the sale escrow until then. 0: no refunds.
  uint64_t refund_window = 0;

  Bytes encode() const;
  static Status decode(ByteView payload, Package& out);
  // The rules every package obeys, with the field named on failure.
  Status validate() const;
};

// Buys `quantity` of a package, paying at most `max_price` in total.
// payload = RLP[package_id, quantity, max_price, referrer] (referrer: 20 bytes or empty)
constexpr uint64_t kPurchaseKind = 10;
// Sale admin: adds a package. payload = the package encoding (encode_package).
constexpr uint64_t kCreatePackageKind = 11;
// Sale admin: changes a package's terms for future purchases.
// payload = RLP[package_id, price, start, end, supply_cap, account_cap, paused]
constexpr uint64_t kUpdatePackageKind = 12;
// Sale admin: hands a usage metric's reporting to another account
// (vesting::set_reporter). payload = RLP[metric, reporter]
constexpr uint64_t kSetReporterKind = 13;

// The buyer of purchase `from_purchase` moves its units to package
// `to_package`, paying at most `max_price` for the difference.
// payload = RLP[from_purchase, to_package, max_price]
constexpr uint64_t kUpgradeKind = 14;
// The buyer of purchase `purchase` returns it within its refund window.
// payload = RLP[purchase]
constexpr uint64_t kRefundKind = 15;

constexpr size_t kMaxUpgradeTargets = 8;
// Longest refund window: 365 days.
constexpr uint64_t kMaxRefundWindow = 365 * 86400;

struct Upgrade {
  uint64_t from_purchase = 0;
  uint32_t to_package = 0;
  Amount max_price = 0;

  Bytes encode() const;
  static Status decode(ByteView payload, Upgrade& out);
};

struct Refund {
  uint64_t purchase = 0;

  Bytes encode() const;
  static Status decode(ByteView payload, Refund& out);
};

// Sale admin: defines a badge (contracts/loyalty/messages.h). payload = the
// badge encoding (loyalty::Badge::encode). Refusals carry the badges' codes
// (700..799): a rule out of range or naming a tier, package or metric the
// chain lacks, an existing id, too many badges.
constexpr uint64_t kDefineBadgeKind = 19;

struct Purchase {
  uint32_t package_id = 0;
  uint64_t quantity = 0;
  Amount max_price = 0;
  std::optional<Address> referrer;

  Bytes encode() const;
  static Status decode(ByteView payload, Purchase& out);
};

struct PackageUpdate {
  uint32_t package_id = 0;
  Amount price = 0;
  uint64_t start = 0;
  uint64_t end = 0;  // 0: no end
  uint64_t supply_cap = 0;  // 0: no cap
  uint64_t account_cap = 0;  // 0: no cap
  bool paused = false;

  Bytes encode() const;
  static Status decode(ByteView payload, PackageUpdate& out);
};

struct SetReporter {
  std::string metric;
  Address reporter;

  Bytes encode() const;
  static Status decode(ByteView payload, SetReporter& out);
};

// Rejection codes of the sale contract (200..299).
enum class Code : uint32_t {
  kPackageNotFound = 200,
  kNotStarted = 201,
  kEnded = 202,
  kPaused = 203,
  kSoldOut = 204,
  kAccountCap = 205,
  kAboveMaxPrice = 206,
  kInsufficientPayment = 207,
  kInventoryExhausted = 208,
  kSelfReferral = 209,
  kReferrerNotBuyer = 210,
  kNotAdmin = 211,
  kBadPackage = 212,
  kZeroQuantity = 213,
  kMalformedPayload = 214,
  kPackageExists = 215,
  kOverflow = 216,
  kInsiderPurchase = 217,  // the treasury or the revenue account buying
  kModuleAccount = 218,    // a keyless module account as buyer or referrer
  kPurchaseNotFound = 219,
  kNotBuyer = 220,          // the sender did not make the purchase
  kNotUpgradable = 221,     // the package does not name the target, or the purchase cannot change any more
  kNotAnUpgrade = 222,      // the target would deliver less, or is priced in another asset
  kNoRefund = 223,          // the package has no refund window, or the purchase cannot be returned
  kRefundWindowClosed = 224,
  kRefundNeedsTokens = 225, // the buyer does not hold the base tokens (and claimed bonus) to return
  kRefundBlocked = 226,     // what the purchase counted already met a milestone
};

const char* reason_of(Code code);
Status reject(Code code, std::string message);

}  // namespace vest::sale
