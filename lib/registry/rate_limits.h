// Pauses of a backend and provider after a rate limit (migrations/0017_rate_limits.sql): the
// registry rows every orch process and the pool read (docs/agents/rate-limits.md §4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// One row of rate_limit_pauses.
struct RateLimitPause {
  std::string backend;
  std::string provider;  ///< "" when unknown: the pause covers every provider of the backend
  int64_t until_ms = 0;  ///< epoch ms
  std::string reason;
  int strikes = 1;  ///< rate limits in a row (the backoff's exponent)
  std::string session_id;
  int64_t at = 0;  ///< epoch ms
};

/// The row of (`backend`, `provider`), whether its pause is over or not.
std::optional<RateLimitPause> get_pause(Registry& reg, const std::string& backend,
                                        const std::string& provider);

/// Inserts or replaces the row of (p.backend, p.provider).
void put_pause(Registry& reg, const RateLimitPause& p);

/// Removes the rows of `backend` whose pause is over at `now_ms` (a session of it that ended well
/// shows its provider accepts again: the next rate limit's backoff starts afresh). Returns how
/// many it removed.
int clear_ended_pauses(Registry& reg, const std::string& backend, int64_t now_ms);

/// Pauses still running at `now_ms`, soonest end first.
std::vector<RateLimitPause> active_pauses(Registry& reg, int64_t now_ms);

/// The pause among `pauses` (running ones) that holds back session `s` when it is queued, the
/// rule claim_queued applies: a pause of its backend for its model's provider (before "/"), or
/// for every provider, or any pause of its backend when its model names no provider. nullptr
/// when none does (or `s` is not queued).
const RateLimitPause* pause_holding(const std::vector<RateLimitPause>& pauses, const Session& s);

/// The same rule for a session of `backend` with `model` whatever its state (a launch: a new
/// session a pause covers is queued, not started).
const RateLimitPause* pause_covering(const std::vector<RateLimitPause>& pauses,
                                     const std::string& backend, const std::string& model);

}  // namespace orch::registry
