// Private to orch prune: each repository opened once per prune pass and reused for every git step
// on it (libgit2 re-reads the config files and refdb layout on every open: ~150 stat() calls).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/error.h"
#include "lib/git/repository.h"

namespace orch {

/// A comparable form of a folder path (canonical where it exists, no trailing slash).
inline std::string comparable_path(const std::string& p) {
  std::error_code ec;
  std::filesystem::path c = std::filesystem::weakly_canonical(p, ec);
  std::string s = (ec ? std::filesystem::path(p) : c).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

/// A repository's git calls, on its handle opened once; when it cannot be opened, each call goes
/// through the path forms of lib/git, which report why as they always did.
class RepoAt {
 public:
  RepoAt(std::string path, const git::Repository* open) : path_(std::move(path)), open_(open) {}
  const git::Repository* open() const { return open_; }
  std::string resolve_commit(const std::string& ref) const {
    return open_ ? git::resolve_commit(*open_, ref) : git::resolve_commit(path_, ref);
  }
  int64_t count_commits(const std::string& from, const std::string& to) const {
    return open_ ? git::count_commits(*open_, from, to) : git::count_commits(path_, from, to);
  }
  bool branch_exists(const std::string& branch) const {
    return open_ ? git::branch_exists(*open_, branch) : git::branch_exists(path_, branch);
  }
  std::vector<git::WorktreeInfo> list_worktrees() const {
    return open_ ? git::list_worktrees(*open_) : git::list_worktrees(path_);
  }
  std::string head_branch() const {
    return open_ ? git::head_branch(*open_) : git::head_branch(path_);
  }
  std::vector<std::string> list_branches(const std::string& prefix) const {
    return open_ ? git::list_branches(*open_, prefix) : git::list_branches(path_, prefix);
  }
  void remove_worktree(const std::string& name, bool force,
                       const git::Repository* worktree = nullptr) const {
    if (open_) return git::remove_worktree(*open_, name, force, worktree);
    git::remove_worktree(path_, name, force);
  }

 private:
  std::string path_;
  const git::Repository* open_;
};

/// The main repositories of one prune pass, each opened on first use and kept.
class OpenRepos {
 public:
  RepoAt at(const std::string& path) {
    auto it = repos_.find(path);
    if (it == repos_.end()) {
      std::optional<git::Repository> r;
      try {
        r.emplace(git::Repository::main(path));
      } catch (const Error&) {
      }
      it = repos_.emplace(path, std::move(r)).first;
    }
    return RepoAt(path, it->second ? &*it->second : nullptr);
  }

 private:
  std::map<std::string, std::optional<git::Repository>> repos_;
};

}  // namespace orch
