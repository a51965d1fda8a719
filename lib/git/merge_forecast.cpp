// Conflict forecast: pairwise in-memory three-way merges of branch tips (merge_forecast.h).
#include "lib/git/merge_forecast.h"

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include <map>
#include <set>
#include <unordered_set>

#include "lib/git/libgit2.h"

namespace orch::git {
using namespace detail;

namespace {

using Odb = Handle<git_odb, git_odb_free>;
using ConflictIter = Handle<git_index_conflict_iterator, git_index_conflict_iterator_free>;

/// One tip, read once: its commit, its tree, where it forks from the base and what it changed.
struct TipData {
  git_oid commit{};
  Tree tree;
  bool has_fork = false;
  git_oid fork{};                         ///< merge-base(base, commit)
  std::unordered_set<std::string> paths;  ///< changed against the fork's tree
  std::unordered_set<std::string> dirs;   ///< every folder above a changed path
};

git_oid parse_oid(const std::string& hex, const std::string& what) {
  git_oid oid;
  if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, hex.data(), hex.size()) < 0) {
    throw Error(what + " '" + hex + "'", "not a 40-hex object id");
  }
  return oid;
}

Tree lookup_tree(git_repository* repo, const git_oid& oid, const std::string& ctx) {
  git_tree* raw = nullptr;
  check(git_tree_lookup(&raw, repo, &oid), ctx);
  return Tree(raw);
}

Tree commit_tree(git_repository* repo, const git_oid& commit, const std::string& ctx) {
  git_commit* raw = nullptr;
  check(git_commit_lookup(&raw, repo, &commit), ctx);
  Commit c(raw);
  return lookup_tree(repo, *git_commit_tree_id(c.get()), ctx);
}

/// The merge base of two commits; false when they have none.
bool merge_base(git_repository* repo, const git_oid& a, const git_oid& b, git_oid& out,
                const std::string& ctx) {
  int rc = git_merge_base(&out, repo, &a, &b);
  if (rc == GIT_ENOTFOUND) return false;
  check(rc, ctx);
  return true;
}

/// Fills t.paths (both sides of every delta of from → t.tree) and t.dirs.
void read_changes(git_repository* repo, git_tree* from, TipData& t, const std::string& ctx) {
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
  git_diff* raw = nullptr;
  check(git_diff_tree_to_tree(&raw, repo, from, t.tree.get(), &opts), ctx);
  Diff diff(raw);
  for (size_t i = 0, n = git_diff_num_deltas(diff.get()); i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    if (d->old_file.path) t.paths.insert(d->old_file.path);
    if (d->new_file.path) t.paths.insert(d->new_file.path);
  }
  for (const std::string& p : t.paths) {
    for (size_t slash = p.find('/'); slash != std::string::npos; slash = p.find('/', slash + 1)) {
      t.dirs.insert(p.substr(0, slash));
    }
  }
}

/// True when a path changed by one tip is, or is inside or above, a path the other changed.
bool changes_meet(const TipData& a, const TipData& b) {
  const TipData& small = a.paths.size() <= b.paths.size() ? a : b;
  const TipData& other = &small == &a ? b : a;
  for (const std::string& p : small.paths) {
    if (other.paths.count(p) || other.dirs.count(p)) return true;
    for (size_t slash = p.find('/'); slash != std::string::npos; slash = p.find('/', slash + 1)) {
      if (other.paths.count(p.substr(0, slash))) return true;
    }
  }
  return false;
}

/// The conflicting paths of the three-way merge of `ours` and `theirs` over `ancestor`.
std::vector<std::string> merge_conflicts(git_repository* repo, git_tree* ancestor, git_tree* ours,
                                         git_tree* theirs, const std::string& ctx) {
  git_merge_options opts;
  git_merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION);  // rename detection on, as git's
  git_index* raw = nullptr;
  check(git_merge_trees(&raw, repo, ancestor, ours, theirs, &opts), ctx);
  Index index(raw);
  if (!git_index_has_conflicts(index.get())) return {};
  git_index_conflict_iterator* raw_it = nullptr;
  check(git_index_conflict_iterator_new(&raw_it, index.get()), ctx);
  ConflictIter it(raw_it);
  std::set<std::string> paths;
  const git_index_entry *anc = nullptr, *our = nullptr, *their = nullptr;
  while (git_index_conflict_next(&anc, &our, &their, it.get()) == 0) {
    for (const git_index_entry* e : {anc, our, their}) {
      if (e && e->path) paths.insert(e->path);
    }
  }
  return {paths.begin(), paths.end()};
}

}  // namespace

Forecast forecast_conflicts(const std::string& repo_path, const std::string& base,
                            const std::vector<ForecastTip>& tips, const ForecastOptions& options) {
  const std::string ctx = repo_path + ": conflict forecast";
  Repo repo = open_at(repo_path);
  git_repository* r = repo.get();
  // Merged blobs go to an in-memory store (dropped after each pair), never to the repository.
  git_odb* raw_odb = nullptr;
  check(git_repository_odb(&raw_odb, r), ctx);
  Odb odb(raw_odb);
  git_odb_backend* mempack = nullptr;
  check(git_mempack_new(&mempack), ctx);
  if (int rc = git_odb_add_backend(odb.get(), mempack, 1000); rc < 0) {
    mempack->free(mempack);
    fail(ctx, rc);
  }

  git_oid base_oid = parse_oid(base, "base");
  Tree base_tree = commit_tree(r, base_oid, "base " + base);
  std::vector<TipData> data(tips.size());
  for (size_t i = 0; i < tips.size(); ++i) {
    TipData& t = data[i];
    t.commit = parse_oid(tips[i].commit, "commit");
    t.tree = tips[i].tree.empty()
                 ? commit_tree(r, t.commit, "commit " + tips[i].commit)
                 : lookup_tree(r, parse_oid(tips[i].tree, "tree"), "tree " + tips[i].tree);
    t.has_fork = merge_base(r, base_oid, t.commit, t.fork, ctx);
    if (options.prefilter && t.has_fork) {
      read_changes(r, commit_tree(r, t.fork, ctx).get(), t, ctx);
    }
  }

  Forecast out;
  std::map<std::string, Tree> ancestors;  // merge-base trees, shared by most pairs
  for (size_t a = 0; a < data.size(); ++a) {
    for (size_t b = a + 1; b < data.size(); ++b) {
      ++out.pairs;
      const TipData& ta = data[a];
      const TipData& tb = data[b];
      git_oid mb;
      bool has_mb = merge_base(r, ta.commit, tb.commit, mb, ctx);
      if (options.prefilter && has_mb && ta.has_fork && tb.has_fork &&
          git_oid_equal(&mb, &ta.fork) && git_oid_equal(&mb, &tb.fork) && !changes_meet(ta, tb)) {
        continue;
      }
      git_tree* ancestor = base_tree.get();
      if (has_mb) {
        std::string key = oid_hex(mb);
        auto found = ancestors.find(key);
        if (found == ancestors.end()) {
          found = ancestors.emplace(key, commit_tree(r, mb, ctx)).first;
        }
        ancestor = found->second.get();
      }
      ++out.merged;
      std::vector<std::string> paths =
          merge_conflicts(r, ancestor, ta.tree.get(), tb.tree.get(), ctx);
      check(git_mempack_reset(mempack), ctx);
      if (!paths.empty()) out.conflicts.push_back({a, b, std::move(paths)});
    }
  }
  return out;
}

std::vector<std::string> branch_commits(const std::string& repo_path,
                                        const std::vector<std::string>& branches) {
  Repo repo = open_at(repo_path);
  std::vector<std::string> out;
  for (const std::string& branch : branches) {
    std::string name = "refs/heads/" + branch;
    git_object* raw = nullptr;
    int rc = git_revparse_single(&raw, repo.get(), (name + "^{commit}").c_str());
    Object holder(raw);
    if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
      out.emplace_back();
      continue;
    }
    check(rc, repo_path + ": branch '" + branch + "'");
    out.push_back(oid_hex(*git_object_id(holder.get())));
  }
  return out;
}

WorktreeContent worktree_content(const std::string& worktree_path) {
  const std::string ctx = worktree_path + ": cannot read the working tree";
  Repo repo = open_exact(worktree_path);
  if (git_repository_is_bare(repo.get())) {
    throw Error(worktree_path, "bare repositories are not supported");
  }
  WorktreeContent out;
  Commit head =
      lookup_commit(repo.get(), "HEAD", worktree_path + ": HEAD does not resolve to a commit");
  out.head = oid_hex(*git_commit_id(head.get()));
  git_index* raw_index = nullptr;
  check(git_repository_index(&raw_index, repo.get()), ctx);
  Index index(raw_index);  // changed in memory only: git_index_write is never called
  std::string all = "*";
  char* patterns[] = {all.data()};
  git_strarray spec = {patterns, 1};
  check(git_index_update_all(index.get(), &spec, nullptr, nullptr), ctx);
  check(git_index_add_all(index.get(), &spec, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr), ctx);
  git_oid tree;
  check(git_index_write_tree(&tree, index.get()), ctx);
  out.tree = oid_hex(tree);
  return out;
}

}  // namespace orch::git
