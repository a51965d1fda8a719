// Landing a branch in memory, the compare-and-swap of the target branch, and the working-tree
// side of a fast-forward (lib/git/land.h).
#include "lib/git/land.h"

#include <algorithm>
#include <set>

#include "lib/git/libgit2.h"

namespace orch::git {
using namespace detail;

namespace {

using Merged = Handle<git_index, git_index_free>;
using LandConflictIter = Handle<git_index_conflict_iterator, git_index_conflict_iterator_free>;
using WorktreeHandle = Handle<git_worktree, git_worktree_free>;

git_oid land_oid(const std::string& hex, const std::string& ctx) {
  git_oid oid;
  if (git_oid_fromstr(&oid, hex.c_str()) != 0) throw Error(ctx, "'" + hex + "' is not a commit id");
  return oid;
}

Commit commit_of(git_repository* repo, const std::string& hex, const std::string& ctx) {
  git_oid oid = land_oid(hex, ctx);
  git_commit* raw = nullptr;
  check(git_commit_lookup(&raw, repo, &oid), ctx);
  return Commit(raw);
}

// The conflicting paths of a merged index (each path once, sorted).
std::vector<std::string> conflict_paths(git_index* index, const std::string& ctx) {
  std::set<std::string> paths;
  git_index_conflict_iterator* raw = nullptr;
  check(git_index_conflict_iterator_new(&raw, index), ctx);
  LandConflictIter it(raw);
  const git_index_entry *ancestor = nullptr, *ours = nullptr, *theirs = nullptr;
  while (git_index_conflict_next(&ancestor, &ours, &theirs, it.get()) == 0) {
    const git_index_entry* e = ours ? ours : theirs ? theirs : ancestor;
    if (e) paths.insert(e->path);
  }
  return {paths.begin(), paths.end()};
}

// Writes `index` as a tree; returns its id, or conflicts.
bool write_tree(git_repository* repo, git_index* index, git_oid* tree, Landing* out,
                const std::string& ctx) {
  if (git_index_has_conflicts(index)) {
    out->conflicts = conflict_paths(index, ctx);
    return false;
  }
  check(git_index_write_tree_to(tree, index, repo), ctx);
  return true;
}

std::string make_commit(git_repository* repo, const git_signature* author,
                        const git_signature* committer, const std::string& message,
                        const git_oid& tree_id, const std::vector<const git_commit*>& parents,
                        const std::string& ctx) {
  git_tree* raw_tree = nullptr;
  check(git_tree_lookup(&raw_tree, repo, &tree_id), ctx);
  Tree tree(raw_tree);
  git_oid id;
  std::vector<const git_commit*> ps = parents;
  check(git_commit_create(&id, repo, nullptr, author, committer, nullptr, message.c_str(),
                          tree.get(), ps.size(), ps.data()),
        ctx);
  return oid_hex(id);
}

std::string full_message(const LandMessage& m) {
  return m.body.empty() ? m.subject + "\n" : m.subject + "\n\n" + m.body + "\n";
}

// The branch's own commits since its merge base with `onto`, oldest first, merges skipped.
std::vector<git_oid> commits_to_replay(git_repository* repo, const git_oid& onto,
                                       const git_oid& tip, const std::string& ctx) {
  git_revwalk* raw = nullptr;
  check(git_revwalk_new(&raw, repo), ctx);
  Revwalk walk(raw);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  check(git_revwalk_push(walk.get(), &tip), ctx);
  check(git_revwalk_hide(walk.get(), &onto), ctx);
  std::vector<git_oid> out;
  git_oid id;
  while (git_revwalk_next(&id, walk.get()) == 0) {
    git_commit* c = nullptr;
    check(git_commit_lookup(&c, repo, &id), ctx);
    Commit commit(c);
    if (git_commit_parentcount(commit.get()) <= 1) out.push_back(id);
  }
  return out;
}

// Replays the branch's commits on `onto`; returns the new tip, or "" with out->conflicts set.
std::string rebase_in_memory(git_repository* repo, git_commit* onto, const git_oid& tip,
                             const git_signature* committer, Landing* out, const std::string& ctx) {
  Commit current(nullptr);
  git_commit* base = onto;
  for (const git_oid& id : commits_to_replay(repo, *git_commit_id(onto), tip, ctx)) {
    git_commit* raw = nullptr;
    check(git_commit_lookup(&raw, repo, &id), ctx);
    Commit pick(raw);
    git_index* merged_raw = nullptr;
    check(git_cherrypick_commit(&merged_raw, repo, pick.get(), base, 0, nullptr), ctx);
    Merged merged(merged_raw);
    git_oid tree;
    if (!write_tree(repo, merged.get(), &tree, out, ctx)) return "";
    std::string hex = make_commit(repo, git_commit_author(pick.get()), committer,
                                  git_commit_message(pick.get()), tree, {base}, ctx);
    current = commit_of(repo, hex, ctx);
    base = current.get();
  }
  return oid_hex(*git_commit_id(base));
}

bool same_tree(git_repository* repo, const std::string& commit, git_commit* onto,
               const std::string& ctx) {
  Commit c = commit_of(repo, commit, ctx);
  return git_oid_equal(git_commit_tree_id(c.get()), git_commit_tree_id(onto));
}

}  // namespace

const char* to_string(LandStrategy s) {
  switch (s) {
    case LandStrategy::kMerge:
      return "merge";
    case LandStrategy::kSquash:
      return "squash";
    case LandStrategy::kRebase:
      return "rebase";
  }
  return "merge";
}

Landing build_landing(const std::string& repo_path, const std::string& onto_hex,
                      const std::string& tip_hex, LandStrategy strategy,
                      const LandMessage& message) {
  const std::string ctx = repo_path + ": cannot land " + tip_hex.substr(0, 12);
  Repo repo = open_main(repo_path);
  Commit onto = commit_of(repo.get(), onto_hex, ctx);
  Commit tip = commit_of(repo.get(), tip_hex, ctx);
  Landing out;
  if (git_oid_equal(git_commit_id(onto.get()), git_commit_id(tip.get())) ||
      git_graph_descendant_of(repo.get(), git_commit_id(onto.get()), git_commit_id(tip.get())) ==
          1) {
    out.already_contained = true;
    return out;
  }
  Signature committer = signature_for(repo.get(), ctx);
  if (strategy == LandStrategy::kRebase) {
    out.commit = rebase_in_memory(repo.get(), onto.get(), *git_commit_id(tip.get()),
                                  committer.get(), &out, ctx);
  } else {
    git_index* raw = nullptr;
    check(git_merge_commits(&raw, repo.get(), onto.get(), tip.get(), nullptr), ctx);
    Merged merged(raw);
    git_oid tree;
    if (!write_tree(repo.get(), merged.get(), &tree, &out, ctx)) return out;
    std::vector<const git_commit*> parents = {onto.get()};
    if (strategy == LandStrategy::kMerge) parents.push_back(tip.get());
    out.commit = make_commit(repo.get(), committer.get(), committer.get(), full_message(message),
                             tree, parents, ctx);
  }
  if (!out.commit.empty() && same_tree(repo.get(), out.commit, onto.get(), ctx)) {
    out.no_changes = true;
    out.commit.clear();
  }
  return out;
}

bool advance_branch(const std::string& repo_path, const std::string& branch,
                    const std::string& expected, const std::string& commit,
                    const std::string& reflog) {
  const std::string ctx = "branch '" + branch + "'";
  Repo repo = open_main(repo_path);
  git_oid want = land_oid(commit, ctx);
  git_oid old = land_oid(expected, ctx);
  git_reference* raw = nullptr;
  const std::string name = "refs/heads/" + branch;
  int rc =
      git_reference_create_matching(&raw, repo.get(), name.c_str(), &want, 1, &old, reflog.c_str());
  if (rc == GIT_EMODIFIED) return false;
  check(rc, ctx + ": cannot move it to " + commit.substr(0, 12));
  Ref ref(raw);
  return true;
}

std::string worktree_with_branch(const std::string& repo_path, const std::string& branch) {
  Repo repo = open_main(repo_path);
  const std::string name = "refs/heads/" + branch;
  auto head_is = [&](git_repository* r) {
    git_reference* raw = nullptr;
    if (git_reference_lookup(&raw, r, "HEAD") != 0) return false;
    Ref head(raw);
    return git_reference_type(head.get()) == GIT_REFERENCE_SYMBOLIC &&
           name == git_reference_symbolic_target(head.get());
  };
  if (!git_repository_is_bare(repo.get()) && head_is(repo.get())) {
    return canonical(git_repository_workdir(repo.get()));
  }
  StrArray names;
  if (git_worktree_list(&names.arr, repo.get()) != 0) return "";
  for (size_t i = 0; i < names.arr.count; ++i) {
    git_worktree* wraw = nullptr;
    if (git_worktree_lookup(&wraw, repo.get(), names.arr.strings[i]) != 0) continue;
    WorktreeHandle wt(wraw);
    if (git_worktree_validate(wt.get()) != 0) continue;
    git_repository* rraw = nullptr;
    if (git_repository_open_from_worktree(&rraw, wt.get()) != 0) continue;
    Repo linked(rraw);
    if (head_is(linked.get())) return canonical(git_worktree_path(wt.get()));
  }
  return "";
}

std::vector<std::string> tracked_changes(const std::string& worktree) {
  Repo repo = open_exact(worktree);
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = 0;
  git_status_list* raw = nullptr;
  check(git_status_list_new(&raw, repo.get(), &opts), worktree + ": cannot read status");
  StatusList list(raw);
  std::vector<std::string> out;
  for (size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const git_status_entry* e = git_status_byindex(list.get(), i);
    const git_diff_delta* d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
    if (d && d->new_file.path) out.push_back(d->new_file.path);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void follow_fast_forward(const std::string& worktree, const std::string& from) {
  const std::string ctx = worktree + ": cannot update the checked-out files";
  Repo repo = open_exact(worktree);
  Commit old = commit_of(repo.get(), from, ctx);
  git_tree* raw_base = nullptr;
  check(git_commit_tree(&raw_base, old.get()), ctx);
  Tree base(raw_base);
  git_checkout_options opts;
  git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
  opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  opts.baseline = base.get();
  check(git_checkout_head(repo.get(), &opts), ctx);
}

void checkout_detached(const std::string& worktree, const std::string& commit) {
  const std::string ctx = worktree + ": cannot check out " + commit.substr(0, 12);
  Repo repo = open_exact(worktree);
  Commit c = commit_of(repo.get(), commit, ctx);
  git_checkout_options opts;
  git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
  opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
  check(git_checkout_tree(repo.get(), reinterpret_cast<git_object*>(c.get()), &opts), ctx);
  check(git_repository_set_head_detached(repo.get(), git_commit_id(c.get())), ctx);
}

bool remote_exists(const std::string& repo_path, const std::string& name) {
  Repo repo = open_main(repo_path);
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo.get(), name.c_str()) != 0) return false;
  git_remote_free(raw);
  return true;
}

}  // namespace orch::git
