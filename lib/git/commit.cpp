// Working-tree status and committing everything an agent left behind.
#include <string>
#include <string_view>
#include <vector>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/repository.h"

namespace orch::git {
using namespace detail;

namespace {

bool dirty_in(git_repository* repo, const std::string& worktree_path) {
  if (git_repository_is_bare(repo)) {
    throw Error(worktree_path, "bare repositories are not supported");
  }
  git_status_options opts;
  git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  git_status_list* raw = nullptr;
  check(git_status_list_new(&raw, repo, &opts), worktree_path + ": cannot read status");
  StatusList list(raw);
  return git_status_list_entrycount(list.get()) > 0;
}

/// `message` cleaned up as git commit does (trailing whitespace stripped, final newline).
std::string prettify(const std::string& message) {
  Buf buf;
  if (git_message_prettify(&buf.buf, message.c_str(), 0, '#') < 0) return message;
  return buf.str();
}

bool holds_secret(const void* data, size_t size, const std::vector<std::string>& secrets) {
  std::string_view content(static_cast<const char*>(data), size);
  for (const std::string& secret : secrets) {
    if (!secret.empty() && content.find(secret) != std::string_view::npos) return true;
  }
  return false;
}

/// Puts the index entries whose staged content differs from `head`'s (or that `head` lacks) and
/// holds one of `secrets` back to `head`'s version (or out of the index); returns their paths.
std::vector<std::string> withhold_secrets(git_repository* repo, git_index* index, git_tree* head,
                                          const std::vector<std::string>& secrets,
                                          const std::string& ctx) {
  std::vector<std::string> withheld;
  if (secrets.empty()) return withheld;
  for (size_t i = 0; i < git_index_entrycount(index); ++i) {
    const git_index_entry* e = git_index_get_byindex(index, i);
    if (!e || GIT_INDEX_ENTRY_STAGE(e) != 0) continue;
    git_tree_entry* raw_te = nullptr;
    if (head && git_tree_entry_bypath(&raw_te, head, e->path) == 0) {
      bool same = git_oid_equal(git_tree_entry_id(raw_te), &e->id);
      git_tree_entry_free(raw_te);
      if (same) continue;
    }
    git_blob* raw_blob = nullptr;
    if (git_blob_lookup(&raw_blob, repo, &e->id) != 0) continue;
    bool secret = holds_secret(git_blob_rawcontent(raw_blob),
                               static_cast<size_t>(git_blob_rawsize(raw_blob)), secrets);
    git_blob_free(raw_blob);
    if (secret) withheld.push_back(e->path);
  }
  for (const std::string& path : withheld) {
    check(git_index_remove_bypath(index, path.c_str()), ctx);
    git_tree_entry* raw_te = nullptr;
    if (!head || git_tree_entry_bypath(&raw_te, head, path.c_str()) != 0) continue;
    git_index_entry entry{};
    entry.mode = git_tree_entry_filemode(raw_te);
    entry.id = *git_tree_entry_id(raw_te);
    entry.path = path.c_str();
    int rc = git_index_add(index, &entry);
    git_tree_entry_free(raw_te);
    check(rc, ctx);
  }
  return withheld;
}

}  // namespace

bool is_dirty(const std::string& worktree_path) {
  Repo repo = open_exact(worktree_path);
  return dirty_in(repo.get(), worktree_path);
}

bool is_dirty(const Repository& worktree) {
  return dirty_in(worktree.raw(), worktree.path());
}

CommitResult commit_all(const std::string& worktree_path, const std::string& message,
                        const std::vector<std::string>& secrets,
                        const std::vector<std::string>& kept_out) {
  const std::string ctx = worktree_path + ": cannot commit";
  Repo repo = open_exact(worktree_path);
  if (git_repository_is_bare(repo.get())) {
    throw Error(worktree_path, "bare repositories are not supported");
  }

  git_index* raw_index = nullptr;
  check(git_repository_index(&raw_index, repo.get()), ctx);
  Index index(raw_index);
  std::string all = "*";
  char* patterns[] = {all.data()};
  git_strarray spec = {patterns, 1};
  // update_all stages modifications and deletions of tracked files; add_all adds new files
  // (honouring .gitignore).
  check(git_index_update_all(index.get(), &spec, nullptr, nullptr), ctx);
  // Ignore rules of this repository object only (nothing is written to .gitignore or
  // info/exclude): add_all leaves these untracked paths out.
  std::string rules;
  for (const std::string& p : kept_out) {
    std::string rule = "/";
    for (char c : p) {
      if (c == '*' || c == '?' || c == '[' || c == '\\' || c == '!' || c == '#') rule += '\\';
      rule += c;
    }
    rules += rule + "\n";
  }
  if (!rules.empty()) check(git_ignore_add_rule(repo.get(), rules.c_str()), ctx);
  check(git_index_add_all(index.get(), &spec, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr), ctx);

  Commit parent;
  git_object* head = nullptr;
  int rc = git_revparse_single(&head, repo.get(), "HEAD^{commit}");
  if (rc == 0) {
    parent.reset(reinterpret_cast<git_commit*>(head));
  } else if (rc != GIT_ENOTFOUND && rc != GIT_EUNBORNBRANCH) {
    check(rc, ctx);
  }
  Tree head_tree;
  if (parent) {
    git_tree* raw_head_tree = nullptr;
    check(git_commit_tree(&raw_head_tree, parent.get()), ctx);
    head_tree.reset(raw_head_tree);
  }
  CommitResult result;
  result.withheld = withhold_secrets(repo.get(), index.get(), head_tree.get(), secrets, ctx);
  check(git_index_write(index.get()), ctx);
  git_oid tree_id;
  check(git_index_write_tree(&tree_id, index.get()), ctx);

  if (parent && git_oid_equal(&tree_id, git_commit_tree_id(parent.get()))) {
    result.head = oid_hex(*git_commit_id(parent.get()));
    return result;  // nothing to commit
  }

  git_tree* raw_tree = nullptr;
  check(git_tree_lookup(&raw_tree, repo.get(), &tree_id), ctx);
  Tree tree(raw_tree);
  Signature sig = signature_for(repo.get(), ctx);
  const git_commit* parents[] = {parent.get()};
  git_oid commit_id;
  check(git_commit_create(&commit_id, repo.get(), "HEAD", sig.get(), sig.get(), nullptr,
                          prettify(message).c_str(), tree.get(), parent ? 1 : 0, parents),
        ctx);
  result.commit_id = oid_hex(commit_id);
  result.head = result.commit_id;
  return result;
}

}  // namespace orch::git
