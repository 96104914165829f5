#include "node/log.h"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace vest::node {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};
std::mutex g_mutex;

// A field value that has no spaces or quotes is written as it is, else quoted.
std::string text_value(const std::string& v) {
  bool plain = !v.empty();
  for (char c : v) plain = plain && c != ' ' && c != '"' && c != '=' && c != '\n';
  return plain ? v : boost::json::serialize(boost::json::value(v));
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }
void set_log_format(LogFormat format) { g_format = format; }

bool parse_log_level(std::string_view text, LogLevel& out) {
  if (text == "debug") out = LogLevel::kDebug;
  else if (text == "info") out = LogLevel::kInfo;
  else if (text == "warn") out = LogLevel::kWarn;
  else if (text == "error") out = LogLevel::kError;
  else return false;
  return true;
}

bool parse_log_format(std::string_view text, LogFormat& out) {
  if (text == "text") out = LogFormat::kText;
  else if (text == "json") out = LogFormat::kJson;
  else return false;
  return true;
}

bool log_enabled(LogLevel level) { return level >= g_level.load(); }

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  static const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  static const char* kJsonNames[] = {"debug", "info", "warn", "error"};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[40];
  std::size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof(stamp) - n, ".%03dZ", static_cast<int>(ms));
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    boost::json::object f;
    for (const LogField& field : fields) f[field.key] = field.value;
    boost::json::object o{{"time", stamp},
                          {"level", kJsonNames[static_cast<int>(level)]},
                          {"message", message},
                          {"fields", std::move(f)}};
    line = boost::json::serialize(o);
  } else {
    line = std::string(stamp) + " " + kNames[static_cast<int>(level)];
    line.append(6 - std::string_view(kNames[static_cast<int>(level)]).size(), ' ');
    line += message;
    for (const LogField& field : fields) line += " " + std::string(field.key) + "=" + text_value(field.value);
  }
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace vest::node
