// Host-local mirrors of repositories by URL and pushing a unit's branch back (libgit2).
#include "lib/git/remote.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>
#include <thread>

#include "lib/error.h"
#include "lib/git/libgit2.h"
#include "lib/git/remote_transfer.h"
#include "lib/home.h"

namespace orch::git {
namespace fs = std::filesystem;
using namespace detail;

namespace {

using Remote = Handle<git_remote, git_remote_free>;

constexpr const char* kRemoteHead = "refs/remotes/origin/HEAD";

// An exclusive flock(2) on a 0600 lock file, released on destruction; waited for at most
// `wait_ms`, then Error("repository '<redacted url>'", "its mirror ... is locked ...").
class MirrorLock {
 public:
  MirrorLock(const fs::path& path, const fs::path& mirror, const std::string& url,
             int64_t wait_ms) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw Error(path.string(), std::string("cannot open: ") + std::strerror(errno));
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EWOULDBLOCK && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      ::close(fd_);
      if (err != EWOULDBLOCK) {
        throw Error(path.string(), std::string("cannot lock: ") + std::strerror(err));
      }
      throw Error("repository '" + redact_url(url) + "'",
                  "its mirror " + mirror.string() +
                      " is locked by another transfer on this host; gave up after " +
                      std::to_string(wait_ms / 1000) + " s");
    }
  }
  MirrorLock(const MirrorLock&) = delete;
  MirrorLock& operator=(const MirrorLock&) = delete;
  ~MirrorLock() { ::close(fd_); }

 private:
  int fd_ = -1;
};

// What the transfer callbacks saw: credentials asked for, a push's refused refs.
struct RemotePayload {
  int credential_calls = 0;  // key requests (ssh-agent is asked once)
  int username_calls = 0;
  std::string refused;                         // "<ref>: <status>" of the first ref refused
  const TransferProgress* progress = nullptr;  // run_bounded_transfer's "still going"
};

void remote_progress(void* payload) {
  auto* p = static_cast<RemotePayload*>(payload);
  if (p->progress && *p->progress) (*p->progress)();
}

int remote_sideband(const char*, int, void* payload) {
  remote_progress(payload);
  return 0;
}

int remote_indexer(const git_indexer_progress*, void* payload) {
  remote_progress(payload);
  return 0;
}

int remote_push_transfer(unsigned int, unsigned int, size_t, void* payload) {
  remote_progress(payload);
  return 0;
}

int remote_pack_progress(int, uint32_t, uint32_t, void* payload) {
  remote_progress(payload);
  return 0;
}

// ssh: one try with ssh-agent; anything else: no credentials (libgit2 then fails the request).
int remote_credentials(git_credential** out, const char* /*url*/, const char* user_from_url,
                       unsigned int allowed, void* payload) {
  auto* p = static_cast<RemotePayload*>(payload);
  // ssh asks for the user name first when the URL has none.
  if ((allowed & GIT_CREDENTIAL_USERNAME) && ++p->username_calls <= 2) {
    return git_credential_username_new(out, user_from_url ? user_from_url : "git");
  }
  if (++p->credential_calls > 1) {
    git_error_set_str(GIT_ERROR_NET, "credentials refused (ssh-agent's keys were not accepted)");
    return GIT_EUSER;
  }
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
  }
  git_error_set_str(GIT_ERROR_NET,
                    "authentication required; orch passes no credentials but ssh-agent's");
  return GIT_EUSER;
}

int remote_push_status(const char* ref, const char* status, void* payload) {
  auto* p = static_cast<RemotePayload*>(payload);
  if (status && p->refused.empty()) p->refused = std::string(ref) + ": " + status;
  return 0;
}

git_remote_callbacks remote_callbacks(RemotePayload& payload) {
  git_remote_callbacks cb;
  git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
  cb.credentials = remote_credentials;
  cb.push_update_reference = remote_push_status;
  cb.sideband_progress = remote_sideband;
  cb.transfer_progress = remote_indexer;
  cb.push_transfer_progress = remote_push_transfer;
  cb.pack_progress = remote_pack_progress;
  cb.payload = &payload;
  return cb;
}

Remote anonymous_remote(git_repository* repo, const std::string& url) {
  check_repo_url(url);
  git_remote* raw = nullptr;
  check(git_remote_create_anonymous(&raw, repo, url.c_str()),
        "repository '" + redact_url(url) + "'");
  return Remote(raw);
}

// A new mirror: an empty repository (working tree with nothing checked out) built under a
// temporary name next to `path` and renamed into place.
void create_mirror(const fs::path& path) {
  std::random_device rd;
  fs::path tmp = path.string() + ".new-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  create_private_dirs(tmp);
  git_repository* raw = nullptr;
  git_repository_init_options opts;
  git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
  opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
  opts.initial_head = "orch-mirror";  // an unborn branch: the mirror's own tree stays empty
  int rc = git_repository_init_ext(&raw, tmp.c_str(), &opts);
  Repo repo(raw);
  if (rc < 0) {
    fs::remove_all(tmp, ec);
    fail(path.string() + ": cannot create the mirror", rc);
  }
  repo.reset();
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    throw Error(path.string(), "cannot create the mirror: " + ec.message());
  }
}

// refs/remotes/origin/HEAD -> the remote's default branch, when the remote names one.
void record_remote_head(git_repository* repo, git_remote* remote) {
  Buf name;
  if (git_remote_default_branch(&name.buf, remote) < 0) return;
  std::string branch = name.str();
  if (branch.rfind("refs/heads/", 0) != 0) return;
  std::string target = "refs/remotes/origin/" + branch.substr(11);
  git_reference* raw = nullptr;
  if (git_reference_symbolic_create(&raw, repo, kRemoteHead, target.c_str(), 1, "orch: fetch") ==
      0) {
    git_reference_free(raw);
  }
}

// The mirror records its URL (config orch.url) when made; a mirror of another URL at the same
// path (two URLs whose 32-bit hashes and last path parts agree) is refused, not mixed.
void check_mirror_url(git_repository* repo, const fs::path& path, const std::string& url) {
  git_config* raw = nullptr;
  check(git_repository_config(&raw, repo), path.string());
  Handle<git_config, git_config_free> cfg(raw);
  Buf have;
  if (git_config_get_string_buf(&have.buf, cfg.get(), "orch.url") == 0) {
    if (have.str() == url) return;
    throw Error(path.string(), "is the mirror of " + redact_url(have.str()) + ", not of " +
                                   redact_url(url) + " (remove the folder)");
  }
  check(git_config_set_string(cfg.get(), "orch.url", url.c_str()), path.string());
}

}  // namespace

std::string fetch_mirror(const std::string& repos_dir, const std::string& url) {
  ensure_init();
  check_repo_url(url);
  create_private_dirs(repos_dir);
  const std::string name = mirror_name(url);
  const fs::path path = fs::path(repos_dir) / name;
  const RemoteTimeouts bounds = remote_timeouts();
  MirrorLock lock(fs::path(repos_dir) / (name + ".lock"), path, url, bounds.lock_wait_ms);
  std::error_code ec;
  const bool created = !fs::exists(path / ".git", ec);
  if (created) create_mirror(path);
  {
    Repo repo = open_exact(path.string());
    check_mirror_url(repo.get(), path, url);
  }
  // The fetch itself in a child process, killed when it stalls (remote_transfer.h).
  std::string why = run_bounded_transfer(
      [&](const TransferProgress& progress) -> std::string {
        Repo repo = open_exact(path.string());
        Remote remote = anonymous_remote(repo.get(), url);
        RemotePayload payload;
        payload.progress = &progress;
        git_fetch_options opts;
        git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
        opts.callbacks = remote_callbacks(payload);
        opts.prune = GIT_FETCH_PRUNE;
        opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the refspec below takes them all
        const char* specs[] = {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"};
        git_strarray refspecs = {const_cast<char**>(specs), 2};
        int rc = git_remote_fetch(remote.get(), &refspecs, &opts, "orch: fetch");
        if (rc < 0) return last_error(rc);
        record_remote_head(repo.get(), remote.get());
        return "";
      },
      bounds.stall_ms);
  if (!why.empty()) {
    if (created) fs::remove_all(path, ec);  // a URL that never fetched leaves no mirror behind
    throw Error("repository '" + redact_url(url) + "'", why);
  }
  return path.string();
}

std::string resolve_remote_base(const std::string& mirror, const std::string& url,
                                const std::string& ref) {
  Repo repo = open_exact(mirror);
  const std::string message = "base '" + (ref.empty() ? std::string("HEAD") : ref) +
                              "' does not resolve to a commit in " + redact_url(url);
  std::string spec = ref.empty() || ref == "HEAD" ? kRemoteHead : ref;
  if (!ref.empty() && ref != "HEAD") {
    git_reference* raw = nullptr;
    std::string remote_ref = "refs/remotes/origin/" + ref;
    if (git_reference_lookup(&raw, repo.get(), remote_ref.c_str()) == 0) {
      git_reference_free(raw);
      spec = remote_ref;
    }
  }
  Commit c = lookup_commit(repo.get(), spec, message);
  return oid_hex(*git_commit_id(c.get()));
}

std::string unpushed_ref(const std::string& branch, const std::string& session_id) {
  const std::string unit = branch.rfind("orch/", 0) == 0 ? branch.substr(5) : branch;
  return "refs/orch/unpushed/" + unit + "/" + session_id;
}

namespace {

// The session named in an orch commit message ("orch: <unit> (session <id>..."), else "".
std::string session_of_commit(git_repository* repo, const git_oid& id) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &id) != 0) return "";
  Commit c(raw);
  const std::string msg = git_commit_message(c.get()) ? git_commit_message(c.get()) : "";
  const std::string mark = " (session ";
  const std::size_t at = msg.find(mark);
  if (msg.rfind("orch: ", 0) != 0 || at == std::string::npos || at > msg.find('\n')) return "";
  std::string id_text;
  for (std::size_t i = at + mark.size();
       i < msg.size() && std::isxdigit(static_cast<unsigned char>(msg[i])) != 0; ++i) {
    id_text += msg[i];
  }
  return id_text.size() >= 4 && id_text.size() <= 40 ? id_text : "";
}

// True when a ref under refs/orch/unpushed/<unit>/ already points at `id`.
bool unpushed_kept(git_repository* repo, const std::string& branch, const git_oid& id) {
  git_reference_iterator* raw = nullptr;
  const std::string glob = unpushed_ref(branch, "*");
  if (git_reference_iterator_glob_new(&raw, repo, glob.c_str()) != 0) return false;
  Handle<git_reference_iterator, git_reference_iterator_free> it(raw);
  git_reference* ref = nullptr;
  bool found = false;
  while (!found && git_reference_next(&ref, it.get()) == 0) {
    const git_oid* target = git_reference_target(ref);
    found = target && git_oid_equal(target, &id);
    git_reference_free(ref);
  }
  return found;
}

}  // namespace

std::string keep_unpushed(const std::string& mirror, const std::string& branch,
                          const std::string& session_id) {
  Repo repo = open_exact(mirror);
  git_oid id;
  const std::string local = "refs/heads/" + branch;
  check(git_reference_name_to_id(&id, repo.get(), local.c_str()), "branch '" + branch + "'");
  const std::string name = unpushed_ref(branch, session_id);
  git_reference* raw = nullptr;
  check(git_reference_create(&raw, repo.get(), name.c_str(), &id, 1, "orch: unpushed work"), name);
  git_reference_free(raw);
  return name;
}

std::string prepare_remote_branch(const std::string& mirror, const std::string& branch,
                                  const std::string& base_commit) {
  Repo repo = open_exact(mirror);
  const std::string local = "refs/heads/" + branch;
  const std::string remote = "refs/remotes/origin/" + branch;
  git_oid local_id, remote_id;
  bool has_local = git_reference_name_to_id(&local_id, repo.get(), local.c_str()) == 0;
  bool has_remote = git_reference_name_to_id(&remote_id, repo.get(), remote.c_str()) == 0;
  git_oid target;
  if (has_remote) {
    target = remote_id;
  } else {
    Commit base =
        lookup_commit(repo.get(), base_commit,
                      "base '" + base_commit + "' does not resolve to a commit in " + mirror);
    target = *git_commit_id(base.get());
  }
  // A local branch holding commits the start lacks (an earlier attempt here whose push was
  // refused or never happened) is not built on: the remote's branch is the unit's work. It is
  // kept under refs/orch/unpushed/<unit>/<session> (the session of its last commit, else its
  // commit id) unless a ref there already holds it.
  if (has_local && !git_oid_equal(&local_id, &target) &&
      git_graph_descendant_of(repo.get(), &target, &local_id) != 1 &&
      !unpushed_kept(repo.get(), branch, local_id)) {
    std::string who = session_of_commit(repo.get(), local_id);
    if (who.empty()) who = "commit-" + oid_hex(local_id).substr(0, 12);
    git_reference* kept = nullptr;
    const std::string name = unpushed_ref(branch, who);
    check(
        git_reference_create(&kept, repo.get(), name.c_str(), &local_id, 1, "orch: unpushed work"),
        name);
    git_reference_free(kept);
  }
  git_reference* raw = nullptr;
  check(git_reference_create(&raw, repo.get(), local.c_str(), &target, 1, "orch: session start"),
        "branch '" + branch + "'");
  git_reference_free(raw);
  return oid_hex(target);
}

void push_branch(const std::string& mirror, const std::string& url, const std::string& branch) {
  ensure_init();
  const std::string context = "push of " + branch + " to " + redact_url(url);
  check_repo_url(url);
  {
    Repo repo = open_exact(mirror);  // a missing mirror is an error here, not in the child
  }
  std::string why = run_bounded_transfer(
      [&](const TransferProgress& progress) -> std::string {
        Repo repo = open_exact(mirror);
        Remote remote = anonymous_remote(repo.get(), url);
        RemotePayload payload;
        payload.progress = &progress;
        git_push_options opts;
        git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
        opts.callbacks = remote_callbacks(payload);
        // No '+': never forced.
        const std::string spec = "refs/heads/" + branch + ":refs/heads/" + branch;
        const char* specs[] = {spec.c_str()};
        git_strarray refspecs = {const_cast<char**>(specs), 1};
        int rc = git_remote_push(remote.get(), &refspecs, &opts);
        if (rc < 0) return last_error(rc);
        if (!payload.refused.empty()) return "rejected: " + payload.refused;
        return "";
      },
      remote_timeouts().stall_ms);
  if (!why.empty()) throw Error(context, why);
}

}  // namespace orch::git
