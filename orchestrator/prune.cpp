#include "orchestrator/prune.h"

#include <filesystem>
#include <map>
#include <optional>

#include "lib/error.h"
#include "lib/git/git.h"
#include "orchestrator/liveness.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

// A comparable form of a folder path (canonical where it exists, no trailing slash).
std::string norm(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  std::string s = (ec ? fs::path(p) : c).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// git's linked worktrees of each repository, read once (nullopt when the repository is
// unreadable).
class GitWorktrees {
 public:
  const std::optional<std::vector<git::WorktreeInfo>>& of(const std::string& repo) {
    auto it = cache_.find(repo);
    if (it != cache_.end()) return it->second;
    std::optional<std::vector<git::WorktreeInfo>> list;
    try {
      list = git::list_worktrees(repo);
    } catch (const Error&) {
    }
    return cache_[repo] = std::move(list);
  }
  /// The name of the worktree at `path` in `repo`, or "".
  std::string name_of(const std::string& repo, const std::string& path) {
    const auto& list = of(repo);
    if (!list) return "";
    for (const git::WorktreeInfo& w : *list) {
      if (norm(w.path) == norm(path)) return w.name;
    }
    return "";
  }
  const std::map<std::string, std::optional<std::vector<git::WorktreeInfo>>>& all() const {
    return cache_;
  }

 private:
  std::map<std::string, std::optional<std::vector<git::WorktreeInfo>>> cache_;
};

PruneFacts facts_of(const registry::Session& s) {
  PruneFacts f;
  f.live = registry::is_live(s.state);
  f.state = registry::to_string(s.state);
  f.branch = s.branch;
  if (f.live) return f;
  try {
    f.dirty = git::is_dirty(s.worktree);
    std::string head = git::resolve_commit(s.worktree, "HEAD");
    f.stray_commits = git::count_commits(s.repo, s.branch, head);
  } catch (const Error& e) {
    f.check_error = e.what();
  }
  return f;
}

}  // namespace

PruneDecision decide_prune(const PruneFacts& f, bool force) {
  if (f.live) return {false, "in use by a live session (" + f.state + ")"};
  if (!f.check_error.empty()) return {false, "cannot check it: " + f.check_error};
  if (f.stray_commits > 0) {
    return {false, "its HEAD has " + std::to_string(f.stray_commits) + " commit(s) not on " +
                       f.branch + "; put them on a branch first"};
  }
  if (f.dirty && !force) return {false, "uncommitted changes (--force discards them)"};
  if (f.dirty) return {true, "session " + f.state + "; uncommitted changes discarded (--force)"};
  return {true, "session " + f.state + ", nothing uncommitted"};
}

std::vector<PruneItem> prune_worktrees(Factory& f, bool dry_run, bool force) {
  registry::Registry& reg = f.registry();
  reap_lost(reg);
  std::vector<registry::Session> sessions = reg.list_sessions();
  GitWorktrees git_wts;
  std::map<std::string, const registry::Session*> by_path;
  std::vector<PruneItem> items;
  for (const registry::Session& s : sessions) {  // newest first
    if (s.worktree.empty()) continue;
    // A handoff passes a worktree on to a new session: the newest session using it decides.
    if (!by_path.emplace(norm(s.worktree), &s).second) continue;
    git_wts.of(s.repo);
    std::error_code ec;
    if (!fs::exists(s.worktree, ec)) continue;
    PruneFacts facts = facts_of(s);
    PruneDecision d = decide_prune(facts, force);
    PruneItem item{s.id, s.unit_name, s.worktree, d.remove, false, d.reason};
    if (d.remove && !dry_run) {
      try {
        std::string name = git_wts.name_of(s.repo, s.worktree);
        if (name.empty())
          throw Error(s.worktree, "git does not list it as a worktree of " + s.repo);
        git::remove_worktree(s.repo, name, force);
      } catch (const Error& e) {
        item.removed = false;
        item.failed = true;
        item.reason = std::string("removing it failed: ") + e.what();
      }
    }
    items.push_back(std::move(item));
  }

  // git's records of orch worktrees whose folder is gone (removed by hand, or just now).
  std::string root = norm(f.home().worktrees().string()) + "/";
  for (const auto& [repo, list] : git_wts.all()) {
    if (!list) continue;
    for (const git::WorktreeInfo& w : *list) {
      if (!w.prunable || w.name.rfind("orch-", 0) != 0 || norm(w.path).rfind(root, 0) != 0) {
        continue;
      }
      // Each list was read before this run removed anything in its repository, so the
      // worktrees removed above are not among these.
      auto owner = by_path.find(norm(w.path));
      PruneItem item{owner != by_path.end() ? owner->second->id : "",
                     owner != by_path.end() ? owner->second->unit_name : "",
                     w.path,
                     true,
                     false,
                     "folder already gone; git's record of it pruned"};
      if (!dry_run) {
        try {
          git::remove_worktree(repo, w.name, false);
        } catch (const Error& e) {
          item.removed = false;
          item.failed = true;
          item.reason = std::string("pruning git's record failed: ") + e.what();
        }
      }
      items.push_back(std::move(item));
    }
  }

  if (!dry_run) {
    std::error_code ec;
    for (const auto& dir : fs::directory_iterator(f.home().worktrees(), ec)) {
      std::error_code ec2;
      if (dir.is_directory(ec2) && fs::is_empty(dir.path(), ec2)) fs::remove(dir.path(), ec2);
    }
  }
  return items;
}

}  // namespace orch
