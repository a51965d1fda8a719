// Conflict forecast across branches (orch conflicts): for every pair of branch tips, whether git's
// three-way merge of the two conflicts, and on which paths. Everything is computed in memory with
// libgit2 (git_merge_trees into an in-memory index): no working tree, index or ref is touched,
// and the merged blobs libgit2 writes go to an in-memory object store (git_mempack), not the
// repository.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace orch::git {

/// One branch tip to forecast.
struct ForecastTip {
  std::string commit;  ///< 40-hex commit (the branch head, or a live worktree's HEAD)
  std::string tree;    ///< 40-hex tree standing for the tip's content; "" = the commit's tree
};

/// Two tips whose merge conflicts: indexes into the tips given, a < b.
struct PairConflict {
  std::size_t a = 0;
  std::size_t b = 0;
  std::vector<std::string> paths;  ///< conflicting paths, sorted, each once ('/'-separated)
};

/// What forecast_conflicts found, and how much work it took.
struct Forecast {
  std::vector<PairConflict> conflicts;  ///< sorted by (a, b)
  std::size_t pairs = 0;                ///< pairs looked at: n·(n-1)/2
  std::size_t merged = 0;               ///< pairs that needed a full three-way merge
};

/// How forecast_conflicts works; the defaults are what orch uses.
struct ForecastOptions {
  /// Skip the merge of a pair whose changes cannot meet (see forecast_conflicts). Off only to
  /// measure or test the merges themselves.
  bool prefilter = true;
};

/// For every pair of `tips` in the repository containing `repo` (opened once), whether merging
/// the two conflicts, as `git merge-tree --write-tree A B` decides it: a three-way merge
/// (libgit2's git_merge_trees, rename detection on as git's default) whose ancestor is the
/// pair's merge base (git_merge_base of the two commits), or `base` when they have none.
///
/// Prefilter (sound, so the result is the same with it off): each tip's changed paths against
/// its fork point F = merge-base(base, tip) are diffed once. When both tips of a pair fork at the
/// same F and that F is also their merge base, a merge can only conflict on a path both changed
/// or where one changed a path inside a folder the other changed as a file (a file/folder
/// conflict); a pair with no such overlap is clean without merging (git's trivial merge: a path
/// changed on one side only takes that side).
///
/// `base` is a 40-hex commit. Errors: orch::Error naming the repository or commit when the
/// repository cannot be opened, a commit or tree does not exist, or libgit2 fails.
Forecast forecast_conflicts(const std::string& repo, const std::string& base,
                            const std::vector<ForecastTip>& tips,
                            const ForecastOptions& options = {});

/// The commits that refs/heads/<branch> point at, one per branch of `branches` (40 hex; "" for a
/// branch that does not exist), in the repository containing `repo` (opened once).
/// Errors: orch::Error when the repository cannot be opened or libgit2 fails.
std::vector<std::string> branch_commits(const std::string& repo,
                                        const std::vector<std::string>& branches);

/// What a working tree holds: its HEAD commit and the tree of its content.
struct WorktreeContent {
  std::string head;  ///< 40-hex commit checked out
  std::string tree;  ///< 40-hex tree of the index plus the working directory's changes
};

/// What the working tree at `worktree_path` (its top, no upward search) holds: its HEAD, and the
/// tree of its index plus every change in the working directory (modified, deleted and untracked
/// files that are not ignored), as `git add -A && git write-tree` would compute it, but without
/// writing the index file or any ref. The blobs and trees are written to the object database as
/// unreferenced loose objects (as `git stash create` does; `git gc` removes them later).
/// Errors: orch::Error when `worktree_path` is not the top of a working tree, its HEAD does not
/// resolve, or libgit2 fails.
WorktreeContent worktree_content(const std::string& worktree_path);

}  // namespace orch::git
