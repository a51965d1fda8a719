// Repositories by URL (ssh://, https://, git://, file://): telling a URL from a local path, the
// form of a URL that may be shown, the host-local mirror under $ORCH_HOME/repos/ that sessions'
// worktrees are made from, and pushing a unit's branch back. What Debian's libgit2 1.5 supports
// and how it was established: docs/repositories-by-url.md.
#pragma once

#include <string>

namespace orch::git {

/// The URL schemes orch accepts for a repository.
inline constexpr const char* kRepoUrlSchemes = "ssh://, https://, git:// or file://";

/// True when `repo` is written as a URL or a git transport rather than a local path: it starts
/// with a scheme (a letter, then letters, digits, '+', '-', '.') followed by "://" or "::" (git's
/// `<transport>::<address>`, e.g. `ext::`). Such an argument is never opened as a folder: it goes
/// through check_repo_url, which refuses what orch does not support.
bool looks_like_url(const std::string& repo);

/// True when `repo` is a repository URL orch accepts: check_repo_url does not throw for it. A
/// local path (absolute or relative) is not a URL. Parsed with libcurl's curl_url API.
bool is_repo_url(const std::string& repo);

/// Validates a repository URL; throws orch::Error (exit 2) "repository URL '<redacted>': <why>"
/// when it is longer than 2048 bytes, not UTF-8, holds control characters, does not parse
/// (curl_url), has a scheme other than ssh/https/git/file (e.g. `ext::`, which runs a command),
/// holds a password or user info outside ssh:// (credentials come from ssh-agent, never the
/// URL: a URL is stored in the registry and shown), a query or fragment, a host or user starting
/// with '-', a file:// host other than localhost, an empty path, or a quote or control character
/// in its decoded path (libgit2's ssh transport quotes the path for the remote shell itself).
void check_repo_url(const std::string& url);

/// The form of `url` for messages and logs: scheme, host, port and path; the user name is kept
/// for ssh:// only; a password, any other user info and a query are replaced by "***"; cut at
/// 200 bytes. Never throws (a string that does not parse is redacted after "://" up to the last
/// '@' before the path).
std::string redact_url(const std::string& url);

/// The mirror's folder name for `url`: "<last path part>-<8 hex of FNV-1a(url)>"; the last path
/// part (a trailing '/' dropped) keeps ASCII letters, digits, '-', '_', '.' (others become '_'),
/// at most 64 bytes, "repo" when empty or "." or "..".
std::string mirror_name(const std::string& url);

/// Creates (when missing) and fetches the mirror of `url` under `repos_dir`
/// ($ORCH_HOME/repos): a repository with an empty working tree whose refs/remotes/origin/* and
/// refs/tags/* follow the remote's branches and tags (pruned), refs/remotes/origin/HEAD the
/// remote's default branch; its own refs/heads/orch/* are the sessions' branches, never touched
/// by a fetch. A new mirror is built under a temporary name and renamed into place; creation and
/// fetch hold an exclusive flock on "<repos_dir>/<name>.lock". Folders are 0700. Returns the
/// mirror's path; a mirror made by a call whose fetch failed is removed. Errors: orch::Error
/// "repository '<redacted>': cannot fetch: <libgit2>" (an unreachable host, refused credentials,
/// not a repository), or check_repo_url's.
std::string fetch_mirror(const std::string& repos_dir, const std::string& url);

/// Resolves `ref` in a fetched mirror: "" = the remote's default branch; a branch name is looked
/// up as refs/remotes/origin/<ref> first, then `ref` as git would (a tag, a commit id,
/// origin/main, HEAD~1 of the remote's branch...). Returns the 40-hex commit id.
/// Errors: orch::Error "base '<ref>' does not resolve to a commit in <redacted url>".
std::string resolve_remote_base(const std::string& mirror, const std::string& url,
                                const std::string& ref);

/// Points refs/heads/<branch> of a fetched mirror where a session of the unit starts: at the
/// remote's <branch> when the remote has it and the local branch is missing or behind it (a
/// retry or handoff on another host continues the pushed work), at `base_commit` when neither
/// exists; a local branch holding commits the remote lacks (a push that was refused) is kept.
/// Returns the branch's commit. Errors: orch::Error from libgit2 (not a fast-forward is no error).
std::string prepare_remote_branch(const std::string& mirror, const std::string& branch,
                                  const std::string& base_commit);

/// Pushes refs/heads/<branch> of `mirror` to refs/heads/<branch> of `url`, never forced.
/// Credentials: ssh-agent for ssh:// (the user of the URL, else "git"); nothing else.
/// Errors: orch::Error "push of <branch> to <redacted>: <why>" when the remote refuses it (not a
/// fast-forward: "rejected: <remote's status>"), credentials are refused, or the remote cannot be
/// reached; the branch stays in the mirror.
void push_branch(const std::string& mirror, const std::string& url, const std::string& branch);

}  // namespace orch::git
