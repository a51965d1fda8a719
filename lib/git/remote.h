// Repositories by URL (ssh://, https://, git://, file://): telling a URL from a local path, the
// form of a URL that may be shown, the host-local mirror under $ORCH_HOME/repos/ that sessions'
// worktrees are made from, and pushing a unit's branch back. What Debian's libgit2 1.5 supports
// and how it was established: docs/repositories-by-url.md.
#pragma once

#include <cstdint>
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

/// Bounds on the network transfers of repositories by URL (fetch_mirror, push_branch,
/// fetch_unit_branches). libgit2 1.5 has no connect or server time-out option, so each transfer
/// runs in a child process that is killed when it has made no progress for `stall_ms`.
struct RemoteTimeouts {
  /// A transfer that received nothing for this long (no connection, a server that never
  /// answers, a stalled pack) is abandoned: "no answer from the remote for N s (gave up)".
  int64_t stall_ms = 60000;
  /// How long fetch_mirror waits for the mirror's lock (another fetch of the same repository on
  /// this host) before it gives up with an error naming the repository.
  int64_t lock_wait_ms = 600000;
};

/// Sets the bounds for this process (tests shorten them); a value <= 0 (stall) or < 0 (lock
/// wait) restores the default.
void set_remote_timeouts(const RemoteTimeouts& t);

/// The bounds in force.
RemoteTimeouts remote_timeouts();

/// Creates (when missing) and fetches the mirror of `url` under `repos_dir`
/// ($ORCH_HOME/repos): a repository with an empty working tree whose refs/remotes/origin/* and
/// refs/tags/* follow the remote's branches and tags (pruned), refs/remotes/origin/HEAD the
/// remote's default branch; its own refs/heads/orch/* are the sessions' branches, never touched
/// by a fetch. A new mirror is built under a temporary name and renamed into place; creation and
/// fetch hold an exclusive flock on "<repos_dir>/<name>.lock". Folders are 0700. Returns the
/// mirror's path; a mirror made by a call whose fetch failed is removed. Errors: orch::Error
/// "repository '<redacted>': <libgit2>" (an unreachable host, refused credentials, not a
/// repository), "repository '<redacted>': no answer from the remote for N s (gave up)" (the
/// stall bound, RemoteTimeouts), "repository '<redacted>': its mirror <path> is locked by
/// another transfer on this host; gave up after N s" (the lock wait bound), or check_repo_url's.
std::string fetch_mirror(const std::string& repos_dir, const std::string& url);

/// Resolves `ref` in a fetched mirror: "" = the remote's default branch; a branch name is looked
/// up as refs/remotes/origin/<ref> first, then `ref` as git would (a tag, a commit id,
/// origin/main, HEAD~1 of the remote's branch...). Returns the 40-hex commit id.
/// Errors: orch::Error "base '<ref>' does not resolve to a commit in <redacted url>".
std::string resolve_remote_base(const std::string& mirror, const std::string& url,
                                const std::string& ref);

/// Points refs/heads/<branch> of a fetched mirror where a session of the unit starts: at the
/// remote's <branch> when the remote has it (a retry or handoff on another host continues the
/// pushed work), else at `base_commit`, whatever the local branch held. A local branch holding
/// commits that start lacks (an attempt here whose push was refused, failed or never happened)
/// is kept as unpushed_ref(branch, <session>) (the session named in its last commit's message,
/// else "commit-<12 hex>") unless a ref under refs/orch/unpushed/<unit>/ already holds it.
/// Returns the branch's commit. Errors: orch::Error from libgit2.
std::string prepare_remote_branch(const std::string& mirror, const std::string& branch,
                                  const std::string& base_commit);

/// The ref that keeps work of `branch` ("orch/<unit>") its session could not push:
/// "refs/orch/unpushed/<unit>/<session_id>".
std::string unpushed_ref(const std::string& branch, const std::string& session_id);

/// Points unpushed_ref(branch, session_id) of `mirror` at refs/heads/<branch> (after a refused
/// push, so a later session that starts from the remote's branch does not lose the work).
/// Returns the ref's name. Errors: orch::Error from libgit2 (no such branch).
std::string keep_unpushed(const std::string& mirror, const std::string& branch,
                          const std::string& session_id);

/// Pushes refs/heads/<branch> of `mirror` to refs/heads/<branch> of `url`, never forced.
/// Credentials: ssh-agent for ssh:// (the user of the URL, else "git"); nothing else.
/// Errors: orch::Error "push of <branch> to <redacted>: <why>" when the remote refuses it (not a
/// fast-forward: "rejected: <remote's status>"), credentials are refused, the remote cannot be
/// reached or does not answer within the stall bound (RemoteTimeouts); the branch stays in the
/// mirror.
void push_branch(const std::string& mirror, const std::string& url, const std::string& branch);

}  // namespace orch::git
