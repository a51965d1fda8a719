// A session's worktree: where it goes, its name, and creating it when the session holds a slot
// (after reclaiming what of orch's holds the unit's branch).
#include <cstdio>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/remote.h"
#include "lib/home.h"
#include "lib/registry/worktrees.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/remote_push.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

uint32_t fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// What holds a branch in a linked worktree, as far as a new session of the unit is concerned.
enum class Holder {
  kEnded,     // an ended session's worktree: detach its HEAD
  kHalfMade,  // an ended session's worktree that was never completed: remove it
  kOrphan,    // an orch worktree (orch-*, under $ORCH_HOME/worktrees) that no session names
  kLive,      // a live session's worktree
  kForeign,   // not orch's
};

Holder holder_of(const Deps& f, const std::string& path, std::string& session) {
  registry::Registry& reg = f.registry();
  if (auto s = registry::session_with_worktree(reg, path)) {
    session = s->id;
    if (registry::is_live(s->state)) return Holder::kLive;
    return registry::worktree_pending(reg, s->id) ? Holder::kHalfMade : Holder::kEnded;
  }
  std::error_code ec;
  std::string root = fs::weakly_canonical(f.home().worktrees(), ec).string() + "/";
  return path.rfind(root, 0) == 0 ? Holder::kOrphan : Holder::kForeign;
}

// The name git knows the worktree at `path` by, or "".
std::string name_at(const std::string& repo, const std::string& path) {
  for (const git::WorktreeInfo& w : git::list_worktrees(repo)) {
    if (w.path == path) return w.name;
  }
  return "";
}

}  // namespace

std::string worktree_path(const HomeLayout& home, const std::string& repo, const std::string& unit,
                          const std::string& session_id) {
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", fnv1a(repo));
  // A URL's worktrees sit in a folder named as its mirror (lib/git/remote.h).
  std::string folder = is_remote_repo(repo) ? git::mirror_name(repo)
                                            : fs::path(repo).filename().string() + "-" + hash;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(home.worktrees(), ec);
  if (ec) root = home.worktrees();
  return (root / folder / (unit + "-" + session_id)).string();
}

std::string worktree_name(const std::string& unit, const std::string& session_id) {
  std::string name = "orch-";
  for (char c : unit) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    name += ok ? c : '_';
  }
  return name + "-" + session_id;
}

std::string branch_blocker(const Deps& f, const std::string& repo,
                           const std::map<std::string, std::string>& checkouts,
                           const std::string& head_branch, const std::string& branch) {
  if (head_branch == branch) return "is checked out in the main working tree " + repo;
  auto it = checkouts.find(branch);
  if (it == checkouts.end()) return "";
  std::string session;
  switch (holder_of(f, it->second, session)) {
    case Holder::kLive: {
      // A sling that lost a race for the unit: the winner's row came after its own check.
      auto live = f.registry().get_session(session);
      throw Error("unit '" + branch.substr(5) + "' already has a live session " + session + " (" +
                      (live ? registry::to_string(live->state) : "live") + ")",
                  kExitConflict);
    }
    case Holder::kForeign:
      return "is checked out in worktree " + it->second + ", which is not orch's";
    default:
      return "";
  }
}

void create_session_worktree(const Deps& f, const registry::Session& s) {
  registry::Registry& reg = f.registry();
  auto unit = reg.get_unit(s.unit_id);
  if (!unit) throw Error("session " + s.id, "its unit is missing", kExitNotFound);
  std::string repo = unit->repo;
  const bool remote = is_remote_repo(repo);
  if (remote) repo = git::fetch_mirror(f.home().repos().string(), unit->repo);  // fetched now
  // Who holds the branch is settled before anything moves it: an ended session's worktree is
  // detached first, a live one refuses with nothing changed.
  for (const git::WorktreeInfo& w : git::list_worktrees(repo)) {
    if (w.branch != unit->branch || w.prunable) continue;  // add_worktree prunes stale records
    std::string session;
    switch (holder_of(f, w.path, session)) {
      case Holder::kEnded:
        git::detach_head(w.path);
        break;
      case Holder::kHalfMade:
      case Holder::kOrphan:
        spdlog::debug("unit {}: removing the unfinished worktree {}", unit->name, w.path);
        git::remove_worktree(repo, w.name, true);
        break;
      case Holder::kLive:
        if (session == s.id) break;
        throw Error("branch '" + unit->branch + "'",
                    "is checked out in worktree " + w.path + " of live session " + session,
                    kExitConflict);
      case Holder::kForeign:
        break;  // add_worktree names it
    }
  }
  if (remote) {
    // The branch continues the remote's orch/<unit> when it exists (a retry or handoff on
    // another host), else starts at the unit's base (lib/git/remote.h).
    std::string at = git::prepare_remote_branch(repo, unit->branch, unit->base_commit);
    spdlog::debug("unit {}: mirror {} fetched, {} at {}", unit->name, repo, unit->branch, at);
  }
  // A folder left at this very path (a crash of this session's own earlier creation) goes first.
  std::error_code ec;
  if (fs::exists(fs::symlink_status(s.worktree, ec))) {
    std::string name = name_at(repo, s.worktree);
    if (!name.empty()) {
      git::remove_worktree(repo, name, true);
    } else {
      fs::remove_all(s.worktree, ec);
    }
  }
  create_private_dirs(fs::path(s.worktree).parent_path());  // 0700 (lib/home.h)
  git::WorktreeResult wt = git::add_worktree(
      {repo, unit->branch, unit->base_commit, s.worktree, worktree_name(unit->name, s.id)});
  registry::set_worktree_pending(reg, s.id, false);
  spdlog::debug("unit {}: branch {} at {}, worktree {}", unit->name, unit->branch, wt.head_commit,
                wt.path);
}

}  // namespace orch
