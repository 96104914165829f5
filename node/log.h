// A small thread-safe logger to standard error. Never give it key material.
#pragma once

#include <string_view>

namespace vest::node {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void set_log_level(LogLevel level);
bool parse_log_level(std::string_view text, LogLevel& out);
void log(LogLevel level, std::string_view message);

inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warn(std::string_view m) { log(LogLevel::kWarn, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }
inline void log_debug(std::string_view m) { log(LogLevel::kDebug, m); }

}  // namespace vest::node
