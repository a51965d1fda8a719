// Git through libgit2: validating unit ids as branch names, creating a branch and a worktree per
// session without touching the user's own working tree, index or checked-out branch, committing
// what an agent left behind, diffstats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orch::git {

/// Checks that `unit` can be the last component of the branch `orch/<unit>`: git's ref-name
/// rules (git_reference_name_is_valid on refs/heads/orch/<unit>) plus orch's: not empty, at most
/// 100 bytes, no '/', no leading '-' or '.', no whitespace or control characters, no "..".
/// Errors: orch::Error (exit 2) "invalid unit id '<unit>': <why>".
void validate_unit_name(const std::string& unit);

/// A repository as orch sees it.
struct RepoInfo {
  std::string workdir;      ///< absolute, canonical path of the main working directory
  std::string common_dir;   ///< absolute path of the shared .git directory
  std::string head_commit;  ///< 40-hex id of HEAD's commit
};

/// Opens the repository at `path` (its top level or any folder inside it).
/// Errors: orch::Error "<path>: no such directory" / "not a git repository" /
/// "bare repositories are not supported" / "repository has no commits".
RepoInfo open_repo(const std::string& path);

/// Resolves `ref` (branch, tag, commit id, HEAD~2, ...) in `repo` to a 40-hex commit id.
/// Errors: orch::Error "base '<ref>' does not resolve to a commit in <repo>".
std::string resolve_commit(const std::string& repo, const std::string& ref);

/// True if refs/heads/<branch> exists.
bool branch_exists(const std::string& repo, const std::string& branch);

struct WorktreeRequest {
  std::string repo;           ///< repository workdir
  std::string branch;         ///< e.g. orch/issue-123; created at base_commit if missing
  std::string base_commit;    ///< 40-hex id; used only when the branch is created
  std::string path;           ///< absolute path of the new worktree (must not exist)
  std::string name;           ///< worktree name in .git/worktrees/ (unique, e.g. orch-<session>)
};

struct WorktreeResult {
  std::string path;
  std::string head_commit;    ///< commit checked out
  bool created_branch = false;
};

/// Creates the branch (if missing) and a worktree with it checked out. If the branch is checked
/// out in another worktree of an orch session that ended, call detach_head() on that one first.
/// Errors: orch::Error naming the path and libgit2's message; on failure nothing is left behind
/// (no branch it created, no worktree folder, no .git/worktrees entry).
WorktreeResult add_worktree(const WorktreeRequest& req);

/// Points the worktree's HEAD at its current commit, detached, so its branch can be checked out
/// elsewhere. No-op if already detached or the path is missing.
void detach_head(const std::string& worktree_path);

struct WorktreeInfo {
  std::string name;
  std::string path;
  std::string branch;  ///< empty when detached
  bool locked = false;
  bool prunable = false;  ///< folder is gone
};

/// The repository's linked worktrees (git_worktree_list).
std::vector<WorktreeInfo> list_worktrees(const std::string& repo);

/// Removes the worktree's folder and its .git/worktrees entry. Refuses (orch::Error) when it has
/// uncommitted changes unless `force`. Never touches the branch.
void remove_worktree(const std::string& repo, const std::string& name, bool force);

/// True if the worktree has staged, unstaged or untracked (not ignored) changes.
bool is_dirty(const std::string& worktree_path);

struct CommitResult {
  std::string commit_id;  ///< new commit, or empty if there was nothing to commit
  std::string head;       ///< HEAD commit after the call
};

/// Stages everything (including deletions and untracked, not ignored files) and commits it on the
/// worktree's current branch with `message`. Author/committer: the repository's user.name and
/// user.email if set, else "orch <orch@localhost>".
CommitResult commit_all(const std::string& worktree_path, const std::string& message);

/// "N files changed, X insertions(+), Y deletions(-)" between two commits (as git diff --shortstat).
std::string diffstat(const std::string& repo, const std::string& from_commit,
                     const std::string& to_commit);

/// Commits reachable from `to` and not from `from` (git rev-list from..to --count).
int64_t count_commits(const std::string& repo, const std::string& from, const std::string& to);

}  // namespace orch::git
