// Writing samples in the Prometheus text format (version 0.0.4): each metric
// with its # HELP and # TYPE lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vest::node {

// Appends the # HELP and # TYPE lines of `name`; its samples follow.
inline void prometheus_head(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Appends a metric of one unlabelled sample.
inline void prometheus_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                              uint64_t value) {
  prometheus_head(out, name, type, help);
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace vest::node
