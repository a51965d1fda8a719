// Reading a provider's "try again at" hints from the headers of an HTTP 429 reply (retry-after,
// retry-after-ms, OpenAI's x-ratelimit-reset-*, Anthropic's anthropic-ratelimit-*-reset). Which
// header means what, and which agent passes which on: docs/agents/rate-limits.md §3.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace orch::http {

/// What the reset headers of one reply say.
struct ResetHint {
  /// The latest reset time the headers name, epoch ms; 0 when none could be read.
  int64_t reset_at_ms = 0;
  std::string header;  ///< the header that gave reset_at_ms ("" when none)
  /// Headers that name a reset but could not be read (e.g. `retry-after: soon`), as
  /// "name: value" (value cut to 60 bytes), for an event that says why they were ignored.
  std::vector<std::string> unreadable;
};

/// Reads the reset hints among `headers` (names matched case-insensitively) as of `now_ms`:
/// `retry-after-ms` (ms), `retry-after` (seconds, or an HTTP date), `x-ratelimit-reset-*`
/// (a duration such as `1s`, `6m0s`, `17ms`), `anthropic-ratelimit-*-reset` (RFC 3339) and
/// `anthropic-ratelimit-unified-reset` (epoch seconds). The latest one wins (the provider
/// accepts again once every limit it named reset). A time in the past counts as now. Never
/// throws: a value it cannot read (negative, not a number, past year 9999) goes to `unreadable`.
ResetHint reset_hint(const std::vector<std::pair<std::string, std::string>>& headers,
                     int64_t now_ms);

/// True when an error text or type says the provider refused for rate or usage limits:
/// `rate_limit` / `rate limit` / `rate-limit`, `usage limit`, `too many requests`,
/// `hit your limit` (case-insensitive). Which texts the agents show: docs/agents/rate-limits.md.
bool says_rate_limited(const std::string& text);

/// Parses `1s`, `6m0s`, `1h2m3.5s`, `17ms`, `250us` (OpenAI's x-ratelimit-reset-* form) into ms
/// (rounded up). Returns -1 for anything else.
int64_t parse_go_duration_ms(const std::string& text);

/// Parses an RFC 3339 time (`2026-12-06T11:42:10Z`, fractions and `+hh:mm` offsets allowed) into
/// epoch ms. Returns -1 for anything else.
int64_t parse_rfc3339_ms(const std::string& text);

}  // namespace orch::http
