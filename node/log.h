// A small thread-safe logger to standard error, one line per message: text
// ("2026-01-01T00:00:00.000Z INFO  message key=value") or JSON
// ({"time":"…","level":"info","message":"…","fields":{"key":"value"}}). Never give
// it key material.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace vest::node {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// One named value of a message, e.g. {"hash", "0x…"}.
struct LogField {
  std::string_view key;
  std::string value;
};

void set_log_level(LogLevel level);
void set_log_format(LogFormat format);
bool parse_log_level(std::string_view text, LogLevel& out);
bool parse_log_format(std::string_view text, LogFormat& out);
// True when messages of `level` are written; lets callers skip building them.
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kInfo, m, f); }
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kWarn, m, f); }
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kError, m, f); }
inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kDebug, m, f); }

}  // namespace vest::node
