// Convoys: a named set of work units on one repository, dispatched through the session pool
// (orchestrator/pool/pool.h) and followed together. `orch convoy
// create|add|list|show|stop|wait|run`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/convoys.h"
#include "lib/registry/landings.h"
#include "lib/registry/rate_limits.h"
#include "orchestrator/convoy/units.h"
#include "orchestrator/deps.h"

namespace orch {

/// What `orch convoy create` / `run` set on a new convoy.
struct ConvoySettings {
  std::string name;
  std::string repo;      ///< path to the repository (or inside it)
  std::string agent;     ///< default preset for its units; "" = the configured default
  int max_sessions = 0;  ///< 0 = [defaults] max_sessions, else kDefaultMaxSessions
  int retries = 0;       ///< re-runs of a failed unit
  /// --check: the checks of the units dispatched now that give no "checks" of their own
  /// (replacing the config's [[checks]]); empty = the config's.
  std::vector<std::string> checks;
  int fix_attempts = -1;         ///< --fix-attempts; -1 = [defaults] fix_attempts
  bool require_changes = false;  ///< its units' done with no change fail (--require-changes)
  bool notify = false;           ///< --notify: desktop notifications on its units' events
  /// --max-cost, --max-tokens, --max-duration: each unit's limits, unless its line gives its own.
  SpendLimits limits;
  double budget_usd = 0;  ///< --budget: the whole convoy's, in US dollars; 0 = none
};

/// A unit of a convoy and where it stands: its latest attempt decides its state.
struct UnitStatus {
  std::string unit;
  std::string branch;
  std::optional<registry::ConvoySession> latest;  ///< none only for a unit with no session
  int attempts = 0;
  double cost_usd = 0;           ///< over every attempt
  int64_t first_started_at = 0;  ///< when its first attempt was queued or started
  int64_t run_ms = 0;            ///< time its attempts ran, supervised (live: until now)
  /// When a check failed the latest attempt: its name and the last lines of its output (filled by
  /// add_failed_checks, orchestrator/convoy/junit.h; empty otherwise).
  std::string failed_check;
  std::string failed_check_output;
  /// What `orch land` did with the latest attempt's work (lib/registry/landings.h), if anything.
  std::optional<registry::LandingRow> landing;
  /// The rate limit pause that holds the latest attempt back while it is queued
  /// (lib/registry/rate_limits.h), if any.
  std::optional<registry::RateLimitPause> rate_limit;
};

/// Units per state (a unit's state is its latest attempt's; handed_off counts as stopped).
struct ConvoyCounts {
  int total = 0, queued = 0, starting = 0, running = 0, waiting = 0;
  int done = 0, failed = 0, stopped = 0, lost = 0;
  double cost_usd = 0;
  /// Units whose latest attempt ended.
  int finished() const { return done + failed + stopped + lost; }
  /// True when every unit ended (also for a convoy without units).
  bool all_ended() const { return finished() == total; }
  /// Field-wise equality (progress output is redrawn when the counts change).
  bool operator==(const ConvoyCounts& o) const = default;
};

/// A convoy and its units, read from the registry at one moment.
struct ConvoyStatus {
  registry::Convoy convoy;
  std::vector<UnitStatus> units;
  ConvoyCounts counts;
};

/// Checks a convoy name: 1 to 100 letters, digits, '-', '_' or '.', not starting with '-' or '.'.
/// Errors: orch::Error (exit 2).
void validate_convoy_name(const std::string& name);

/// The convoy called `name`. Errors: orch::Error (exit 7) when there is none.
registry::Convoy require_convoy(registry::Registry& reg, const std::string& name);

/// Creates the convoy and dispatches `units` (each through launch(): started while the pool has
/// room, else queued; higher priority first). Everything is validated before anything is
/// written: the name (unused), the repository, and per unit its agent preset and binary, its base,
/// that it has no live session and belongs to no other convoy; every problem is listed, one line
/// each, in one orch::Error. Returns the convoy.
registry::Convoy create_convoy(const Deps& f, const ConvoySettings& settings,
                               const std::vector<UnitSpec>& units);

/// Adds `units` to the existing `convoy` and dispatches them, validated as create_convoy does.
/// Errors also: the convoy was stopped.
void add_to_convoy(const Deps& f, const registry::Convoy& convoy,
                   const std::vector<UnitSpec>& units);

/// Counts the units of `units` per state (pure).
ConvoyCounts count_units(const std::vector<UnitStatus>& units);

/// The units of `convoy`, their latest attempts and the counts, from the registry.
ConvoyStatus convoy_status(registry::Registry& reg, const registry::Convoy& convoy);

/// The exit code for a convoy that ended with `c`: 5 if any unit was lost, else 4 if any was
/// stopped, else 3 if any failed, else 0.
int convoy_exit_code(const ConvoyCounts& c);

/// The JSON of `orch convoy show --json`: name, repo, agent, max_sessions, retries, created_at,
/// stopped_at, units [{unit, state, session, attempt, attempts, branch, worktree, cost_usd,
/// started_at, ended_at, error, note, summary, diffstat, changed, landing}], totals {units, queued,
/// starting, running, waiting, done, failed, stopped, lost, finished, cost_usd}, progress (finished
/// / units, 0..1).
json::Json convoy_json(const ConvoyStatus& s);

/// The counts as JSON (the `totals` of convoy_json).
json::Json counts_json(const ConvoyCounts& c);

/// What stop_convoy did.
struct ConvoyStopReport {
  int cancelled = 0;  ///< queued sessions that never started
  int stopped = 0;    ///< live sessions stopped
};

/// Stops the convoy: marks it stopped (nothing of it gets a slot or a retry from then on),
/// cancels its queued sessions, stops its live ones (orchestrator/session/stop.h, all at once, each
/// with `grace_ms`, or killed at once with `force`), then hands the freed slots to other queued
/// work.
ConvoyStopReport stop_convoy(const Deps& f, const registry::Convoy& convoy, int64_t grace_ms,
                             bool force = false);

}  // namespace orch
