// lib/git/remote.h against real repositories over file:// and git:// (a git daemon on
// 127.0.0.1 started by the test); the git CLI is the oracle.
#include "lib/git/remote.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "lib/git/git.h"
#include "tests/support/git_daemon.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

TEST(RepoUrl, TellsUrlsFromLocalPaths) {
  EXPECT_TRUE(is_repo_url("ssh://git@example.com/team/repo.git"));
  EXPECT_TRUE(is_repo_url("https://example.com/team/repo.git"));
  EXPECT_TRUE(is_repo_url("git://127.0.0.1:9418/repo"));
  EXPECT_TRUE(is_repo_url("file:///srv/git/repo.git"));
  EXPECT_FALSE(is_repo_url("/srv/git/repo"));
  EXPECT_FALSE(is_repo_url("repo"));
  EXPECT_FALSE(is_repo_url("./a://b"));
  EXPECT_FALSE(looks_like_url("./a://b"));
  EXPECT_TRUE(looks_like_url("ext::sh -c touch% /tmp/pwned"));
  EXPECT_FALSE(is_repo_url("ext::sh -c touch% /tmp/pwned"));
  EXPECT_FALSE(is_repo_url("http://example.com/repo.git"));
}

std::string url_refusal(const std::string& url) {
  return expect_error([&] { check_repo_url(url); }).what();
}

TEST(RepoUrl, RefusesHostileUrlsWithOneLineAndNoSecret) {
  EXPECT_EQ(url_refusal("https://bob:hunter2@example.com/r.git"),
            "repository URL 'https://***@example.com/r.git': holds a password; orch does not keep "
            "credentials in URLs (use ssh:// with ssh-agent)");
  EXPECT_EQ(url_refusal("https://ghp_TOKEN@example.com/r.git"),
            "repository URL 'https://***@example.com/r.git': holds user info; orch does not keep "
            "credentials in URLs (use ssh:// with ssh-agent)");
  EXPECT_EQ(url_refusal("ext::sh -c evil"),
            "repository URL 'ext::sh -c evil': unsupported scheme 'ext' (orch takes ssh://, "
            "https://, git:// or file://)");
  // curl_url refuses these itself.
  EXPECT_EQ(url_refusal("ssh://-oProxyCommand=evil/r"),
            "repository URL 'ssh://-oProxyCommand=evil/r': does not parse as a URL");
  EXPECT_EQ(url_refusal("ssh://h/r'; rm -rf ~;'"),
            "repository URL 'ssh://h/r'; rm -rf ~;'': does not parse as a URL");
  EXPECT_EQ(url_refusal("ssh://-oProxyCommand=x@h/r"),
            "repository URL 'ssh://-oProxyCommand=x@h/r': has a host or user starting with '-'");
  EXPECT_EQ(url_refusal("ssh://h/r%27;evil"),
            "repository URL 'ssh://h/r%27;evil': holds a quote or a control character in its "
            "(decoded) path or user");
  EXPECT_EQ(url_refusal("git://h/r%0aevil"),
            "repository URL 'git://h/r%0aevil': holds a quote or a control character in its "
            "(decoded) path or user");
  EXPECT_EQ(url_refusal("git://h/r\x1b[2Jx"),
            "repository URL 'git://h/r\x1b[2Jx': holds control characters");
  EXPECT_EQ(url_refusal("https://h/r?token=abc"),
            "repository URL 'https://h/r?***': holds a query or fragment; a repository URL has "
            "none");
  EXPECT_EQ(url_refusal("file://otherhost/r"),
            "repository URL 'file://otherhost/r': does not parse as a URL");
  EXPECT_EQ(url_refusal("git://h/"), "repository URL 'git://h/': has no repository path");
  std::string bad = "git://h/r\xff";
  EXPECT_EQ(url_refusal(bad), "repository URL 'git://h/r\xef\xbf\xbd': is not valid UTF-8");
  std::string longer = "git://h/" + std::string(3000, 'a');
  std::string shown = url_refusal(longer);
  EXPECT_EQ(shown, "repository URL '" + longer.substr(0, 200) + "...': is longer than 2048 bytes");
  EXPECT_EQ(expect_error([&] { check_repo_url("git://h/r%00x"); }).code(), kExitUsage);
}

TEST(RepoUrl, RedactsEveryCredential) {
  EXPECT_EQ(redact_url("ssh://git@example.com:2222/r.git"), "ssh://git@example.com:2222/r.git");
  EXPECT_EQ(redact_url("ssh://git:pw@example.com/r.git"), "ssh://***@example.com/r.git");
  EXPECT_EQ(redact_url("https://u:pw@example.com/r.git?x=1"), "https://***@example.com/r.git?***");
  EXPECT_EQ(redact_url("https://u:p@w@[bad"), "https://***@[bad");
}

TEST(RepoUrl, MirrorNameIsTheLastPathPartAndAHash) {
  EXPECT_EQ(mirror_name("git://h/team/repo.git").substr(0, 9), "repo.git-");
  EXPECT_EQ(mirror_name("git://h/team/repo.git").size(), 9u + 8u);
  EXPECT_EQ(mirror_name("file:///srv/my%20repo/").substr(0, 10), "my_20repo-");
  EXPECT_NE(mirror_name("git://a/repo"), mirror_name("git://b/repo"));
  EXPECT_EQ(mirror_name("git://h/..").substr(0, 5), "repo-");
}

// An origin repository (bare: libgit2 1.5 does not push to a non-bare local repository; with
// main and a tag), a clone of it to commit from (repo_) and a home for mirrors.
class Mirror : public RepoTest {
 protected:
  Mirror() {
    git(repo_, {"branch", "-M", "main"});
    git(repo_, {"tag", "v1"});
    git(tmp_.path(), {"clone", "-q", "--bare", repo_, origin_.string()});
    git(repo_, {"remote", "add", "origin", origin_.string()});
  }
  std::string url() const { return "file://" + origin_.string(); }
  /// Commits `files` in repo_ and pushes main to the origin.
  std::string advance(const std::vector<std::pair<std::string, std::string>>& files) {
    std::string id = commit_files(repo_, files);
    git(repo_, {"push", "-q", "origin", "main"});
    return id;
  }
  fs::path origin_ = tmp_ / "origin.git";
  std::string repos() const { return (tmp_ / "home/repos").string(); }
};

TEST_F(Mirror, FetchCreatesAPrivateMirrorAndResolvesBases) {
  std::string m = fetch_mirror(repos(), url());
  EXPECT_EQ(m, repos() + "/" + mirror_name(url()));
  struct stat st {};
  ASSERT_EQ(::stat(repos().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  ASSERT_EQ(::stat(m.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  EXPECT_EQ(resolve_remote_base(m, url(), ""), rev("main"));
  EXPECT_EQ(resolve_remote_base(m, url(), "main"), rev("main"));
  EXPECT_EQ(resolve_remote_base(m, url(), "v1"), rev("v1"));
  EXPECT_EQ(expect_error([&] { resolve_remote_base(m, url(), "nope"); }).what(),
            "base 'nope' does not resolve to a commit in " + url());
  // A later commit arrives with the next fetch; nothing is left under a temporary name.
  std::string second = advance({{"b.txt", "b\n"}});
  fetch_mirror(repos(), url());
  EXPECT_EQ(resolve_remote_base(m, url(), "main"), second);
  int entries = 0;
  for (const auto& e : fs::directory_iterator(repos())) {
    ++entries;
    EXPECT_EQ(e.path().string().find(".new-"), std::string::npos) << e.path();
  }
  EXPECT_EQ(entries, 2);  // the mirror and its lock
}

TEST_F(Mirror, AMirrorOfAnotherUrlAtTheSamePathIsRefused) {
  std::string m = fetch_mirror(repos(), url());
  EXPECT_EQ(trim(git(m, {"config", "orch.url"})), url());
  git(m, {"config", "orch.url", "git://elsewhere/origin.git"});
  EXPECT_EQ(expect_error([&] { fetch_mirror(repos(), url()); }).what(),
            m + ": is the mirror of git://elsewhere/origin.git, not of " + url() +
                " (remove the folder)");
}

TEST_F(Mirror, ConcurrentFetchesShareOneMirror) {
  std::vector<std::thread> threads;
  std::vector<std::string> got(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { got[i] = fetch_mirror(repos(), url()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  EXPECT_EQ(resolve_remote_base(got[0], url(), "main"), rev("main"));
}

TEST_F(Mirror, UnreachableOrMissingRepositoryIsOneLine) {
  std::string missing = "file://" + (tmp_ / "nothing").string();
  orch::Error e = expect_error([&] { fetch_mirror(repos(), missing); });
  EXPECT_EQ(std::string(e.what()).rfind("repository '" + missing + "': ", 0), 0u) << e.what();
  EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  int port = 1;  // nothing listens on tcp/1 of the loopback
  std::string closed = "git://127.0.0.1:" + std::to_string(port) + "/repo";
  e = expect_error([&] { fetch_mirror(repos(), closed); });
  EXPECT_EQ(std::string(e.what()).rfind("repository '" + closed + "': ", 0), 0u) << e.what();
}

TEST_F(Mirror, BranchStartsAtBaseThenContinuesThePushedWork) {
  std::string m = fetch_mirror(repos(), url());
  std::string base = rev("main");
  EXPECT_EQ(prepare_remote_branch(m, "orch/u1", base), base);
  // Work committed in a worktree of the mirror, pushed back (not forced) to the origin.
  std::string wt = (tmp_ / "wt").string();
  add_worktree({m, "orch/u1", base, wt, "orch-u1-1"});
  std::string work = commit_files(wt, {{"work.txt", "work\n"}});
  push_branch(m, url(), "orch/u1");
  EXPECT_EQ(rev("orch/u1", origin_), work);
  // Another host's mirror starts from the pushed branch, not from base.
  std::string other = fetch_mirror((tmp_ / "home2/repos").string(), url());
  EXPECT_EQ(prepare_remote_branch(other, "orch/u1", base), work);
}

TEST_F(Mirror, ARefusedPushIsAnErrorAndTheBranchStays) {
  std::string m = fetch_mirror(repos(), url());
  std::string base = rev("main");
  prepare_remote_branch(m, "orch/u2", base);
  std::string wt = (tmp_ / "wt").string();
  add_worktree({m, "orch/u2", base, wt, "orch-u2-1"});
  std::string mine = commit_files(wt, {{"mine.txt", "mine\n"}});
  // Meanwhile the origin got another commit on orch/u2: not a fast-forward.
  git(repo_, {"checkout", "-q", "-b", "orch/u2", base});
  std::string theirs = commit_files(repo_, {{"theirs.txt", "theirs\n"}});
  git(repo_, {"push", "-q", "origin", "orch/u2"});
  orch::Error e = expect_error([&] { push_branch(m, url(), "orch/u2"); });
  EXPECT_EQ(std::string(e.what()).rfind("push of orch/u2 to " + url() + ": ", 0), 0u) << e.what();
  EXPECT_EQ(rev("orch/u2", origin_), theirs);
  EXPECT_EQ(rev("orch/u2", wt), mine);
  // A later session starts from the remote's branch; the local work is kept under a name that
  // says so (the session of its commit, else the commit).
  fetch_mirror(repos(), url());
  EXPECT_EQ(prepare_remote_branch(m, "orch/u2", base), theirs);
  EXPECT_EQ(rev("refs/heads/orch/u2", m), theirs);
  EXPECT_EQ(rev("refs/orch/unpushed/u2/commit-" + mine.substr(0, 12), m), mine);
}

TEST_F(Mirror, ADivergedLocalBranchIsNotBuiltOnAndItsWorkIsKept) {
  // Host A pushed attempt 1's work; host B's mirror kept a local orch/u3 from a lost attempt
  // (committed by orch, never pushed) and from base when the remote had no branch yet.
  std::string base = rev("main");
  std::string a = fetch_mirror(repos(), url());
  prepare_remote_branch(a, "orch/u3", base);
  std::string wt_a = (tmp_ / "wt-a").string();
  add_worktree({a, "orch/u3", base, wt_a, "orch-u3-a"});
  std::string pushed = commit_files(wt_a, {{"a.txt", "a\n"}});
  std::string b = fetch_mirror((tmp_ / "home2/repos").string(), url());
  prepare_remote_branch(b, "orch/u3", base);
  std::string wt_b = (tmp_ / "wt-b").string();
  add_worktree({b, "orch/u3", base, wt_b, "orch-u3-b"});
  write_file(fs::path(wt_b) / "b.txt", "b\n");
  std::string lost = commit_all(wt_b, "orch: u3 (session 0badc0de)\n\nlost attempt\n").commit_id;
  detach_head(wt_b);
  push_branch(a, url(), "orch/u3");
  // The retry on host B starts at the pushed work, and its push is a fast-forward.
  fetch_mirror((tmp_ / "home2/repos").string(), url());
  EXPECT_EQ(prepare_remote_branch(b, "orch/u3", base), pushed);
  EXPECT_EQ(rev("refs/heads/orch/u3", b), pushed);
  EXPECT_EQ(rev("refs/orch/unpushed/u3/0badc0de", b), lost);
  std::string wt_retry = (tmp_ / "wt-retry").string();
  add_worktree({b, "orch/u3", pushed, wt_retry, "orch-u3-retry"});
  std::string next = commit_files(wt_retry, {{"retry.txt", "retry\n"}});
  push_branch(b, url(), "orch/u3");
  EXPECT_EQ(rev("orch/u3", origin_), next);
  // No remote branch: the local leftover is not built on either; base is the start.
  prepare_remote_branch(b, "orch/u4", base);
  std::string wt_c = (tmp_ / "wt-c").string();
  add_worktree({b, "orch/u4", base, wt_c, "orch-u4-c"});
  std::string left = commit_files(wt_c, {{"c.txt", "c\n"}});
  detach_head(wt_c);
  EXPECT_EQ(prepare_remote_branch(b, "orch/u4", base), base);
  EXPECT_EQ(rev("refs/orch/unpushed/u4/commit-" + left.substr(0, 12), b), left);
}

TEST_F(Mirror, OverGitDaemonFetchAndPush) {
  fs::path served = tmp_ / "served";
  fs::create_directories(served);
  fs::rename(origin_, served / "origin.git");
  orch::test::GitDaemon daemon(served);
  std::string u = daemon.url("origin.git");
  std::string m = fetch_mirror(repos(), u);
  std::string base = resolve_remote_base(m, u, "");
  EXPECT_EQ(base, rev("main"));
  prepare_remote_branch(m, "orch/d1", base);
  std::string wt = (tmp_ / "wt").string();
  add_worktree({m, "orch/d1", base, wt, "orch-d1-1"});
  std::string work = commit_files(wt, {{"d.txt", "d\n"}});
  push_branch(m, u, "orch/d1");
  EXPECT_EQ(rev("orch/d1", served / "origin.git"), work);
  // A URL that is not served: one line naming the redacted URL.
  orch::Error e = expect_error([&] { fetch_mirror(repos(), daemon.url("missing.git")); });
  EXPECT_EQ(std::string(e.what()).rfind("repository '" + daemon.url("missing.git") + "': ", 0), 0u)
      << e.what();
}

// A TCP server on 127.0.0.1 that takes connections (the kernel completes them on a listening
// socket) and never answers: a stalled remote.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  ~SilentListener() { close_now(); }
  /// Closes the socket: the connections waiting on it are reset (a hung client gets an error).
  void close_now() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string url(const std::string& path) const {
    return "git://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Runs `transfer` on a thread; its error message ("" when it returned), failing the test when it
// has not ended within 20 s (then the listener is closed so the thread can end).
std::string bounded_error(SilentListener& silent, const std::function<void()>& transfer) {
  auto fut = std::async(std::launch::async, [&]() -> std::string {
    try {
      transfer();
      return "";
    } catch (const orch::Error& e) {
      return e.what();
    }
  });
  const bool ended = fut.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  EXPECT_TRUE(ended) << "the transfer still waited after 20 s";
  if (!ended) silent.close_now();
  return fut.get();
}

class MirrorTimeouts : public Mirror {
 protected:
  MirrorTimeouts() { set_remote_timeouts({1000, 1000}); }
  ~MirrorTimeouts() override { set_remote_timeouts({}); }
};

TEST_F(MirrorTimeouts, AServerThatNeverAnswersIsGivenUpOnAndFreesTheMirror) {
  SilentListener silent;
  const std::string u = silent.url("team/stalled.git");
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(bounded_error(silent, [&] { fetch_mirror(repos(), u); }),
            "repository '" + u + "': no answer from the remote for 1 s (gave up)");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_FALSE(fs::exists(fs::path(repos()) / mirror_name(u)));  // a first fetch leaves none
  // The lock is free again: a fetch of the same URL waits for no one.
  int fd = ::open((fs::path(repos()) / (mirror_name(u) + ".lock")).c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ::close(fd);
  // A push to it: the same bound; the branch stays.
  std::string m = fetch_mirror(repos(), url());
  prepare_remote_branch(m, "orch/t1", rev("main"));
  EXPECT_EQ(bounded_error(silent, [&] { push_branch(m, u, "orch/t1"); }),
            "push of orch/t1 to " + u + ": no answer from the remote for 1 s (gave up)");
  EXPECT_EQ(rev("refs/heads/orch/t1", m), rev("main"));
}

TEST_F(MirrorTimeouts, AMirrorLockedTooLongIsAOneLineErrorNamingTheRepository) {
  SilentListener silent;  // only for bounded_error's last resort
  fs::create_directories(repos());
  const fs::path lock_file = fs::path(repos()) / (mirror_name(url()) + ".lock");
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another transfer of this host holds it
  EXPECT_EQ(bounded_error(silent, [&] { fetch_mirror(repos(), url()); }),
            "repository '" + url() + "': its mirror " +
                (fs::path(repos()) / mirror_name(url())).string() +
                " is locked by another transfer on this host; gave up after 1 s");
  ::close(fd);
  EXPECT_EQ(resolve_remote_base(fetch_mirror(repos(), url()), url(), "main"), rev("main"));
}

}  // namespace
}  // namespace orch::git::test
