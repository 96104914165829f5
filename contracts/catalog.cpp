#include "contracts/catalog.h"

#include "contracts/bank/messages.h"
#include "contracts/loyalty/messages.h"
#include "contracts/roles/messages.h"
#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/validators/messages.h"
#include "contracts/vesting/messages.h"

namespace vest {

namespace {

std::string referrer_text(const std::optional<Address>& a) { return a ? to_checksum(*a) : ""; }

// Every message kind by the name describe_message gives it.
constexpr std::pair<std::string_view, uint64_t> kKindNames[] = {
    {"bank.transfer", bank::kTransferKind},
    {"sale.purchase", sale::kPurchaseKind},
    {"sale.create_package", sale::kCreatePackageKind},
    {"sale.update_package", sale::kUpdatePackageKind},
    {"sale.set_reporter", sale::kSetReporterKind},
    {"sale.upgrade", sale::kUpgradeKind},
    {"sale.refund", sale::kRefundKind},
    {"sale.define_badge", sale::kDefineBadgeKind},
    {"vesting.claim", vesting::kClaimKind},
    {"vesting.grant", vesting::kGrantKind},
    {"vesting.revoke", vesting::kRevokeKind},
    {"vesting.accept", vesting::kAcceptKind},
    {"vesting.decline", vesting::kDeclineKind},
    {"vesting.report_usage", vesting::kReportUsageKind},
    {"staking.stake", staking::kStakeKind},
    {"staking.unstake", staking::kUnstakeKind},
    {"staking.claim_rewards", staking::kClaimRewardsKind},
    {"validators.set_power", validators::kSetPowerKind},
    {"roles.propose", roles::kProposeKind},
    {"roles.accept", roles::kAcceptKind},
    {"roles.cancel", roles::kCancelKind},
};

}  // namespace

std::optional<MessageInfo> describe_message(uint64_t kind, ByteView payload) {
  switch (kind) {
    case bank::kTransferKind: {
      bank::Transfer t;
      if (!bank::Transfer::decode(payload, t).ok()) return std::nullopt;
      return MessageInfo{"bank.transfer",
                         {{"to", to_checksum(t.to)}, {"asset", t.asset}, {"amount", to_decimal(t.amount)}}};
    }
    case sale::kPurchaseKind: {
      sale::Purchase p;
      if (!sale::Purchase::decode(payload, p).ok()) return std::nullopt;
      return MessageInfo{"sale.purchase",
                         {{"packageId", std::to_string(p.package_id)},
                          {"quantity", std::to_string(p.quantity)},
                          {"maxPrice", to_decimal(p.max_price)},
                          {"referrer", referrer_text(p.referrer)}}};
    }
    case sale::kCreatePackageKind: {
      sale::Package p;
      if (!sale::Package::decode(payload, p).ok()) return std::nullopt;
      return MessageInfo{"sale.create_package", {{"packageId", std::to_string(p.id)}, {"name", p.name}}};
    }
    case sale::kUpdatePackageKind: {
      sale::PackageUpdate u;
      if (!sale::PackageUpdate::decode(payload, u).ok()) return std::nullopt;
      return MessageInfo{"sale.update_package",
                         {{"packageId", std::to_string(u.package_id)},
                          {"price", to_decimal(u.price)},
                          {"start", std::to_string(u.start)},
                          {"end", std::to_string(u.end)},
                          {"supplyCap", std::to_string(u.supply_cap)},
                          {"accountCap", std::to_string(u.account_cap)},
                          {"paused", u.paused ? "true" : "false"}}};
    }
    case sale::kSetReporterKind: {
      sale::SetReporter m;
      if (!sale::SetReporter::decode(payload, m).ok()) return std::nullopt;
      return MessageInfo{"sale.set_reporter", {{"metric", m.metric}, {"reporter", to_checksum(m.reporter)}}};
    }
    case sale::kDefineBadgeKind: {
      loyalty::Badge b;
      if (!loyalty::Badge::decode(payload, b).ok()) return std::nullopt;
      std::vector<std::pair<std::string, std::string>> fields{
          {"id", std::to_string(b.id)}, {"name", b.name}, {"rule", loyalty::kind_name(b.rule.kind)}};
      const auto& r = b.rule;
      if (r.tier) fields.emplace_back("tier", std::to_string(r.tier));
      if (r.package) fields.emplace_back("package", std::to_string(r.package));
      if (r.count) fields.emplace_back(r.kind == loyalty::Rule::Kind::kReferrals ? "buyers" : "target", std::to_string(r.count));
      if (r.min_stake) fields.emplace_back("minStake", to_decimal(r.min_stake));
      if (r.duration) fields.emplace_back("duration", std::to_string(r.duration));
      if (!r.metric.empty()) fields.emplace_back("metric", r.metric);
      return MessageInfo{"sale.define_badge", std::move(fields)};
    }
    case sale::kUpgradeKind: {
      sale::Upgrade u;
      if (!sale::Upgrade::decode(payload, u).ok()) return std::nullopt;
      return MessageInfo{"sale.upgrade",
                         {{"fromPurchase", std::to_string(u.from_purchase)},
                          {"toPackage", std::to_string(u.to_package)},
                          {"maxPrice", to_decimal(u.max_price)}}};
    }
    case sale::kRefundKind: {
      sale::Refund r;
      if (!sale::Refund::decode(payload, r).ok()) return std::nullopt;
      return MessageInfo{"sale.refund", {{"purchase", std::to_string(r.purchase)}}};
    }
    case vesting::kReportUsageKind: {
      vesting::ReportUsage r;
      if (!vesting::ReportUsage::decode(payload, r).ok()) return std::nullopt;
      return MessageInfo{"vesting.report_usage",
                         {{"metric", r.metric}, {"holder", to_checksum(r.holder)}, {"value", std::to_string(r.value)}}};
    }
    case vesting::kClaimKind:
    case vesting::kAcceptKind: {
      vesting::Claim c;
      if (!vesting::Claim::decode(payload, c).ok()) return std::nullopt;
      std::string ids;
      for (uint64_t id : c.ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
      if (kind == vesting::kAcceptKind) return MessageInfo{"vesting.accept", {{"ids", ids}}};
      return MessageInfo{"vesting.claim", {{"ids", ids.empty() ? "all" : ids}}};
    }
    case vesting::kGrantKind: {
      vesting::Grant g;
      if (!vesting::Grant::decode(payload, g).ok()) return std::nullopt;
      return MessageInfo{"vesting.grant",
                         {{"beneficiary", to_checksum(g.beneficiary)},
                          {"asset", g.asset},
                          {"amount", to_decimal(g.amount)},
                          {"revocable", g.revocable ? "true" : "false"},
                          {"start", std::to_string(g.start)},
                          {"schedule", to_hex_0x(g.schedule)}}};
    }
    case staking::kStakeKind:
    case staking::kUnstakeKind: {
      staking::AmountMsg m;
      if (!staking::AmountMsg::decode(payload, m).ok()) return std::nullopt;
      return MessageInfo{kind == staking::kStakeKind ? "staking.stake" : "staking.unstake",
                         {{"amount", to_decimal(m.amount)}}};
    }
    case validators::kSetPowerKind: {
      validators::SetPower m;
      if (!validators::SetPower::decode(payload, m).ok()) return std::nullopt;
      return MessageInfo{"validators.set_power",
                         {{"validator", to_checksum(m.validator)}, {"power", std::to_string(m.power)}}};
    }
    case roles::kProposeKind: {
      roles::Propose m;
      if (!roles::Propose::decode(payload, m).ok()) return std::nullopt;
      return MessageInfo{"roles.propose", {{"role", m.role}, {"to", to_checksum(m.to)}}};
    }
    case roles::kAcceptKind:
    case roles::kCancelKind: {
      roles::RoleRef m;
      if (!roles::RoleRef::decode(payload, m).ok()) return std::nullopt;
      return MessageInfo{kind == roles::kAcceptKind ? "roles.accept" : "roles.cancel", {{"role", m.role}}};
    }
    case staking::kClaimRewardsKind: {
      staking::ClaimRewards c;
      if (!staking::ClaimRewards::decode(payload, c).ok()) return std::nullopt;
      return MessageInfo{"staking.claim_rewards", {{"restake", c.restake ? "true" : "false"}}};
    }
    case vesting::kRevokeKind:
    case vesting::kDeclineKind: {
      vesting::Revoke r;
      if (!vesting::Revoke::decode(payload, r).ok()) return std::nullopt;
      return MessageInfo{kind == vesting::kRevokeKind ? "vesting.revoke" : "vesting.decline",
                         {{"id", std::to_string(r.id)}}};
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> message_kind(std::string_view name) {
  for (const auto& [n, kind] : kKindNames)
    if (n == name) return kind;
  return std::nullopt;
}

}  // namespace vest
