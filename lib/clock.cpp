#include "lib/clock.h"

#include <ctime>

#include <charconv>
#include <cstdio>

#include "lib/error.h"

namespace orch {

std::string format_age(int64_t ms) {
  if (ms < 0) ms = 0;
  int64_t s = ms / 1000;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 120 * 60) return std::to_string(s / 60) + "m";
  if (s < 48 * 3600) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string format_iso8601(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  return buf;
}

int64_t parse_duration_ms(const std::string& text) {
  const std::string expected = "expected e.g. 30s, 15m, 2h or 500ms";
  int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) {
    throw Error("invalid duration '" + text + "'", "too long (at most 36500d)", kExitUsage);
  }
  if (ec != std::errc() || ptr == begin || value < 0) {
    throw Error("invalid duration '" + text + "'", expected, kExitUsage);
  }
  std::string unit(ptr, end);
  int64_t per = 0;
  if (unit.empty() || unit == "s") per = 1000;
  if (unit == "ms") per = 1;
  if (unit == "m") per = 60 * 1000;
  if (unit == "h") per = 3600 * 1000;
  if (unit == "d") per = 86400 * 1000;
  if (per == 0) throw Error("invalid duration '" + text + "'", expected, kExitUsage);
  // Checked before multiplying: 18446744073709552s must not wrap around to a fraction of a second.
  if (value > kMaxDurationMs / per) {
    throw Error("invalid duration '" + text + "'", "too long (at most 36500d)", kExitUsage);
  }
  return value * per;
}

}  // namespace orch
