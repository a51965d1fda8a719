// Opening repositories, resolving revisions, looking up branches.
#include "lib/git/git.h"
#include "lib/git/libgit2.h"

namespace orch::git {
using namespace detail;

RepoInfo open_repo(const std::string& path) {
  Repo repo = open_main(path);
  const char* workdir = git_repository_workdir(repo.get());
  if (!workdir) throw Error(path, "bare repositories are not supported");

  int unborn = git_repository_head_unborn(repo.get());
  if (unborn == 1) throw Error(path, "repository has no commits");
  check(unborn, path);
  git_object* head = nullptr;
  int rc = git_revparse_single(&head, repo.get(), "HEAD^{commit}");
  if (rc == GIT_ENOTFOUND) throw Error(path, "repository has no commits");
  check(rc, path);
  Object holder(head);

  RepoInfo info;
  info.workdir = canonical(workdir);
  info.common_dir = canonical(git_repository_commondir(repo.get()));
  info.head_commit = oid_hex(*git_object_id(holder.get()));
  return info;
}

std::string resolve_commit(const std::string& repo, const std::string& ref) {
  Repo r = open_at(repo);
  Commit c =
      lookup_commit(r.get(), ref, "base '" + ref + "' does not resolve to a commit in " + repo);
  return oid_hex(*git_commit_id(c.get()));
}

bool branch_exists(const std::string& repo, const std::string& branch) {
  Repo r = open_at(repo);
  std::string name = "refs/heads/" + branch;
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, r.get(), name.c_str());
  Ref holder(raw);
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) return false;
  check(rc, repo + ": branch '" + branch + "'");
  return true;
}

}  // namespace orch::git
