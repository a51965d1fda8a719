// A session's life after sling, end to end with the real orch binary, the real opencode and the
// fake model: nudge, logs -f, show, wait, stop, prune and doctor.
#include <signal.h>

#include <sstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kSessionLifeScript = R"({
  "scenarios": [
    {"match": "nudge-me", "turns": [
      {"tool": "write", "path": "NUDGED.md", "content": "first\n", "delay_ms": 4000},
      {"text": "Done after the nudge"}]},
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello\n"},
      {"text": "Done: wrote HELLO.md"}]},
    {"match": "fail-400", "turns": [{"error": 400, "message": "fake bad request"}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 60000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class SessionLife : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kSessionLifeScript);
  }
  // `orch sling UNIT REPO -m PROMPT --json ...` (returns once the agent accepted the work); the
  // session id.
  std::string sling(const std::string& unit, const std::string& prompt,
                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sling", unit, repo_.string(), "-m", prompt, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    json::Parser parser;
    return r.code == 0 ? json::str(json::at(parser.parse(r.out), "session")) : "";
  }
  json::Json parse(const std::string& text) {
    json::Parser parser;
    return json::to_builder(parser.parse(text));
  }
  bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
  }
};

TEST_F(SessionLife, NudgeReachesTheAgentAndLogsFollowToTheEnd) {
  std::string id = sling("nudge-1", "nudge-me please", {"--inactivity-timeout", "60s"});
  ASSERT_FALSE(id.empty());
  OrchRun nudge = orch({"nudge", id, "also NUDGE-TEXT-42 please"});
  ASSERT_EQ(nudge.code, 0) << nudge.out << nudge.err;
  EXPECT_TRUE(contains(nudge.out, "session " + id + ": message delivered")) << nudge.out;

  OrchRun logs = orch({"logs", "-f", id});
  ASSERT_EQ(logs.code, 0) << logs.err;
  EXPECT_TRUE(contains(logs.out, "  tool        write ")) << logs.out;
  EXPECT_TRUE(contains(logs.out, "  nudge       also NUDGE-TEXT-42 please\n")) << logs.out;
  EXPECT_TRUE(contains(logs.out, "  state       done (opencode:session.idle)\n")) << logs.out;
  EXPECT_EQ(session_json(id)["state"], "done");
  EXPECT_EQ(session_json(id)["summary"], "Done after the nudge");

  bool model_saw_it = false;
  for (const std::string& line : model_requests()) model_saw_it |= contains(line, "NUDGE-TEXT-42");
  EXPECT_TRUE(model_saw_it);

  // NDJSON with stable keys, in time order.
  OrchRun nd = orch({"logs", id, "--json"});
  ASSERT_EQ(nd.code, 0) << nd.err;
  std::istringstream lines(nd.out);
  std::string line, last_kind, prev_at;
  int n = 0;
  while (std::getline(lines, line)) {
    json::Json j = parse(line);
    ASSERT_TRUE(j.contains("at") && j.contains("kind") && j.contains("data")) << line;
    EXPECT_GE(j["at"].get<std::string>(), prev_at);
    prev_at = j["at"].get<std::string>();
    last_kind = j["kind"];
    ++n;
  }
  EXPECT_GE(n, 5);
  EXPECT_EQ(last_kind, "state");

  // show: states with sources, events summary, lineage, log folder.
  OrchRun show = orch({"show", id, "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  json::Json r = parse(show.out);
  ASSERT_GE(r["states"].size(), 3u);
  EXPECT_EQ(r["states"][0]["state"], "starting");
  EXPECT_EQ(r["states"][0]["source"], "cli:sling");
  EXPECT_EQ(r["states"][1]["state"], "running");
  EXPECT_EQ(r["states"][1]["source"], "opencode:prompt_async");
  EXPECT_EQ(r["states"].back()["state"], "done");
  EXPECT_EQ(r["states"].back()["source"], "opencode:session.idle");
  EXPECT_EQ(r["events"]["counts"]["nudge"], 1);
  EXPECT_GE(r["events"]["counts"]["tool"].get<int>(), 1);
  EXPECT_EQ(r["lineage"]["parents"], json::Json::array());
  EXPECT_EQ(r["lineage"]["children"], json::Json::array());
  EXPECT_EQ(r["lineage"]["unit_sessions"], json::Json({id}));
  EXPECT_EQ(r["log_dir"], (home_ / "sessions" / id).string() + "/");
  EXPECT_EQ(r["branch"], "orch/nudge-1");
  EXPECT_FALSE(r["commit"].is_null());
  EXPECT_EQ(r["diffstat"], "1 file changed, 1 insertion(+)");
  EXPECT_EQ(r["prompt"], "nudge-me please");  // issue 11 item 14: what the session was given
  EXPECT_EQ(r["prompt_kind"], "prompt");
  OrchRun text = orch({"show", "nudge-1"});  // a unit name: its newest session
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "session     " + id + "\n")) << text.out;
  EXPECT_TRUE(text.out.size() >= 26 &&
              text.out.compare(text.out.size() - 26, 26, "\nprompt\n  nudge-me please\n") == 0)
      << text.out;
  EXPECT_TRUE(contains(text.out, "cli:sling")) << text.out;
  EXPECT_EQ(orch({"show", "no-such-thing"}).code, 7);

  // A session that ended takes no message.
  OrchRun late = orch({"nudge", id, "too late"});
  EXPECT_EQ(late.code, 1);
  EXPECT_TRUE(contains(late.err, "session " + id + ": is done")) << late.err;
  EXPECT_EQ(orch({"nudge", "no-such-thing", "x"}).code, 7);
}

TEST_F(SessionLife, WaitTimesOutThenStopEndsTheSessionAndItsProcesses) {
  std::string id = sling("slow-1", "very-slow please");
  ASSERT_FALSE(id.empty());
  OrchRun timeout = orch({"wait", id, "--timeout", "1s"});
  EXPECT_EQ(timeout.code, 6) << timeout.out << timeout.err;
  EXPECT_TRUE(contains(timeout.err, id + " (running)")) << timeout.err;

  OrchRun stop = orch({"stop", id});
  ASSERT_EQ(stop.code, 0) << stop.err;
  EXPECT_EQ(stop.out, "session " + id + " stopped\n");
  EXPECT_EQ(session_json(id)["state"], "stopped");
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << "processes left under " << home_;

  OrchRun wait = orch({"wait", "slow-1"});
  EXPECT_EQ(wait.code, 4) << wait.out << wait.err;
  EXPECT_TRUE(contains(wait.out, "session " + id + " stopped (unit slow-1)")) << wait.out;
}

TEST_F(SessionLife, WaitExitCodesThenPruneKeepsUncommittedWork) {
  std::string dirty = sling("keep-1", "write-hello please", {"--no-commit"});
  std::string failed = sling("fail-1", "fail-400 please");
  std::string done = sling("done-1", "write-hello please");  // orch commits HELLO.md
  ASSERT_FALSE(dirty.empty());
  ASSERT_FALSE(failed.empty());
  ASSERT_FALSE(done.empty());
  OrchRun all = orch({"wait", "keep-1", failed, done, "--progress"});
  EXPECT_EQ(all.code, 3) << all.out << all.err;
  EXPECT_TRUE(contains(all.out, "session " + dirty + " done (unit keep-1)")) << all.out;
  EXPECT_TRUE(contains(all.out, "session " + failed + " failed (unit fail-1)")) << all.out;
  EXPECT_TRUE(contains(all.out, "session " + done + " done (unit done-1)")) << all.out;
  EXPECT_TRUE(contains(all.err, "tool write")) << all.err;
  EXPECT_EQ(orch({"wait", dirty}).code, 0);

  std::string dirty_wt = session_json(dirty)["worktree"];
  std::string failed_wt = session_json(failed)["worktree"];
  std::string done_wt = session_json(done)["worktree"];
  ASSERT_TRUE(fs::exists(fs::path(dirty_wt) / "HELLO.md"));
  // keep-1's branch gets a commit of its own too, beside the uncommitted HELLO.md.
  write_file(fs::path(dirty_wt) / "MINE.md", "mine\n");
  git(dirty_wt, {"add", "MINE.md"});
  git(dirty_wt, {"commit", "-q", "-m", "mine"});
  auto tip = [&](const std::string& branch) {
    try {
      std::string id = git(repo_, {"rev-parse", "--verify", "-q", "refs/heads/" + branch});
      return id.substr(0, 7);
    } catch (const std::exception&) {
      return std::string();  // no such branch
    }
  };
  const std::string failed_tip = tip("orch/fail-1"), done_tip = tip("orch/done-1"),
                    dirty_tip = tip("orch/keep-1");
  ASSERT_FALSE(failed_tip.empty());
  ASSERT_FALSE(done_tip.empty());
  auto branch_line = [&](const std::string& what, const std::string& unit) {
    return what + "  branch orch/" + unit + "  (unit " + unit + ", repo " + repo_.string() + "): ";
  };

  OrchRun dry = orch({"prune", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.out, "would remove  " + failed_wt)) << dry.out;
  EXPECT_TRUE(contains(dry.out, "would remove  " + done_wt)) << dry.out;
  EXPECT_TRUE(contains(dry.out, "kept  " + dirty_wt)) << dry.out;
  EXPECT_TRUE(contains(dry.out, branch_line("would delete", "fail-1") +
                                    "no commits of its own (was " + failed_tip +
                                    ", where it started)\n"))
      << dry.out;
  EXPECT_TRUE(contains(
      dry.out, branch_line("kept", "done-1") + "1 commit(s) not in main (--force deletes it)\n"))
      << dry.out;
  EXPECT_TRUE(contains(
      dry.out, branch_line("kept", "keep-1") + "checked out in worktree " + dirty_wt + "\n"))
      << dry.out;
  EXPECT_TRUE(contains(dry.err, "(dry run: nothing was removed)")) << dry.err;
  EXPECT_TRUE(fs::exists(failed_wt));
  EXPECT_TRUE(fs::exists(done_wt));
  EXPECT_TRUE(fs::exists(dirty_wt));
  EXPECT_EQ(tip("orch/fail-1"), failed_tip);
  EXPECT_EQ(tip("orch/done-1"), done_tip);

  OrchRun prune = orch({"prune"});
  ASSERT_EQ(prune.code, 0) << prune.err;
  EXPECT_TRUE(contains(prune.out, "removed  " + failed_wt + "  (session " + failed +
                                      ", unit fail-1): session failed, nothing uncommitted"))
      << prune.out;
  EXPECT_TRUE(contains(prune.out, "removed  " + done_wt + "  (session " + done +
                                      ", unit done-1): session done, nothing uncommitted"))
      << prune.out;
  EXPECT_TRUE(
      contains(prune.out, "kept  " + dirty_wt + "  (session " + dirty +
                              ", unit keep-1): uncommitted changes (--force discards them)"))
      << prune.out;
  // A clean branch with no commits of its own is deleted, and said so (not "merged": issue 11
  // item 17); one with commits not in main, or checked out in a kept worktree, stays.
  EXPECT_TRUE(contains(prune.out, branch_line("deleted", "fail-1") + "no commits of its own (was " +
                                      failed_tip + ", where it started)\n"))
      << prune.out;
  EXPECT_TRUE(contains(
      prune.out, branch_line("kept", "done-1") + "1 commit(s) not in main (--force deletes it)\n"))
      << prune.out;
  EXPECT_TRUE(contains(
      prune.out, branch_line("kept", "keep-1") + "checked out in worktree " + dirty_wt + "\n"))
      << prune.out;
  EXPECT_TRUE(contains(prune.err, "worktrees: 2 removed, 1 kept; branches: 1 deleted, 2 kept"))
      << prune.err;
  EXPECT_FALSE(fs::exists(failed_wt));
  EXPECT_FALSE(fs::exists(done_wt));
  EXPECT_TRUE(fs::exists(fs::path(dirty_wt) / "HELLO.md"));
  EXPECT_FALSE(contains(git(repo_, {"worktree", "list"}), failed_wt));
  EXPECT_EQ(tip("orch/fail-1"), "");
  EXPECT_EQ(tip("orch/done-1"), done_tip);
  // The registry still lists the session, its worktree shown as removed.
  EXPECT_EQ(session_json(failed)["state"], "failed");
  EXPECT_EQ(parse(orch({"show", failed, "--json"}).out)["worktree_exists"], false);

  // Merged into main with git: the next prune deletes the branch.
  git(repo_, {"merge", "-q", "--no-ff", "-m", "merge done-1", "orch/done-1"});
  OrchRun merged = orch({"prune"});
  ASSERT_EQ(merged.code, 0) << merged.err;
  EXPECT_TRUE(contains(
      merged.out, branch_line("deleted", "done-1") + "merged into main (was " + done_tip + ")\n"))
      << merged.out;
  EXPECT_EQ(tip("orch/done-1"), "");
  EXPECT_EQ(tip("orch/keep-1"), dirty_tip);

  // --force discards the uncommitted changes and deletes the branch with a commit not in main.
  OrchRun forced = orch({"prune", "--force"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_TRUE(contains(forced.out, "removed  " + dirty_wt)) << forced.out;
  EXPECT_TRUE(contains(forced.out, branch_line("deleted", "keep-1") +
                                       "1 commit(s) not in main; deleted (--force; was " +
                                       dirty_tip + ")\n"))
      << forced.out;
  EXPECT_FALSE(fs::exists(dirty_wt));
  EXPECT_EQ(tip("orch/keep-1"), "");
  EXPECT_EQ(git(repo_, {"worktree", "list", "--porcelain"}).find(home_.string()),
            std::string::npos);
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  OrchRun empty = orch({"prune"});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.err, "nothing to prune\n");
}

TEST_F(SessionLife, DoctorFindsALostSessionAndAnOrphanedWorktree) {
  OrchRun fresh = orch({"doctor"});
  EXPECT_EQ(fresh.code, 0) << fresh.out << fresh.err;

  std::string id = sling("lost-1", "very-slow please");
  ASSERT_FALSE(id.empty());
  json::Json s = session_json(id);
  ASSERT_EQ(kill(s["pid"].get<pid_t>(), SIGKILL), 0);  // only doctor looks at it afterwards
  fs::path orphan = home_ / "worktrees" / "gone-00000000" / "orphan-1";
  fs::create_directories(orphan);
  // The shared opencode server is not the supervisor's: it runs on until orch finds the session
  // lost (doctor below), which also kills whatever still works in the session's worktree.
  ASSERT_TRUE(
      eventually([&] { return processes_with(s["worktree"].get<std::string>()).empty(); }, 15000));
  // A process in a worktree folder no session owns, whatever its command line (a tool's child
  // that outlived its server): doctor reports it.
  process::SpawnOptions so;
  so.argv = {"sleep", "60"};
  so.cwd = orphan;
  process::Child stale = process::spawn(so);

  OrchRun sick = orch({"doctor", "--json"});
  EXPECT_EQ(sick.code, 1) << sick.out << sick.err;
  json::Json report = parse(sick.out);
  EXPECT_EQ(report["healthy"], false);
  bool lost = false, orphaned = false, stale_found = false;
  for (const auto& f : report["findings"]) {
    std::string msg = f["message"];
    if (f["status"] == "problem" && contains(msg, "session " + id) &&
        contains(msg, "marked lost")) {
      lost = true;
      EXPECT_TRUE(contains(f["fix"].get<std::string>(), "orch sling lost-1 ")) << f;
    }
    if (f["status"] == "problem" && contains(msg, "orphaned worktree folder " + orphan.string())) {
      orphaned = true;
      EXPECT_TRUE(contains(f["fix"].get<std::string>(), "rm -rf '" + orphan.string() + "'")) << f;
    }
    if (f["status"] == "problem" &&
        contains(msg, "stale process " + std::to_string(stale.pid()) + " (sleep 60) in " +
                          orphan.string() + " (no session)")) {
      stale_found = true;
      EXPECT_EQ(f["fix"], "kill " + std::to_string(stale.pid())) << f;
    }
  }
  EXPECT_TRUE(lost) << sick.out;
  EXPECT_TRUE(orphaned) << sick.out;
  EXPECT_TRUE(stale_found) << sick.out;
  EXPECT_EQ(session_json(id)["state"], "lost");

  // Fixed: the orphan and the stale process removed; the lost session stays recorded.
  stale.terminate(1000);
  fs::remove_all(orphan.parent_path());
  OrchRun healthy = orch({"doctor"});
  EXPECT_EQ(healthy.code, 0) << healthy.out << healthy.err;
  EXPECT_TRUE(contains(healthy.out, "ok       agents     agent opencode: ")) << healthy.out;
  EXPECT_TRUE(contains(healthy.out, "(tested)")) << healthy.out;
  // Finding the session lost stopped the shared server it was the last user of.
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
