#include "contracts/sale/sale.h"

#include <algorithm>
#include <cassert>
#include <map>

#include "chain/json_fields.h"
#include "chain/rlp.h"
#include "contracts/bank/bank.h"
#include "contracts/loyalty/loyalty.h"
#include "contracts/modules.h"
#include "contracts/vesting/vesting.h"

namespace vest::sale {

namespace {

constexpr std::string_view kConfigKey = "sale/config";
constexpr std::string_view kPackagePrefix = "sale/pkg/";
constexpr std::string_view kSoldPrefix = "sale/sold/";
constexpr std::string_view kBoughtPrefix = "sale/bought/";
constexpr std::string_view kNextKey = "sale/next";
constexpr std::string_view kPurchasePrefix = "sale/purchase/";
constexpr std::string_view kBuyerPrefix = "sale/buyer/";
constexpr std::string_view kSpendPrefix = "sale/spend/";
constexpr std::string_view kReleasePrefix = "sale/release/";

Bytes package_key(uint32_t id) { return make_key(kPackagePrefix, u32_be(id)); }
Bytes sold_key(uint32_t id) { return make_key(kSoldPrefix, u32_be(id)); }
Bytes bought_key(uint32_t id, const Address& a) { return make_key(kBoughtPrefix, u32_be(id), a.view()); }
Bytes purchase_key(uint64_t id) { return make_key(kPurchasePrefix, u64_be(id)); }
Bytes buyer_key(const Address& a, uint64_t id) { return make_key(kBuyerPrefix, a.view(), u64_be(id)); }
Bytes release_key(uint64_t time, uint64_t id) { return make_key(kReleasePrefix, u64_be(time), u64_be(id)); }
Bytes spend_key(const Address& a, uint64_t time, uint64_t id) {
  Bytes k = make_key(kSpendPrefix, a.view());
  put_u64_be(k, time);
  put_u64_be(k, id);
  return k;
}

uint64_t read_count(const StateReader& state, const Bytes& key) {
  auto v = state.get(key);
  if (!v) return 0;
  auto n = decode_uint(*v);
  assert(n && *n <= UINT64_MAX);
  return static_cast<uint64_t>(n.value_or(0));
}

Bytes encode_config(const Config& c) {
  rlp::Encoder e;
  e.begin_list().fixed(c.admin).fixed(c.treasury).fixed(c.revenue).str(c.payment_asset).str(c.token_asset);
  e.uint(c.tier_window).begin_list();
  for (const Tier& t : c.tiers) e.begin_list().str(t.name).uint(t.min_spend).uint(t.bonus_bps).end_list();
  e.end_list().end_list();
  return e.finish();
}

Bytes encode_purchase(const PurchaseRecord& p) {
  rlp::Encoder e;
  e.begin_list().fixed(p.buyer).uint(p.package_id).uint(p.quantity).str(p.price_asset).uint(p.cost).uint(p.base);
  e.uint(p.bonus).uint(p.tier_bonus).uint(p.tier);
  if (p.referrer) {
    e.fixed(*p.referrer);
  } else {
    e.bytes({});
  }
  e.uint(p.referral_reward).uint(p.position_id).uint(p.referral_position_id).uint(p.time).uint(p.height);
  e.uint(p.upgrade_of).uint(p.upgraded_by).uint(p.release_at).uint(p.released ? 1 : 0).uint(p.refunded_at);
  e.uint(p.counted_referral ? 1 : 0).end_list();
  return e.finish();
}

// A package whose schedule names a usage metric the chain does not have
// could never vest that part: refused.
Status known_metrics(const StateReader& state, const Package& p) {
  for (size_t i = 0; i < p.schedule.parts.size(); ++i) {
    const auto& part = p.schedule.parts[i];
    if (part.kind == vesting::Part::Kind::kUsage && !vesting::metric_reporter(state, part.metric))
      return reject(Code::kBadPackage, "schedule.parts[" + std::to_string(i) + "].metric: no usage metric " +
                                           part.metric + " on this chain");
  }
  return Status::success();
}

// What a badge's rule names must exist: a tier of the sale, a package, a usage
// metric (loyalty checks the rest, Badge::validate).
Status badge_refs(const StateReader& state, const Config& cfg, const loyalty::Badge& b) {
  const loyalty::Rule& r = b.rule;
  if (r.kind == loyalty::Rule::Kind::kTier && r.tier >= cfg.tiers.size())
    return loyalty::reject(loyalty::Code::kBadBadge, "rule.tier: the sale has tiers 0 to " +
                                                        std::to_string(cfg.tiers.size() - 1));
  if (r.kind == loyalty::Rule::Kind::kUpgraded && r.package != 0 && !package(state, static_cast<uint32_t>(r.package)))
    return loyalty::reject(loyalty::Code::kBadBadge, "rule.package: no package " + std::to_string(r.package));
  if (r.kind == loyalty::Rule::Kind::kUsage && !vesting::metric_reporter(state, r.metric))
    return loyalty::reject(loyalty::Code::kBadBadge, "rule.metric: no usage metric " + r.metric + " on this chain");
  return Status::success();
}

// The ids `p` upgrades to that name no package of the chain (an upgrade to
// them could never happen): refused.
Status known_targets(const StateReader& state, const Package& p) {
  for (size_t i = 0; i < p.upgrades_to.size(); ++i) {
    if (!state.get(package_key(p.upgrades_to[i])))
      return reject(Code::kBadPackage, "upgrades_to[" + std::to_string(i) + "]: no package " +
                                           std::to_string(p.upgrades_to[i]));
  }
  return Status::success();
}

std::string q_text(uint64_t q) { return std::to_string(q) + (q == 1 ? " unit" : " units"); }

// Amount of `base` in basis points, rounded down.
std::optional<Amount> bps_of(Amount base, uint64_t bps) { return mul_div(base, bps, 10000); }

}  // namespace

Address sale_escrow_address() { return module_address(kSaleEscrowModule); }

std::optional<Config> config(const StateReader& state) {
  auto v = state.get(as_bytes(kConfigKey));
  if (!v) return std::nullopt;
  rlp::ListReader r(*v);
  Config c;
  c.admin = r.fixed<20>();
  c.treasury = r.fixed<20>();
  c.revenue = r.fixed<20>();
  c.payment_asset = r.str();
  c.token_asset = r.str();
  c.tier_window = r.u64();
  rlp::ListReader tiers = r.list();
  while (tiers.ok() && !tiers.at_end()) {
    rlp::ListReader t = tiers.list();
    Tier tier;
    tier.name = t.str();
    tier.min_spend = t.u128v();
    tier.bonus_bps = static_cast<uint32_t>(t.u64());
    if (!t.done()) return std::nullopt;
    c.tiers.push_back(tier);
  }
  if (!tiers.done() || !r.done()) return std::nullopt;
  return c;
}

void save_config(State& state, const Config& cfg) { state.put(as_bytes(kConfigKey), encode_config(cfg)); }

std::optional<Package> package(const StateReader& state, uint32_t id) {
  auto v = state.get(package_key(id));
  if (!v) return std::nullopt;
  Package p;
  Status s = Package::decode(*v, p);
  assert(s.ok() && "corrupt stored package");
  if (!s.ok()) return std::nullopt;
  return p;
}

std::vector<Package> packages(const StateReader& state) {
  std::vector<Package> out;
  state.scan(as_bytes(kPackagePrefix), {}, [&](ByteView, ByteView v) {
    Package p;
    if (Package::decode(v, p).ok()) out.push_back(std::move(p));
    return out.size() < 1000;
  });
  return out;
}

uint64_t sold(const StateReader& state, uint32_t id) { return read_count(state, sold_key(id)); }
uint64_t bought(const StateReader& state, uint32_t id, const Address& a) { return read_count(state, bought_key(id, a)); }

namespace {

std::optional<PurchaseRecord> decode_purchase(uint64_t id, ByteView raw) {
  rlp::ListReader r(raw);
  PurchaseRecord p;
  p.id = id;
  p.buyer = r.fixed<20>();
  p.package_id = static_cast<uint32_t>(r.u64());
  p.quantity = r.u64();
  p.price_asset = r.str();
  p.cost = r.u128v();
  p.base = r.u128v();
  p.bonus = r.u128v();
  p.tier_bonus = r.u128v();
  p.tier = static_cast<uint32_t>(r.u64());
  ByteView ref = r.bytes();
  p.referral_reward = r.u128v();
  p.position_id = r.u64();
  p.referral_position_id = r.u64();
  p.time = r.u64();
  p.height = r.u64();
  p.upgrade_of = r.u64();
  p.upgraded_by = r.u64();
  p.release_at = r.u64();
  const uint64_t released = r.u64();
  p.refunded_at = r.u64();
  const uint64_t counted = r.u64();
  if (!r.done() || released > 1 || counted > 1) return std::nullopt;
  p.released = released == 1;
  p.counted_referral = counted == 1;
  if (!ref.empty()) p.referrer = Address::from(ref);
  return p;
}

}  // namespace

std::optional<PurchaseRecord> purchase(const StateReader& state, uint64_t id) {
  auto v = state.get(purchase_key(id));
  if (!v) return std::nullopt;
  return decode_purchase(id, *v);
}

void for_each_purchase(const StateReader& state, uint64_t from_id,
                       const std::function<bool(const PurchaseRecord&)>& fn) {
  const Bytes prefix(kPurchasePrefix.begin(), kPurchasePrefix.end());
  state.scan(prefix, purchase_key(from_id), [&](ByteView key, ByteView value) {
    if (key.size() != prefix.size() + 8) return true;
    auto p = decode_purchase(get_u64_be(key.data() + prefix.size()), value);
    assert(p && "corrupt stored purchase");
    return fn(*p);
  });
}

std::vector<uint64_t> purchase_ids(const StateReader& state, const Address& account, uint64_t before, size_t limit) {
  // Ids ascend with time; collect the newest below `before` by scanning the
  // account's index (its length is the account's own purchase count).
  std::vector<uint64_t> all;
  Bytes prefix = make_key(kBuyerPrefix, account.view());
  state.scan(prefix, {}, [&](ByteView key, ByteView) {
    uint64_t id = get_u64_be(key.data() + prefix.size());
    if (before == 0 || id < before) all.push_back(id);
    return true;
  });
  std::vector<uint64_t> out;
  for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

bool has_purchased(const StateReader& state, const Address& account) {
  bool found = false;
  state.scan(make_key(kBuyerPrefix, account.view()), {}, [&](ByteView, ByteView) {
    found = true;
    return false;
  });
  return found;
}

Amount spend_in_window(const StateReader& state, const Config& cfg, const Address& account, uint64_t t) {
  uint64_t from = t > cfg.tier_window ? t - cfg.tier_window + 1 : 0;
  Bytes prefix = make_key(kSpendPrefix, account.view());
  Amount sum = 0;
  state.scan(prefix, spend_key(account, from, 0), [&](ByteView key, ByteView value) {
    uint64_t time = get_u64_be(key.data() + prefix.size());
    if (time > t) return false;
    sum = checked_add(sum, decode_uint(value).value_or(0)).value_or(kU128Max);
    return true;
  });
  return sum;
}

uint32_t tier_for(const Config& cfg, Amount spend) {
  uint32_t tier = 0;
  for (uint32_t i = 0; i < cfg.tiers.size(); ++i)
    if (spend >= cfg.tiers[i].min_spend) tier = i;
  return tier;
}

Status tier_steps(const Config& cfg, const Package& pkg, Amount spend, uint64_t quantity, std::vector<TierStep>& out) {
  out.clear();
  // Only payment-asset spend moves a buyer up the tiers.
  const bool counts = pkg.price_asset == cfg.payment_asset && pkg.price > 0;
  uint64_t left = quantity;
  while (left > 0) {
    const uint32_t tier = tier_for(cfg, spend);
    uint64_t units = left;
    if (counts && tier + 1 < cfg.tiers.size()) {
      // Units bought below the next tier's threshold: ceil(gap / price).
      const Amount gap = cfg.tiers[tier + 1].min_spend - spend;
      const Amount below = gap / pkg.price + (gap % pkg.price != 0 ? 1 : 0);
      if (below < units) units = static_cast<uint64_t>(below);
    }
    auto unit_bonus = bps_of(pkg.base, cfg.tiers.empty() ? 0 : cfg.tiers[tier].bonus_bps);
    auto bonus = unit_bonus ? checked_mul(*unit_bonus, units) : std::nullopt;
    if (!bonus) return reject(Code::kOverflow, "amounts overflow 128 bits");
    out.push_back(TierStep{tier, units, *bonus});
    left -= units;
    if (counts) spend = checked_add(spend, checked_mul(pkg.price, units).value_or(kU128Max)).value_or(kU128Max);
  }
  return Status::success();
}

PackageStatus package_status(const StateReader& state, const Package& p, uint64_t t,
                             const std::optional<Address>& account) {
  PackageStatus st;
  st.package = p;
  st.sold = sold(state, p.id);
  if (p.supply_cap) st.remaining = p.supply_cap - std::min(st.sold, p.supply_cap);
  if (p.paused) {
    st.status = "paused";
  } else if (t < p.start) {
    st.status = "upcoming";
  } else if (p.end != 0 && t >= p.end) {
    st.status = "ended";
  } else if (p.supply_cap && st.sold >= p.supply_cap) {
    st.status = "sold_out";
  } else {
    st.status = "open";
  }
  if (account) {
    st.bought = bought(state, p.id, *account);
    if (p.account_cap) st.remaining_for_account = p.account_cap - std::min(*st.bought, p.account_cap);
  }
  return st;
}

TierStatus tier_status(const StateReader& state, const Config& cfg, const Address& account, uint64_t t) {
  TierStatus st;
  st.spend = spend_in_window(state, cfg, account, t);
  st.index = tier_for(cfg, st.spend);
  if (st.index + 1 < cfg.tiers.size()) {
    st.next = st.index + 1;
    st.to_next = cfg.tiers[st.index + 1].min_spend - st.spend;
  }
  return st;
}

std::optional<TierLapse> tier_lapse(const StateReader& state, const Config& cfg, const Address& account, uint64_t t,
                                    uint64_t horizon) {
  // The window's entries, oldest first: each stops counting one window after its time.
  const uint64_t from = t > cfg.tier_window ? t - cfg.tier_window + 1 : 0;
  const uint64_t end = t > UINT64_MAX - horizon ? UINT64_MAX : t + horizon;
  Bytes prefix = make_key(kSpendPrefix, account.view());
  std::vector<std::pair<uint64_t, Amount>> entries;
  Amount spend = 0;
  state.scan(prefix, spend_key(account, from, 0), [&](ByteView key, ByteView value) {
    uint64_t time = get_u64_be(key.data() + prefix.size());
    if (time > t) return false;
    Amount cost = decode_uint(value).value_or(0);
    spend = checked_add(spend, cost).value_or(kU128Max);
    entries.emplace_back(time, cost);
    return true;
  });
  const uint32_t tier = tier_for(cfg, spend);
  if (tier == 0) return std::nullopt;
  for (size_t i = 0; i < entries.size();) {
    const uint64_t time = entries[i].first;
    if (time > UINT64_MAX - cfg.tier_window || time + cfg.tier_window > end) return std::nullopt;
    // Every entry of that time leaves at once.
    for (; i < entries.size() && entries[i].first == time; ++i) spend -= std::min(spend, entries[i].second);
    if (const uint32_t now = tier_for(cfg, spend); now < tier)
      return TierLapse{time + cfg.tier_window, tier, now, spend};
  }
  return std::nullopt;
}

std::optional<std::vector<SpendRank>> spend_leaderboard(const StateReader& state, const Config& cfg, uint64_t t,
                                                        size_t max_entries) {
  // Spend per buyer from the spend entries in the window (pruned as buyers buy).
  const uint64_t from = t > cfg.tier_window ? t - cfg.tier_window + 1 : 0;
  const size_t skip = kSpendPrefix.size();
  std::map<Address, Amount> spend;
  size_t scanned = 0;
  state.scan(as_bytes(kSpendPrefix), {}, [&](ByteView key, ByteView value) {
    if (++scanned > max_entries) return false;
    const uint64_t time = get_u64_be(key.data() + skip + 20);
    if (time >= from && time <= t) {
      Address a = *Address::from(key.subspan(skip, 20));
      spend[a] = checked_add(spend[a], decode_uint(value).value_or(0)).value_or(kU128Max);
    }
    return true;
  });
  if (scanned > max_entries) return std::nullopt;
  std::vector<SpendRank> rows;
  for (const auto& [a, amount] : spend) rows.push_back(SpendRank{a, amount, tier_for(cfg, amount)});
  std::stable_sort(rows.begin(), rows.end(), [](const SpendRank& x, const SpendRank& y) { return x.spend > y.spend; });
  return rows;
}

namespace {

// Whether `buyer` may take `quantity` units of `pkg` now: not paused, inside
// its window, within its supply and account caps (purchases and upgrades alike).
Status on_sale(const StateReader& state, const BlockEnv& block, const Package& pkg, const Address& buyer,
               uint64_t quantity) {
  if (pkg.paused) return reject(Code::kPaused, "package " + pkg.name + " is paused");
  if (block.time < pkg.start)
    return reject(Code::kNotStarted, "package " + pkg.name + " is on sale from " + std::to_string(pkg.start));
  if (pkg.end != 0 && block.time >= pkg.end)
    return reject(Code::kEnded, "the sale of " + pkg.name + " ended at " + std::to_string(pkg.end));
  uint64_t sold_now = sold(state, pkg.id);
  if (pkg.supply_cap && (quantity > pkg.supply_cap || sold_now > pkg.supply_cap - quantity))
    return reject(Code::kSoldOut, std::to_string(pkg.supply_cap - std::min(sold_now, pkg.supply_cap)) +
                                      " units of " + pkg.name + " are left");
  uint64_t mine = bought(state, pkg.id, buyer);
  if (pkg.account_cap && (quantity > pkg.account_cap || mine > pkg.account_cap - quantity))
    return reject(Code::kAccountCap, "an account may buy " + std::to_string(pkg.account_cap) + " units of " +
                                         pkg.name + "; this one has " + std::to_string(mine));
  return Status::success();
}

}  // namespace

Status plan_purchase(const StateReader& state, const BlockEnv& block, const Address& buyer, const Purchase& p,
                     Plan& out) {
  auto cfg = config(state);
  if (!cfg) return reject(Code::kPackageNotFound, "this chain has no sale");
  auto pkg = package(state, p.package_id);
  if (!pkg) return reject(Code::kPackageNotFound, "no package " + std::to_string(p.package_id));
  if (p.quantity == 0) return reject(Code::kZeroQuantity, "quantity must be positive");
  // The treasury and the revenue account would pay themselves: nothing would
  // move but the inventory (docs/sale-and-vesting.md, "Who can buy").
  if (buyer == cfg->treasury || buyer == cfg->revenue)
    return reject(Code::kInsiderPurchase, to_checksum(buyer) + " is the sale's " +
                                              (buyer == cfg->treasury ? "treasury" : "revenue account") +
                                              " and cannot buy from itself");
  if (auto module = module_account_name(buyer))
    return reject(Code::kModuleAccount, to_checksum(buyer) + " is " + std::string(*module) + ", a module account");
  if (p.referrer) {
    if (auto module = module_account_name(*p.referrer))
      return reject(Code::kModuleAccount,
                    "the referrer " + to_checksum(*p.referrer) + " is " + std::string(*module) + ", a module account");
  }
  if (Status s = on_sale(state, block, *pkg, buyer, p.quantity); !s.ok()) return s;

  auto overflow = [] { return reject(Code::kOverflow, "amounts overflow 128 bits"); };
  auto cost = checked_mul(pkg->price, p.quantity);
  auto base = checked_mul(pkg->base, p.quantity);
  if (!cost || !base) return overflow();
  if (*cost > p.max_price)
    return reject(Code::kAboveMaxPrice, "the price is " + bank::amount_text(state, pkg->price_asset, *cost) +
                                            ", above the signed maximum " +
                                            bank::amount_text(state, pkg->price_asset, p.max_price));
  // A purchase of q units earns exactly what q single purchases in a row
  // would: every amount is computed per unit, and each unit gets the tier its
  // buyer has reached with the units before it.
  std::optional<Amount> unit_bonus =
      pkg->bonus_kind == Package::BonusKind::kBps ? bps_of(pkg->base, pkg->bonus) : std::optional<Amount>(pkg->bonus);
  std::optional<Amount> bonus = unit_bonus ? checked_mul(*unit_bonus, p.quantity) : std::nullopt;
  if (!bonus) return overflow();

  Amount spend = spend_in_window(state, *cfg, buyer, block.time);
  std::vector<TierStep> steps;
  Amount tier_bonus = 0;
  if (Status s = tier_steps(*cfg, *pkg, spend, p.quantity, steps); !s.ok()) return s;
  for (const TierStep& step : steps) {
    auto sum = checked_add(tier_bonus, step.tier_bonus);
    if (!sum) return overflow();
    tier_bonus = *sum;
  }

  Amount referral = 0;
  if (p.referrer) {
    if (*p.referrer == buyer) return reject(Code::kSelfReferral, "an account cannot refer itself");
    if (!has_purchased(state, *p.referrer))
      return reject(Code::kReferrerNotBuyer, "the referrer " + to_checksum(*p.referrer) + " has never bought");
    auto unit = bps_of(pkg->base, pkg->referral_bps);
    auto r = unit ? checked_mul(*unit, p.quantity) : std::nullopt;
    if (!r) return overflow();
    referral = *r;
  }

  Amount have = bank::balance(state, buyer, pkg->price_asset);
  if (have < *cost)
    return reject(Code::kInsufficientPayment, "the price is " + bank::amount_text(state, pkg->price_asset, *cost) +
                                                  "; the buyer holds " +
                                                  bank::amount_text(state, pkg->price_asset, have));
  auto delivered = checked_add(*base, *bonus);
  if (delivered) delivered = checked_add(*delivered, tier_bonus);
  if (delivered) delivered = checked_add(*delivered, referral);
  if (!delivered) return overflow();
  Amount inventory = bank::balance(state, cfg->treasury, cfg->token_asset);
  if (inventory < *delivered)
    return reject(Code::kInventoryExhausted, "the treasury holds " +
                                                 bank::amount_text(state, cfg->token_asset, inventory) +
                                                 ", the purchase needs " +
                                                 bank::amount_text(state, cfg->token_asset, *delivered));
  out = Plan{*pkg, p.quantity, *cost, *base, *bonus, tier_bonus, steps.front().tier, referral, spend, steps};
  return Status::success();
}

// Records `cost` of payment-asset spend by the sender at the block's time
// (the tier window), with "sale.tier_changed" when it lifts the sender above `tier`.
void record_spend(Context& ctx, const Config& cfg, uint64_t id, Amount cost, Amount spend_before, uint32_t tier) {
  // Spend entries older than the window no longer count: prune them now, so
  // each entry is deleted once and the window sum stays a short scan.
  Bytes prefix = make_key(kSpendPrefix, ctx.sender.view());
  std::vector<Bytes> stale;
  uint64_t horizon = ctx.block.time > cfg.tier_window ? ctx.block.time - cfg.tier_window : 0;
  ctx.state.scan(prefix, {}, [&](ByteView key, ByteView) {
    if (get_u64_be(key.data() + prefix.size()) > horizon) return false;
    stale.emplace_back(key.begin(), key.end());
    return stale.size() < 64;
  });
  for (const Bytes& k : stale) ctx.state.erase(k);
  if (cost == 0) return;
  ctx.state.put(spend_key(ctx.sender, ctx.block.time, id), encode_uint(cost));
  auto spend_after = checked_add(spend_before, cost).value_or(kU128Max);
  uint32_t tier_after = tier_for(cfg, spend_after);
  if (tier_after > tier) {
    ctx.emit(Event{"sale.tier_changed",
                   {ctx.sender},
                   {{"account", to_checksum(ctx.sender)},
                    {"from", cfg.tiers[tier].name},
                    {"to", cfg.tiers[tier_after].name},
                    {"spend", to_decimal(spend_after)}}});
  }
}

Status Sale::buy(Context& ctx, const Purchase& p) {
  Plan plan;
  if (Status s = plan_purchase(ctx.state, ctx.block, ctx.sender, p, plan); !s.ok()) return s;
  Config cfg = *config(ctx.state);
  const Package& pkg = plan.package;
  // A referral counts toward referral milestones when it brings a new buyer:
  // one whose first purchase this is.
  const bool new_buyer = !has_purchased(ctx.state, ctx.sender);

  auto next = ctx.state.get(as_bytes(kNextKey));
  uint64_t id = next ? static_cast<uint64_t>(decode_uint(*next).value_or(1)) : 1;
  ctx.state.put(as_bytes(kNextKey), encode_uint(id + 1));

  // Within a refund window the payment waits in the sale escrow; it moves to
  // revenue when the window closes (begin_block), so a refund never depends
  // on what the revenue account still holds.
  uint64_t release_at = 0;
  if (pkg.refund_window > 0) {
    auto at = checked_add(ctx.block.time, pkg.refund_window);
    if (!at || *at > UINT64_MAX) return reject(Code::kOverflow, "the refund window ends past 2^64 - 1");
    release_at = static_cast<uint64_t>(*at);
    if (Status s = bank::transfer(ctx, ctx.sender, sale_escrow_address(), pkg.price_asset, plan.cost, "sale_escrow");
        !s.ok())
      return s;
    ctx.state.put(release_key(release_at, id), {});
  } else if (Status s = bank::transfer(ctx, ctx.sender, cfg.revenue, pkg.price_asset, plan.cost, "sale_payment");
             !s.ok()) {
    return s;
  }
  if (Status s = bank::transfer(ctx, cfg.treasury, ctx.sender, cfg.token_asset, plan.base, "sale_delivery"); !s.ok())
    return s;

  PurchaseRecord rec;
  rec.id = id;
  rec.buyer = ctx.sender;
  rec.package_id = pkg.id;
  rec.quantity = plan.quantity;
  rec.price_asset = pkg.price_asset;
  rec.cost = plan.cost;
  rec.base = plan.base;
  rec.bonus = plan.bonus;
  rec.tier_bonus = plan.tier_bonus;
  rec.tier = plan.tier;
  rec.referrer = p.referrer;
  rec.referral_reward = plan.referral_reward;
  rec.time = ctx.block.time;
  rec.height = ctx.block.height;
  rec.release_at = release_at;
  rec.counted_referral = p.referrer.has_value() && new_buyer;

  ctx.emit(Event{"sale.purchase",
                 {ctx.sender},
                 {{"id", std::to_string(id)},
                  {"buyer", to_checksum(ctx.sender)},
                  {"package", std::to_string(pkg.id)},
                  {"quantity", std::to_string(plan.quantity)},
                  {"cost", to_decimal(plan.cost)},
                  {"priceAsset", pkg.price_asset},
                  {"base", to_decimal(plan.base)},
                  {"bonus", to_decimal(plan.bonus)},
                  {"tierBonus", to_decimal(plan.tier_bonus)},
                  {"releaseAt", std::to_string(release_at)}}});

  // Counts for purchases and referrals milestones, raised before this
  // purchase's positions exist, so that they count only later purchases.
  if (Status s = vesting::add_count(ctx, ctx.sender, {vesting::Count::kUnits, ""}, plan.quantity); !s.ok()) return s;
  if (pkg.price_asset == cfg.payment_asset) {
    if (Status s = vesting::add_count(ctx, ctx.sender, {vesting::Count::kSpend, ""}, plan.cost); !s.ok()) return s;
  }
  if (p.referrer && new_buyer) {
    if (Status s = vesting::add_count(ctx, *p.referrer, {vesting::Count::kReferrals, ""}, 1); !s.ok()) return s;
  }

  Amount locked = plan.bonus + plan.tier_bonus;  // cannot overflow: plan checked the sum
  if (locked > 0) {
    vesting::NewPosition np{ctx.sender, cfg.token_asset, locked, cfg.treasury, false, ctx.block.time,
                            pkg.schedule, vesting::Origin::kPurchase, id};
    if (Status s = vesting::create_position(ctx, np, rec.position_id); !s.ok()) return s;
  }
  if (p.referrer && plan.referral_reward > 0) {
    // Referral rewards vest on the package's schedule and stay revocable by the
    // treasury, so a refund can take them back.
    vesting::NewPosition np{*p.referrer, cfg.token_asset, plan.referral_reward, cfg.treasury, true,
                            ctx.block.time, pkg.schedule, vesting::Origin::kReferral, id};
    if (Status s = vesting::create_position(ctx, np, rec.referral_position_id); !s.ok()) return s;
    ctx.emit(Event{"sale.referral",
                   {*p.referrer, ctx.sender},
                   {{"purchase", std::to_string(id)},
                    {"referrer", to_checksum(*p.referrer)},
                    {"buyer", to_checksum(ctx.sender)},
                    {"reward", to_decimal(plan.referral_reward)},
                    {"position", std::to_string(rec.referral_position_id)}}});
  }

  ctx.state.put(purchase_key(id), encode_purchase(rec));
  ctx.state.put(buyer_key(ctx.sender, id), {});
  ctx.state.put(sold_key(pkg.id), encode_uint(sold(ctx.state, pkg.id) + plan.quantity));
  ctx.state.put(bought_key(pkg.id, ctx.sender), encode_uint(bought(ctx.state, pkg.id, ctx.sender) + plan.quantity));

  if (pkg.price_asset == cfg.payment_asset) record_spend(ctx, cfg, id, plan.cost, plan.spend_before, plan.tier);
  // Badges for a first purchase and the tier now reached.
  loyalty::purchased(ctx, ctx.sender, tier_for(cfg, spend_in_window(ctx.state, cfg, ctx.sender, ctx.block.time)));
  return Status::success();
}

Status plan_upgrade(const StateReader& state, const BlockEnv& block, const Address& buyer, const Upgrade& u,
                    UpgradePlan& out) {
  auto cfg = config(state);
  if (!cfg) return reject(Code::kPackageNotFound, "this chain has no sale");
  auto from = purchase(state, u.from_purchase);
  if (!from) return reject(Code::kPurchaseNotFound, "no purchase " + std::to_string(u.from_purchase));
  const std::string name = "purchase " + std::to_string(from->id);
  if (from->buyer != buyer) return reject(Code::kNotBuyer, name + " was made by " + to_checksum(from->buyer));
  if (from->upgrade_of) return reject(Code::kNotUpgradable, name + " is an upgrade; an upgrade is final");
  if (from->upgraded_by)
    return reject(Code::kNotUpgradable, name + " was already upgraded by " + std::to_string(from->upgraded_by));
  if (from->refunded_at) return reject(Code::kNotUpgradable, name + " was refunded");
  auto from_pkg = package(state, from->package_id);
  assert(from_pkg && "a purchase's package exists");
  if (!from_pkg) return reject(Code::kPackageNotFound, "no package " + std::to_string(from->package_id));
  auto to = package(state, u.to_package);
  if (!to) return reject(Code::kPackageNotFound, "no package " + std::to_string(u.to_package));
  if (std::find(from_pkg->upgrades_to.begin(), from_pkg->upgrades_to.end(), to->id) == from_pkg->upgrades_to.end())
    return reject(Code::kNotUpgradable, "package " + from_pkg->name + " does not upgrade to " + to->name);
  if (to->price_asset != from->price_asset)
    return reject(Code::kNotAnUpgrade, to->name + " is priced in " + to->price_asset + ", " + name + " was paid in " +
                                           from->price_asset);
  if (Status s = on_sale(state, block, *to, buyer, from->quantity); !s.ok()) return s;

  auto overflow = [] { return reject(Code::kOverflow, "amounts overflow 128 bits"); };
  const uint64_t q = from->quantity;
  auto new_cost = checked_mul(to->price, q);
  auto new_base = checked_mul(to->base, q);
  std::optional<Amount> unit_bonus =
      to->bonus_kind == Package::BonusKind::kBps ? bps_of(to->base, to->bonus) : std::optional<Amount>(to->bonus);
  auto new_bonus = unit_bonus ? checked_mul(*unit_bonus, q) : std::nullopt;
  if (!new_cost || !new_base || !new_bonus) return overflow();
  // The tier reached before the upgrade applies to all its units.
  const Amount spend = spend_in_window(state, *cfg, buyer, block.time);
  const uint32_t tier = tier_for(*cfg, spend);
  auto unit_tier = bps_of(to->base, cfg->tiers.empty() ? 0 : cfg->tiers[tier].bonus_bps);
  auto new_tier_bonus = unit_tier ? checked_mul(*unit_tier, q) : std::nullopt;
  auto new_locked = new_tier_bonus ? checked_add(*new_bonus, *new_tier_bonus) : std::nullopt;
  if (!new_locked) return overflow();
  const Amount old_locked = from->bonus + from->tier_bonus;  // the purchase's sum was checked
  const std::string pay = bank::amount_text(state, to->price_asset, from->cost);
  if (*new_cost < from->cost)
    return reject(Code::kNotAnUpgrade, q_text(q) + " of " + to->name + " cost " +
                                           bank::amount_text(state, to->price_asset, *new_cost) + ", less than the " +
                                           pay + " paid; an upgrade never pays back");
  if (*new_base < from->base || *new_locked < old_locked)
    return reject(Code::kNotAnUpgrade, q_text(q) + " of " + to->name + " deliver " +
                                           bank::amount_text(state, cfg->token_asset, *new_base) + " base and " +
                                           bank::amount_text(state, cfg->token_asset, *new_locked) +
                                           " bonus, less than the " + name + "'s " +
                                           bank::amount_text(state, cfg->token_asset, from->base) + " and " +
                                           bank::amount_text(state, cfg->token_asset, old_locked));
  const Amount cost = *new_cost - from->cost;
  const Amount base = *new_base - from->base;
  const Amount bonus = *new_locked - old_locked;
  if (base == 0 && bonus == 0)
    return reject(Code::kNotAnUpgrade, to->name + " delivers nothing more than " + name);
  if (cost > u.max_price)
    return reject(Code::kAboveMaxPrice, "the upgrade costs " + bank::amount_text(state, to->price_asset, cost) +
                                            ", above the signed maximum " +
                                            bank::amount_text(state, to->price_asset, u.max_price));
  const Amount have = bank::balance(state, buyer, to->price_asset);
  if (have < cost)
    return reject(Code::kInsufficientPayment, "the upgrade costs " + bank::amount_text(state, to->price_asset, cost) +
                                                  "; the buyer holds " + bank::amount_text(state, to->price_asset, have));
  const Amount inventory = bank::balance(state, cfg->treasury, cfg->token_asset);
  auto delivered = checked_add(base, bonus);
  if (!delivered) return overflow();
  if (inventory < *delivered)
    return reject(Code::kInventoryExhausted, "the treasury holds " +
                                                 bank::amount_text(state, cfg->token_asset, inventory) +
                                                 ", the upgrade needs " +
                                                 bank::amount_text(state, cfg->token_asset, *delivered));
  out = UpgradePlan{*from, *from_pkg, *to, q, *new_cost, cost, base, *new_bonus, *new_tier_bonus, bonus, tier,
                    from->time, spend};
  return Status::success();
}

Status plan_refund(const StateReader& state, const BlockEnv& block, const Address& buyer, const Refund& r,
                   RefundPlan& out) {
  auto cfg = config(state);
  if (!cfg) return reject(Code::kPackageNotFound, "this chain has no sale");
  auto rec = purchase(state, r.purchase);
  if (!rec) return reject(Code::kPurchaseNotFound, "no purchase " + std::to_string(r.purchase));
  const std::string name = "purchase " + std::to_string(rec->id);
  if (rec->buyer != buyer) return reject(Code::kNotBuyer, name + " was made by " + to_checksum(rec->buyer));
  if (rec->refunded_at) return reject(Code::kNoRefund, name + " was already refunded");
  if (rec->upgrade_of) return reject(Code::kNoRefund, name + " is an upgrade; upgrades are not refundable");
  if (rec->upgraded_by)
    return reject(Code::kNoRefund, name + " was upgraded by " + std::to_string(rec->upgraded_by) +
                                       " and can no longer be returned");
  if (rec->release_at == 0) return reject(Code::kNoRefund, "the package of " + name + " has no refund window");
  if (rec->released || block.time >= rec->release_at)
    return reject(Code::kRefundWindowClosed,
                  "the refund window of " + name + " closed at " + std::to_string(rec->release_at));
  RefundPlan plan;
  plan.purchase = *rec;
  plan.payment = rec->cost;
  plan.base = rec->base;
  if (rec->position_id) {
    auto pos = vesting::get_position(state, rec->position_id);
    assert(pos && "a purchase's position exists");
    if (pos) {
      plan.claimed_bonus = pos->released;
      plan.bonus_cancelled = pos->effective_total() - pos->released;
    }
  }
  if (rec->referral_position_id) {
    auto pos = vesting::get_position(state, rec->referral_position_id);
    assert(pos && "a referral's position exists");
    if (pos && !pos->revoked_at) {
      plan.referral_kept = pos->released;
      plan.referral_cancelled = pos->effective_total() - pos->released;
    } else if (pos) {
      plan.referral_kept = pos->effective_total();
    }
  }
  auto needed = checked_add(plan.base, plan.claimed_bonus);
  if (!needed) return reject(Code::kOverflow, "amounts overflow 128 bits");
  const Amount have = bank::balance(state, buyer, cfg->token_asset);
  if (have < *needed)
    return reject(Code::kRefundNeedsTokens,
                  "returning " + name + " takes " + bank::amount_text(state, cfg->token_asset, *needed) + " (base " +
                      bank::amount_text(state, cfg->token_asset, plan.base) + " + claimed bonus " +
                      bank::amount_text(state, cfg->token_asset, plan.claimed_bonus) + "); the buyer holds " +
                      bank::amount_text(state, cfg->token_asset, have) + " liquid");
  out = std::move(plan);
  return Status::success();
}

Status Sale::upgrade(Context& ctx, const Upgrade& u) {
  UpgradePlan plan;
  if (Status s = plan_upgrade(ctx.state, ctx.block, ctx.sender, u, plan); !s.ok()) return s;
  const Config cfg = *config(ctx.state);
  const Package& to = plan.package;
  auto next = ctx.state.get(as_bytes(kNextKey));
  const uint64_t id = next ? static_cast<uint64_t>(decode_uint(*next).value_or(1)) : 1;
  ctx.state.put(as_bytes(kNextKey), encode_uint(id + 1));
  if (plan.cost > 0) {
    if (Status s = bank::transfer(ctx, ctx.sender, cfg.revenue, to.price_asset, plan.cost, "sale_payment"); !s.ok())
      return s;
  }
  if (plan.base > 0) {
    if (Status s = bank::transfer(ctx, cfg.treasury, ctx.sender, cfg.token_asset, plan.base, "sale_delivery"); !s.ok())
      return s;
  }
  PurchaseRecord rec;
  rec.id = id;
  rec.buyer = ctx.sender;
  rec.package_id = to.id;
  rec.quantity = plan.quantity;
  rec.price_asset = to.price_asset;
  rec.cost = plan.cost;
  rec.base = plan.base;
  rec.bonus = plan.bonus;
  rec.tier = plan.tier;
  rec.time = ctx.block.time;
  rec.height = ctx.block.height;
  rec.upgrade_of = plan.from.id;
  // Spend milestones count what the upgrade paid; units milestones do not
  // count it (no new units were bought).
  if (to.price_asset == cfg.payment_asset) {
    if (Status s = vesting::add_count(ctx, ctx.sender, {vesting::Count::kSpend, ""}, plan.cost); !s.ok()) return s;
  }
  if (plan.bonus > 0) {
    // Anchored at the original purchase: time already served counts.
    vesting::NewPosition np{ctx.sender, cfg.token_asset, plan.bonus, cfg.treasury, false, plan.anchor,
                            to.schedule, vesting::Origin::kPurchase, id};
    if (Status s = vesting::create_position(ctx, np, rec.position_id); !s.ok()) return s;
  }
  PurchaseRecord from = plan.from;
  from.upgraded_by = id;
  ctx.state.put(purchase_key(from.id), encode_purchase(from));
  ctx.state.put(purchase_key(id), encode_purchase(rec));
  ctx.state.put(buyer_key(ctx.sender, id), {});
  ctx.state.put(sold_key(to.id), encode_uint(sold(ctx.state, to.id) + plan.quantity));
  ctx.state.put(bought_key(to.id, ctx.sender), encode_uint(bought(ctx.state, to.id, ctx.sender) + plan.quantity));
  ctx.emit(Event{"sale.upgraded",
                 {ctx.sender},
                 {{"id", std::to_string(id)},
                  {"from", std::to_string(from.id)},
                  {"buyer", to_checksum(ctx.sender)},
                  {"fromPackage", std::to_string(from.package_id)},
                  {"toPackage", std::to_string(to.id)},
                  {"quantity", std::to_string(plan.quantity)},
                  {"cost", to_decimal(plan.cost)},
                  {"priceAsset", to.price_asset},
                  {"base", to_decimal(plan.base)},
                  {"bonus", to_decimal(plan.bonus)},
                  {"anchor", std::to_string(plan.anchor)},
                  {"position", std::to_string(rec.position_id)}}});
  loyalty::upgraded(ctx, ctx.sender, to.id);
  if (to.price_asset == cfg.payment_asset) {
    record_spend(ctx, cfg, id, plan.cost, plan.spend_before, plan.tier);
    // What the upgrade paid may lift the tier: its badges come with it.
    loyalty::purchased(ctx, ctx.sender, tier_for(cfg, spend_in_window(ctx.state, cfg, ctx.sender, ctx.block.time)));
  }
  return Status::success();
}

Status Sale::refund(Context& ctx, const Refund& r) {
  RefundPlan plan;
  if (Status s = plan_refund(ctx.state, ctx.block, ctx.sender, r, plan); !s.ok()) return s;
  const Config cfg = *config(ctx.state);
  PurchaseRecord rec = plan.purchase;
  // The bonus and referral positions end first, so that the counts below no
  // longer see them.
  Amount returned = 0;
  if (rec.position_id) {
    if (Status s = vesting::cancel_position(ctx, rec.position_id, clock_, returned); !s.ok()) return s;
  }
  if (rec.referral_position_id && plan.referral_cancelled > 0) {
    if (Status s = vesting::cancel_position(ctx, rec.referral_position_id, clock_, returned); !s.ok()) return s;
  }
  // What the purchase counted for milestones stops counting.
  auto lower = [&](const Address& holder, vesting::Count count, Amount delta) {
    Status s = vesting::lower_count(ctx, holder, {count, ""}, delta);
    if (s.code == static_cast<uint32_t>(vesting::Code::kCountInUse))
      return reject(Code::kRefundBlocked, "purchase " + std::to_string(rec.id) + " counted toward a met milestone: " +
                                              s.message);
    return s;
  };
  if (Status s = lower(rec.buyer, vesting::Count::kUnits, rec.quantity); !s.ok()) return s;
  if (rec.price_asset == cfg.payment_asset) {
    if (Status s = lower(rec.buyer, vesting::Count::kSpend, rec.cost); !s.ok()) return s;
  }
  if (rec.counted_referral && rec.referrer) {
    if (Status s = lower(*rec.referrer, vesting::Count::kReferrals, 1); !s.ok()) return s;
  }
  if (Status s = bank::transfer(ctx, rec.buyer, cfg.treasury, cfg.token_asset, plan.base, "refund_return"); !s.ok())
    return s;
  if (plan.claimed_bonus > 0) {
    if (Status s = bank::transfer(ctx, rec.buyer, cfg.treasury, cfg.token_asset, plan.claimed_bonus, "refund_repay");
        !s.ok())
      return s;
  }
  if (Status s = bank::transfer(ctx, sale_escrow_address(), rec.buyer, rec.price_asset, plan.payment, "refund_payment");
      !s.ok())
    return s;
  ctx.state.erase(release_key(rec.release_at, rec.id));
  ctx.state.erase(spend_key(rec.buyer, rec.time, rec.id));
  ctx.state.put(sold_key(rec.package_id), encode_uint(sold(ctx.state, rec.package_id) - rec.quantity));
  ctx.state.put(bought_key(rec.package_id, rec.buyer),
                encode_uint(bought(ctx.state, rec.package_id, rec.buyer) - rec.quantity));
  rec.refunded_at = ctx.block.time;
  ctx.state.put(purchase_key(rec.id), encode_purchase(rec));
  Event e{"sale.refunded",
          {rec.buyer},
          {{"purchase", std::to_string(rec.id)},
           {"buyer", to_checksum(rec.buyer)},
           {"package", std::to_string(rec.package_id)},
           {"quantity", std::to_string(rec.quantity)},
           {"payment", to_decimal(plan.payment)},
           {"priceAsset", rec.price_asset},
           {"baseReturned", to_decimal(plan.base)},
           {"bonusRepaid", to_decimal(plan.claimed_bonus)},
           {"bonusCancelled", to_decimal(plan.bonus_cancelled)},
           {"referralCancelled", to_decimal(plan.referral_cancelled)}}};
  if (rec.referrer) e.addresses.push_back(*rec.referrer);
  ctx.emit(std::move(e));
  return Status::success();
}

void Sale::begin_block(Context& ctx) {
  const Bytes prefix(kReleasePrefix.begin(), kReleasePrefix.end());
  std::vector<Bytes> due;
  ctx.state.scan(prefix, {}, [&](ByteView key, ByteView) {
    if (get_u64_be(key.data() + prefix.size()) > ctx.block.time) return false;
    due.emplace_back(key.begin(), key.end());
    return due.size() < kReleasesPerBlock;
  });
  if (due.empty()) return;
  const auto cfg = config(ctx.state);
  assert(cfg && "escrowed payments need a sale");
  for (const Bytes& key : due) {
    ctx.state.erase(key);
    auto rec = purchase(ctx.state, get_u64_be(key.data() + prefix.size() + 8));
    assert(rec && !rec->released && !rec->refunded_at && "a queued payment is escrowed");
    if (!rec || !cfg) continue;
    Status s = bank::transfer(ctx, sale_escrow_address(), cfg->revenue, rec->price_asset, rec->cost, "sale_release");
    assert(s.ok() && "the sale escrow holds every queued payment");
    (void)s;
    rec->released = true;
    ctx.state.put(purchase_key(rec->id), encode_purchase(*rec));
    ctx.emit(Event{"sale.payment_released",
                   {rec->buyer, cfg->revenue},
                   {{"purchase", std::to_string(rec->id)},
                    {"buyer", to_checksum(rec->buyer)},
                    {"revenue", to_checksum(cfg->revenue)},
                    {"amount", to_decimal(rec->cost)},
                    {"asset", rec->price_asset},
                    {"releaseAt", std::to_string(rec->release_at)}}});
  }
}

std::string Sale::check_invariants(const StateReader& state) const {
  const Bytes prefix(kReleasePrefix.begin(), kReleasePrefix.end());
  std::map<std::string, Amount> queued;
  std::string error;
  state.scan(prefix, {}, [&](ByteView key, ByteView) {
    if (key.size() != prefix.size() + 16) {
      error = "a release entry of the wrong length";
      return false;
    }
    const uint64_t id = get_u64_be(key.data() + prefix.size() + 8);
    auto v = state.get(purchase_key(id));
    auto rec = v ? decode_purchase(id, *v) : std::nullopt;
    if (!rec || rec->released || rec->refunded_at || rec->release_at != get_u64_be(key.data() + prefix.size())) {
      error = "release entry of purchase " + std::to_string(id) + " names no escrowed payment";
      return false;
    }
    queued[rec->price_asset] = checked_add(queued[rec->price_asset], rec->cost).value_or(kU128Max);
    return true;
  });
  if (!error.empty()) return error;
  for (const auto& a : bank::assets(state)) {
    const Amount held = bank::balance(state, sale_escrow_address(), a.symbol);
    const Amount want = queued.count(a.symbol) ? queued[a.symbol] : 0;
    if (held != want)
      return "the sale escrow holds " + to_decimal(held) + " " + a.symbol + ", its queued payments " + to_decimal(want);
  }
  return {};
}

Status Sale::init_genesis(State& state, const boost::json::object& genesis) {
  std::string error;
  boost::json::value doc(genesis);
  jf::Fields top(doc, "", &error);
  if (!top.has("sale")) return Status::success();
  jf::Fields s = top.object("sale");
  s.only({"admin", "treasury", "revenue", "payment_asset", "token_asset", "tier_window", "tiers", "packages",
          "badges"});
  Config cfg;
  cfg.admin = s.address("admin");
  cfg.treasury = s.address("treasury");
  cfg.revenue = s.address("revenue");
  cfg.payment_asset = s.str("payment_asset");
  cfg.token_asset = s.str("token_asset");
  cfg.tier_window = s.u64("tier_window", 365 * 86400);
  if (error.empty() && !bank::asset(state, cfg.payment_asset)) s.fail("payment_asset", "unknown asset");
  if (error.empty() && !bank::asset(state, cfg.token_asset)) s.fail("token_asset", "unknown asset");
  if (error.empty() && (cfg.tier_window == 0 || cfg.tier_window > 10 * 365 * 86400ull))
    s.fail("tier_window", "must be between 1 second and 10 years");
  const auto& tiers = s.array("tiers");
  for (size_t i = 0; i < tiers.size() && error.empty(); ++i) {
    jf::Fields t(tiers[i], "sale.tiers[" + std::to_string(i) + "]", &error);
    t.only({"name", "min_spend", "bonus_bps"});
    const uint64_t bonus_bps = t.u64("bonus_bps");
    Tier tier{t.str("name"), t.amount("min_spend"), static_cast<uint32_t>(std::min<uint64_t>(bonus_bps, 10001))};
    if (!error.empty()) break;
    if (tier.name.empty() || tier.name.size() > 32) t.fail("name", "must be 1 to 32 characters");
    if (i == 0 && tier.min_spend != 0) t.fail("min_spend", "the first tier starts at 0");
    if (i > 0 && tier.min_spend <= cfg.tiers.back().min_spend) t.fail("min_spend", "must exceed the previous tier's");
    if (bonus_bps > 10000) t.fail("bonus_bps", "at most 10000");
    cfg.tiers.push_back(tier);
  }
  if (error.empty() && cfg.tiers.empty()) s.fail("tiers", "at least one tier (from 0 spend) is required");
  if (!error.empty()) return reject(ChainCode::kMalformed, error);
  state.put(as_bytes(kConfigKey), encode_config(cfg));

  const auto& pkgs = s.array("packages");
  if (!error.empty()) return reject(ChainCode::kMalformed, error);
  std::vector<Package> loaded;
  for (size_t i = 0; i < pkgs.size(); ++i) {
    Package p;
    std::string path = "sale.packages[" + std::to_string(i) + "]";
    if (!parse_package_json(pkgs[i], path, p, error)) return reject(ChainCode::kMalformed, error);
    if (!bank::asset(state, p.price_asset))
      return reject(ChainCode::kMalformed, path + ".price.asset: unknown asset");
    if (state.get(package_key(p.id))) return reject(ChainCode::kMalformed, path + ".id: duplicate package id");
    if (Status st = known_metrics(state, p); !st.ok()) return reject(ChainCode::kMalformed, path + "." + st.message);
    state.put(package_key(p.id), p.encode());
    loaded.push_back(std::move(p));
  }
  // Upgrade targets may come later in the list.
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (Status st = known_targets(state, loaded[i]); !st.ok())
      return reject(ChainCode::kMalformed, "sale.packages[" + std::to_string(i) + "]." + st.message);
  }
  // Badges, after the packages and metrics their rules may name.
  if (s.has("badges")) {
    const auto& list = s.array("badges");
    if (!error.empty()) return reject(ChainCode::kMalformed, error);
    for (size_t i = 0; i < list.size(); ++i) {
      loyalty::Badge b;
      std::string path = "sale.badges[" + std::to_string(i) + "]";
      if (!loyalty::parse_badge_json(list[i], path, b, error)) return reject(ChainCode::kMalformed, error);
      Status st = badge_refs(state, cfg, b);
      if (st.ok()) st = loyalty::define_genesis_badge(state, b);
      if (!st.ok()) return reject(ChainCode::kMalformed, path + ": " + st.message);
    }
  }
  return Status::success();
}

Status Sale::check(uint64_t kind, ByteView payload) const {
  switch (kind) {
    case kPurchaseKind: {
      Purchase p;
      if (Status s = Purchase::decode(payload, p); !s.ok()) return s;
      if (p.quantity == 0) return reject(Code::kZeroQuantity, "quantity must be positive");
      return Status::success();
    }
    case kCreatePackageKind: {
      Package p;
      if (Status s = Package::decode(payload, p); !s.ok()) return s;
      return p.validate();
    }
    case kUpdatePackageKind: {
      PackageUpdate u;
      return PackageUpdate::decode(payload, u);
    }
    case kSetReporterKind: {
      SetReporter m;
      return SetReporter::decode(payload, m);
    }
    case kDefineBadgeKind: {
      loyalty::Badge b;
      if (Status s = loyalty::Badge::decode(payload, b); !s.ok()) return s;
      return b.validate();
    }
    case kUpgradeKind: {
      Upgrade u;
      return Upgrade::decode(payload, u);
    }
    case kRefundKind: {
      Refund r;
      return Refund::decode(payload, r);
    }
  }
  return reject(ChainCode::kUnknownKind, "not a sale message");
}

Status Sale::apply(Context& ctx, uint64_t kind, ByteView payload) {
  if (Status s = check(kind, payload); !s.ok()) return s;
  if (kind == kPurchaseKind) {
    Purchase p;
    (void)Purchase::decode(payload, p);
    return buy(ctx, p);
  }
  if (kind == kUpgradeKind) {
    Upgrade u;
    (void)Upgrade::decode(payload, u);
    return upgrade(ctx, u);
  }
  if (kind == kRefundKind) {
    Refund r;
    (void)Refund::decode(payload, r);
    return refund(ctx, r);
  }
  auto cfg = config(ctx.state);
  if (kind == kSetReporterKind) {
    if (!cfg || cfg->admin != ctx.sender)
      return reject(Code::kNotAdmin, "only the sale admin hands a metric to another reporter");
    SetReporter m;
    (void)SetReporter::decode(payload, m);
    return vesting::set_reporter(ctx, m.metric, m.reporter);
  }
  if (kind == kDefineBadgeKind) {
    if (!cfg || cfg->admin != ctx.sender) return reject(Code::kNotAdmin, "only the sale admin defines badges");
    loyalty::Badge b;
    (void)loyalty::Badge::decode(payload, b);
    if (Status s = badge_refs(ctx.state, *cfg, b); !s.ok()) return s;
    return loyalty::define_badge(ctx, b);
  }
  if (!cfg || cfg->admin != ctx.sender) return reject(Code::kNotAdmin, "only the sale admin manages packages");
  if (kind == kCreatePackageKind) {
    Package p;
    (void)Package::decode(payload, p);
    if (package(ctx.state, p.id)) return reject(Code::kPackageExists, "package " + std::to_string(p.id) + " exists");
    if (!bank::asset(ctx.state, p.price_asset)) return reject(Code::kBadPackage, "unknown asset " + p.price_asset);
    if (Status s = known_metrics(ctx.state, p); !s.ok()) return s;
    if (Status s = known_targets(ctx.state, p); !s.ok()) return s;
    ctx.state.put(package_key(p.id), p.encode());
    ctx.emit(Event{"sale.package_created", {ctx.sender}, {{"id", std::to_string(p.id)}, {"name", p.name}}});
    return Status::success();
  }
  PackageUpdate u;
  (void)PackageUpdate::decode(payload, u);
  auto p = package(ctx.state, u.package_id);
  if (!p) return reject(Code::kPackageNotFound, "no package " + std::to_string(u.package_id));
  p->price = u.price;
  p->start = u.start;
  p->end = u.end;
  p->supply_cap = u.supply_cap;
  p->account_cap = u.account_cap;
  p->paused = u.paused;
  if (Status s = p->validate(); !s.ok()) return s;
  ctx.state.put(package_key(p->id), p->encode());
  ctx.emit(Event{"sale.package_updated",
                 {ctx.sender},
                 {{"id", std::to_string(p->id)},
                  {"price", to_decimal(p->price)},
                  {"paused", p->paused ? "true" : "false"}}});
  return Status::success();
}

bool parse_package_json(const boost::json::value& v, const std::string& path, Package& out, std::string& error) {
  jf::Fields f(v, path, &error);
  f.only({"id", "name", "price", "base", "bonus", "schedule", "supply_cap", "account_cap", "start", "end", "paused",
          "referral_bps", "upgrades_to", "refund_window"});
  Package p;
  uint64_t id = f.u64("id");
  if (id > UINT32_MAX) f.fail("id", "must fit in 32 bits");
  p.id = static_cast<uint32_t>(id);
  p.name = f.str("name");
  jf::Fields price = f.object("price");
  price.only({"asset", "amount"});
  p.price_asset = price.str("asset");
  p.price = price.amount("amount");
  p.base = f.amount("base");
  jf::Fields bonus = f.object("bonus");
  bonus.only({"bps", "amount"});
  if (error.empty() && bonus.has("bps") == bonus.has("amount")) bonus.fail("bps", "give exactly one of bps or amount");
  if (error.empty() && bonus.has("bps")) {
    p.bonus_kind = Package::BonusKind::kBps;
    p.bonus = bonus.u64("bps");
  } else if (error.empty()) {
    p.bonus_kind = Package::BonusKind::kAmount;
    p.bonus = bonus.amount("amount");
  }
  p.supply_cap = f.u64("supply_cap", 0);
  p.account_cap = f.u64("account_cap", 0);
  p.start = f.u64("start", 0);
  p.end = f.u64("end", 0);
  p.paused = f.boolean("paused", false);
  uint64_t referral = f.u64("referral_bps", 0);
  p.referral_bps = static_cast<uint32_t>(std::min<uint64_t>(referral, UINT32_MAX));
  p.refund_window = f.u64("refund_window", 0);
  if (error.empty() && f.has("upgrades_to")) {
    const auto& to = f.array("upgrades_to");
    for (size_t i = 0; i < to.size() && error.empty(); ++i) {
      const auto* n = to[i].if_uint64();
      const auto* m = to[i].if_int64();
      const uint64_t v = n ? *n : (m && *m > 0 ? static_cast<uint64_t>(*m) : 0);
      if (v == 0 || v > UINT32_MAX) {
        f.fail("upgrades_to[" + std::to_string(i) + "]", "must be a package id");
      } else {
        p.upgrades_to.push_back(static_cast<uint32_t>(v));
      }
    }
  }
  if (!error.empty()) return false;
  std::string schedule_error;
  if (!f.has("schedule")) {
    f.fail("schedule", "missing");
    return false;
  }
  if (!vesting::parse_schedule_json(f.raw()->at("schedule"), p.schedule, schedule_error)) {
    f.fail("schedule", schedule_error);
    return false;
  }
  if (Status s = p.validate(); !s.ok()) {
    error = path + "." + s.message;
    return false;
  }
  out = std::move(p);
  return true;
}

boost::json::object package_json(const Package& p) {
  boost::json::object o{{"id", p.id},
                        {"name", p.name},
                        {"price", boost::json::object{{"asset", p.price_asset}, {"amount", to_decimal(p.price)}}},
                        {"base", to_decimal(p.base)}};
  if (p.bonus_kind == Package::BonusKind::kBps) {
    o["bonus"] = boost::json::object{{"bps", static_cast<uint64_t>(p.bonus)}};
  } else {
    o["bonus"] = boost::json::object{{"amount", to_decimal(p.bonus)}};
  }
  o["schedule"] = vesting::schedule_json(p.schedule);
  o["supply_cap"] = p.supply_cap;
  o["account_cap"] = p.account_cap;
  o["start"] = p.start;
  o["end"] = p.end;
  o["paused"] = p.paused;
  o["referral_bps"] = p.referral_bps;
  boost::json::array to;
  for (uint32_t id : p.upgrades_to) to.push_back(id);
  o["upgrades_to"] = std::move(to);
  o["refund_window"] = p.refund_window;
  return o;
}

}  // namespace vest::sale
