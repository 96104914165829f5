#include "wallet/cli_sale.h"

#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "contracts/sale/messages.h"
#include "contracts/staking/messages.h"
#include "contracts/vesting/messages.h"
#include "wallet/display.h"

namespace vest::wallet {

namespace json = boost::json;

namespace {

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  return json::serialize(v);
}

uint64_t u64(const json::value& v) { return v.to_number<uint64_t>(); }

// A 20-character bar for a percentage text such as "37.50".
std::string progress_bar(const std::string& percent) {
  unsigned whole = static_cast<unsigned>(std::stoul(percent.substr(0, percent.find('.'))));
  unsigned filled = std::min(20u, whole / 5);
  return "[" + std::string(filled, '#') + std::string(20 - filled, '.') + "] " + percent + "%";
}

void cmd_packages(const Globals& g) {
  json::object params;
  if (!g.from.empty()) params["address"] = to_checksum(parse_addr(g.from));
  json::value r = call(g, "sale_listPackages", params);
  if (g.json_output) {
    print_json(r);
    return;
  }
  AssetDecimals assets = fetch_assets(g);
  for (const auto& p : r.at("packages").as_array()) {
    std::string price_asset = str(p.at("price").at("asset"));
    std::cout << "#" << u64(p.at("id")) << " " << str(p.at("name")) << " (" << str(p.at("status")) << ")\n"
              << "  price  " << human(str(p.at("price").at("amount")), assets.decimals[price_asset]) << " "
              << price_asset << "\n  base   " << human(str(p.at("base")), assets.decimals[assets.native]) << " "
              << assets.native << "\n  bonus  ";
    if (p.at("bonus").as_object().contains("bps")) {
      std::cout << bps_text(u64(p.at("bonus").at("bps"))) << " of base";
    } else {
      std::cout << human(str(p.at("bonus").at("amount")), assets.decimals[assets.native]) << " " << assets.native;
    }
    std::cout << ", vesting:";
    for (const auto& part : p.at("schedule").at("parts").as_array()) {
      std::string type = str(part.at("type"));
      std::cout << " " << bps_text(u64(part.at("bps"))) << " ";
      if (type == "linear") {
        uint64_t start = u64(part.at("start")), cliff = u64(part.at("cliff"));
        std::cout << "linear from " << offset_text(start) << " to " << offset_text(u64(part.at("end")));
        if (cliff != start) std::cout << " (cliff " << offset_text(cliff) << ")";
      } else if (type == "tranche") {
        std::cout << "at " << offset_text(u64(part.at("time")));
      } else if (type == "periodic") {
        std::cout << "in " << u64(part.at("count")) << " periods of " << duration_text(u64(part.at("period")))
                  << " from " << offset_text(u64(part.at("start")));
      } else if (type == "purchases") {
        if (part.as_object().contains("units")) {
          std::cout << "after buying " << u64(part.at("units")) << " more units";
        } else {
          // Spend counts in the sale's payment asset, the one packages are priced in.
          std::cout << "after spending " << human(str(part.at("spend")), assets.decimals[price_asset]) << " "
                    << price_asset << " more";
        }
      } else if (type == "referrals") {
        std::cout << "after referring " << u64(part.at("buyers")) << " new buyers";
      } else if (type == "usage") {
        std::cout << "once " << str(part.at("metric")) << " grows by " << u64(part.at("target"));
      } else {
        std::cout << "after staking " << human(str(part.at("min_stake")), assets.decimals[assets.native]) << " "
                  << assets.native << " for " << duration_text(u64(part.at("duration")));
      }
      std::cout << ";";
    }
    std::cout << "\n  sold   " << u64(p.at("sold"));
    if (!p.at("remaining").is_null()) std::cout << ", " << u64(p.at("remaining")) << " left";
    const auto& to = p.at("upgrades_to").as_array();
    if (!to.empty()) {
      std::cout << "\n  upgrades to";
      for (const auto& id : to) std::cout << " #" << u64(id);
    }
    if (u64(p.at("refund_window")) > 0)
      std::cout << "\n  refund within " << duration_text(u64(p.at("refund_window"))) << " of purchase";
    std::cout << "\n";
  }
  std::cout.flush();
}

json::value fetch_quote(const Globals& g, uint32_t package, uint64_t quantity, const std::string& referrer) {
  json::object params{{"packageId", package}, {"quantity", quantity}, {"buyer", to_checksum(default_account(g))}};
  if (!referrer.empty()) params["referrer"] = to_checksum(parse_addr(referrer));
  return call(g, "sale_quote", params);
}

void print_quote(const Globals& g, const json::value& q) {
  AssetDecimals assets = fetch_assets(g);
  unsigned pd = assets.decimals[str(q.at("priceAsset"))], td = assets.decimals[str(q.at("tokenAsset"))];
  std::string token = str(q.at("tokenAsset"));
  std::cout << "Quote: " << u64(q.at("quantity")) << " x " << str(q.at("package")) << " for "
            << human(str(q.at("cost")), pd) << " " << str(q.at("priceAsset")) << "\n"
            << "  base now      " << human(str(q.at("base")), td) << " " << token << "\n"
            << "  bonus         " << human(str(q.at("bonus")), td) << " " << token << "\n"
            << "  tier bonus    " << human(str(q.at("tierBonus")), td) << " " << token << " (" << str(q.at("tier"))
            << ")\n";
  // Units bought at different tiers: the tier reached within the purchase applies to the later units.
  const auto& steps = q.at("tierSteps").as_array();
  if (steps.size() > 1)
    for (const auto& step : steps)
      std::cout << "    " << u64(step.at("units")) << " x " << str(step.at("tier")) << "  +"
                << human(str(step.at("tierBonus")), td) << " " << token << "\n";
  std::cout << "  vesting       " << human(str(q.at("locked")), td) << " " << token << "\n";
  if (str(q.at("referralReward")) != "0")
    std::cout << "  referrer gets " << human(str(q.at("referralReward")), td) << " " << token << ", vesting\n";
  for (const auto& u : q.at("unlocks").as_array())
    std::cout << "    " << format_time(u64(u.at("time"))) << "  +" << human(str(u.at("amount")), td) << "\n";
  std::cout.flush();
}

void cmd_quote(const Globals& g, uint32_t package, uint64_t quantity, const std::string& referrer) {
  json::value q = fetch_quote(g, package, quantity, referrer);
  if (g.json_output) {
    print_json(q);
  } else {
    print_quote(g, q);
  }
}

void cmd_buy(const Globals& g, uint32_t package, uint64_t quantity, const std::string& max_price,
             const std::string& referrer) {
  json::value q = fetch_quote(g, package, quantity, referrer);
  Amount max = *parse_decimal(q.at("cost").as_string());
  // Without --max-price the buyer signs exactly the quoted price: never more.
  if (!max_price.empty()) max = parse_amount(g, max_price, str(q.at("priceAsset")));
  if (!g.json_output) print_quote(g, q);
  sale::Purchase p{package, quantity, max, std::nullopt};
  if (!referrer.empty()) p.referrer = parse_addr(referrer);
  send(g, sale::kPurchaseKind, p.encode());
}

// Badges held, with when they were awarded, and progress toward the others.
void cmd_badges(const Globals& g, const std::string& addr_text) {
  Address a = addr_text.empty() ? default_account(g) : parse_addr(addr_text);
  json::value r = call(g, "loyalty_getBadges", json::object{{"address", to_checksum(a)}});
  if (g.json_output) {
    print_json(r);
    return;
  }
  std::cout << "badges of " << to_checksum(a) << " at block " << u64(r.at("height")) << "\n";
  const auto& held = r.at("held").as_array();
  if (held.empty()) std::cout << "  none held yet\n";
  for (const auto& b : held)
    std::cout << "  #" << u64(b.at("id")) << " " << str(b.at("name")) << "  awarded at block "
              << u64(b.at("awardedHeight")) << ", " << format_time(u64(b.at("awardedTime"))) << " ("
              << str(b.at("ruleText")) << ")\n";
  const auto& progress = r.at("progress").as_array();
  if (!progress.empty()) std::cout << "to earn:\n";
  for (const auto& b : progress) {
    const Amount t = *parse_decimal(str(b.at("target"))), k = *parse_decimal(str(b.at("progress")));
    const std::string pct = std::to_string(static_cast<uint64_t>(t ? k * 100 / t : 0)) + ".00";
    std::cout << "  #" << u64(b.at("id")) << " " << str(b.at("name")) << ": " << str(b.at("ruleText")) << "  "
              << progress_bar(pct) << " " << str(b.at("progressText"))
              << (b.at("dueAt").is_null() ? std::string() : ", due " + format_time(u64(b.at("dueAt")))) << "\n";
  }
}

// `vest upgrade`: the exact cost and unlocks, then (unless --quote) the
// upgrade signed at most at the quoted cost unless --max-price.
void cmd_upgrade(const Globals& g, uint64_t purchase, uint32_t package, const std::string& max_price, bool quote_only) {
  json::object params{{"packageId", package}, {"fromPurchase", purchase},
                      {"buyer", to_checksum(default_account(g))}};
  json::value q = call(g, "sale_quote", params);
  if (g.json_output && quote_only) {
    print_json(q);
    return;
  }
  if (!g.json_output) {
    AssetDecimals assets = fetch_assets(g);
    unsigned pd = assets.decimals[str(q.at("priceAsset"))], td = assets.decimals[str(q.at("tokenAsset"))];
    const std::string token = str(q.at("tokenAsset"));
    std::cout << "Upgrade: purchase " << u64(q.at("fromPurchase")) << ", " << u64(q.at("quantity")) << " x "
              << str(q.at("fromPackage")) << " -> " << str(q.at("package")) << "\n"
              << "  you pay       " << human(str(q.at("cost")), pd) << " " << str(q.at("priceAsset")) << " ("
              << human(str(q.at("newCost")), pd) << " less " << human(str(q.at("paid")), pd) << " paid)\n"
              << "  base now      " << human(str(q.at("base")), td) << " " << token << "\n"
              << "  bonus         " << human(str(q.at("bonus")), td) << " " << token << ", vesting from "
              << format_time(u64(q.at("anchor"))) << " (the original purchase)\n"
              << "  vested at once " << human(str(q.at("vestedAtOnce")), td) << " " << token << "\n";
    for (const auto& u : q.at("unlocks").as_array())
      std::cout << "    " << format_time(u64(u.at("time"))) << "  +" << human(str(u.at("amount")), td) << "\n";
    std::cout.flush();
  }
  if (quote_only) return;
  Amount max = *parse_decimal(q.at("cost").as_string());
  if (!max_price.empty()) max = parse_amount(g, max_price, str(q.at("priceAsset")));
  send(g, sale::kUpgradeKind, sale::Upgrade{purchase, package, max}.encode());
}

void cmd_refund(const Globals& g, uint64_t purchase) {
  send(g, sale::kRefundKind, sale::Refund{purchase}.encode());
}

void cmd_vesting(const Globals& g, const std::string& addr_text) {
  Address a = addr_text.empty() ? default_account(g) : parse_addr(addr_text);
  json::array all;
  json::value cursor = nullptr;
  json::value page;
  do {
    json::object params{{"address", to_checksum(a)}, {"limit", 100}};
    if (!cursor.is_null()) params["cursor"] = cursor;
    page = call(g, "vesting_list", params);
    for (const auto& p : page.at("positions").as_array()) all.push_back(p);
    cursor = page.at("nextCursor");
  } while (!cursor.is_null());
  if (g.json_output) {
    print_json(json::object{{"address", to_checksum(a)}, {"positions", all}, {"time", page.at("time")}});
    return;
  }
  AssetDecimals assets = fetch_assets(g);
  uint64_t now = u64(page.at("time"));
  std::cout << "Vesting of " << to_checksum(a) << " at " << format_time(now) << "\n";
  if (all.empty()) std::cout << "  no positions\n";
  // Grants offered by others come last: they count for nothing until accepted.
  json::array ordered, offered;
  for (const auto& p : all) (p.at("accepted").as_bool() ? ordered : offered).push_back(p);
  if (!offered.empty()) {
    ordered.push_back(json::value(nullptr));  // the heading of the offered ones
    for (const auto& p : offered) ordered.push_back(p);
  }
  for (const auto& p : ordered) {
    if (p.is_null()) {
      std::cout << "Offered to you by others (not counted until you accept: vest accept ID; vest decline ID returns it)\n";
      continue;
    }
    unsigned d = assets.decimals[str(p.at("asset"))];
    std::cout << "#" << u64(p.at("id")) << " " << str(p.at("origin")) << "  " << progress_bar(str(p.at("percentVested")))
              << "\n  total " << human(str(p.at("total")), d) << " " << str(p.at("asset")) << ", vested "
              << human(str(p.at("vested")), d) << ", claimed " << human(str(p.at("released")), d) << ", claimable "
              << human(str(p.at("claimable")), d);
    // The head block may be old on an idle chain: what a claim sent now would get.
    if (p.at("now").is_object() && p.at("now").at("claimable") != p.at("claimable"))
      std::cout << " (" << human(str(p.at("now").at("claimable")), d) << " at the next block)";
    std::cout << "\n";
    const auto& next = p.at("nextUnlocks").as_array();
    if (!next.empty())
      std::cout << "  next unlock " << format_time(u64(next[0].at("time"))) << ": +"
                << human(str(next[0].at("amount")), d) << "\n";
    for (const auto& m : p.at("milestones").as_array()) {
      if (str(m.at("type")) != "stake") {
        // Purchases, referrals and usage: "2 of 3 units bought".
        const std::string done = str(m.at("progress")), target = str(m.at("target"));
        const Amount t = *parse_decimal(target), k = *parse_decimal(done);
        const std::string pct = std::to_string(static_cast<uint64_t>(t ? k * 100 / t : 100)) + ".00";
        std::cout << "  milestone " << human(str(m.at("amount")), d) << ": " << str(m.at("type")) << "  "
                  << progress_bar(pct) << " " << str(m.at("progressText"))
                  << (m.at("metAt").is_null() ? std::string() : " (met " + format_time(u64(m.at("metAt"))) + ")")
                  << "\n";
        continue;
      }
      uint64_t held = u64(m.at("stakedSeconds")), need = u64(m.at("duration"));
      std::string pct = std::to_string(need ? held * 100 / need : 100) + ".00";
      std::cout << "  milestone " << human(str(m.at("amount")), d) << ": stake "
                << human(str(m.at("minStake")), assets.decimals[assets.native]) << " " << assets.native << " for "
                << duration_text(need) << "  " << progress_bar(pct) << " staked " << held / 86400 << " of "
                << need / 86400 << " days"
                << (m.at("metAt").is_null() ? std::string() : " (met " + format_time(u64(m.at("metAt"))) + ")")
                << "\n";
    }
  }
  std::cout.flush();
}

void cmd_claim(const Globals& g, const std::vector<uint64_t>& ids) {
  send(g, vesting::kClaimKind, vesting::Claim{ids}.encode());
}

void cmd_grant(const Globals& g, const std::string& to, const std::string& amount, const std::string& asset_in,
               const std::string& schedule_file, bool revocable, uint64_t start) {
  json::value doc;
  try {
    doc = json::parse(read_text_file(schedule_file));
  } catch (const std::exception& e) {
    throw CliError{schedule_file + " is not JSON: " + e.what()};
  }
  vesting::Schedule schedule;
  std::string error;
  if (!vesting::parse_schedule_json(doc, schedule, error)) throw CliError{schedule_file + ": " + error};
  std::string asset = asset_in.empty() ? fetch_assets(g).native : asset_in;
  vesting::Grant grant{parse_addr(to), asset, parse_amount(g, amount, asset), vesting::encode(schedule), revocable,
                       start};
  send(g, vesting::kGrantKind, grant.encode());
}

void cmd_revoke(const Globals& g, uint64_t id) { send(g, vesting::kRevokeKind, vesting::Revoke{id}.encode()); }

void cmd_accept(const Globals& g, const std::vector<uint64_t>& ids) {
  if (ids.empty()) throw CliError{"name the offered grants to accept (vest vesting lists them)"};
  send(g, vesting::kAcceptKind, vesting::Accept{ids}.encode());
}

void cmd_decline(const Globals& g, uint64_t id) { send(g, vesting::kDeclineKind, vesting::Decline{id}.encode()); }

void cmd_report_usage(const Globals& g, const std::string& metric, const std::string& holder, uint64_t value) {
  send(g, vesting::kReportUsageKind, vesting::ReportUsage{metric, parse_addr(holder), value}.encode());
}

void cmd_stake(const Globals& g, uint64_t kind, const std::string& amount) {
  std::string native = fetch_assets(g).native;
  send(g, kind, staking::AmountMsg{parse_amount(g, amount, native)}.encode());
}

void cmd_rewards(const Globals& g, bool claim, bool restake) {
  Address a = default_account(g);
  json::value st = call(g, "staking_get", json::object{{"address", to_checksum(a)}});
  if (claim || restake) {
    send(g, staking::kClaimRewardsKind, staking::ClaimRewards{restake}.encode());
    return;
  }
  if (g.json_output) {
    print_json(st);
    return;
  }
  AssetDecimals assets = fetch_assets(g);
  unsigned d = assets.decimals[assets.native];
  std::cout << "Staking of " << to_checksum(a) << "\n  staked   " << human(str(st.at("staked")), d) << " "
            << assets.native << " (" << human(str(st.at("fromVesting")), d) << " still vesting)\n  rewards  "
            << human(str(st.at("pendingRewards")), d) << " " << assets.native << " pending\n";
  for (const auto& u : st.at("unbonding").as_array())
    std::cout << "  unbonding " << human(str(u.at("amount")), d) << " until " << format_time(u64(u.at("maturity")))
              << "\n";
  std::cout.flush();
}

}  // namespace

std::string format_time(uint64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%d %H:%M:%S UTC");
  return s.str();
}

void add_sale_commands(CLI::App& app, Globals& g, SaleOptions& o, std::function<void()>& action) {
  auto* packages = app.add_subcommand("packages", "List the packages on sale");
  packages->callback([&] { action = [&] { cmd_packages(g); }; });

  auto* quote = app.add_subcommand("quote", "Price, bonus and unlock dates of a purchase, without buying");
  quote->add_option("package", o.package, "Package id")->required();
  quote->add_option("--quantity", o.quantity, "Units (default 1)");
  quote->add_option("--referrer", o.referrer, "Address of the account that referred you");
  quote->callback([&] { action = [&] { cmd_quote(g, o.package, o.quantity, o.referrer); }; });

  auto* buy = app.add_subcommand("buy", "Buy a package (signs at most the quoted price unless --max-price)");
  buy->add_option("package", o.package, "Package id")->required();
  buy->add_option("--quantity", o.quantity, "Units (default 1)");
  buy->add_option("--max-price", o.max_price, "Most you agree to pay, in units of the price asset");
  buy->add_option("--referrer", o.referrer, "Address of the account that referred you");
  buy->callback([&] { action = [&] { cmd_buy(g, o.package, o.quantity, o.max_price, o.referrer); }; });

  auto* upgrade = app.add_subcommand("upgrade", "Move a purchase to a package it upgrades to, paying the difference");
  upgrade->add_option("purchase", o.purchase, "Purchase id")->required();
  upgrade->add_option("package", o.package, "Package id to upgrade to")->required();
  upgrade->add_option("--max-price", o.max_price, "Most you agree to pay, in units of the price asset");
  upgrade->add_flag("--quote", o.quote_only, "Show the cost and unlocks without upgrading");
  upgrade->callback([&] { action = [&] { cmd_upgrade(g, o.purchase, o.package, o.max_price, o.quote_only); }; });

  auto* refund = app.add_subcommand(
      "refund", "Return a purchase within its refund window: base and claimed bonus back, payment returned");
  refund->add_option("purchase", o.purchase, "Purchase id")->required();
  refund->callback([&] { action = [&] { cmd_refund(g, o.purchase); }; });

  auto* vesting = app.add_subcommand("vesting", "Vesting positions with progress and next unlocks");
  vesting->add_option("address", o.address, "Address (default: --from or the only key)");
  vesting->callback([&] { action = [&] { cmd_vesting(g, o.address); }; });

  auto* badges = app.add_subcommand("badges", "Badges held, and progress toward the others");
  badges->add_option("address", o.address, "Address (default: --from or the only key)");
  badges->callback([&] { action = [&] { cmd_badges(g, o.address); }; });

  auto* claim = app.add_subcommand("claim", "Release what has vested to your balance");
  claim->add_option("ids", o.ids, "Position ids (default: all of yours)");
  claim->callback([&] { action = [&] { cmd_claim(g, o.ids); }; });

  auto* grant = app.add_subcommand("grant", "Lock your tokens in a vesting position for someone");
  grant->add_option("--to", o.to, "Beneficiary")->required();
  grant->add_option("--amount", o.amount, "Amount in units of the asset")->required();
  grant->add_option("--asset", o.asset, "Asset (default: the native token)");
  grant->add_option("--schedule", o.schedule, "Schedule JSON file (docs/sale-and-vesting.md)")->required();
  grant->add_flag("--revocable", o.revocable, "You may take back what has not vested");
  grant->add_option("--start", o.start, "Block time the schedule starts (default: the block's)");
  grant->callback([&] { action = [&] { cmd_grant(g, o.to, o.amount, o.asset, o.schedule, o.revocable, o.start); }; });

  auto* revoke = app.add_subcommand("revoke", "Take back the unvested part of a revocable position you funded");
  revoke->add_option("id", o.revoke_id, "Position id")->required();
  revoke->callback([&] { action = [&] { cmd_revoke(g, o.revoke_id); }; });

  auto* accept = app.add_subcommand("accept", "Accept grants offered to you, so they count and can be claimed");
  accept->add_option("ids", o.ids, "Position ids")->required();
  accept->callback([&] { action = [&] { cmd_accept(g, o.ids); }; });

  auto* decline = app.add_subcommand("decline", "Decline a grant offered to you; its tokens go back to the funder");
  decline->add_option("id", o.revoke_id, "Position id")->required();
  decline->callback([&] { action = [&] { cmd_decline(g, o.revoke_id); }; });

  auto* report = app.add_subcommand("report-usage", "As a metric's reporter: record a holder's usage (the new total)");
  report->add_option("metric", o.metric, "Metric name (vest: vesting_metrics lists them)")->required();
  report->add_option("holder", o.address, "The holder's address")->required();
  report->add_option("value", o.usage_value, "The holder's new total, above the recorded one")->required();
  report->callback([&] { action = [&] { cmd_report_usage(g, o.metric, o.address, o.usage_value); }; });

  auto* stake = app.add_subcommand("stake", "Bond native tokens (still-vesting ones first)");
  stake->add_option("amount", o.stake_amount, "Amount in native units")->required();
  stake->callback([&] { action = [&] { cmd_stake(g, staking::kStakeKind, o.stake_amount); }; });

  auto* unstake = app.add_subcommand("unstake", "Start unbonding; tokens return after the unbonding period");
  unstake->add_option("amount", o.stake_amount, "Amount in native units")->required();
  unstake->callback([&] { action = [&] { cmd_stake(g, staking::kUnstakeKind, o.stake_amount); }; });

  auto* rewards = app.add_subcommand("rewards", "Show stake and rewards; --claim pays them out");
  rewards->add_flag("--claim", o.claim_rewards, "Pay accrued rewards to your balance");
  rewards->add_flag("--restake", o.restake, "Claim and bond the rewards again");
  rewards->callback([&] { action = [&] { cmd_rewards(g, o.claim_rewards, o.restake); }; });
}

}  // namespace vest::wallet
