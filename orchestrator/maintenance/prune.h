// `orch prune`: removes the worktrees of ended sessions, and git's records of orch worktrees
// whose folder is already gone, then deletes the branches of units that no session uses any more
// and whose commits are all in the unit's base (like `git branch -d`; with force, like -D).
// Never removes a worktree a live session uses, one with commits that are on no branch of the
// unit, or (without force) one with uncommitted changes; never deletes a branch that is checked
// out anywhere or (without force) one with commits not in its base. The registry keeps the
// sessions as they are: a removed worktree is one whose folder no longer exists (an event would
// count as activity in `orch agents`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/deps.h"

namespace orch {

/// What is known about one session's existing worktree when prune decides.
struct PruneFacts {
  bool live = false;                 ///< the session is live: its worktree is in use
  std::string state;                 ///< the session's state, for the reason
  std::string branch;                ///< the unit's branch, orch/<unit>
  bool dirty = false;                ///< staged, unstaged or untracked changes
  std::vector<std::string> ignored;  ///< ignored files and folders in it (".env", "build/")
  int64_t stray_commits = 0;         ///< commits at the worktree's HEAD that are not on `branch`
  std::string check_error;           ///< why dirty/stray_commits could not be found ("" = checked)
};

/// Whether prune removes a worktree, and why (a phrase for the listing).
struct PruneDecision {
  bool remove = false;
  std::string reason;
};

/// The rules: keep a live session's worktree, one that could not be checked, one whose HEAD
/// has commits not on the branch (even with `force`), and one that is dirty or holds ignored
/// files (a `.env`, build output: removing the folder deletes them) unless `force`; remove the
/// rest. The reason names up to 3 of the ignored files, kept or deleted.
PruneDecision decide_prune(const PruneFacts& f, bool force);

/// One worktree prune looked at.
struct PruneItem {
  std::string session;  ///< "" for a git record no session matches
  std::string unit;
  std::string worktree;  ///< its folder
  bool removed = false;  ///< removed (with dry_run: would be)
  bool failed = false;   ///< it was to be removed but that failed; `reason` says why
  std::string reason;
  /// Its [workspace] teardown failed (command, exit code, last output); it was removed anyway
  /// and `reason` ends with this.
  std::string teardown_error = {};
};

/// Decides for every session's existing worktree (after marking dead supervisors' sessions
/// lost) and, unless `dry_run`, removes what decide_prune allows (git worktree remove: folder and
/// .git/worktrees entry) after running the session's [workspace] teardown commands in it (a
/// failing teardown is reported in the item and does not keep the worktree); the files
/// [workspace] copy put there count neither as uncommitted changes nor as ignored files; then git's
/// records of orch worktrees (named orch-*, under $ORCH_HOME/worktrees) whose folder is gone, then
/// empty per-repository folders, then the land scratch worktrees no running land owns
/// (prune_land_scratch). `force` discards uncommitted changes. Returns every worktree looked at,
/// removed or kept.
std::vector<PruneItem> prune_worktrees(const Deps& f, bool dry_run, bool force);

/// The scratch worktrees `orch land` left under $ORCH_HOME/land/ (orch-land-*) when it was killed:
/// those whose lock no running land holds (orchestrator/fanin/scratch_lock.h) are removed, unless
/// `dry_run`, with git's record of them in their repository (named in the lock file, else found
/// from the folder's .git file) and the temporary branch of the same name if one is left; those
/// a running land holds are kept. Called by prune_worktrees, whose result lists them last.
std::vector<PruneItem> prune_land_scratch(const Deps& f, bool dry_run);

/// The repository (its working tree, or its git dir when bare) that a linked worktree's `.git`
/// file (`text`: "gitdir: <common dir>/worktrees/<name>") belongs to; "" when `text` is not that.
std::string scratch_repo_of_gitfile(const std::string& text);

/// What is known about a unit's branch when prune decides, after the worktree pass.
struct BranchFacts {
  std::string branch;          ///< orch/<unit>
  std::string live_state;      ///< the state of the unit's live session; "" = none
  std::string checked_out_in;  ///< where it stays checked out ("worktree <path>"); "" = nowhere
  std::string head;            ///< the branch's commit, 40 hex
  std::string base;            ///< the unit's base as the reason names it ("main", "v1.2")
  std::string base_error;      ///< why the base does not resolve now ("" = it does)
  int64_t unmerged = 0;        ///< commits on the branch that are not in the base
  bool no_commits = false;     ///< the branch is still at the commit it was created from
  std::string check_error;     ///< why the branch could not be checked ("" = checked)
};

/// The rules for a branch: keep it while a live session has its unit, while it is checked out
/// (the main working tree's HEAD, or a worktree that was kept), and when it could not be checked,
/// even with `force`; delete it when every commit of it is in the base (a branch that never got a
/// commit says so rather than "merged"); otherwise (commits not
/// in the base, or a base that no longer resolves) keep it unless `force`. A deletion's reason
/// names the commit it pointed at ("(was abc1234)"), so it can be recovered.
PruneDecision decide_branch(const BranchFacts& f, bool force);

/// One branch prune looked at.
struct PruneBranchItem {
  std::string unit;
  std::string repo;
  std::string branch;
  bool deleted = false;  ///< deleted (with dry_run: would be)
  bool failed = false;   ///< it was to be deleted but that failed; `reason` says why
  std::string reason;
};

/// After prune_worktrees (whose `worktrees` result it takes: those removed, or with dry_run to
/// be removed, count as gone), decides for the branch of every unit in the registry that still
/// exists in its repository (units of repositories whose folder is gone are skipped): the base
/// is the unit's base_ref (--base, or HEAD) resolved now. Unless `dry_run`, deletes what
/// decide_branch allows (git::delete_branch, refused if the branch moved or was checked out
/// since). Returns every branch looked at, deleted or kept.
std::vector<PruneBranchItem> prune_branches(const Deps& f, const std::vector<PruneItem>& worktrees,
                                            bool dry_run, bool force);

}  // namespace orch
