// Time as orch stores it: UTC milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace orch {

/// Current UTC wall-clock time in milliseconds since the epoch.
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// A monotonic clock reading in milliseconds, for deadlines and timeouts.
inline int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// "3s", "4m", "2h", "5d" style age of `ms` milliseconds (as kubectl prints AGE).
std::string format_age(int64_t ms);

/// UTC ISO-8601 with milliseconds, e.g. "2026-11-23T14:05:16.120Z".
std::string format_iso8601(int64_t epoch_ms);

/// The longest duration parse_duration_ms accepts: 36500 days (about 100 years), so that any
/// deadline computed from it (a clock reading plus the duration) stays far from overflowing.
inline constexpr int64_t kMaxDurationMs = int64_t{36500} * 86400 * 1000;

/// Parses a duration such as "90s", "15m", "2h", "500ms", "1d" or a bare number of seconds into
/// milliseconds (0 allowed). Throws orch::Error (exit 2) on anything else, and on a duration
/// longer than kMaxDurationMs ("invalid duration '<text>': too long (at most 36500d)").
int64_t parse_duration_ms(const std::string& text);

}  // namespace orch
