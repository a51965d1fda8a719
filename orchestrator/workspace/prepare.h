// Making a new worktree ready (README.md, "Workspace set-up"): the [workspace] copy files from
// the repository's working tree, and running setup (before the agent) and teardown (before
// prune removes the worktree) commands with their output in a private log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lib/registry/registry.h"
#include "orchestrator/workspace/settings.h"

namespace orch {

/// Copies each of `paths` (relative, as check_copy_path accepts) that exists in the working tree
/// `repo` to the same place in `worktree`: files with their mode bits (never more readable than
/// the source; set-id bits dropped), folders recursively, symbolic links inside them as links to
/// the same place in the worktree (relative; never into `repo`, even when the original is an
/// absolute path there), a path that is a link as what it leads to; what the worktree has there
/// is replaced.
/// Each path is checked again first (check_copy_source), so a link that leads outside the
/// repository copies nothing. Returns the paths copied. Errors: orch::Error "workspace copy:
/// <path>: <why>".
std::vector<std::string> copy_into_worktree(const std::filesystem::path& repo,
                                            const std::filesystem::path& worktree,
                                            const std::vector<std::string>& paths);

/// How a list of commands ran.
struct CommandsResult {
  bool ok = true;
  std::string error;  ///< one line: the command, its exit code (or time-out) and its last output
};

/// Runs each of `commands` in order as `sh -c COMMAND` (argv; the text is the user's shell
/// command) in `dir` with `env` added to orch's environment, stdin /dev/null, stdout and stderr
/// appended to `log` (created 0600), each in its own process group bounded by `timeout_ms`
/// (then the group is killed). `what` ("setup", "teardown") names them in the log and errors.
/// Stops at the first command that fails: "setup command 'npm ci' exited with code 1: <last
/// lines of output, joined by ' | '> (see <log>)", or "... timed out after 10m ...". Errors:
/// orch::Error when a command cannot be started at all (no sh) or the log cannot be written.
CommandsResult run_commands(const std::string& what, const std::vector<std::string>& commands,
                            const std::string& dir, const std::map<std::string, std::string>& env,
                            int64_t timeout_ms, const std::filesystem::path& log);

/// The environment session `session_id` gives what it runs for its workspace: ports_env of its
/// ports in the registry (empty when it has none). For setup, the agent, checks and teardown.
std::map<std::string, std::string> session_workspace_env(registry::Registry& reg,
                                                         const std::string& session_id);

}  // namespace orch
