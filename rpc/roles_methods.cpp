#include "rpc/roles_methods.h"

#include "contracts/roles/roles.h"
#include "rpc/method_util.h"
#include "rpc/params.h"

namespace vest::rpc {

namespace json = boost::json;

namespace {

// {"roles":[{"role","holder","pending":{"to","by","height","time"}|null}, ...],"height","time"}
json::value roles_get(NodeApi& node, const json::object& p) {
  StateAt at = state_at(node, p);
  json::array list;
  for (const roles::RoleStatus& r : roles::all_roles(*at.state)) {
    json::value pending = nullptr;
    if (r.pending)
      pending = json::object{{"to", to_checksum(r.pending->to)},
                             {"by", to_checksum(r.pending->by)},
                             {"height", r.pending->height},
                             {"time", r.pending->time}};
    list.push_back(json::object{{"role", r.role.name()}, {"holder", to_checksum(r.holder)}, {"pending", pending}});
  }
  return json::object{{"roles", std::move(list)}, {"height", at.height}, {"time", at.time}};
}

}  // namespace

void register_roles_methods(Dispatcher& d, NodeApi& node) {
  d.add_sync("roles_get", {"atHeight"}, [&node](const json::value& v) { return Result(roles_get(node, params_object(v))); });
}

}  // namespace vest::rpc
