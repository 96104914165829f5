// The `vest role` commands: show the chain's roles, and propose, accept or
// cancel a role's two-step handover (docs/wallet.md, "Roles").
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "wallet/cli_common.h"

namespace vest::wallet {

// The options of these commands; must outlive parsing and the action.
struct RoleOptions {
  std::string role;
  std::string to;
  uint64_t height = 0;  // role show --height; 0: the head
};

// Adds `role` and its subcommands to `app`; the one the user picks sets `action`.
void add_role_commands(CLI::App& app, Globals& g, RoleOptions& o, std::function<void()>& action);

}  // namespace vest::wallet
