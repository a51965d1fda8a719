// `orch doctor`: checks the agent binaries against the versions orch is tested with, the
// registry's integrity and schema, sessions whose supervisor is gone (marked lost), worktree
// folders no session owns and sessions whose worktree is gone, and processes left running in
// orch's worktrees (whatever their command line). Each finding comes with the command that fixes
// it.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/deps.h"

namespace orch {

/// How bad a finding is: only problems make `orch doctor` exit 1.
enum class Severity { kOk, kWarn, kProblem };

/// One result of a check.
struct Finding {
  std::string check;  ///< agents | registry | storage | sessions | worktrees | processes | servers
                      ///< | workers | workspace
  Severity severity = Severity::kOk;
  std::string message;
  std::string fix;  ///< a command that fixes it; "" when there is nothing to do
};

/// Runs every check; marks sessions whose supervisor is gone as lost (reap_lost). With `repo`
/// (`orch doctor REPO`), also check_workspace_files for it.
std::vector<Finding> run_doctor(const Deps& f, const std::string& repo = "");

/// What a new worktree of the repository at `repo` will lack: a warning (check "workspace")
/// naming its uncommitted and untracked paths not covered by [workspace] copy and the agent
/// configuration among them, as `orch sling` warns (sling_warnings); ok when there are none; a
/// problem when the repository or its config files cannot be read.
Finding check_workspace_files(const HomeLayout& home, const std::string& repo);

/// The agent checks alone: every preset (built-ins and $ORCH_HOME/config.toml) found, runnable
/// (`<binary> --version`) and at the version its backend is tested with. A missing binary is a
/// problem for the default agent and a warning for the others; another version is a warning.
std::vector<Finding> check_agents(const HomeLayout& home);

/// The registry itself: it opens (else a problem: a newer schema asks for a newer orch, anything
/// else for `sqlite3 .recover`), `PRAGMA integrity_check` is ok, its schema version is this orch's.
std::vector<Finding> check_registry(const Deps& f);

/// The registry can be written, not only read: a read-only or immutable file (or folder, or file
/// system) opens and reads fine while every sling fails. A problem when it cannot.
Finding check_registry_writable(registry::Registry& reg);

/// Free space on the file system of $ORCH_HOME: a problem below what a session needs to record
/// its end (`no space left on device`), a warning below 64 MiB.
Finding check_free_space(const HomeLayout& home);

/// The checks of the registry's contents and the files and processes it describes: sessions
/// whose supervisor is gone (marked lost), worktree folders no session owns, sessions whose
/// worktree is gone, processes working in orch's worktrees that no live session owns, whatever
/// their command line (a problem; a warning for one with a controlling terminal).
std::vector<Finding> check_sessions_and_files(const Deps& f);

/// The shared agent servers: each open one in the registry (a warning when its process is gone,
/// its starter is gone, or it is idle past kServerIdleMs) and every process working in
/// $ORCH_HOME/servers/ that no open server names (a problem: `kill PID`).
std::vector<Finding> check_servers(const Deps& f);

/// The workers (`orch worker`, docs/workers.md): each live one with its host, pid, sessions and
/// heartbeat age (a warning when it is older than registry::kWorkerSilentMs: the next orch
/// command marks it lost), and those lost in the last day (a warning). Nothing when no worker
/// ever ran.
std::vector<Finding> check_workers(const Deps& f);

/// The version in `--version` output: its first word that starts with a digit ("1.18.33" from
/// "1.18.33\n", "2.1.328" from "2.1.328 (Claude Code)"), or "".
std::string parse_version(const std::string& output);

/// `s` quoted for a POSIX shell (single quotes), for the fix commands.
std::string shell_quote(const std::string& s);

/// "ok", "warn", "problem".
const char* to_string(Severity s);

/// True when no finding is a problem.
bool healthy(const std::vector<Finding>& findings);

}  // namespace orch
