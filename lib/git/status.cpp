// What a working tree holds beyond its HEAD commit (for sling's warning and prune's check), and
// a file's content at HEAD (to tell an agent's start-up rewrite of its config from real work).
#include <string>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/repository.h"

namespace orch::git {
using namespace detail;

namespace {

std::vector<std::string> status_paths(git_repository* repo, const std::string& workdir,
                                      unsigned int flags, bool ignored_only) {
  if (git_repository_is_bare(repo)) {
    throw Error(workdir, "bare repositories are not supported");
  }
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = flags;
  git_status_list* raw = nullptr;
  check(git_status_list_new(&raw, repo, &opts), workdir + ": cannot read status");
  StatusList list(raw);
  std::vector<std::string> paths;
  for (size_t i = 0, n = git_status_list_entrycount(list.get()); i < n; ++i) {
    const git_status_entry* e = git_status_byindex(list.get(), i);
    if (ignored_only != ((e->status & GIT_STATUS_IGNORED) != 0)) continue;
    const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (d == nullptr) continue;
    const char* p = d->new_file.path ? d->new_file.path : d->old_file.path;
    if (p != nullptr) paths.emplace_back(p);
  }
  return paths;
}

}  // namespace

std::vector<std::string> changed_paths(const std::string& workdir) {
  Repo repo = open_exact(workdir);
  return status_paths(repo.get(), workdir, GIT_STATUS_OPT_INCLUDE_UNTRACKED, false);
}

std::vector<std::string> ignored_paths(const std::string& workdir) {
  Repo repo = open_exact(workdir);
  return status_paths(repo.get(), workdir, GIT_STATUS_OPT_INCLUDE_IGNORED, true);
}

std::vector<std::string> ignored_paths(const Repository& worktree) {
  return status_paths(worktree.raw(), worktree.path(), GIT_STATUS_OPT_INCLUDE_IGNORED, true);
}

std::optional<std::string> head_file(const std::string& workdir, const std::string& path) {
  ensure_init();
  Repo repo = open_exact(workdir);
  Commit head = lookup_commit(repo.get(), "HEAD", workdir + ": HEAD does not resolve to a commit");
  git_tree* raw_tree = nullptr;
  check(git_commit_tree(&raw_tree, head.get()), workdir + ": cannot read HEAD's tree");
  Tree tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, tree.get(), path.c_str()) != 0) return std::nullopt;
  Handle<git_tree_entry, git_tree_entry_free> entry(raw_entry);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) return std::nullopt;
  git_blob* raw_blob = nullptr;
  check(git_blob_lookup(&raw_blob, repo.get(), git_tree_entry_id(entry.get())),
        workdir + ": cannot read " + path + " at HEAD");
  Handle<git_blob, git_blob_free> blob(raw_blob);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(data, static_cast<size_t>(git_blob_rawsize(blob.get())));
}

}  // namespace orch::git
