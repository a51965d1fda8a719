// Bringing units' branches that workers pushed to a repository URL into a local clone of it, so
// `orch land --repo CLONE` can land units slung by URL (lib/git/land.h).
#include <string>
#include <vector>

#include "lib/git/land.h"
#include "lib/git/libgit2.h"
#include "lib/git/remote.h"
#include "lib/git/remote_transfer.h"

namespace orch::git {
using namespace detail;

namespace {
using Remote = Handle<git_remote, git_remote_free>;

int land_fetch_sideband(const char*, int, void* payload) {
  (*static_cast<TransferProgress*>(payload))();
  return 0;
}

int land_fetch_indexer(const git_indexer_progress*, void* payload) {
  (*static_cast<TransferProgress*>(payload))();
  return 0;
}
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
  // In a child process killed when it stalls (remote_transfer.h); libgit2's progress resets the
  // bound.
  remote.reset();
  repo.reset();
  const std::string why = run_bounded_transfer(
      [&](const TransferProgress& progress) -> std::string {
        Repo r = open_main(repo_path);
        git_remote* child_raw = nullptr;
        if (int rc = git_remote_lookup(&child_raw, r.get(), remote_name.c_str()); rc != 0) {
          return last_error(rc);
        }
        Remote child_remote(child_raw);
        git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
        opts.callbacks.payload = const_cast<TransferProgress*>(&progress);
        opts.callbacks.sideband_progress = land_fetch_sideband;
        opts.callbacks.transfer_progress = land_fetch_indexer;
        int rc = git_remote_fetch(child_remote.get(), &refspecs, &opts, "orch land: fetch");
        return rc != 0 ? last_error(rc) : "";
      },
      remote_timeouts().stall_ms);
  if (!why.empty()) throw Error("fetch from " + remote_name, why);
  repo = open_main(repo_path);
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
