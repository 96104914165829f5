#include "wallet/cli_roles.h"

#include <iomanip>
#include <iostream>

#include "contracts/roles/messages.h"

namespace vest::wallet {

namespace json = boost::json;

namespace {

// A role name the chain would refuse is refused here, before signing.
std::string checked_role(const std::string& name) {
  if (!roles::Role::parse(name))
    throw CliError{"no role '" + name +
                   "': one of sale.admin, sale.treasury, sale.revenue, vesting.reporter:<metric>, validators.admin"};
  return name;
}

void cmd_show(const Globals& g, uint64_t height) {
  json::object params;
  if (height != 0) params["atHeight"] = height;
  json::value r = call(g, "roles_get", params);
  if (g.json_output) {
    print_json(r);
    return;
  }
  std::cout << "roles at height " << r.at("height").to_number<uint64_t>() << "\n";
  for (const auto& v : r.at("roles").as_array()) {
    std::cout << "  " << std::left << std::setw(36) << std::string(v.at("role").as_string()) << " "
              << std::string(v.at("holder").as_string()) << "\n";
    const json::value& p = v.at("pending");
    if (!p.is_null())
      std::cout << "    proposed: " << std::string(p.at("to").as_string()) << " (by "
                << std::string(p.at("by").as_string()) << " at height " << p.at("height").to_number<uint64_t>()
                << "), waiting for its key to accept\n";
  }
}

}  // namespace

void add_role_commands(CLI::App& app, Globals& g, RoleOptions& o, std::function<void()>& action) {
  auto* role = app.add_subcommand("role", "The chain's roles and their two-step handover");
  role->require_subcommand(1);
  auto* show = role->add_subcommand("show", "Each role's holder and any proposed successor");
  show->add_option("--height", o.height, "As of this block height (default: the head)");
  show->callback([&] { action = [&] { cmd_show(g, o.height); }; });

  auto* propose = role->add_subcommand(
      "propose", "As the holder (or the sale admin, for treasury, revenue and reporters): name the next holder");
  propose->add_option("role", o.role, "sale.admin, sale.treasury, sale.revenue, vesting.reporter:<metric> or "
                                      "validators.admin")->required();
  propose->add_option("to", o.to, "The account that is to accept the role")->required();
  propose->callback([&] {
    action = [&] { send(g, roles::kProposeKind, roles::Propose{checked_role(o.role), parse_addr(o.to)}.encode()); };
  });

  auto* accept = role->add_subcommand("accept", "As the proposed account: take the role");
  accept->add_option("role", o.role, "The role proposed to you")->required();
  accept->callback([&] { action = [&] { send(g, roles::kAcceptKind, roles::RoleRef{checked_role(o.role)}.encode()); }; });

  auto* cancel = role->add_subcommand("cancel", "As whoever may propose: withdraw the pending proposal");
  cancel->add_option("role", o.role, "The role")->required();
  cancel->callback([&] { action = [&] { send(g, roles::kCancelKind, roles::RoleRef{checked_role(o.role)}.encode()); }; });
}

}  // namespace vest::wallet
