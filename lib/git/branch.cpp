// Branches: the main working tree's checked-out branch, and deleting a branch like
// `git branch -D` (refusing one that is checked out anywhere, or that moved since it was checked).
#include <filesystem>
#include <system_error>
#include <vector>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"
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

// Where `branch` is checked out ("the main working tree <path>", "worktree <path>"), or "".
// Linked worktrees whose folder is gone count too, as they do for git: their record still
// holds the branch until `git worktree prune`.
std::string checked_out_at(git_repository* repo, const std::string& branch) {
  if (own_head_branch(repo, "repository") == branch) {
    return "the main working tree " + canonical(git_repository_workdir(repo));
  }
  StrArray names;
  check(git_worktree_list(&names.arr, repo), "cannot list worktrees");
  for (std::size_t i = 0; i < names.arr.count; ++i) {
    const std::string entry = entry_dir(repo, names.arr.strings[i]);
    if (entry_branch(entry) != branch) continue;
    git_worktree* raw = nullptr;
    if (git_worktree_lookup(&raw, repo, names.arr.strings[i]) < 0) return "worktree " + entry;
    Worktree wt(raw);
    const std::string path = canonical(git_worktree_path(wt.get()));
    std::error_code ec;
    if (fs::exists(path, ec)) return "worktree " + path;
    return "worktree " + path + " (its folder is gone; `git worktree prune` drops the record)";
  }
  return {};
}

}  // namespace

std::vector<std::string> list_branches(const std::string& repo, const std::string& prefix) {
  Repo r = open_main(repo);
  git_reference_iterator* raw = nullptr;
  const std::string glob = kHeads + prefix + "*";
  check(git_reference_iterator_glob_new(&raw, r.get(), glob.c_str()),
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
  Repo r = open_main(repo);
  return own_head_branch(r.get(), repo);
}

std::string delete_branch(const std::string& repo, const std::string& branch,
                          const std::string& expected_commit) {
  Repo r = open_main(repo);
  const std::string ctx = "branch '" + branch + "'";
  const std::string refname = kHeads + branch;
  int valid = 0;
  if (branch.empty() || git_reference_name_is_valid(&valid, refname.c_str()) < 0 || !valid) {
    throw Error(ctx, "is not a valid branch name");
  }
  // Under the worktree lock, so no orch process checks the branch out while it is deleted.
  WorktreeLock lock(canonical(git_repository_commondir(r.get())));
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, r.get(), refname.c_str());
  if (rc == GIT_ENOTFOUND) throw Error(ctx, "no such branch in " + repo);
  check(rc, ctx);
  Ref ref(raw);
  const git_oid* target = git_reference_target(ref.get());
  if (!target) throw Error(ctx, "is a symbolic reference; not deleting it");
  const std::string was = oid_hex(*target);
  if (!expected_commit.empty() && was != expected_commit) {
    throw Error(ctx, "moved to " + was.substr(0, 7) + " since it was checked; not deleting it");
  }
  const std::string where = checked_out_at(r.get(), branch);
  if (!where.empty()) throw Error(ctx, "is checked out in " + where + "; not deleting it");
  // Deletes the ref only if it still points at `was` (libgit2 compares under the ref's lock),
  // and its branch.<name> config section.
  check(git_branch_delete(ref.get()), "cannot delete " + ctx);
  return was;
}

}  // namespace orch::git
