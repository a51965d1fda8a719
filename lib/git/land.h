// Landing a unit's branch on a target branch (`orch land`): the landed commit is built in memory
// (libgit2 three-way merges and cherry-picks into an in-memory index, written to the object
// database), so no working tree, index or ref changes until the target branch is advanced with a
// compare-and-swap. The git rules followed are those of `git merge --no-ff`, `git merge --squash`
// + commit, `git rebase` (linear replay of the branch's own commits) and `git merge --ff-only`.
#pragma once

#include <string>
#include <vector>

namespace orch::git {

/// How a branch is landed: a merge commit (two parents), one squashed commit (one parent), or the
/// branch's own commits replayed on the target (rebase, then fast-forward).
enum class LandStrategy { kMerge, kSquash, kRebase };

/// "merge", "squash", "rebase".
const char* to_string(LandStrategy s);

/// What build_landing made.
struct Landing {
  std::string commit;                  ///< 40-hex id of the new tip; empty when not landable
  std::vector<std::string> conflicts;  ///< paths that conflict (sorted, unique); empty = none
  bool already_contained = false;      ///< the branch tip is already an ancestor of `onto`
  bool no_changes = false;             ///< the landed tree equals `onto`'s tree
};

/// What the landed commits say and who made them.
struct LandMessage {
  std::string subject;  ///< first line of a merge or squash commit
  std::string body;     ///< the rest (may be empty)
};

/// Builds, in memory, the commit that lands `branch_tip` (40-hex) on `onto` (40-hex) in the
/// repository at `repo` with `strategy`. Merge: a commit with parents (onto, branch_tip); squash:
/// one commit with parent onto and the merged tree; rebase: each commit of the branch since its
/// merge base with onto (oldest first, merges skipped) cherry-picked in turn, keeping its author
/// and message. The committer is the repository's user.name/user.email (else "orch"). On a conflict
/// nothing is written that a ref points at and `conflicts` names the paths. Errors: orch::Error
/// when the repository or a commit cannot be read.
Landing build_landing(const std::string& repo, const std::string& onto,
                      const std::string& branch_tip, LandStrategy strategy,
                      const LandMessage& message);

/// Moves refs/heads/`branch` from `expected` (40-hex) to `commit` only if it still points at
/// `expected` (a compare-and-swap, as `git update-ref NEW OLD`); writes `reflog` to its reflog.
/// Returns false, changing nothing, when the branch moved meanwhile. Errors: orch::Error when the
/// branch does not exist or the update fails for another reason.
bool advance_branch(const std::string& repo, const std::string& branch, const std::string& expected,
                    const std::string& commit, const std::string& reflog);

/// The working tree (main or linked) of the repository at `repo` whose HEAD is the branch
/// `branch`, or "" when none has it checked out.
std::string worktree_with_branch(const std::string& repo, const std::string& branch);

/// Paths with staged or unstaged changes to tracked files in the working tree at `worktree`
/// (untracked files do not count: `git merge --ff-only` keeps them unless it would overwrite one).
std::vector<std::string> tracked_changes(const std::string& worktree);

/// Updates the files and index of the working tree at `worktree`, whose HEAD branch was just
/// advanced from `from` to the current tip, as `git merge --ff-only` does: only files that differ
/// between the two commits change; an untracked file in the way stops it before anything is
/// written. Errors: orch::Error naming the worktree and libgit2's reason.
void follow_fast_forward(const std::string& worktree, const std::string& from);

/// Points the linked worktree at `worktree` at `commit` (40-hex), detached, with its files and
/// index forced to match (a scratch worktree for checks). Errors: orch::Error.
void checkout_detached(const std::string& worktree, const std::string& commit);

/// True when the repository at `repo` has a remote named `name` (git remote get-url NAME).
bool remote_exists(const std::string& repo, const std::string& name);

/// The name of the first remote (in git's order) of the repository at `repo` whose fetch URL is
/// exactly `url`, or "" when none is. Errors: orch::Error when `repo` cannot be opened.
std::string remote_with_url(const std::string& repo, const std::string& url);

/// Fetches the branches refs/heads/orch/* of remote `remote` of the repository at `repo` into
/// refs/remotes/<remote>/orch/*, then points each local branch of `branches` (e.g. "orch/a")
/// at the fetched one when the local branch is missing or is an ancestor of it (a fast-forward);
/// a local branch with commits of its own is left as it is. Returns the branches of `branches`
/// the remote does not have. Errors: orch::Error "fetch from <remote>: <libgit2's reason>".
std::vector<std::string> fetch_unit_branches(const std::string& repo, const std::string& remote,
                                             const std::vector<std::string>& branches);

}  // namespace orch::git
