// A unit of a repository by URL, run the whole way: slung with a git:// URL (a git daemon on
// 127.0.0.1), its worktree made from the host's mirror, Claude Code on the fake model, and its
// branch pushed back to the repository by the supervisor.
#include <algorithm>
#include <filesystem>

#include "tests/e2e/fixture.h"
#include "tests/support/git_daemon.h"
#include "tests/support/git_run.h"
#include "tests/support/tmp.h"

namespace orch::test {
namespace {

constexpr const char* kRepoUrlRunScript = R"({
  "scenarios": [
    {"match": "write-remote", "turns": [
      {"tool": "write", "path": "REMOTE.md", "content": "written on a worker\n"},
      {"text": "Done: wrote REMOTE.md"}]},
    {"match": "write-other", "turns": [
      {"tool": "write", "path": "REMOTE.md", "content": "written otherwise\n"},
      {"text": "Done: wrote REMOTE.md otherwise"}]},
    {"match": "write-then-wait", "turns": [
      {"tool": "write", "path": "HANDOFF.md", "content": "left for the successor\n"},
      {"text": "still working", "delay_ms": 60000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class RepoUrlRun : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kRepoUrlRunScript);
    git(repo_, {"branch", "-M", "main"});
    std::filesystem::create_directories(served_());
    git(served_(), {"clone", "-q", "--bare", repo_.string(), (served_() / "origin.git").string()});
    daemon_ = std::make_unique<GitDaemon>(served_());
  }
  std::filesystem::path served_() const { return tmp_->path() / "served"; }
  // `orch worker` in the background (stderr in worker.err), gone with the test if it dies.
  process::Child start_worker() {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN, "--home", home_.string(), "worker", "--name", "w1", "--grace", "1s"};
    so.env_set = env_;
    so.stderr_path = (tmp_->path() / "worker.err").string();
    so.die_with_parent = true;
    return process::spawn(so);
  }
  // Whether the running session's agent wrote HANDOFF.md in its worktree, within 60 s.
  bool handoff_file_written() {
    return eventually(
        [&] {
          json::Json j = session_json();
          return j.is_object() && j["worktree"].is_string() &&
                 std::filesystem::exists(std::filesystem::path(j["worktree"].get<std::string>()) /
                                         "HANDOFF.md");
        },
        60000);
  }
  std::unique_ptr<GitDaemon> daemon_;
};

TEST_F(RepoUrlRun, TheSessionRunsFromTheMirrorAndPushesTheBranch) {
  const std::string url = daemon_->url("origin.git");
  OrchRun s = orch({"sling", "u1", url, "--agent", "claude", "-m", "write-remote please"});
  ASSERT_EQ(s.code, 0) << s.err;
  // Sling started nothing: a worker (on SQLite, this host) claims the unit and drains.
  OrchRun w = orch({"worker", "--drain", "--name", "w1"}, 180000);
  ASSERT_EQ(w.code, 0) << w.err;
  json::Json j = session_json();
  EXPECT_EQ(j["state"], "done") << j.dump();
  const std::filesystem::path origin = served_() / "origin.git";
  // The push follows the end state the waiter saw (the supervisor pushes once it recorded it).
  std::string pushed;
  EXPECT_TRUE(eventually(
      [&] {
        return git_code(origin, {"rev-parse", "orch/u1"}, pushed) == 0;
      },
      30000));
  std::string shown = git(origin, {"show", "orch/u1:REMOTE.md"});
  EXPECT_EQ(shown, "written on a worker\n");
  OrchRun logs = orch({"logs", "u1"});
  EXPECT_NE(logs.out.find("pushed orch/u1 to " + url), std::string::npos) << logs.out;
  // Fan-in: the unit lands in a clone of the URL (land --repo), from the branch the worker pushed.
  OrchRun no_clone = orch({"land", "u1", "--no-check"});
  EXPECT_EQ(no_clone.code, 1);
  EXPECT_EQ(no_clone.err, "orch: error: land: the units' repository is the URL " + url +
                              ": land them in a local clone of it with --repo PATH\n");
  // The branch at the URL moved past the session's commit (an older attempt's push, someone
  // else's): what lands is the session's commit or nothing.
  const std::string pushed_tip = git(origin, {"rev-parse", "orch/u1"}).substr(0, 40);
  const std::string other =
      git(origin, {"commit-tree", "orch/u1^{tree}", "-p", "orch/u1", "-m", "not the session's"})
          .substr(0, 40);
  git(origin, {"update-ref", "refs/heads/orch/u1", other});
  const std::filesystem::path stale = tmp_->path() / "stale";
  git(tmp_->path(), {"clone", "-q", url, stale.string()});
  OrchRun moved = orch({"land", "u1", "--repo", stale.string(), "--no-check"});
  EXPECT_EQ(moved.code, 1);
  EXPECT_EQ(moved.err, "orch: error: land: no unit's session commit is on a branch at " + url +
                           ": nothing to land\n");
  git(origin, {"update-ref", "refs/heads/orch/u1", pushed_tip});
  const std::filesystem::path work = tmp_->path() / "work";
  git(tmp_->path(), {"clone", "-q", url, work.string()});
  OrchRun landed = orch({"land", "u1", "--repo", work.string(), "--no-check"});
  ASSERT_EQ(landed.code, 0) << landed.err << landed.out;
  EXPECT_EQ(read_file(work / "REMOTE.md"), "written on a worker\n");
}

// orch conflicts on units of a URL: the forecast reads what their sessions pushed, in this host's
// mirror fetched first; a unit nothing was pushed for yet is skipped with the reason.
TEST_F(RepoUrlRun, ConflictsForecastsThePushedBranches) {
  const std::string url = daemon_->url("origin.git");
  for (const auto& [unit, prompt] : {std::pair{"u1", "write-remote"}, {"u2", "write-other"}}) {
    OrchRun s = orch({"sling", unit, url, "--agent", "claude", "-m", prompt});
    ASSERT_EQ(s.code, 0) << s.err;
  }
  OrchRun w = orch({"worker", "--drain", "--name", "w1"}, 180000);
  ASSERT_EQ(w.code, 0) << w.err;
  const std::filesystem::path origin = served_() / "origin.git";
  std::string out;
  ASSERT_TRUE(eventually(
      [&] {
        return git_code(origin, {"rev-parse", "orch/u1"}, out) == 0 &&
               git_code(origin, {"rev-parse", "orch/u2"}, out) == 0;
      },
      30000));
  OrchRun q = orch({"sling", "u3", url, "--agent", "claude", "-m", "write-remote"});
  ASSERT_EQ(q.code, 0) << q.err;
  const std::string queued =
      json::Json::parse(orch({"show", "u3", "--json"}).out)["session"].get<std::string>();
  const std::string before = git(origin, {"for-each-ref"});
  OrchRun c = orch({"conflicts", "u1", "u2", "u3"});
  EXPECT_EQ(c.code, 1) << c.err;
  EXPECT_EQ(c.out,
            "conflict  u1  u2: REMOTE.md\n"
            "skipped  u3: nothing was pushed to orch/u3 (yet: session " +
                queued +
                " is queued)\n"
                "order  u1  u2\n"
                "  group 1 (mutually clean): u1\n"
                "  group 2 (after resolving): u2\n");
  json::Json j = json::Json::parse(orch({"conflicts", "u1", "u2", "u3", "--json"}).out);
  EXPECT_EQ(j["repo"], url);
  EXPECT_EQ(j["conflicts"].size(), 1u);
  // A forecast changes nothing at the URL.
  EXPECT_EQ(git(origin, {"for-each-ref"}), before);
}

TEST_F(RepoUrlRun, AForcedHandoffPushesTheWorkBeforeQueueingTheSuccessor) {
  const std::string url = daemon_->url("origin.git");
  OrchRun s = orch({"sling", "u1", url, "--agent", "claude", "-m", "write-then-wait please"});
  ASSERT_EQ(s.code, 0) << s.err;
  process::Child worker = start_worker();
  // The agent wrote HANDOFF.md and waits on the model: nothing is committed yet.
  ASSERT_TRUE(handoff_file_written()) << read_file(tmp_->path() / "worker.err");
  // No grace: the supervisor is killed before it can push; the handoff commits what it left
  // and pushes it before the successor is queued (another host would start from the URL).
  OrchRun h = orch({"handoff", "u1", "--grace", "0s", "-m", "go on"});
  EXPECT_EQ(h.code, 0) << h.err;
  const std::filesystem::path origin = served_() / "origin.git";
  std::string shown;
  EXPECT_EQ(git_code(origin, {"show", "orch/u1:HANDOFF.md"}, shown), 0) << shown;
  EXPECT_EQ(shown, "left for the successor\n");
  worker.terminate(20000);
}

// A handoff whose push the URL refuses queues no successor: it would start from the URL's branch
// without the work, which stays in this host's mirror.
TEST_F(RepoUrlRun, AHandoffWhosePushIsRefusedQueuesNoSuccessor) {
  const std::string url = daemon_->url("origin.git");
  OrchRun s = orch({"sling", "u1", url, "--agent", "claude", "-m", "write-then-wait please"});
  ASSERT_EQ(s.code, 0) << s.err;
  const std::string id = session_json()["session"].get<std::string>();
  process::Child worker = start_worker();
  ASSERT_TRUE(handoff_file_written()) << read_file(tmp_->path() / "worker.err");
  // Meanwhile someone else pushed orch/u1 elsewhere: the session's branch is no fast-forward.
  const std::filesystem::path origin = served_() / "origin.git";
  const std::string other =
      git(origin, {"commit-tree", "main^{tree}", "-p", "main", "-m", "someone else"}).substr(0, 40);
  git(origin, {"update-ref", "refs/heads/orch/u1", other});
  OrchRun h = orch({"handoff", "u1", "--grace", "0s", "-m", "go on"});
  EXPECT_EQ(h.code, 1) << h.out;
  const std::string prefix =
      "orch: error: handoff of unit 'u1': no successor was queued: session " + id +
      "'s work could not be pushed: ";
  EXPECT_EQ(h.err.rfind(prefix, 0), 0u) << h.err;
  EXPECT_NE(h.err.find("refs/orch/unpushed/u1/" + id), std::string::npos) << h.err;
  EXPECT_EQ(std::count(h.err.begin(), h.err.end(), '\n'), 1) << h.err;
  EXPECT_EQ(json::Json::parse(orch({"agents", "--all", "--json"}).out).size(), 1u);
  EXPECT_EQ(git(origin, {"rev-parse", "orch/u1"}).substr(0, 40), other);  // nothing forced
  worker.terminate(20000);
}

}  // namespace
}  // namespace orch::test
