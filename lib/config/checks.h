// Checks: commands run with `sh -c` in a session's worktree after its agent ended a turn, whose
// exit codes decide whether the session is `done` (README.md "Checks"). Written as [[checks]]
// tables in config.toml and a repository's .orch.toml, or given as `--check CMD` (sling, convoy)
// and a convoy line's "checks". `orch land` runs the same checks on the merged result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/config/config.h"

namespace orch::config {

/// How long a check may run when its table sets no timeout (and for --check): 10 minutes.
inline constexpr int64_t kDefaultCheckTimeoutMs = 10 * 60 * 1000;

/// The [[checks]] keys.
inline const std::vector<std::string> kCheckKeys = {"name", "run", "timeout"};

/// One check.
struct CheckSpec {
  std::string name;  ///< shown in messages: the table's name, else the command itself
  std::string run;   ///< the command, run with `sh -c` in the worktree; never empty
  int64_t timeout_ms = kDefaultCheckTimeoutMs;  ///< past it the check is killed and fails
};

/// The checks of a `checks` value of a config file: an array of tables (`[[checks]]`) with the
/// keys name (optional string), run (required non-empty string) and timeout (optional positive
/// duration: Value::as_duration_ms). Errors (exit 1) as Value's accessors: "<file>:<line>:
/// checks[0].run: ..." for a missing or empty run, a bad timeout, an unknown key, a wrong type.
std::vector<CheckSpec> parse_checks(const Value& checks);

/// The check of `--check CMD` (or a convoy line's "checks" item): named after the command, with
/// the default timeout. Errors: orch::Error (exit 2) "--check: expected a command, got an empty
/// string" for an empty or blank command.
CheckSpec check_from_command(const std::string& command);

}  // namespace orch::config
