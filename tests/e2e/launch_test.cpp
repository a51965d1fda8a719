// Launching end to end (issues 11 and 12): odd unit ids work end to end or are refused with
// nothing written; a convoy with one bad unit creates nothing; `orch sling` killed at each point
// of a launch (the ORCH_TEST_CRASH_AT hook, lib/crash_point.h) leaves nothing that blocks the unit
// and nothing prune cannot reclaim; of racing slings of one unit every loser exits 8; queued
// sessions have no worktree on disk.
#include <thread>

#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kLaunchScript = R"({
  "scenarios": [
    {"match": "write-work", "turns": [
      {"tool": "write", "path": "WORK.md", "content": "work\n"},
      {"text": "Done: wrote WORK.md"}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 60000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class Launch : public Convoy {
 protected:
  // Worktree folders under $ORCH_HOME/worktrees/<repo>-<hash>/.
  int worktree_folders() {
    int n = 0;
    std::error_code ec;
    for (const auto& repo_dir : fs::directory_iterator(home_ / "worktrees", ec)) {
      for (const auto& wt : fs::directory_iterator(repo_dir.path(), ec)) n += wt.is_directory(ec);
    }
    return n;
  }
  std::string branches() { return git(repo_, {"branch", "--list", "orch/*"}); }
  int linked_worktrees() {
    std::string list = git(repo_, {"worktree", "list", "--porcelain"});
    int n = 0;
    for (size_t p = 0; (p = list.find("worktree ", p)) != std::string::npos; ++p) ++n;
    return n - 1;  // the main working tree
  }
};

TEST_F(Launch, UnicodeAndOddUnitIdsWorkEndToEndAndInvalidUtf8IsRefusedWithNothingWritten) {
  start_model(kLaunchScript);
  const std::vector<std::string> units = {"fix#12", "\xc3\xa9", "\xe4\xbf\xae\xe5\xa4\x8d-1",
                                          "a@b"};
  for (const std::string& u : units) {
    OrchRun r = orch({"sling", u, repo_.string(), "-m", "write-work please"});
    ASSERT_EQ(r.code, 0) << u << ": " << r.err;
  }
  for (const std::string& u : units) {
    OrchRun w = orch({"wait", u, "--timeout", "3m"});
    EXPECT_EQ(w.code, 0) << u << ": " << w.out << w.err;
    EXPECT_EQ(git(repo_, {"show", "orch/" + u + ":WORK.md"}), "work\n") << u;
  }
  EXPECT_EQ(orch({"prune"}).code, 0);
  EXPECT_EQ(worktree_folders(), 0);

  const std::string before = branches();
  OrchRun bad = orch({"sling", "x\xff", repo_.string(), "-m", "write-work please"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err, "orch: error: invalid unit id 'x\\xff': must be valid UTF-8\n");
  EXPECT_EQ(branches(), before);
  EXPECT_EQ(query("SELECT COUNT(*) FROM units")[0][0], "4");
}

TEST_F(Launch, AConvoyWithOneUnitWhoseBranchIsNotOrchsCreatesNothing) {
  stand_in("holder", "exec sleep 30");
  fs::path mine = tmp_->path() / "mine";
  git(repo_, {"worktree", "add", "-q", "-b", "orch/b", mine.string()});
  fs::path file = tmp_->path() / "units.jsonl";
  write_file(file,
             "{\"unit\":\"a\",\"prompt\":\"x\"}\n{\"unit\":\"b\",\"prompt\":\"x\"}\n"
             "{\"unit\":\"c\",\"prompt\":\"x\"}\n");
  OrchRun r = orch({"convoy", "create", "k", "--repo", repo_.string(), "--agent", "holder",
                    "--max-sessions", "1", "--from", file.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "orch: error: 1 bad unit, nothing was created\n" + file.string() +
                       ":2: branch 'orch/b': is checked out in worktree " +
                       fs::canonical(mine).string() + ", which is not orch's\n");
  EXPECT_EQ(orch({"convoy", "list", "--json"}).out, "[]\n");
  EXPECT_EQ(orch({"agents", "--all", "--json"}).out, "[]\n");
  EXPECT_EQ(branches(), "+ orch/b\n");

  // Once the branch is free the same convoy can be created; queued units have no worktree yet.
  git(repo_, {"worktree", "remove", mine.string()});
  r = orch({"convoy", "create", "k", "--repo", repo_.string(), "--agent", "holder",
            "--max-sessions", "1", "--from", file.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "convoy k: 3 units, 1 started, 2 queued, 0 ended (at most 1 sessions at once)\n");
  for (int i = 0; i < 20; ++i) {
    EXPECT_LE(worktree_folders(), 1);
    EXPECT_LE(linked_worktrees(), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(eventually([&] { return worktree_folders() == 1; }, 10000));
  EXPECT_EQ(orch({"convoy", "stop", "k", "--force"}).code, 0);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// Killed before and right after the registry rows were written: the unit can be slung again.
TEST_F(Launch, SlingKilledBeforeOrAfterRecordingBlocksNothing) {
  start_model(kLaunchScript);
  for (const std::string point : {"sling:validated", "launch:recorded"}) {
    const std::string unit = "k-" + point.substr(0, point.find(':'));
    const int folders = worktree_folders();
    env_["ORCH_TEST_CRASH_AT"] = point;
    OrchRun killed = orch({"sling", unit, repo_.string(), "-m", "write-work please"});
    env_.erase("ORCH_TEST_CRASH_AT");
    EXPECT_EQ(killed.code, 137) << point << ": " << killed.err;
    EXPECT_EQ(worktree_folders(), folders) << point;
    EXPECT_EQ(branches().find("orch/" + unit), std::string::npos) << point;
    OrchRun again = orch({"sling", unit, repo_.string(), "-m", "write-work please", "--wait"});
    EXPECT_EQ(again.code, 0) << point << ": " << again.err;
    EXPECT_EQ(git(repo_, {"show", "orch/" + unit + ":WORK.md"}), "work\n") << point;
  }
  // The session recorded by the killed sling is lost, not live: it blocked nothing.
  EXPECT_EQ(query("SELECT state FROM sessions s JOIN units u ON u.id = s.unit_id "
                  "WHERE u.name = 'k-launch' ORDER BY s.started_at")[0][0],
            "lost");
}

// Killed while the worktree was made (the supervisor does that, so the sling reports the session
// lost: exit 5): prune reclaims the half-made worktree, and so does the next sling of the unit.
TEST_F(Launch, KilledWhileTheWorktreeIsMadePruneAndTheNextSlingReclaimIt) {
  start_model(kLaunchScript);
  env_["ORCH_TEST_CRASH_AT"] = "worktree:entry";
  OrchRun killed = orch({"sling", "k-worktree", repo_.string(), "-m", "write-work please"});
  env_.erase("ORCH_TEST_CRASH_AT");
  EXPECT_EQ(killed.code, 5) << killed.err;
  // The supervisor died with the branch and the worktree's record made, no file checked out.
  EXPECT_EQ(branches(), "+ orch/k-worktree\n");
  EXPECT_EQ(worktree_folders(), 1);
  OrchRun pruned = orch({"prune"});
  EXPECT_EQ(pruned.code, 0) << pruned.err;
  EXPECT_NE(pruned.out.find("removed  "), std::string::npos) << pruned.out;
  EXPECT_NE(pruned.out.find("half made"), std::string::npos) << pruned.out;
  EXPECT_EQ(worktree_folders(), 0);
  EXPECT_EQ(linked_worktrees(), 0);
  OrchRun resling =
      orch({"sling", "k-worktree", repo_.string(), "-m", "write-work please", "--wait"});
  EXPECT_EQ(resling.code, 0) << resling.err;
  EXPECT_EQ(git(repo_, {"show", "orch/k-worktree:WORK.md"}), "work\n");

  // A crash while the worktree was created, then a re-sling straight away: the sling reclaims it.
  env_["ORCH_TEST_CRASH_AT"] = "worktree:entry";
  EXPECT_EQ(orch({"sling", "k-again", repo_.string(), "-m", "write-work please"}).code, 5);
  env_.erase("ORCH_TEST_CRASH_AT");
  OrchRun again = orch({"sling", "k-again", repo_.string(), "-m", "write-work please", "--wait"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(git(repo_, {"show", "orch/k-again:WORK.md"}), "work\n");
  // k-worktree's and k-again's; the half-made one is gone.
  EXPECT_EQ(worktree_folders(), 2);
  OrchRun prune = orch({"prune"});
  EXPECT_EQ(prune.code, 0) << prune.err;
  EXPECT_EQ(worktree_folders(), 0);
  EXPECT_EQ(linked_worktrees(), 0);
}

TEST_F(Launch, OfRacingSlingsOfOneUnitOneWinsAndEveryLoserExitsEight) {
  start_model(kLaunchScript);
  constexpr int kRacers = 6;
  std::vector<OrchRun> runs(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      runs[i] = orch({"sling", "race", repo_.string(), "-m", "very-slow please"});
    });
  }
  for (std::thread& t : threads) t.join();
  int winners = 0;
  for (const OrchRun& r : runs) {
    if (r.code == 0) {
      ++winners;
      continue;
    }
    EXPECT_EQ(r.code, 8) << r.err;
    EXPECT_NE(r.err.find("orch: error: unit 'race' already has a live session "), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("detach"), std::string::npos) << r.err;
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(session_json()["state"], "running");
  EXPECT_EQ(orch({"stop", "--force", "race"}).code, 0);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
