// Branches: the main working tree's checked-out branch, and deleting a branch like
// `git branch -D` (refusing one that is checked out anywhere, or that moved since it was checked).
#include <filesystem>
#include <map>
#include <system_error>
#include <vector>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/repository.h"
#include "lib/git/worktrees.h"

namespace orch::git {
using namespace detail;
namespace fs = std::filesystem;

namespace {

const std::string kHeads = "refs/heads/";

// The short branch name `repo`'s own HEAD points at, or "" when it is detached.
std::string own_head_branch(git_repository* repo, const std::string& context) {
  git_reference* raw = nullptr;
  check(git_reference_lookup(&raw, repo, "HEAD"), context + ": HEAD");
  Ref head(raw);
  const char* target = git_reference_symbolic_target(head.get());
  if (!target || std::string(target).rfind(kHeads, 0) != 0) return {};
  return std::string(target).substr(kHeads.size());
}

// Where the linked worktree entry `name` (whose HEAD is on a branch) is, as checked_out_at
// names it. Linked worktrees whose folder is gone count too, as they do for git: their record
// still holds the branch until `git worktree prune`.
std::string worktree_at(git_repository* repo, const char* name, const std::string& entry) {
  git_worktree* raw = nullptr;
  if (git_worktree_lookup(&raw, repo, name) < 0) return "worktree " + entry;
  Worktree wt(raw);
  const std::string path = canonical(git_worktree_path(wt.get()));
  std::error_code ec;
  if (fs::exists(path, ec)) return "worktree " + path;
  return "worktree " + path + " (its folder is gone; `git worktree prune` drops the record)";
}

// Where `branch` is checked out ("the main working tree <path>", "worktree <path>"), or "".
std::string checked_out_at(git_repository* repo, const std::string& branch) {
  if (own_head_branch(repo, "repository") == branch) {
    return "the main working tree " + canonical(git_repository_workdir(repo));
  }
  StrArray names;
  check(git_worktree_list(&names.arr, repo), "cannot list worktrees");
  for (std::size_t i = 0; i < names.arr.count; ++i) {
    const std::string entry = entry_dir(repo, names.arr.strings[i]);
    if (entry_branch(entry) == branch) return worktree_at(repo, names.arr.strings[i], entry);
  }
  return {};
}

// Every checked-out branch of `repo` -> where (as checked_out_at says), read in one pass.
std::map<std::string, std::string> checkouts_of(git_repository* repo) {
  std::map<std::string, std::string> at;
  const std::string head = own_head_branch(repo, "repository");
  if (!head.empty()) at[head] = "the main working tree " + canonical(git_repository_workdir(repo));
  StrArray names;
  check(git_worktree_list(&names.arr, repo), "cannot list worktrees");
  const std::string common = canonical(git_repository_commondir(repo));
  for (std::size_t i = 0; i < names.arr.count; ++i) {
    const std::string entry = common + "/worktrees/" + names.arr.strings[i];
    const std::string branch = entry_branch(entry);
    if (!branch.empty() && !at.count(branch)) {
      at[branch] = worktree_at(repo, names.arr.strings[i], entry);
    }
  }
  return at;
}

// delete_branch()'s checks and deletion, with the worktree lock held; `where` says where the
// branch is checked out ("" = nowhere).
template <typename Where>
std::string delete_locked(const Repository& main, const std::string& branch,
                          const std::string& expected_commit, Where where_checked_out) {
  const std::string& repo = main.path();
  const std::string ctx = "branch '" + branch + "'";
  const std::string refname = kHeads + branch;
  int valid = 0;
  if (branch.empty() || git_reference_name_is_valid(&valid, refname.c_str()) < 0 || !valid) {
    throw Error(ctx, "is not a valid branch name");
  }
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, main.raw(), refname.c_str());
  if (rc == GIT_ENOTFOUND) throw Error(ctx, "no such branch in " + repo);
  check(rc, ctx);
  Ref ref(raw);
  const git_oid* target = git_reference_target(ref.get());
  if (!target) throw Error(ctx, "is a symbolic reference; not deleting it");
  const std::string was = oid_hex(*target);
  if (!expected_commit.empty() && was != expected_commit) {
    throw Error(ctx, "moved to " + was.substr(0, 7) + " since it was checked; not deleting it");
  }
  const std::string where = where_checked_out();
  if (!where.empty()) throw Error(ctx, "is checked out in " + where + "; not deleting it");
  // Deletes the ref only if it still points at `was` (libgit2 compares under the ref's lock),
  // and its branch.<name> config section.
  check(git_branch_delete(ref.get()), "cannot delete " + ctx);
  return was;
}

}  // namespace

std::vector<std::string> list_branches(const std::string& repo, const std::string& prefix) {
  return list_branches(Repository::main(repo), prefix);
}

std::vector<std::string> list_branches(const Repository& main, const std::string& prefix) {
  const std::string& repo = main.path();
  git_reference_iterator* raw = nullptr;
  const std::string glob = kHeads + prefix + "*";
  check(git_reference_iterator_glob_new(&raw, main.raw(), glob.c_str()),
        repo + ": cannot list branches");
  std::vector<std::string> out;
  git_reference* ref = nullptr;
  int rc = 0;
  while ((rc = git_reference_next(&ref, raw)) == 0) {
    Ref owned(ref);
    out.push_back(std::string(git_reference_name(ref)).substr(kHeads.size()));
  }
  git_reference_iterator_free(raw);
  if (rc != GIT_ITEROVER) check(rc, repo + ": cannot list branches");
  return out;
}

std::string head_branch(const std::string& repo) {
  return head_branch(Repository::main(repo));
}

std::string head_branch(const Repository& main) {
  return own_head_branch(main.raw(), main.path());
}

std::string delete_branch(const std::string& repo, const std::string& branch,
                          const std::string& expected_commit) {
  Repository main = Repository::main(repo);
  // Under the worktree lock, so no orch process checks the branch out while it is deleted.
  WorktreeLock lock(canonical(git_repository_commondir(main.raw())));
  return delete_locked(main, branch, expected_commit,
                       [&] { return checked_out_at(main.raw(), branch); });
}

std::vector<BranchDeleted> delete_branches(const Repository& main,
                                           const std::vector<BranchToDelete>& branches) {
  std::vector<BranchDeleted> out;
  if (branches.empty()) return out;
  WorktreeLock lock(canonical(git_repository_commondir(main.raw())));
  // Read once: nothing checks a branch out while the lock is held.
  const std::map<std::string, std::string> checkouts = checkouts_of(main.raw());
  for (const BranchToDelete& b : branches) {
    BranchDeleted d{b.branch, "", ""};
    try {
      d.was = delete_locked(main, b.branch, b.expected_commit, [&] {
        auto where = checkouts.find(b.branch);
        return where == checkouts.end() ? std::string() : where->second;
      });
    } catch (const Error& e) {
      d.error = e.what();
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace orch::git
