// Creating a branch + linked worktree per session (with rollback), and detaching a worktree's HEAD.
#include <filesystem>
#include <system_error>
#include <utility>

#include "lib/crash_point.h"
#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/worktrees.h"

namespace orch::git {
using namespace detail;
namespace fs = std::filesystem;

namespace {

/// Undoes a half-done add_worktree unless dismissed: removes the worktree folder and the
/// .git/worktrees entry (only when they are this call's) and the branch (only if created here).
class Rollback {
 public:
  Rollback(git_repository* repo, WorktreeLock* lock, std::string path, std::string entry)
      : repo_(repo), lock_(lock), path_(std::move(path)), entry_(std::move(entry)) {}
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    if (!armed_) return;
    try {
      lock_->acquire();  // entries change only under the lock
    } catch (const Error&) {
      // Roll back anyway: leaving debris behind is worse than racing another add.
    }
    std::error_code ec;
    // Decide what is ours before removing anything. The folder is ours if libgit2 wrote our
    // gitlink into it or left it empty (a folder that appeared from elsewhere is left alone); the
    // entry is ours if it has no gitdir link yet or links to our folder.
    bool folder_ours =
        fs::is_directory(path_, ec) && (fs::is_empty(path_, ec) || is_worktree_of(path_, entry_));
    bool entry_ours = fs::is_directory(entry_, ec) &&
                      (!fs::exists(entry_ + "/gitdir", ec) || entry_links_to(entry_, path_));
    if (folder_ours) fs::remove_all(path_, ec);
    if (entry_ours) prune_entry();
    if (!branch_.empty()) {
      git_reference* raw = nullptr;
      if (git_reference_lookup(&raw, repo_, branch_.c_str()) == 0) {
        Ref ref(raw);
        git_reference_delete(ref.get());
      }
    }
  }
  /// Records that this call created the branch `refname`, so a rollback deletes it.
  void created_branch(std::string refname) { branch_ = std::move(refname); }
  void dismiss() { armed_ = false; }

 private:
  void prune_entry() {
    std::string name = fs::path(entry_).filename().string();
    git_worktree* raw = nullptr;
    if (git_worktree_lookup(&raw, repo_, name.c_str()) == 0) {
      Worktree wt(raw);
      git_worktree_prune_options opts;
      git_worktree_prune_options_init(&opts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
      opts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_LOCKED;
      git_worktree_prune(wt.get(), &opts);
    }
    // Entries libgit2 left half-written cannot be looked up; remove those directly.
    std::error_code ec;
    fs::remove_all(entry_, ec);
  }

  git_repository* repo_;
  WorktreeLock* lock_;
  std::string path_;
  std::string entry_;
  std::string branch_;
  bool armed_ = true;
};

/// Throws if `branch` is checked out in the main working tree or in a live linked worktree.
/// Linked entries holding it whose folder is gone are pruned (as `git worktree prune` would).
void ensure_branch_free(git_repository* repo, const std::string& branch) {
  const std::string refname = "refs/heads/" + branch;
  git_reference* raw_head = nullptr;
  if (git_reference_lookup(&raw_head, repo, "HEAD") == 0) {
    Ref head(raw_head);
    const char* target = git_reference_symbolic_target(head.get());
    if (target && refname == target) {
      throw Error("branch '" + branch + "'",
                  std::string("is checked out in the main working tree ") +
                      canonical(git_repository_workdir(repo)));
    }
  }
  StrArray names;
  check(git_worktree_list(&names.arr, repo), "cannot list worktrees");
  for (std::size_t i = 0; i < names.arr.count; ++i) {
    const std::string name = names.arr.strings[i];
    if (entry_branch(entry_dir(repo, name)) != branch) continue;
    git_worktree* raw = nullptr;
    if (git_worktree_lookup(&raw, repo, name.c_str()) != 0) continue;
    Worktree wt(raw);
    const std::string where = canonical(git_worktree_path(wt.get()));
    std::error_code ec;
    if (fs::exists(where, ec) || git_worktree_is_locked(nullptr, wt.get()) > 0) {
      throw Error("branch '" + branch + "'", "is already checked out in worktree " + where +
                                                 " (detach that worktree's HEAD first)");
    }
    git_worktree_prune_options opts;
    git_worktree_prune_options_init(&opts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
    check(git_worktree_prune(wt.get(), &opts), "cannot prune stale worktree '" + name + "'");
  }
}

}  // namespace

WorktreeResult add_worktree(const WorktreeRequest& req) {
  Repo repo = open_main(req.repo);
  validate_worktree_name(req.name);
  if (req.path.empty() || !fs::path(req.path).is_absolute()) {
    throw Error("worktree path '" + req.path + "'", "must be absolute");
  }
  const std::string refname = "refs/heads/" + req.branch;
  int valid = 0;
  if (req.branch.empty() || git_reference_name_is_valid(&valid, refname.c_str()) < 0 || !valid) {
    throw Error("branch '" + req.branch + "'", "is not a valid branch name");
  }

  WorktreeLock lock(canonical(git_repository_commondir(repo.get())));
  std::error_code ec;
  if (fs::exists(fs::symlink_status(req.path, ec))) throw Error(req.path, "already exists");
  const std::string entry = entry_dir(repo.get(), req.name);
  if (fs::exists(entry, ec)) {
    throw Error(req.path, "worktree name '" + req.name + "' is already in use");
  }
  ensure_branch_free(repo.get(), req.branch);

  Rollback rollback(repo.get(), &lock, req.path, entry);
  WorktreeResult result;
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, repo.get(), refname.c_str());
  if (rc == GIT_ENOTFOUND) {
    Commit base =
        lookup_commit(repo.get(), req.base_commit,
                      "base '" + req.base_commit + "' does not resolve to a commit in " + req.repo);
    check(git_branch_create(&raw, repo.get(), req.branch.c_str(), base.get(), 0),
          "cannot create branch '" + req.branch + "'");
    result.created_branch = true;
  } else {
    check(rc, "branch '" + req.branch + "'");
  }
  Ref branch(raw);
  if (result.created_branch) rollback.created_branch(refname);

  // libgit2 creates <common>/worktrees with O_EXCL when missing; create it ourselves, tolerating
  // that it exists (git's own `worktree add` may race us).
  fs::create_directories(fs::path(entry).parent_path(), ec);

  // Write the entry and HEAD under the lock, without checking files out (GIT_CHECKOUT_NONE)...
  git_worktree_add_options opts;
  git_worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION);
  opts.ref = branch.get();
  opts.checkout_options.checkout_strategy = GIT_CHECKOUT_NONE;
  git_worktree* wt_raw = nullptr;
  rc = git_worktree_add(&wt_raw, repo.get(), req.name.c_str(), req.path.c_str(), &opts);
  Worktree wt(wt_raw);
  if (rc < 0) throw Error(req.path, "cannot create worktree: " + last_error(rc));
  lock.release();
  crash_point("worktree:entry");  // test hook: branch and entry made, no file checked out

  // ...then check the files out without holding it. The folder is new and empty: FORCE writes
  // every file (SAFE would take the missing files for deletions by the user). Filters are skipped
  // when none could apply (they cost two realpath(3) calls per file).
  git_repository* wt_repo_raw = nullptr;
  check(git_repository_open_from_worktree(&wt_repo_raw, wt.get()), req.path);
  Repo wt_repo(wt_repo_raw);
  git_object* tree_raw = nullptr;
  check(git_revparse_single(&tree_raw, wt_repo.get(), "HEAD^{tree}"), req.path);
  Object tree(tree_raw);
  git_checkout_options co;
  git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
  co.checkout_strategy = GIT_CHECKOUT_FORCE;
  co.disable_filters =
      !checkout_needs_filters(wt_repo.get(), reinterpret_cast<git_tree*>(tree.get()));
  rc = git_checkout_tree(wt_repo.get(), tree.get(), &co);
  if (rc < 0) throw Error(req.path, "cannot check out worktree: " + last_error(rc));
  git_oid head;
  check(git_reference_name_to_id(&head, wt_repo.get(), "HEAD"), req.path);

  result.path = canonical(req.path);
  result.head_commit = oid_hex(head);
  rollback.dismiss();
  return result;
}

void detach_head(const std::string& worktree_path) {
  std::error_code ec;
  if (!fs::exists(worktree_path, ec)) return;
  Repo repo = open_exact(worktree_path);
  if (!git_repository_is_worktree(repo.get())) {
    throw Error(worktree_path, "not a linked worktree; refusing to detach its HEAD");
  }
  int detached = git_repository_head_detached(repo.get());
  if (detached == 1) return;
  check(detached, worktree_path);
  check(git_repository_detach_head(repo.get()), worktree_path + ": cannot detach HEAD");
}

}  // namespace orch::git
