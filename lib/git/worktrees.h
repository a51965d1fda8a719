// Private to lib/git: helpers about linked-worktree entries (<common dir>/worktrees/<name>) shared
// by worktree.cpp and worktree_list.cpp.
#pragma once

#include <string>

#include "lib/git/libgit2.h"

namespace orch::git::detail {

/// An exclusive lock serializing worktree bookkeeping (creating and pruning .git/worktrees
/// entries) among orch processes and threads: flock(2) on the repository's common git dir.
/// libgit2 1.5 misreads half-written entries of concurrent adds (git_branch_is_checked_out then
/// reports "reference is already checked out"), so entries are only written under this lock.
class WorktreeLock {
 public:
  /// Acquires the lock on `common_dir` (blocks).
  explicit WorktreeLock(const std::string& common_dir);
  ~WorktreeLock();
  WorktreeLock(const WorktreeLock&) = delete;
  WorktreeLock& operator=(const WorktreeLock&) = delete;
  /// Re-acquires the lock if released (blocks); no-op when held.
  void acquire();
  /// Releases the lock; no-op when not held.
  void release();

 private:
  std::string dir_;
  int fd_ = -1;
};

/// <common dir>/worktrees/<name> of `repo`, without a trailing '/'.
std::string entry_dir(git_repository* repo, const std::string& name);

/// The branch (short name, e.g. "orch/x") the entry's HEAD points at; empty when detached or
/// unreadable. Reads <entry>/HEAD directly so entries whose folder is gone are covered too
/// (libgit2 cannot open those as repositories).
std::string entry_branch(const std::string& entry);

/// True if the folder `path` is the working tree of the entry `entry`: its `.git` file is a
/// gitlink to that entry.
bool is_worktree_of(const std::string& path, const std::string& entry);

/// True if the entry's `gitdir` file links to `path`/.git (`path` must exist).
bool entry_links_to(const std::string& entry, const std::string& path);

/// Throws orch::Error unless `name` is usable as a worktree name: one path component of
/// letters, digits, '-', '_' and '.', not starting with '.'.
void validate_worktree_name(const std::string& name);

/// False when checking out `tree` in `repo` can skip libgit2's filters (CRLF, ident) because
/// none could apply: core.autocrlf is unset or false and no attribute source exists (no
/// .gitattributes in `tree`, no info/attributes, core.attributesfile, XDG or system attributes).
/// Skipping them saves two realpath(3) calls per file (libgit2 resolves each file's directory
/// to look up its attributes). True when unsure.
bool checkout_needs_filters(git_repository* repo, git_tree* tree);

}  // namespace orch::git::detail
