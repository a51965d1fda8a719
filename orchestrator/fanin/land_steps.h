// The steps of `orch land` that run programs: checks on a merged result in a scratch worktree,
// `git push` and `gh pr create`. Internal to orchestrator/fanin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/home.h"
#include "orchestrator/fanin/scratch_lock.h"

namespace orch::fanin {

/// A detached linked worktree of `repo` under $ORCH_HOME/land/, made on first use and removed
/// (with git's record of it) on destruction; checks run there, never in the user's tree. While it
/// exists this process holds its ScratchLock (scratch_lock.h): what a killed land leaves behind,
/// `orch prune` removes.
class ScratchWorktree {
 public:
  ScratchWorktree(std::string repo, const HomeLayout& home);
  ~ScratchWorktree();
  ScratchWorktree(const ScratchWorktree&) = delete;
  ScratchWorktree& operator=(const ScratchWorktree&) = delete;
  /// Checks out `commit` (40-hex) there, files forced to match. Returns the worktree's path.
  /// Errors: orch::Error from git.
  std::string checkout(const std::string& commit);

 private:
  std::string repo_;
  std::string path_;
  std::string name_;
  bool made_ = false;
  std::optional<ScratchLock> lock_;
};

/// The result of running the checks once.
struct ChecksResult {
  bool passed = true;
  std::string reason;  ///< the first failing check, one line: "check 'CMD' failed with exit 2"
  std::string log;     ///< file with every check's output (0600), "" when none ran
};

/// Runs `checks` in order with `sh -c` in `dir`, each at most `timeout_ms` (then its process group
/// is killed and it counts as failed), stopping at the first failure; their output goes to a new
/// file under `log_dir` named after `label`. Errors: orch::Error when the log cannot be written.
ChecksResult run_checks(const std::vector<std::string>& checks, const std::string& dir,
                        int64_t timeout_ms, const std::string& log_dir, const std::string& label);

/// `git push REMOTE refs/heads/BRANCH:refs/heads/BRANCH` in `repo`. Errors: orch::Error with git's
/// last line of stderr.
void push_branch(const std::string& repo, const std::string& remote, const std::string& branch);

/// `gh pr create --base BASE --head HEAD --title TITLE --body BODY` in `repo`; returns the pull
/// request's address (the last line gh prints). Errors: orch::Error with gh's last line of stderr.
std::string open_pull_request(const std::string& repo, const std::string& base,
                              const std::string& head, const std::string& title,
                              const std::string& body);

}  // namespace orch::fanin
