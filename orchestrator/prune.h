// `orch prune`: removes the worktrees of ended sessions, and git's records of orch worktrees
// whose folder is already gone. Never removes a worktree a live session uses, one with commits
// that are on no branch of the unit, or (without force) one with uncommitted changes; never
// deletes a branch. The registry keeps the sessions as they are: a removed worktree is one whose
// folder no longer exists (an event would count as activity in `orch agents`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/factory.h"

namespace orch {

/// What is known about one session's existing worktree when prune decides.
struct PruneFacts {
  bool live = false;          ///< the session is live: its worktree is in use
  std::string state;          ///< the session's state, for the reason
  std::string branch;         ///< the unit's branch, orch/<unit>
  bool dirty = false;         ///< staged, unstaged or untracked changes
  int64_t stray_commits = 0;  ///< commits at the worktree's HEAD that are not on `branch`
  std::string check_error;    ///< why dirty/stray_commits could not be found ("" = checked)
};

/// Whether prune removes a worktree, and why (a phrase for the listing).
struct PruneDecision {
  bool remove = false;
  std::string reason;
};

/// The rules: keep a live session's worktree, one that could not be checked, one whose HEAD
/// has commits not on the branch (even with `force`), and a dirty one unless `force`; remove
/// the rest.
PruneDecision decide_prune(const PruneFacts& f, bool force);

/// One worktree prune looked at.
struct PruneItem {
  std::string session;  ///< "" for a git record no session matches
  std::string unit;
  std::string worktree;  ///< its folder
  bool removed = false;  ///< removed (with dry_run: would be)
  bool failed = false;   ///< it was to be removed but that failed; `reason` says why
  std::string reason;
};

/// Decides for every session's existing worktree (after marking dead supervisors' sessions
/// lost) and, unless `dry_run`, removes what decide_prune allows (git worktree remove: folder and
/// .git/worktrees entry), then git's records of orch worktrees (named orch-*, under
/// $ORCH_HOME/worktrees) whose folder is gone, then empty per-repository folders. `force`
/// discards uncommitted changes. Returns every worktree looked at, removed or kept.
std::vector<PruneItem> prune_worktrees(Factory& f, bool dry_run, bool force);

}  // namespace orch
