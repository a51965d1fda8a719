// Rate limits wait instead of failing: when an agent reports that its provider refused for rate
// or usage limits, new sessions of that backend and provider are held back until the reset time
// (or a backoff), and the session is queued again without using up a retry.
// docs/agents/rate-limits.md §4 describes the rules.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <optional>
#include <string>

#include "lib/registry/rate_limits.h"
#include "lib/registry/types.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// Without a reset time, the first pause lasts this long; each further one in a row twice as
/// long as the one before, up to kRateLimitBackoffCapMs.
inline constexpr int64_t kRateLimitBackoffBaseMs = 30000;
/// The longest pause without a reset time (15 minutes).
inline constexpr int64_t kRateLimitBackoffCapMs = 15 * 60 * 1000;
/// The longest pause whatever the reset time says (6 hours): a reset further away is capped.
inline constexpr int64_t kRateLimitMaxPauseMs = 6 * 60 * 60 * 1000;
/// The shortest pause (a reset time that is now or past).
inline constexpr int64_t kRateLimitMinPauseMs = 1000;
/// A pause that ended longer ago than this does not count for the next one's backoff.
inline constexpr int64_t kRateLimitStrikeMemoryMs = 2 * kRateLimitBackoffCapMs;
/// A unit is queued again after a rate limit at most this many times in a row (then its failure
/// counts as any other: a retry if it has one left).
inline constexpr int kMaxRateLimitRequeues = 20;

/// How long a rate limit pauses its backend and provider.
struct PauseDecision {
  registry::RateLimitPause pause;  ///< the row to record
  std::string basis;               ///< where the end came from: "retry-after", "backoff", ...
  /// Why a reset the agent reported was not used as is (unreadable, or capped), "" when it was.
  std::string note;
};

/// The provider a pause of session `s` applies to: the hit's provider when the agent named it,
/// else the part of the session's model before "/", else "" (every provider of the backend).
std::string rate_limit_provider(const registry::Session& s, const RateLimitHit& hit);

/// Decides the pause for `hit` of a session of `backend`/`provider` at `now_ms`, given the
/// previous row of that backend and provider (`previous`, if any). Pure. The reset time is the
/// latest of the reply's headers (http::reset_hint) and the agent's announced retry; capped at
/// kRateLimitMaxPauseMs, at least kRateLimitMinPauseMs; none: the backoff by strikes in a row.
/// A pause still running when the hit comes (a session that started before it) keeps its
/// strikes and ends at the later of the two.
PauseDecision decide_pause(const std::string& backend, const std::string& provider,
                           const RateLimitHit& hit,
                           const std::optional<registry::RateLimitPause>& previous, int64_t now_ms);

/// Records the pause for failed session `s` (decide_pause, then registry::put_pause) and returns
/// the decision. Errors: what the registry throws.
PauseDecision record_rate_limit(registry::Registry& reg, const registry::Session& s,
                                const RateLimitHit& hit, int64_t now_ms);

/// "opencode/fake" (or "opencode" for a pause of every provider): how a pause is named to people.
std::string pause_target(const registry::RateLimitPause& p);

/// The supervisor's part, before it records the end of session `s`: when `run` failed because
/// the provider refused for limits, records the pause (record_rate_limit), reports a
/// `rate_limit` event to `sink` ({message, backend, provider, until, basis, note}; the message
/// says what is paused until when, and why a reset time was ignored or capped) and returns the
/// pause's end (epoch ms) for end_session; else returns 0. Never throws: a registry failure is
/// logged and the failure then counts as any other.
int64_t pause_for_rate_limit(registry::Registry& reg, SessionSink& sink, const registry::Session& s,
                             const RunResult& run, spdlog::logger& log);

}  // namespace orch
