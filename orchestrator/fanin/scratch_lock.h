// Who owns a scratch worktree of `orch land` ($ORCH_HOME/land/orch-land-XXXX): the land process
// holds flock(2) on the file next to it, `<path>.lock`, for as long as the worktree exists; the
// file holds the repository's path. A land killed with SIGKILL cannot remove its worktree, but the
// kernel drops its lock, so `orch prune` can tell a left-over worktree (lock free) from one a
// running land uses (lock held) and remove it from the right repository.
#pragma once

#include <optional>
#include <string>

namespace orch::fanin {

/// The lock file of the scratch worktree at `path`: `path` + ".lock".
std::string scratch_lock_path(const std::string& path);

/// An exclusive flock on a scratch worktree's lock file, released when destroyed (its descriptor
/// is close-on-exec: the checks land runs do not inherit it).
class ScratchLock {
 public:
  /// Creates the lock file of `path` (0600) holding `repo`, and locks it. Errors: orch::Error
  /// when the file cannot be written or locked.
  static ScratchLock create(const std::string& path, const std::string& repo);
  /// Locks the existing lock file of `path` without waiting. Returns nullopt when another process
  /// holds it (or it is gone). Errors: orch::Error when it cannot be opened for another reason.
  static std::optional<ScratchLock> claim(const std::string& path);

  ScratchLock(ScratchLock&& o) noexcept;
  ScratchLock& operator=(ScratchLock&&) = delete;
  ScratchLock(const ScratchLock&) = delete;
  ScratchLock& operator=(const ScratchLock&) = delete;
  ~ScratchLock();

  /// The repository the worktree belongs to, as the lock file says ("" when it is empty).
  const std::string& repo() const { return repo_; }
  /// Deletes the lock file (the lock is held until destruction).
  void remove_file() const;

 private:
  ScratchLock(int fd, std::string file, std::string repo)
      : fd_(fd), file_(std::move(file)), repo_(std::move(repo)) {}
  int fd_ = -1;
  std::string file_;
  std::string repo_;
};

}  // namespace orch::fanin
