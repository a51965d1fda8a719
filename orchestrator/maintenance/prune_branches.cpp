// orch prune, second pass: the branches of units whose worktrees are gone (prune.h).
#include "orchestrator/maintenance/prune.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/registry/worktrees.h"
#include "orchestrator/maintenance/prune_repos.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

// The first 7 hex digits of a commit id, as git abbreviates it.
std::string short_id(const std::string& id) {
  return id.substr(0, 7);
}

// Where branches of one repository are checked out once this prune is done: its main working
// tree's HEAD and the linked worktrees git lists, less those this run removed (or would remove).
struct Checkouts {
  std::string head_branch;                ///< the main working tree's branch; "" when detached
  std::map<std::string, std::string> at;  ///< branch -> "worktree <path>"
  std::string error;                      ///< why the repository could not be read ("" = read)
};

Checkouts read_checkouts(const RepoAt& repo, const std::string& path,
                         const std::set<std::string>& gone) {
  Checkouts c;
  try {
    c.head_branch = repo.head_branch();
    if (!c.head_branch.empty()) c.at[c.head_branch] = "the main working tree " + path;
    for (const git::WorktreeInfo& w : repo.list_worktrees()) {
      if (w.branch.empty() || gone.count(comparable_path(w.path))) continue;
      std::string where = "worktree " + w.path;
      if (w.prunable) where += " (its folder is gone; `git worktree prune` drops the record)";
      c.at.emplace(w.branch, where);
    }
  } catch (const Error& e) {
    c.error = e.what();
  }
  return c;
}

// The facts about the branch of `s`'s unit (whose live session, if any, is in `live_state`).
BranchFacts branch_facts(registry::Registry& reg, const registry::Session& s, const RepoAt& repo,
                         const Checkouts& checkouts, const std::string& live_state) {
  BranchFacts b;
  b.branch = s.branch;
  b.live_state = live_state;
  if (!live_state.empty()) return b;
  if (!checkouts.error.empty()) {
    b.check_error = checkouts.error;
    return b;
  }
  auto where = checkouts.at.find(s.branch);
  if (where != checkouts.at.end()) b.checked_out_in = where->second;
  std::optional<registry::Unit> unit = reg.get_unit(s.unit_id);
  std::string base_ref = unit && !unit->base_ref.empty() ? unit->base_ref : "HEAD";
  // HEAD is named by the branch it is on now: that is what the branch is checked against.
  b.base = base_ref == "HEAD" && !checkouts.head_branch.empty() ? checkouts.head_branch : base_ref;
  try {
    b.head = repo.resolve_commit("refs/heads/" + s.branch);
  } catch (const Error& e) {
    b.check_error = e.what();
    return b;
  }
  if (base_ref == s.branch || base_ref == "refs/heads/" + s.branch) {
    b.base_error = "its base '" + base_ref + "' is the branch itself";
    return b;
  }
  std::string base;
  try {
    base = repo.resolve_commit(base_ref);
  } catch (const Error& e) {
    b.base_error = e.what();
    return b;
  }
  try {
    b.unmerged = repo.count_commits(base, b.head);
    b.no_commits =
        unit && !unit->base_commit.empty() && repo.count_commits(unit->base_commit, b.head) == 0;
  } catch (const Error& e) {
    b.check_error = e.what();
  }
  return b;
}

// The branches of one repository prune deletes, deleted together at the end of a pass (one hold
// of the worktree lock, checkouts read once: linear in the branches).
class BranchDeletions {
 public:
  /// Deletes `branch` (which must still be at `head`) for items[index].
  void add(size_t index, const std::string& branch, const std::string& head) {
    index_.push_back(index);
    branches_.push_back({branch, head});
  }
  /// Deletes them; an item whose branch could not be deleted says why.
  void run(const std::string& path, const RepoAt& repo, std::vector<PruneBranchItem>& items) {
    std::vector<git::BranchDeleted> done;
    try {
      if (repo.open()) done = git::delete_branches(*repo.open(), branches_);
    } catch (const Error& e) {
      done.clear();
      for (const auto& b : branches_) done.push_back({b.branch, "", e.what()});
    }
    for (size_t i = 0; i < branches_.size(); ++i) {
      std::string error;
      if (repo.open()) {
        error = done[i].error;
      } else {
        try {
          git::delete_branch(path, branches_[i].branch, branches_[i].expected_commit);
        } catch (const Error& e) {
          error = e.what();
        }
      }
      if (error.empty()) continue;
      PruneBranchItem& item = items[index_[i]];
      item.deleted = false;
      item.failed = true;
      item.reason = "deleting it failed: " + error;
    }
    index_.clear();
    branches_.clear();
  }

 private:
  std::vector<size_t> index_;
  std::vector<git::BranchToDelete> branches_;
};

// Branches orch/<unit> of `repo` with no unit in the registry (an older orch killed while it
// created one): deleted when every commit of theirs is in the main working tree's HEAD and they
// are checked out nowhere (with or without --force: work that is on no other branch is never
// orch's to throw away), else listed as kept.
void prune_orphan_branches(registry::Registry& reg, const std::string& repo, const RepoAt& git,
                           const Checkouts& c, bool dry_run, std::vector<PruneBranchItem>& items) {
  if (!c.error.empty()) return;
  std::vector<std::string> branches;
  try {
    branches = git.list_branches("orch/");
  } catch (const Error&) {
    return;
  }
  BranchDeletions deletions;
  for (const std::string& branch : branches) {
    const std::string unit = branch.substr(5);
    if (reg.find_unit(repo, unit)) continue;
    PruneBranchItem item{unit, repo, branch, false, false, ""};
    const std::string base = c.head_branch.empty() ? "HEAD" : c.head_branch;
    auto where = c.at.find(branch);
    try {
      std::string head = git.resolve_commit("refs/heads/" + branch);
      int64_t unmerged = git.count_commits(git.resolve_commit("HEAD"), head);
      if (where != c.at.end()) {
        item.reason = "no unit in the registry; checked out in " + where->second;
      } else if (unmerged > 0) {
        item.reason = "no unit in the registry; " + std::to_string(unmerged) +
                      " commit(s) not in " + base + " (`git branch -D` deletes it)";
      } else {
        item.deleted = true;
        item.reason = "no unit in the registry (left by an interrupted orch); merged into " + base +
                      " (was " + short_id(head) + ")";
        if (!dry_run) deletions.add(items.size(), branch, head);
      }
    } catch (const Error& e) {
      item.failed = item.deleted;
      item.deleted = false;
      item.reason =
          std::string(item.failed ? "deleting it failed: " : "cannot check it: ") + e.what();
    }
    items.push_back(std::move(item));
  }
  deletions.run(repo, git, items);
}

}  // namespace

PruneDecision decide_branch(const BranchFacts& f, bool force) {
  if (!f.live_state.empty()) return {false, "in use by a live session (" + f.live_state + ")"};
  if (!f.checked_out_in.empty()) return {false, "checked out in " + f.checked_out_in};
  if (!f.check_error.empty()) return {false, "cannot check it: " + f.check_error};
  const std::string was = "was " + short_id(f.head);
  if (!f.base_error.empty()) {
    if (!force) return {false, f.base_error + " (--force deletes it)"};
    return {true, f.base_error + "; deleted (--force; " + was + ")"};
  }
  if (f.unmerged == 0 && f.no_commits) {
    return {true, "no commits of its own (" + was + ", where it started)"};
  }
  if (f.unmerged == 0) return {true, "merged into " + f.base + " (" + was + ")"};
  const std::string unmerged = std::to_string(f.unmerged) + " commit(s) not in " + f.base;
  if (!force) return {false, unmerged + " (--force deletes it)"};
  return {true, unmerged + "; deleted (--force; " + was + ")"};
}

std::vector<PruneBranchItem> prune_branches(const Deps& f, const std::vector<PruneItem>& worktrees,
                                            bool dry_run, bool force) {
  registry::Registry& reg = f.registry();
  std::set<std::string> gone;
  for (const PruneItem& w : worktrees) {
    if (w.removed) gone.insert(comparable_path(w.worktree));
  }
  std::vector<registry::Session> sessions = reg.list_sessions();  // newest first
  std::map<int64_t, std::string> live_state;
  for (const registry::Session& s : sessions) {
    if (registry::is_live(s.state)) live_state.emplace(s.unit_id, registry::to_string(s.state));
  }
  OpenRepos repos;
  std::map<std::string, Checkouts> checkouts;
  std::map<std::string, BranchDeletions> deletions;
  std::set<int64_t> seen;
  std::vector<PruneBranchItem> items;
  for (const registry::Session& s : sessions) {
    if (!seen.insert(s.unit_id).second) continue;
    std::error_code ec;
    if (!fs::exists(s.repo, ec)) continue;  // the repository is gone, and its branches with it
    PruneBranchItem item{s.unit_name, s.repo, s.branch, false, false, ""};
    const RepoAt repo = repos.at(s.repo);
    auto c = checkouts.find(s.repo);
    if (c == checkouts.end()) {
      c = checkouts.emplace(s.repo, read_checkouts(repo, s.repo, gone)).first;
    }
    try {
      if (!repo.branch_exists(s.branch)) continue;
    } catch (const Error& e) {
      item.reason = std::string("cannot check it: ") + e.what();
      items.push_back(std::move(item));
      continue;
    }
    auto live = live_state.find(s.unit_id);
    BranchFacts facts =
        branch_facts(reg, s, repo, c->second, live != live_state.end() ? live->second : "");
    PruneDecision d = decide_branch(facts, force);
    item.deleted = d.remove;
    item.reason = d.reason;
    if (d.remove && !dry_run) deletions[s.repo].add(items.size(), s.branch, facts.head);
    items.push_back(std::move(item));
  }
  for (auto& [repo, d] : deletions) d.run(repo, repos.at(repo), items);
  for (auto& [repo, c] : checkouts) {
    prune_orphan_branches(reg, repo, repos.at(repo), c, dry_run, items);
  }
  return items;
}

}  // namespace orch
