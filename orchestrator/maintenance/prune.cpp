// orch prune, first pass: the worktrees of ended sessions and orch worktrees no session names
// (prune.h); the second pass, their branches, is prune_branches.cpp.
#include "orchestrator/maintenance/prune.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/home.h"
#include "lib/registry/worktrees.h"
#include "orchestrator/maintenance/prune_repos.h"
#include "orchestrator/session/agent_files.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/workspace/prepare.h"
#include "orchestrator/workspace/settings.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

// git's linked worktrees of each repository, read once (nullopt when the repository is
// unreadable).
class GitWorktrees {
 public:
  explicit GitWorktrees(OpenRepos& repos) : repos_(repos) {}
  const std::optional<std::vector<git::WorktreeInfo>>& of(const std::string& repo) {
    auto it = cache_.find(repo);
    if (it != cache_.end()) return it->second;
    std::optional<std::vector<git::WorktreeInfo>> list;
    try {
      list = repos_.at(repo).list_worktrees();
    } catch (const Error&) {
    }
    return cache_[repo] = std::move(list);
  }
  /// The name of the worktree at `path` in `repo`, or "" (one map lookup: prune stays linear in
  /// the number of worktrees).
  std::string name_of(const std::string& repo, const std::string& path) {
    auto it = names_.find(repo);
    if (it == names_.end()) {
      it = names_.emplace(repo, std::map<std::string, std::string>{}).first;
      if (const auto& list = of(repo)) {
        for (const git::WorktreeInfo& w : *list)
          it->second.emplace(comparable_path(w.path), w.name);
      }
    }
    auto n = it->second.find(comparable_path(path));
    return n == it->second.end() ? "" : n->second;
  }
  const std::map<std::string, std::optional<std::vector<git::WorktreeInfo>>>& all() const {
    return cache_;
  }

 private:
  OpenRepos& repos_;
  std::map<std::string, std::optional<std::vector<git::WorktreeInfo>>> cache_;
  std::map<std::string, std::map<std::string, std::string>> names_;  // repo -> path -> name
};

// Removes the worktree of `s` at `name` (its folder alone when git has no record of it: a crash
// before the record was written; the folder is under $ORCH_HOME/worktrees).
void remove_session_worktree(const registry::Session& s, const RepoAt& repo,
                             const std::string& name, bool force, const git::Repository* worktree) {
  if (!name.empty()) {
    repo.remove_worktree(name, force, worktree);
    return;
  }
  std::error_code ec;
  fs::remove_all(s.worktree, ec);
  if (ec) throw Error(s.worktree, "cannot remove it: " + ec.message());
}

// True for a linked worktree of orch's (named orch-*, under $ORCH_HOME/worktrees/ = `root`) whose
// folder exists and that no session names, checked again in the registry now (a session's row is
// written before its worktree is made, so one being created has its row already).
bool is_orphan(registry::Registry& reg, const git::WorktreeInfo& w, const std::string& root,
               const std::map<std::string, const registry::Session*>& by_path) {
  if (w.prunable || w.name.rfind("orch-", 0) != 0 || comparable_path(w.path).rfind(root, 0) != 0) {
    return false;
  }
  if (by_path.count(comparable_path(w.path))) return false;
  // The name ends in the session id (orchestrator/session/launch.h worktree_name).
  std::string id = w.name.substr(w.name.rfind('-') + 1);
  if (reg.get_session(id)) return false;
  return !registry::session_with_worktree(reg, w.path);
}

// Runs the [workspace] teardown of `s` in its worktree (output in sessions/<id>/teardown.log).
// Returns "" when it ran well or there is none, else why not (the worktree is removed anyway).
std::string prune_teardown(const Deps& f, const registry::Session& s) {
  const WorkspaceSettings ws = workspace_from_options(s.options);
  if (ws.teardown.empty()) return "";
  try {
    std::map<std::string, std::string> env = session_workspace_env(f.registry(), s.id);
    env["ORCH_UNIT"] = s.unit_name;
    fs::path dir = f.home().session_dir(s.id);
    create_private_dirs(dir);
    CommandsResult r = run_commands("teardown", ws.teardown, s.worktree, env, ws.setup_timeout_ms,
                                    dir / "teardown.log");
    return r.ok ? "" : r.error;
  } catch (const Error& e) {
    return std::string("teardown: ") + e.what();
  }
}

// The facts about `s`'s worktree; its repository is opened once into `worktree` (kept for the
// removal).
PruneFacts facts_of(const registry::Session& s, const RepoAt& repo,
                    std::optional<git::Repository>& worktree) {
  PruneFacts f;
  f.live = registry::is_live(s.state);
  f.state = registry::to_string(s.state);
  f.branch = s.branch;
  if (f.live) return f;
  try {
    worktree.emplace(git::Repository::worktree(s.worktree));
    f.dirty = git::is_dirty(*worktree);
    f.ignored = git::ignored_paths(*worktree);
    // The files [workspace] copy put there are copies of the repository's: no reason to keep it.
    const std::vector<std::string> copied = workspace_from_options(s.options).copy;
    if (!copied.empty()) {
      f.dirty = false;
      for (const std::string& p : git::changed_paths(s.worktree))
        f.dirty |= !is_copied_path(p, copied);
      std::erase_if(f.ignored, [&](const std::string& p) { return is_copied_path(p, copied); });
    }
    std::string head = git::resolve_commit(*worktree, "HEAD");
    f.stray_commits = repo.count_commits(s.branch, head);
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
  std::string ignored;
  for (size_t i = 0; i < f.ignored.size() && i < 3; ++i) ignored += (i ? ", " : "") + f.ignored[i];
  if (f.ignored.size() > 3) ignored += ", ...";
  if (!ignored.empty()) ignored = "ignored files (" + ignored + ")";
  if (!force && (f.dirty || !ignored.empty())) {
    std::string what = f.dirty ? "uncommitted changes" : "";
    if (!ignored.empty()) what += (what.empty() ? "" : " and ") + ignored;
    return {false, what + " (--force " + (f.dirty ? "discards" : "deletes") + " them)"};
  }
  if (f.dirty || !ignored.empty()) {
    std::string what = f.dirty ? "uncommitted changes discarded" : "";
    if (!ignored.empty()) what += (what.empty() ? "" : " and ") + ignored + " deleted";
    return {true, "session " + f.state + "; " + what + " (--force)"};
  }
  return {true, "session " + f.state + ", nothing uncommitted"};
}

std::vector<PruneItem> prune_worktrees(const Deps& f, bool dry_run, bool force) {
  registry::Registry& reg = f.registry();
  reap_lost(reg);
  std::vector<registry::Session> sessions = reg.list_sessions();
  OpenRepos repos;
  GitWorktrees git_wts(repos);
  std::map<std::string, const registry::Session*> by_path;
  std::vector<PruneItem> items;
  for (const registry::Session& s : sessions) {  // newest first
    if (s.worktree.empty()) continue;
    // A handoff passes a worktree on to a new session: the newest session using it decides.
    if (!by_path.emplace(comparable_path(s.worktree), &s).second) continue;
    git_wts.of(s.repo);
    std::error_code ec;
    if (!fs::exists(s.worktree, ec)) continue;
    // A worktree left half made by a crash while it was created: no agent ever ran in it.
    const bool half_made = !registry::is_live(s.state) && registry::worktree_pending(reg, s.id);
    const RepoAt repo = repos.at(s.repo);
    std::optional<git::Repository> worktree;
    PruneDecision d = half_made ? PruneDecision{true,
                                                "half made (its creation was interrupted; "
                                                "no agent ran in it)"}
                                : decide_prune(facts_of(s, repo, worktree), force);
    PruneItem item{s.id, s.unit_name, s.worktree, d.remove, false, d.reason};
    if (d.remove && !dry_run) {
      if (!half_made) {
        item.teardown_error = prune_teardown(f, s);
        if (!item.teardown_error.empty()) item.reason += "; " + item.teardown_error;
      }
      try {
        std::string name = git_wts.name_of(s.repo, s.worktree);
        if (name.empty() && !half_made)
          throw Error(s.worktree, "git does not list it as a worktree of " + s.repo);
        // decide_prune found nothing uncommitted but the [workspace] copies, which git's own
        // check would count.
        const bool copies = !workspace_from_options(s.options).copy.empty();
        remove_session_worktree(s, repo, name, force || half_made || copies,
                                worktree ? &*worktree : nullptr);
      } catch (const Error& e) {
        item.removed = false;
        item.failed = true;
        item.reason = std::string("removing it failed: ") + e.what();
      }
    }
    items.push_back(std::move(item));
  }

  // git's records of orch worktrees whose folder is gone (removed by hand, or just now), and
  // orphans: orch worktrees that no session names (an older orch killed while creating one).
  std::string root = comparable_path(f.home().worktrees().string()) + "/";
  for (const auto& [repo, list] : git_wts.all()) {
    if (!list) continue;
    for (const git::WorktreeInfo& w : *list) {
      if (is_orphan(reg, w, root, by_path)) {
        PruneItem item{
            "",   "",    w.path,
            true, false, "no session uses it (left by an interrupted orch; no agent ran in it)"};
        if (!dry_run) {
          try {
            repos.at(repo).remove_worktree(w.name, true);
          } catch (const Error& e) {
            item.removed = false;
            item.failed = true;
            item.reason = std::string("removing it failed: ") + e.what();
          }
        }
        items.push_back(std::move(item));
        continue;
      }
      if (!w.prunable || w.name.rfind("orch-", 0) != 0 ||
          comparable_path(w.path).rfind(root, 0) != 0) {
        continue;
      }
      // Each list was read before this run removed anything in its repository, so the
      // worktrees removed above are not among these.
      auto owner = by_path.find(comparable_path(w.path));
      PruneItem item{owner != by_path.end() ? owner->second->id : "",
                     owner != by_path.end() ? owner->second->unit_name : "",
                     w.path,
                     true,
                     false,
                     "folder already gone; git's record of it pruned"};
      if (!dry_run) {
        try {
          repos.at(repo).remove_worktree(w.name, false);
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
  for (PruneItem& i : prune_land_scratch(f, dry_run)) items.push_back(std::move(i));
  return items;
}

}  // namespace orch
