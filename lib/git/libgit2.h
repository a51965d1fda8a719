// Private to lib/git: RAII handles for libgit2 objects, error helpers and the repository openers
// shared by the lib/git sources. Not part of orch's public API.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

#include "lib/error.h"

namespace orch::git::detail {

/// Calls git_libgit2_init() once per process (thread-safe); every entry point calls it first.
void ensure_init();

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using Repo = Handle<git_repository, git_repository_free>;
using Ref = Handle<git_reference, git_reference_free>;
using Object = Handle<git_object, git_object_free>;
using Commit = Handle<git_commit, git_commit_free>;
using Tree = Handle<git_tree, git_tree_free>;
using Index = Handle<git_index, git_index_free>;
using Signature = Handle<git_signature, git_signature_free>;
using Worktree = Handle<git_worktree, git_worktree_free>;
using StatusList = Handle<git_status_list, git_status_list_free>;
using Diff = Handle<git_diff, git_diff_free>;
using DiffStats = Handle<git_diff_stats, git_diff_stats_free>;
using Revwalk = Handle<git_revwalk, git_revwalk_free>;

/// Owns a git_buf (git_buf_dispose on destruction).
struct Buf {
  git_buf buf = GIT_BUF_INIT;
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr ? std::string(buf.ptr, buf.size) : std::string(); }
};

/// Owns a git_strarray (git_strarray_dispose on destruction).
struct StrArray {
  git_strarray arr = {nullptr, 0};
  StrArray() = default;
  StrArray(const StrArray&) = delete;
  StrArray& operator=(const StrArray&) = delete;
  ~StrArray() { git_strarray_dispose(&arr); }
};

/// libgit2's last error message for this thread as one trimmed line, or "libgit2 error <rc>".
std::string last_error(int rc);

/// Throws orch::Error(context, last_error(rc)).
[[noreturn]] void fail(const std::string& context, int rc, int code = kExitError);

/// Throws through fail() when rc < 0; returns rc otherwise.
inline int check(int rc, const std::string& context) {
  if (rc < 0) fail(context, rc);
  return rc;
}

/// The repository's user.name/user.email as a signature, else "orch <orch@localhost>" (for the
/// commits orch makes: an agent's work, a landed unit). Errors: orch::Error(context, libgit2).
Signature signature_for(git_repository* repo, const std::string& context);

/// The 40-hex form of `oid`.
std::string oid_hex(const git_oid& oid);

/// Opens the repository containing `path` (searching upwards from it).
/// Errors: "<path>: no such directory" / "<path>: not a git repository" / libgit2's message.
Repo open_at(const std::string& path);

/// Opens exactly the repository whose working directory is `path` (no upward search).
Repo open_exact(const std::string& path);

/// Opens the main (non-linked) working tree's repository of the repository containing `path`.
/// Errors: as open_at, plus "<path>: bare repositories are not supported".
Repo open_main(const std::string& path);

/// `path` without a trailing '/', made canonical when it exists.
std::string canonical(const std::string& path);

/// Resolves `spec` to a commit in `repo`; throws orch::Error(message) when it does not.
Commit lookup_commit(git_repository* repo, const std::string& spec, const std::string& message);

}  // namespace orch::git::detail
