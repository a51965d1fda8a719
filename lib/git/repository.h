// An open repository reused across several git operations, and the operations orch prune runs on
// one. Opening a repository through libgit2 re-reads its config files (system, global, local),
// its refdb and object-database layout: ~150 stat() calls each time. orch prune opens each
// repository (and each worktree) once and runs every step of it on that handle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/git/git.h"

struct git_repository;

namespace orch::git {

/// An open libgit2 repository (move-only; freed on destruction). What it reads (refs, worktree
/// entries, status) is read from disk on each call, so a handle kept across changes sees them.
class Repository {
 public:
  /// The main (non-linked) working tree's repository of the one containing `path` (searching
  /// upwards; a linked worktree opens its main repository).
  /// Errors: orch::Error "<path>: no such directory" / "not a git repository" / "bare
  /// repositories are not supported" / libgit2's message.
  static Repository main(const std::string& path);

  /// Exactly the working tree at `path` (main or linked; no upward search), e.g. to read a
  /// worktree's status and HEAD. Errors: as main(), also when `path` is not a working tree's top.
  static Repository worktree(const std::string& path);

  /// The path it was opened with (for messages).
  const std::string& path() const { return path_; }

  /// The libgit2 handle (for lib/git).
  git_repository* raw() const { return repo_.get(); }

 private:
  struct Free {
    void operator()(git_repository* r) const noexcept;
  };
  Repository(std::string path, git_repository* raw) : path_(std::move(path)), repo_(raw) {}
  std::string path_;
  std::unique_ptr<git_repository, Free> repo_;
};

/// resolve_commit() on an open repository (a worktree's opens its own HEAD).
std::string resolve_commit(const Repository& repo, const std::string& ref);

/// branch_exists() on an open repository.
bool branch_exists(const Repository& repo, const std::string& branch);

/// count_commits() on an open repository.
int64_t count_commits(const Repository& repo, const std::string& from, const std::string& to);

/// is_dirty() on an open working tree (Repository::worktree).
bool is_dirty(const Repository& worktree);

/// ignored_paths() on an open working tree (Repository::worktree).
std::vector<std::string> ignored_paths(const Repository& worktree);

/// list_worktrees() on an open main repository (Repository::main).
std::vector<WorktreeInfo> list_worktrees(const Repository& main);

/// head_branch() on an open main repository.
std::string head_branch(const Repository& main);

/// list_branches() on an open main repository.
std::vector<std::string> list_branches(const Repository& main, const std::string& prefix);

/// remove_worktree() on an open main repository. `worktree`, when given, is the worktree already
/// open (Repository::worktree of its folder): its status is read on it, not on a new handle.
void remove_worktree(const Repository& main, const std::string& name, bool force,
                     const Repository* worktree = nullptr);

/// A branch for delete_branches(): its short name and the commit it must still point at ("" =
/// any).
struct BranchToDelete {
  std::string branch;
  std::string expected_commit;
};

/// What delete_branches() did with one branch: the commit it pointed at (deleted) or why not.
struct BranchDeleted {
  std::string branch;
  std::string was;    ///< 40-hex commit it pointed at, when deleted
  std::string error;  ///< the orch::Error message delete_branch() would throw; "" = deleted
};

/// delete_branch() for each of `branches`, in order, under one hold of the worktree lock, with
/// where branches are checked out read once (not once per branch: linear in branches plus
/// worktrees). Each result is what delete_branch() would have returned or thrown for it.
/// Errors: orch::Error only when the lock or the list of worktrees cannot be had.
std::vector<BranchDeleted> delete_branches(const Repository& main,
                                           const std::vector<BranchToDelete>& branches);

}  // namespace orch::git
