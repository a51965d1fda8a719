// Comparing commits: diffstat, commit counts and one-line commit lists.
#include <cstddef>
#include <string>
#include <vector>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/repository.h"

namespace orch::git {
using namespace detail;

namespace {

Commit resolve(git_repository* repo, const std::string& spec, const std::string& repo_path) {
  return lookup_commit(repo, spec, "'" + spec + "' does not resolve to a commit in " + repo_path);
}

Tree tree_of(const git_commit* commit, const std::string& context) {
  git_tree* raw = nullptr;
  check(git_commit_tree(&raw, commit), context);
  return Tree(raw);
}

std::string trim(std::string s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string diffstat(const std::string& repo, const std::string& from_commit,
                     const std::string& to_commit) {
  const std::string ctx = repo + ": cannot diff " + from_commit + " " + to_commit;
  Repo r = open_at(repo);
  Commit from = resolve(r.get(), from_commit, repo);
  Commit to = resolve(r.get(), to_commit, repo);
  Tree from_tree = tree_of(from.get(), ctx);
  Tree to_tree = tree_of(to.get(), ctx);

  git_diff* raw_diff = nullptr;
  check(git_diff_tree_to_tree(&raw_diff, r.get(), from_tree.get(), to_tree.get(), nullptr), ctx);
  Diff diff(raw_diff);
  // git diff detects renames by default (diff.renames); NULL options follow that config.
  check(git_diff_find_similar(diff.get(), nullptr), ctx);

  git_diff_stats* raw_stats = nullptr;
  check(git_diff_get_stats(&raw_stats, diff.get()), ctx);
  DiffStats stats(raw_stats);
  if (git_diff_stats_files_changed(stats.get()) == 0) return {};  // git prints nothing
  Buf buf;
  check(git_diff_stats_to_buf(&buf.buf, stats.get(), GIT_DIFF_STATS_SHORT, 0), ctx);
  return trim(buf.str());
}

namespace {

// Walks the commits reachable from `to` and not from `from`, newest first (git rev-list order),
// calling `visit` with each commit until it returns false.
template <typename Visit>
void walk_range(git_repository* r, const std::string& repo, const std::string& from,
                const std::string& to, const std::string& ctx, Visit visit) {
  Commit from_c = resolve(r, from, repo);
  Commit to_c = resolve(r, to, repo);
  git_revwalk* raw = nullptr;
  check(git_revwalk_new(&raw, r), ctx);
  Revwalk walk(raw);
  check(git_revwalk_push(walk.get(), git_commit_id(to_c.get())), ctx);
  check(git_revwalk_hide(walk.get(), git_commit_id(from_c.get())), ctx);
  git_oid oid;
  int rc = 0;
  while ((rc = git_revwalk_next(&oid, walk.get())) == 0) {
    if (!visit(r, oid)) return;
  }
  if (rc != GIT_ITEROVER) check(rc, ctx);
}

}  // namespace

namespace {

int64_t count_in(git_repository* r, const std::string& repo, const std::string& from,
                 const std::string& to) {
  int64_t count = 0;
  walk_range(r, repo, from, to, repo + ": cannot count commits " + from + ".." + to,
             [&](git_repository*, const git_oid&) {
               ++count;
               return true;
             });
  return count;
}

}  // namespace

int64_t count_commits(const std::string& repo, const std::string& from, const std::string& to) {
  Repo r = open_at(repo);
  return count_in(r.get(), repo, from, to);
}

int64_t count_commits(const Repository& repo, const std::string& from, const std::string& to) {
  return count_in(repo.raw(), repo.path(), from, to);
}

std::vector<std::string> commit_lines(const std::string& repo, const std::string& from,
                                      const std::string& to, std::size_t max) {
  const std::string ctx = repo + ": cannot list commits " + from + ".." + to;
  std::vector<std::string> lines;
  Repo opened = open_at(repo);
  walk_range(opened.get(), repo, from, to, ctx, [&](git_repository* r, const git_oid& oid) {
    if (lines.size() >= max) return false;
    git_commit* raw = nullptr;
    check(git_commit_lookup(&raw, r, &oid), ctx);
    Commit c(raw);
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &oid);
    const char* summary = git_commit_summary(c.get());
    lines.push_back(std::string(hex, 7) + " " + (summary ? summary : ""));
    return true;
  });
  return lines;
}

}  // namespace orch::git
