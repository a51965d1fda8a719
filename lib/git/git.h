// Git through libgit2: validating unit ids as branch names, creating a branch and a worktree per
// session without touching the user's own working tree, index or checked-out branch, committing
// what an agent left behind, diffstats, deleting a branch (orch prune).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orch::git {

/// Checks that `unit` can be the last component of the branch `orch/<unit>`: git's ref-name
/// rules (git_reference_name_is_valid on refs/heads/orch/<unit>) plus orch's: not empty, at most
/// 100 bytes, valid UTF-8, no '/', no leading '-' or '.', no whitespace or control characters,
/// no "..". This is the one rule for unit ids: a unit that passes it works as the branch
/// orch/<unit>, in the worktree folder <unit>-<session> and (with other bytes replaced by '_') in
/// the worktree's name, so nothing can fail on the unit id once it was accepted.
/// Errors: orch::Error (exit 2) "invalid unit id '<unit>': <why>".
void validate_unit_name(const std::string& unit);

/// A repository as orch sees it.
struct RepoInfo {
  std::string workdir;      ///< absolute, canonical path of the main working directory
  std::string common_dir;   ///< absolute path of the shared .git directory
  std::string head_commit;  ///< 40-hex id of HEAD's commit
};

/// Opens the repository at `path` (its top level, any folder inside it, or a linked worktree of
/// it) and describes its main working tree; head_commit is the main working tree's HEAD.
/// Errors: orch::Error "<path>: no such directory" / "not a git repository" /
/// "bare repositories are not supported" / "repository has no commits".
RepoInfo open_repo(const std::string& path);

/// Resolves `ref` (branch, tag, commit id, HEAD~2, ...) in `repo` to a 40-hex commit id.
/// Errors: orch::Error "base '<ref>' does not resolve to a commit in <repo>".
std::string resolve_commit(const std::string& repo, const std::string& ref);

/// True if refs/heads/<branch> exists in the repository containing `repo` (false for names git
/// would reject). Errors: orch::Error from open_repo's path checks or libgit2.
bool branch_exists(const std::string& repo, const std::string& branch);

/// The branches (short names) of the repository containing `repo` whose names start with
/// `prefix` (e.g. "orch/"), in no particular order. Errors: orch::Error from open_repo's path
/// checks or libgit2.
std::vector<std::string> list_branches(const std::string& repo, const std::string& prefix);

/// The branch (short name, e.g. "main") checked out in the main working tree of the repository
/// containing `repo`; "" when its HEAD is detached. Errors: orch::Error from open_repo's path
/// checks or libgit2.
std::string head_branch(const std::string& repo);

/// Deletes refs/heads/<branch> and its branch.<name> config section, like `git branch -D`, in
/// the repository containing `repo`; returns the 40-hex commit it pointed at (to name it, so it
/// can be recovered). Refuses when the branch is checked out in the main working tree or in any
/// linked worktree (also one whose folder is gone but whose record git keeps), and, when
/// `expected_commit` (40 hex) is not empty, when the branch no longer points at it. Runs under
/// the worktree lock, so add_worktree cannot check the branch out meanwhile. Does not check
/// whether its commits are merged anywhere: that is the caller's decision.
/// Errors: orch::Error "branch '<b>': no such branch in <repo>", "...: is checked out in
/// worktree <path>; not deleting it", "...: moved to <sha7> since it was checked; not deleting
/// it", "...: is not a valid branch name", or libgit2's message.
std::string delete_branch(const std::string& repo, const std::string& branch,
                          const std::string& expected_commit = "");

struct WorktreeRequest {
  std::string repo;         ///< repository workdir
  std::string branch;       ///< e.g. orch/issue-123; created at base_commit if missing
  std::string base_commit;  ///< 40-hex id; used only when the branch is created
  std::string path;         ///< absolute path of the new worktree (must not exist)
  std::string name;         ///< worktree name in .git/worktrees/ (unique, e.g. orch-<session>)
};

struct WorktreeResult {
  std::string path;
  std::string head_commit;  ///< commit checked out
  bool created_branch = false;
};

/// Creates the branch (if missing) and a worktree with it checked out; the main working tree, its
/// index and HEAD are not touched. If the branch is checked out in another worktree of an orch
/// session that ended, call detach_head() on that one first (a worktree entry whose folder is
/// gone is pruned instead). Safe to call concurrently from several processes/threads for
/// different units of one repository (entries are written under a lock on the common git dir).
/// Errors: orch::Error naming the path and libgit2's message, e.g. "<path>: already exists",
/// "<path>: worktree name '<name>' is already in use", "branch '<b>': is already checked out in
/// worktree <path> (...)", "base '<c>' does not resolve to a commit in <repo>", "<path>: cannot
/// create worktree: <libgit2>"; on failure nothing is left behind (no branch it created, no
/// worktree folder, no .git/worktrees entry). `name` must be letters, digits, '-', '_', '.'.
WorktreeResult add_worktree(const WorktreeRequest& req);

/// Points the worktree's HEAD at its current commit, detached, so its branch can be checked out
/// elsewhere; files and index are untouched. No-op if already detached or the path is missing.
/// Errors: orch::Error if `worktree_path` is not the top of a linked worktree (the main working
/// tree is never detached).
void detach_head(const std::string& worktree_path);

struct WorktreeInfo {
  std::string name;
  std::string path;
  std::string branch;  ///< empty when detached
  bool locked = false;
  bool prunable = false;  ///< folder is gone
};

/// The linked worktrees (git_worktree_list) of the repository containing `repo`, in no
/// particular order; the main working tree is not included.
std::vector<WorktreeInfo> list_worktrees(const std::string& repo);

/// Removes the worktree's folder and its .git/worktrees entry (just the entry if the folder is
/// already gone). Refuses (orch::Error) when it has uncommitted changes or is locked, unless
/// `force`, and when the folder's .git does not link back to the entry. Never touches the branch.
/// Errors: "<repo>: no worktree named '<name>'", "<path>: worktree has uncommitted changes; ...".
void remove_worktree(const std::string& repo, const std::string& name, bool force);

/// True if the worktree has staged, unstaged or untracked (not ignored) changes. `worktree_path`
/// must be the top of a working tree (no upward search). Errors: orch::Error if it is not.
bool is_dirty(const std::string& worktree_path);

/// The paths of the working tree at `workdir` (its top; no upward search) whose content differs
/// from HEAD: staged, unstaged and untracked files that are not ignored, relative and
/// '/'-separated, in git's order; an untracked folder is one entry ending in '/' (as `git status`
/// shows it). Errors: orch::Error if `workdir` is not the top of a working tree.
std::vector<std::string> changed_paths(const std::string& workdir);

/// The ignored files and folders in the working tree at `workdir` (e.g. ".env", "build/"): an
/// ignored folder is one entry ending in '/'. Errors: as changed_paths.
std::vector<std::string> ignored_paths(const std::string& workdir);

/// The content of the file `path` ('/'-separated, relative to the top) in the HEAD commit of the
/// working tree at `workdir`; nullopt when HEAD has no file there. Errors: orch::Error when
/// `workdir` is not the top of a working tree or HEAD does not resolve.
std::optional<std::string> head_file(const std::string& workdir, const std::string& path);

struct CommitResult {
  std::string commit_id;  ///< new commit, or empty if there was nothing to commit
  std::string head;       ///< HEAD commit after the call
  /// Paths left out of the commit (and of the index; HEAD's version, if any, stays staged)
  /// because their content holds one of the `secrets`; they stay in the working tree.
  std::vector<std::string> withheld;
};

/// Stages everything (including deletions and untracked, not ignored files), writes the index, and
/// commits it on the worktree's current branch (or detached HEAD) with `message` (cleaned up like
/// git commit does). Author/committer: user.name and user.email from the repository's config
/// (local, global, system) if set, else "orch <orch@localhost>". Returns an empty commit_id when
/// the tree equals HEAD's. `worktree_path` must be the top of a working tree (no upward search).
/// A changed file whose content holds one of `secrets` (e.g. orch's server password an agent's
/// `env > file` wrote) is not committed: listed in `withheld`. Untracked files and folders at
/// `kept_out` ('/'-separated paths relative to the top, e.g. the files [workspace] copy put
/// there) are not staged either, as if ignored; tracked ones are committed as usual.
CommitResult commit_all(const std::string& worktree_path, const std::string& message,
                        const std::vector<std::string>& secrets = {},
                        const std::vector<std::string>& kept_out = {});

/// "N files changed, X insertions(+), Y deletions(-)" between two commits, trimmed, as
/// `git diff --shortstat from to` prints it (renames detected as diff.renames says; empty string
/// when the trees are equal). Errors: orch::Error "'<rev>' does not resolve to a commit in <repo>".
std::string diffstat(const std::string& repo, const std::string& from_commit,
                     const std::string& to_commit);

/// Commits reachable from `to` and not from `from` (git rev-list from..to --count).
/// Errors: orch::Error "'<rev>' does not resolve to a commit in <repo>".
int64_t count_commits(const std::string& repo, const std::string& from, const std::string& to);

/// The commits reachable from `to` and not from `from`, newest first, at most `max`, each as
/// "<7 hex digits> <subject>" (git log --oneline --abbrev=7 from..to).
/// Errors: orch::Error "'<rev>' does not resolve to a commit in <repo>".
std::vector<std::string> commit_lines(const std::string& repo, const std::string& from,
                                      const std::string& to, std::size_t max);

}  // namespace orch::git
