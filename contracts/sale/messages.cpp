#include "contracts/sale/messages.h"

#include "chain/rlp.h"

namespace vest::sale {

namespace {

Status malformed(const rlp::ListReader& r, const char* what) {
  return reject(Code::kMalformedPayload, std::string(what) + " payload: " + rlp::to_string(r.error()));
}

uint32_t read_u32(rlp::ListReader& r) {
  uint64_t v = r.u64();
  if (v > UINT32_MAX) r.fail(rlp::Error::kIntegerOverflow);
  return static_cast<uint32_t>(v);
}

}  // namespace

const char* reason_of(Code code) {
  switch (code) {
    case Code::kPackageNotFound: return "package_not_found";
    case Code::kNotStarted: return "sale_not_started";
    case Code::kEnded: return "sale_ended";
    case Code::kPaused: return "package_paused";
    case Code::kSoldOut: return "sold_out";
    case Code::kAccountCap: return "account_cap_reached";
    case Code::kAboveMaxPrice: return "above_max_price";
    case Code::kInsufficientPayment: return "insufficient_payment";
    case Code::kInventoryExhausted: return "inventory_exhausted";
    case Code::kSelfReferral: return "self_referral";
    case Code::kReferrerNotBuyer: return "referrer_not_buyer";
    case Code::kNotAdmin: return "not_sale_admin";
    case Code::kBadPackage: return "bad_package";
    case Code::kZeroQuantity: return "zero_quantity";
    case Code::kMalformedPayload: return "malformed_payload";
    case Code::kPackageExists: return "package_exists";
    case Code::kOverflow: return "overflow";
    case Code::kInsiderPurchase: return "insider_purchase";
    case Code::kModuleAccount: return "module_account";
    case Code::kPurchaseNotFound: return "purchase_not_found";
    case Code::kNotBuyer: return "not_buyer";
    case Code::kNotUpgradable: return "not_upgradable";
    case Code::kNotAnUpgrade: return "not_an_upgrade";
    case Code::kNoRefund: return "not_refundable";
    case Code::kRefundWindowClosed: return "refund_window_closed";
    case Code::kRefundNeedsTokens: return "refund_needs_tokens";
    case Code::kRefundBlocked: return "refund_blocked";
  }
  return "unknown";
}

Status reject(Code code, std::string message) {
  return Status{static_cast<uint32_t>(code), reason_of(code), std::move(message)};
}

Bytes SetReporter::encode() const {
  rlp::Encoder e;
  e.begin_list().str(metric).fixed(reporter).end_list();
  return e.finish();
}

Status SetReporter::decode(ByteView payload, SetReporter& out) {
  rlp::ListReader r(payload);
  SetReporter m;
  m.metric = r.str();
  m.reporter = r.fixed<20>();
  if (!r.done()) return malformed(r, "set_reporter");
  out = std::move(m);
  return Status::success();
}

Bytes Upgrade::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(from_purchase).uint(to_package).uint(max_price).end_list();
  return e.finish();
}

Status Upgrade::decode(ByteView payload, Upgrade& out) {
  rlp::ListReader r(payload);
  Upgrade u;
  u.from_purchase = r.u64();
  u.to_package = read_u32(r);
  u.max_price = r.u128v();
  if (!r.done()) return malformed(r, "upgrade");
  out = u;
  return Status::success();
}

Bytes Refund::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(purchase).end_list();
  return e.finish();
}

Status Refund::decode(ByteView payload, Refund& out) {
  rlp::ListReader r(payload);
  Refund f;
  f.purchase = r.u64();
  if (!r.done()) return malformed(r, "refund");
  out = f;
  return Status::success();
}

Bytes Purchase::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(package_id).uint(quantity).uint(max_price);
  if (referrer) {
    e.fixed(*referrer);
  } else {
    e.bytes({});
  }
  e.end_list();
  return e.finish();
}

Status Purchase::decode(ByteView payload, Purchase& out) {
  rlp::ListReader r(payload);
  Purchase p;
  p.package_id = read_u32(r);
  p.quantity = r.u64();
  p.max_price = r.u128v();
  ByteView ref = r.bytes();
  if (!r.done()) return malformed(r, "purchase");
  if (!ref.empty()) {
    auto a = Address::from(ref);
    if (!a) return reject(Code::kMalformedPayload, "purchase payload: referrer must be 20 bytes or empty");
    p.referrer = *a;
  }
  out = p;
  return Status::success();
}

Bytes PackageUpdate::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(package_id).uint(price).uint(start).uint(end).uint(supply_cap).uint(account_cap);
  e.uint(paused ? 1 : 0).end_list();
  return e.finish();
}

Status PackageUpdate::decode(ByteView payload, PackageUpdate& out) {
  rlp::ListReader r(payload);
  PackageUpdate u;
  u.package_id = read_u32(r);
  u.price = r.u128v();
  u.start = r.u64();
  u.end = r.u64();
  u.supply_cap = r.u64();
  u.account_cap = r.u64();
  uint64_t paused = r.u64();
  if (!r.done()) return malformed(r, "update_package");
  if (paused > 1) return reject(Code::kMalformedPayload, "update_package payload: paused must be 0 or 1");
  u.paused = paused == 1;
  out = u;
  return Status::success();
}

Bytes Package::encode() const {
  rlp::Encoder e;
  e.begin_list().uint(id).str(name).str(price_asset).uint(price).uint(base).uint(static_cast<uint8_t>(bonus_kind));
  e.uint(bonus).bytes(vesting::encode(schedule)).uint(supply_cap).uint(account_cap).uint(start).uint(end);
  e.uint(paused ? 1 : 0).uint(referral_bps).begin_list();
  for (uint32_t to : upgrades_to) e.uint(to);
  e.end_list().uint(refund_window).end_list();
  return e.finish();
}

Status Package::decode(ByteView payload, Package& out) {
  rlp::ListReader r(payload);
  Package p;
  p.id = read_u32(r);
  p.name = r.str();
  p.price_asset = r.str();
  p.price = r.u128v();
  p.base = r.u128v();
  uint64_t kind = r.u64();
  p.bonus = r.u128v();
  ByteView schedule = r.bytes();
  p.supply_cap = r.u64();
  p.account_cap = r.u64();
  p.start = r.u64();
  p.end = r.u64();
  uint64_t paused = r.u64();
  p.referral_bps = read_u32(r);
  rlp::ListReader to = r.list();
  while (to.ok() && !to.at_end() && p.upgrades_to.size() <= kMaxUpgradeTargets) p.upgrades_to.push_back(read_u32(to));
  p.refund_window = r.u64();
  if (!to.done()) return malformed(to.ok() ? r : to, "package");
  if (!r.done()) return malformed(r, "package");
  if (kind > 1 || paused > 1) return reject(Code::kMalformedPayload, "package payload: field out of range");
  p.bonus_kind = static_cast<BonusKind>(kind);
  p.paused = paused == 1;
  if (Status s = vesting::decode(schedule, p.schedule); !s.ok())
    return reject(Code::kBadPackage, "package schedule: " + s.message);
  out = std::move(p);
  return Status::success();
}

Status Package::validate() const {
  auto bad = [](const std::string& m) { return reject(Code::kBadPackage, m); };
  if (id == 0) return bad("id: must be positive");
  if (name.empty() || name.size() > 64) return bad("name: must be 1 to 64 characters");
  if (price == 0) return bad("price: must be positive");
  if (base == 0) return bad("base: must be positive");
  if (bonus_kind == BonusKind::kBps && bonus > 100000) return bad("bonus.bps: at most 100000 (10x base)");
  if (referral_bps > 10000) return bad("referral_bps: at most 10000");
  if (end != 0 && end <= start) return bad("end: must be after start");
  if (upgrades_to.size() > kMaxUpgradeTargets)
    return bad("upgrades_to: at most " + std::to_string(kMaxUpgradeTargets) + " packages");
  for (size_t i = 0; i < upgrades_to.size(); ++i) {
    if (upgrades_to[i] == 0 || upgrades_to[i] == id)
      return bad("upgrades_to[" + std::to_string(i) + "]: must be another package's id");
    if (i > 0 && upgrades_to[i] <= upgrades_to[i - 1])
      return bad("upgrades_to[" + std::to_string(i) + "]: ids ascend without repeats");
  }
  if (refund_window > kMaxRefundWindow) return bad("refund_window: at most 365 days");
  if (Status s = vesting::validate(schedule); !s.ok()) return bad("schedule." + s.message);
  return Status::success();
}

}  // namespace vest::sale
