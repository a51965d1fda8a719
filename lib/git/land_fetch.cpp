// Bringing units' branches that workers pushed to a repository URL into a local clone of it, so
// `orch land --repo CLONE` can land units slung by URL (lib/git/land.h).
#include <string>
#include <vector>

#include "lib/git/land.h"
#include "lib/git/libgit2.h"

namespace orch::git {
using namespace detail;

namespace {
using Remote = Handle<git_remote, git_remote_free>;
}  // namespace

std::string remote_with_url(const std::string& repo_path, const std::string& url) {
  Repo repo = open_main(repo_path);
  StrArray names;
  if (int rc = git_remote_list(&names.arr, repo.get()); rc != 0) fail(repo_path, rc);
  for (size_t i = 0; i < names.arr.count; ++i) {
    git_remote* raw = nullptr;
    if (git_remote_lookup(&raw, repo.get(), names.arr.strings[i]) != 0) continue;
    Remote remote(raw);
    const char* u = git_remote_url(remote.get());
    if (u && url == u) return names.arr.strings[i];
  }
  return "";
}

std::vector<std::string> fetch_unit_branches(const std::string& repo_path,
                                             const std::string& remote_name,
                                             const std::vector<std::string>& branches) {
  Repo repo = open_main(repo_path);
  git_remote* raw = nullptr;
  if (int rc = git_remote_lookup(&raw, repo.get(), remote_name.c_str()); rc != 0) {
    fail("fetch from " + remote_name, rc);
  }
  Remote remote(raw);
  const std::string spec = "+refs/heads/orch/*:refs/remotes/" + remote_name + "/orch/*";
  char* specs[] = {const_cast<char*>(spec.c_str())};
  const git_strarray refspecs = {specs, 1};
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  if (int rc = git_remote_fetch(remote.get(), &refspecs, &opts, "orch land: fetch"); rc != 0) {
    fail("fetch from " + remote_name, rc);
  }
  std::vector<std::string> missing;
  for (const std::string& branch : branches) {
    git_oid theirs, ours;
    const std::string tracking = "refs/remotes/" + remote_name + "/" + branch;
    const std::string local = "refs/heads/" + branch;
    if (git_reference_name_to_id(&theirs, repo.get(), tracking.c_str()) != 0) {
      missing.push_back(branch);
      continue;
    }
    if (git_reference_name_to_id(&ours, repo.get(), local.c_str()) == 0) {
      // Only a fast-forward: a local branch with commits of its own is the user's.
      if (git_oid_equal(&ours, &theirs) ||
          git_graph_descendant_of(repo.get(), &theirs, &ours) != 1) {
        continue;
      }
    }
    git_reference* ref = nullptr;
    if (int rc = git_reference_create(&ref, repo.get(), local.c_str(), &theirs, 1,
                                      "orch land: the unit's pushed branch");
        rc != 0) {
      fail("branch " + branch, rc);
    }
    git_reference_free(ref);
  }
  return missing;
}

}  // namespace orch::git
