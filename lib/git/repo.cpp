// Opening repositories, resolving revisions, looking up branches.
#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/repository.h"

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

namespace {

std::string resolve_in(git_repository* r, const std::string& repo, const std::string& ref) {
  Commit c = lookup_commit(r, ref, "base '" + ref + "' does not resolve to a commit in " + repo);
  return oid_hex(*git_commit_id(c.get()));
}

bool branch_in(git_repository* r, const std::string& repo, const std::string& branch) {
  std::string name = "refs/heads/" + branch;
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, r, name.c_str());
  Ref holder(raw);
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) return false;
  check(rc, repo + ": branch '" + branch + "'");
  return true;
}

}  // namespace

std::string resolve_commit(const std::string& repo, const std::string& ref) {
  Repo r = open_at(repo);
  return resolve_in(r.get(), repo, ref);
}

std::string resolve_commit(const Repository& repo, const std::string& ref) {
  return resolve_in(repo.raw(), repo.path(), ref);
}

bool branch_exists(const std::string& repo, const std::string& branch) {
  Repo r = open_at(repo);
  return branch_in(r.get(), repo, branch);
}

bool branch_exists(const Repository& repo, const std::string& branch) {
  return branch_in(repo.raw(), repo.path(), branch);
}

}  // namespace orch::git
