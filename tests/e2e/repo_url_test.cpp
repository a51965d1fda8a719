// `orch sling` and `orch convoy create` with a repository URL (lib/git/remote.h): the unit is
// recorded with the URL, its base resolved in a freshly fetched mirror, the session queued for a
// worker; bad URLs are one line with a documented exit code and nothing written.
#include <filesystem>

#include "lib/registry/registry.h"
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

class SlingRepoUrl : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    git(repo_, {"branch", "-M", "main"});
    git(tmp_->path(), {"clone", "-q", "--bare", repo_.string(), origin_().string()});
  }
  std::filesystem::path origin_() const { return tmp_->path() / "origin.git"; }
  std::string url() const { return "file://" + origin_().string(); }
  std::string origin_rev(const std::string& rev) const {
    std::string out = git(origin_(), {"rev-parse", rev});
    return out.substr(0, out.find('\n'));
  }
  // No session in the registry.
  void expect_nothing_written() {
    auto reg = registry::Registry::open(home_ / "orch.db");
    EXPECT_TRUE(reg->list_sessions({}).empty());
  }
  // No mirror under $ORCH_HOME/repos (a URL that never fetched leaves none; its lock stays).
  void expect_no_mirror() {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(home_ / "repos", ec)) {
      EXPECT_EQ(e.path().extension(), ".lock") << e.path();
    }
  }
};

TEST_F(SlingRepoUrl, SlingRecordsARemoteUnitQueuedForAWorker) {
  OrchRun r = orch({"sling", "u1", url(), "-m", "work", "--base", "main"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(" queued: unit u1 on branch orch/u1"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("queued for a worker (place 1): it starts when an `orch worker` with a "
                       "free slot claims it\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("worktree:"), std::string::npos) << r.err;
  auto reg = registry::Registry::open(home_ / "orch.db");
  std::vector<registry::Session> sessions = reg->list_sessions({});
  ASSERT_EQ(sessions.size(), 1u);
  const registry::Session& s = sessions[0];
  EXPECT_EQ(s.state, registry::State::kQueued);
  EXPECT_EQ(s.supervisor_pid, 0);
  auto unit = reg->get_unit(s.unit_id);
  ASSERT_TRUE(unit);
  EXPECT_EQ(unit->repo, url());
  EXPECT_EQ(unit->base_ref, "main");
  EXPECT_EQ(unit->base_commit, origin_rev("main"));
  // The mirror was fetched on this host; nothing was checked out, no branch made at the origin.
  int mirrors = 0;
  for (const auto& e : std::filesystem::directory_iterator(home_ / "repos")) {
    if (e.path().extension() != ".lock") ++mirrors;
  }
  EXPECT_EQ(mirrors, 1);
  EXPECT_FALSE(std::filesystem::exists(home_ / "worktrees") &&
               !std::filesystem::is_empty(home_ / "worktrees"));
  EXPECT_EQ(git(origin_(), {"branch", "--list", "orch/*"}), "");
}

TEST_F(SlingRepoUrl, ConvoyCreateWithAUrlQueuesEveryUnitForAWorker) {
  // Without --base: the remote's default branch.
  std::string head = git(repo_, {"commit", "-q", "--allow-empty", "-m", "later"});
  git(repo_, {"push", "-q", origin_().string(), "main"});
  OrchRun r = orch({"convoy", "create", "c1", "--repo", url(), "--prompt", "work", "a", "b"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto reg = registry::Registry::open(home_ / "orch.db");
  std::vector<registry::Session> sessions = reg->list_sessions({});
  ASSERT_EQ(sessions.size(), 2u);
  for (const registry::Session& s : sessions) {
    EXPECT_EQ(s.state, registry::State::kQueued);
    auto unit = reg->get_unit(s.unit_id);
    ASSERT_TRUE(unit);
    EXPECT_EQ(unit->repo, url());
    EXPECT_EQ(unit->base_commit, origin_rev("main"));
  }
}

TEST_F(SlingRepoUrl, BadUrlsAreOneLineAndWriteNothing) {
  struct Case {
    std::string url;
    int code;
    std::string err;
  };
  const std::string missing = "file://" + (tmp_->path() / "missing.git").string();
  const std::vector<Case> cases = {
      {"https://bob:hunter2@example.com/r.git", 2,
       "orch: error: repository URL 'https://***@example.com/r.git': holds a password; orch does "
       "not keep credentials in URLs (use ssh:// with ssh-agent)\n"},
      {"ext::sh -c touch% /tmp/orch-ext-pwned", 2,
       "orch: error: repository URL 'ext::sh -c touch% /tmp/orch-ext-pwned': unsupported scheme "
       "'ext' (orch takes ssh://, https://, git:// or file://)\n"},
      {"git://h/r\x1b[31mred", 2,
       "orch: error: repository URL 'git://h/r\\x1b[31mred': holds control characters\n"},
      {"git://h/r\xff", 2,
       "orch: error: repository URL 'git://h/r\xef\xbf\xbd': is not valid UTF-8\n"},
      {"git://h/" + std::string(5000, 'a'), 2,
       "orch: error: repository URL 'git://h/" + std::string(192, 'a') +
           "...': is longer than 2048 bytes\n"},
      {"ssh://-oProxyCommand=x@h/r", 2,
       "orch: error: repository URL 'ssh://-oProxyCommand=x@h/r': has a host or user starting "
       "with '-'\n"},
  };
  for (const Case& c : cases) {
    OrchRun r = orch({"sling", "u1", c.url, "-m", "work"});
    EXPECT_EQ(r.code, c.code) << c.url;
    EXPECT_EQ(r.err, c.err);
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/orch-ext-pwned"));
  // Unreachable (nothing listens on tcp/1 of the loopback) and missing repositories.
  OrchRun r = orch({"sling", "u1", "git://127.0.0.1:1/r.git", "-m", "work"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("orch: error: repository 'git://127.0.0.1:1/r.git': ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = orch({"sling", "u1", missing, "-m", "work"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("orch: error: repository '" + missing + "': ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_no_mirror();
  // A base the remote does not have.
  r = orch({"sling", "u1", url(), "-m", "work", "--base", "nope"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "orch: error: base 'nope' does not resolve to a commit in " + url() + "\n");
  r = orch({"convoy", "create", "c1", "--repo", "https://u:p@h/r", "--prompt", "w", "a"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "orch: error: repository URL 'https://***@h/r': holds a password; orch does not keep "
            "credentials in URLs (use ssh:// with ssh-agent)\n");
  expect_nothing_written();
}

}  // namespace
}  // namespace orch::test
