// A session's checks (README.md "Checks"): after the agent ended a turn well, each check runs
// with `sh -c` in the worktree, in its own process group, its output saved (0600) under
// $ORCH_HOME/sessions/<id>/checks/. All pass: the session is done. One fails: while fix attempts
// remain, its name, command, exit code and the last kFeedbackLines lines of its output go back to
// the agent in the same conversation, and the checks run again after its next turn; then the
// session fails (its work is still committed). The supervisor's RunWatch drives this
// (SessionSink::turn_ended); the text and the messages are pure functions, tested alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "lib/config/checks.h"
#include "lib/process/process.h"
#include "lib/registry/checks.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// Lines of a failing check's output the agent gets back.
inline constexpr size_t kFeedbackLines = 200;

/// The environment variable set, to "<session id>-<attempt>-<index>", on every process of a
/// check: what a check left running, even outside its process group, is found and killed.
inline constexpr const char* kCheckEnvVar = "ORCH_CHECK";

/// Pure: the last `n` lines of `text` (all of it when it has fewer); a last line without '\n'
/// counts as a line.
std::string last_lines(std::string_view text, size_t n);

/// The last `n` lines of the output file at `path` (of its last 64 KiB at most), as valid UTF-8;
/// "" when it cannot be read.
std::string check_output_tail(const std::string& path, size_t n);

/// Pure: how a check run ended, for messages: "exit 2", "exit 127 (command not found)",
/// "timed out after 10s".
std::string describe_check_end(const registry::CheckRun& run, int64_t timeout_ms);

/// Pure: the follow-up prompt for a failed check: its name, command, how it ended, `tail` (the
/// last lines of its output) and the request to fix it; `attempt` of `attempts` rounds so far.
std::string check_feedback(const config::CheckSpec& check, const registry::CheckRun& run,
                           int64_t timeout_ms, const std::string& tail, int attempt, int attempts);

/// Pure: the session's error once the attempts are used up, e.g. "check 'tests' (make -j2 test)
/// failed with exit 2 after 3 attempts".
std::string check_failure_message(const config::CheckSpec& check, const registry::CheckRun& run,
                                  int attempts);

/// What one round of checks decided.
struct CheckVerdict {
  bool passed = false;                   ///< every check exited 0 in time
  bool aborted = false;                  ///< a stop killed a check: the stop decides the end
  std::optional<std::string> follow_up;  ///< a check failed and a fix attempt remains
  std::string failure;                   ///< a check failed and none remains: the session's error
};

/// Runs the checks of one session, round after round. Thread-safe abort(); run_round() is called
/// from one thread at a time.
class SessionChecks {
 public:
  /// What the checks report: each ended run (to record), and `check` events.
  struct Reports {
    std::function<void(const registry::CheckRun&)> run_ended;
    std::function<void(const json::Json&)> event;
  };
  /// The checks and fix attempts of `spec`, run in spec.worktree; output under
  /// <spec.log_dir>/checks/. `env`: set in every check's environment besides orch's markers (the
  /// session's [workspace] ports: ORCH_PORT, ORCH_PORTS); never the preset's environment, which is
  /// the agent's and may hold its keys.
  SessionChecks(const SessionSpec& spec, Reports reports,
                std::map<std::string, std::string> env = {});

  /// True when the session has checks.
  bool any() const { return !checks_.empty(); }
  /// Runs every check once, in order, stopping at the first failure. Never throws: a check that
  /// cannot be started fails with exit 127.
  CheckVerdict run_round();
  /// Kills the check running now (its process group) and makes run_round() return aborted.
  void abort();
  /// Rounds run so far.
  int rounds() const { return round_; }

 private:
  registry::CheckRun run_one(const config::CheckSpec& check, size_t index);
  /// Waits for `child` to end, killing its group at `timeout_ms` or on abort().
  void wait_for(process::Child& child, int64_t timeout_ms, registry::CheckRun& run);

  std::vector<config::CheckSpec> checks_;
  int fix_attempts_ = 0;
  std::string session_id_;
  std::string worktree_;
  std::string dir_;  ///< <log_dir>/checks
  Reports reports_;
  std::map<std::string, std::string> env_;
  int round_ = 0;
  std::atomic<bool> abort_{false};
};

}  // namespace orch
