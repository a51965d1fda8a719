// The runs of a session's checks (migrations/0012_checks.sql): commands run in its worktree
// after the agent ended a turn; every run is one row of `check_runs`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// One row of `check_runs`.
struct CheckRun {
  int64_t id = 0;           ///< set by the registry
  std::string session_id;   ///< whose worktree it ran in
  int attempt = 1;          ///< the round of checks: 1 after the work, N after the (N-1)-th fix
  std::string name;         ///< the check's name
  std::string command;      ///< run with `sh -c`
  int exit_code = -1;       ///< its exit code (128+signal when killed); -1 while it runs
  bool timed_out = false;   ///< it ran past its timeout and was killed
  int64_t duration_ms = 0;  ///< how long it ran
  std::string output_path;  ///< its output (stdout and stderr), 0600
  int64_t started_at = 0;   ///< ms since the epoch
  int64_t ended_at = 0;     ///< ms since the epoch; 0 while it runs
  /// Whether the check passed: it ended with exit code 0 within its timeout.
  bool passed() const { return ended_at > 0 && exit_code == 0 && !timed_out; }
};

/// How a session's check runs went: `agents --json` "checks".
struct CheckCounts {
  int runs = 0;    ///< runs recorded (ended or not)
  int passed = 0;  ///< ended with exit code 0
  int failed = 0;  ///< ended otherwise (an exit code, a signal, a timeout)
};

/// Records a check run that started (`run.ended_at` 0) or ended; returns its id. Errors:
/// orch::Error when the write fails (unknown session: a foreign-key failure).
int64_t insert_check_run(Registry& reg, const CheckRun& run);

/// Records the end of run `id`: exit code, timeout, duration and end time from `run`. Errors:
/// orch::Error when the write fails.
void end_check_run(Registry& reg, int64_t id, const CheckRun& run);

/// The check runs of session `session_id`, in the order they started.
std::vector<CheckRun> check_runs(Registry& reg, const std::string& session_id);

/// The counts of each of `session_ids` that has check runs (one query for a listing).
std::map<std::string, CheckCounts> check_counts(Registry& reg,
                                                const std::vector<std::string>& session_ids);

}  // namespace orch::registry
