// orch prune, the land pass: scratch worktrees of `orch land` ($ORCH_HOME/land/orch-land-*) that
// no running land owns (prune.h, prune_land_scratch).
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/error.h"
#include "lib/git/git.h"
#include "orchestrator/fanin/scratch_lock.h"
#include "orchestrator/maintenance/prune.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

constexpr const char* kScratchPrefix = "orch-land-";

// The names of the scratch worktrees under `dir`: folders and lock files named orch-land-*.
std::set<std::string> scratch_names(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kScratchPrefix, 0) != 0) continue;
    const std::string lock = ".lock";
    if (name.size() > lock.size() &&
        name.compare(name.size() - lock.size(), lock.size(), lock) == 0)
      name.resize(name.size() - lock.size());
    names.insert(name);
  }
  return names;
}

// Removes the scratch worktree `name` at `path` of `repo` ("" = unknown): git's record of it and
// its folder, and the temporary branch a land killed while making it may have left.
void remove_scratch(const std::string& repo, const std::string& name, const std::string& path) {
  std::error_code ec;
  if (!repo.empty()) {
    try {
      git::remove_worktree(repo, name, true);
    } catch (const Error&) {
      // git has no record of it (killed while it was made): the folder alone goes
    }
    if (git::branch_exists(repo, name)) git::delete_branch(repo, name);
  }
  fs::remove_all(path, ec);
  if (ec) throw Error(path, "cannot remove it: " + ec.message());
}

}  // namespace

std::string scratch_repo_of_gitfile(const std::string& text) {
  const std::string key = "gitdir: ";
  if (text.rfind(key, 0) != 0) return "";
  std::string dir = text.substr(key.size());
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  fs::path admin(dir);  // <common dir>/worktrees/<name>
  if (admin.parent_path().filename() != "worktrees") return "";
  fs::path common = admin.parent_path().parent_path();
  return common.filename() == ".git" ? common.parent_path().string() : common.string();
}

std::vector<PruneItem> prune_land_scratch(const Deps& f, bool dry_run) {
  const fs::path dir = f.home().root / "land";
  std::vector<PruneItem> items;
  for (const std::string& name : scratch_names(dir)) {
    const std::string path = (dir / name).string();
    std::error_code ec;
    const bool has_lock = fs::exists(fanin::scratch_lock_path(path), ec);
    std::optional<fanin::ScratchLock> lock = fanin::ScratchLock::claim(path);
    PruneItem item{"", "", path, false, false, ""};
    if (has_lock && !lock) {
      item.reason = "in use by a running orch land";
      items.push_back(std::move(item));
      continue;
    }
    std::string repo = lock ? lock->repo() : "";
    if (repo.empty()) {
      std::ifstream in(fs::path(path) / ".git");
      std::stringstream text;
      text << in.rdbuf();
      repo = scratch_repo_of_gitfile(text.str());
    }
    item.removed = true;
    item.reason = "scratch worktree of an orch land that was killed (no land owns it)";
    if (!dry_run) {
      try {
        remove_scratch(repo, name, path);
        if (lock) lock->remove_file();
      } catch (const Error& e) {
        item.removed = false;
        item.failed = true;
        item.reason = std::string("removing it failed: ") + e.what();
      }
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace orch
