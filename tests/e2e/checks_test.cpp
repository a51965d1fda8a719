// Checks that decide `done`, end to end with both real agents (opencode and claude from
// .deps/npm) on the fake model: a failing check's output goes back to the agent in the same
// conversation (the fake model reacts to it), attempts run out into `failed` with the work
// committed, a timed-out check leaves nothing running, a missing command fails with exit 127, a
// stop during the checks kills them.
#include <signal.h>
#include <sys/stat.h>

#include <sstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// "check-fix": the first turn writes work.txt; the check then fails printing NEED-FIXED (computed
// by `tr`, so the text is in the check's output, not in its command); the agent reacts to that
// output, in the same conversation, by writing FIXED.txt.
constexpr const char* kChecksScript = R"({
  "scenarios": [
    {"match": "check-fix", "turns": [
      {"tool": "write", "path": "work.txt", "content": "the work\n"},
      {"text": "Done: wrote work.txt"}],
     "react": [{"when": "NEED-FIXED", "turns": [
      {"tool": "write", "path": "FIXED.txt", "content": "fixed\n"},
      {"text": "Fixed: wrote FIXED.txt"}]}]},
    {"match": "check-work", "turns": [
      {"tool": "write", "path": "work.txt", "content": "the work\n"},
      {"text": "Done: wrote work.txt"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr const char* kFixingCheck =
    "test -f FIXED.txt || { echo need-fixed | tr a-z A-Z; exit 3; }";

class ChecksE2E : public E2E, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kChecksScript);
  }
  const std::string& agent() const { return GetParam(); }

  // `orch sling UNIT REPO --agent A -m PROMPT --wait ARGS...`.
  OrchRun sling_wait(const std::string& unit, const std::string& prompt,
                     const std::vector<std::string>& args) {
    std::vector<std::string> all = {"sling", unit, repo_.string(), "--agent",
                                    agent(), "-m", prompt,         "--wait"};
    all.insert(all.end(), args.begin(), args.end());
    return orch(all, 180000);
  }

  // `orch show UNIT --json`.
  json::Json show(const std::string& unit) {
    OrchRun r = orch({"show", unit, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    json::Parser parser;
    return r.code == 0 ? json::to_builder(parser.parse(r.out)) : json::Json::object();
  }

  // The `check` events of `orch logs UNIT --json`.
  std::vector<json::Json> check_events(const std::string& session) {
    OrchRun r = orch({"logs", session, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<json::Json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      json::Parser parser;
      json::Json e = json::to_builder(parser.parse(line));
      if (e["kind"] == "check") out.push_back(e["data"]);
    }
    return out;
  }

  bool has_state(const json::Json& record, const std::string& state) {
    for (const auto& s : record["states"]) {
      if (s["state"] == state) return true;
    }
    return false;
  }
};

TEST_P(ChecksE2E, AFailingCheckGoesBackToTheAgentWhichFixesIt) {
  OrchRun r = sling_wait("fix-" + agent(), "check-fix please", {"--check", kFixingCheck});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = show("fix-" + agent());
  EXPECT_EQ(s["state"], "done") << s["error"];
  EXPECT_TRUE(has_state(s, "checking")) << s["states"];
  ASSERT_EQ(s["check_runs"].size(), 2u) << s["check_runs"];
  const json::Json& first = s["check_runs"][0];
  EXPECT_EQ(first["attempt"], 1);
  EXPECT_EQ(first["result"], "failed");
  EXPECT_EQ(first["exit_code"], 3);
  EXPECT_EQ(first["command"], kFixingCheck);
  EXPECT_EQ(s["check_runs"][1]["attempt"], 2);
  EXPECT_EQ(s["check_runs"][1]["result"], "passed");
  EXPECT_EQ(s["checks"], json::Json({{"runs", 2}, {"passed", 1}, {"failed", 1}}));

  // The output is kept, private, under the session's folder.
  std::string output = first["output"].get<std::string>();
  EXPECT_EQ(
      output.rfind((home_ / "sessions" / s["session"].get<std::string>() / "checks").string(), 0),
      0u)
      << output;
  EXPECT_EQ(read_file(output), "NEED-FIXED\n");
  struct stat st {};
  ASSERT_EQ(::stat(output.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(fs::path(output).parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // The agent got the check's output in the same conversation (the request that carried it also
  // carried the work), and both turns' work is on the branch.
  bool same_conversation = false;
  for (const std::string& line : model_requests()) {
    if (line.find("NEED-FIXED") != std::string::npos &&
        line.find("check-fix please") != std::string::npos) {
      same_conversation = true;
    }
  }
  EXPECT_TRUE(same_conversation);
  const std::string branch = "orch/fix-" + agent();
  EXPECT_EQ(git(repo_, {"show", branch + ":work.txt"}), "the work\n");
  EXPECT_EQ(git(repo_, {"show", branch + ":FIXED.txt"}), "fixed\n");

  // agents --json counts the runs; orch logs has the check events.
  json::Json listed = session_json(s["session"]);
  EXPECT_EQ(listed["checks"], json::Json({{"runs", 2}, {"passed", 1}, {"failed", 1}}));
  std::vector<json::Json> events = check_events(s["session"]);
  ASSERT_EQ(events.size(), 4u);  // running, failed, running, passed
  EXPECT_EQ(events[1]["status"], "failed");
  EXPECT_EQ(events[3]["status"], "passed");
  OrchRun text = orch({"show", s["session"]});
  EXPECT_NE(text.out.find("attempt 1  " + std::string(kFixingCheck)), std::string::npos)
      << text.out;
}

TEST_P(ChecksE2E, ACheckThatKeepsFailingFailsTheSessionAndKeepsTheWork) {
  const std::string check = "echo still-broken | tr a-z A-Z; exit 2";
  OrchRun r =
      sling_wait("keep-" + agent(), "check-work please", {"--check", check, "--fix-attempts", "1"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = show("keep-" + agent());
  EXPECT_EQ(s["state"], "failed");
  EXPECT_EQ(s["error"],
            "check '" + check + "' (" + check + ") failed with exit 2 after 2 attempts");
  EXPECT_NE(r.err.find("failed with exit 2 after 2 attempts"), std::string::npos) << r.err;
  ASSERT_EQ(s["check_runs"].size(), 2u);
  EXPECT_EQ(s["checks"], json::Json({{"runs", 2}, {"passed", 0}, {"failed", 2}}));
  // Nothing is lost: the work is committed on the branch.
  EXPECT_EQ(git(repo_, {"show", "orch/keep-" + agent() + ":work.txt"}), "the work\n");
  EXPECT_EQ(git(repo_, {"rev-parse", "orch/keep-" + agent()}),
            s["commit"].get<std::string>() + "\n");
}

TEST_P(ChecksE2E, ATimedOutCheckIsKilledWithEverythingItStarted) {
  // A check from config.toml with a 2 s timeout; it starts a process in a session of its own
  // (setsid: outside its process group) and then sleeps.
  const fs::path pid_file = tmp_->path() / "check.pid";
  // Sleeps of their own per agent: the two instances of this test may run at the same time.
  const std::string outside = agent() == "claude" ? "sleep 3161" : "sleep 3171";
  const std::string inside = agent() == "claude" ? "sleep 3162" : "sleep 3176";
  test::write_file(home_ / "config.toml", "[[checks]]\nname = \"slow\"\nrun = \"echo $$ > " +
                                              pid_file.string() + "; setsid " + outside + " & " +
                                              inside + "\"\ntimeout = \"2s\"\n");
  OrchRun r = sling_wait("slow-" + agent(), "check-work please", {"--fix-attempts", "0"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = show("slow-" + agent());
  EXPECT_EQ(s["state"], "failed");
  EXPECT_EQ(s["error"].get<std::string>().rfind("check 'slow' (echo $$ > ", 0), 0u) << s["error"];
  EXPECT_NE(s["error"].get<std::string>().find(") failed with a timeout of 2s after 1 attempt"),
            std::string::npos)
      << s["error"];
  ASSERT_EQ(s["check_runs"].size(), 1u);
  EXPECT_EQ(s["check_runs"][0]["timed_out"], true);
  EXPECT_GE(s["check_runs"][0]["duration_ms"].get<int64_t>(), 2000);
  EXPECT_LT(s["check_runs"][0]["duration_ms"].get<int64_t>(), 10000);
  pid_t pid = std::stoi(read_file(pid_file));
  EXPECT_FALSE(process::is_alive(pid, 0)) << "the check's shell is still running";
  EXPECT_TRUE(processes_with(outside).empty()) << "left: the check's setsid child";
  EXPECT_TRUE(processes_with(inside).empty()) << "left: the check's sleep";
  EXPECT_EQ(git(repo_, {"show", "orch/slow-" + agent() + ":work.txt"}), "the work\n");
}

TEST_P(ChecksE2E, AMissingCommandFailsWithExit127) {
  OrchRun r = sling_wait("nocmd-" + agent(), "check-work please",
                         {"--check", "no-such-tool-3170 --version", "--fix-attempts", "0"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = show("nocmd-" + agent());
  EXPECT_EQ(s["error"],
            "check 'no-such-tool-3170 --version' (no-such-tool-3170 --version) failed with exit "
            "127 (command not found) after 1 attempt");
  ASSERT_EQ(s["check_runs"].size(), 1u);
  EXPECT_EQ(s["check_runs"][0]["exit_code"], 127);
  EXPECT_NE(read_file(s["check_runs"][0]["output"].get<std::string>()).find("not found"),
            std::string::npos);
}

TEST_P(ChecksE2E, AStopWhileChecksRunKillsThemAndEndsStopped) {
  // One sleep per agent: the two instances of this test may run at the same time.
  const std::string sleeper = agent() == "claude" ? "sleep 3172" : "sleep 3173";
  OrchRun r = orch({"sling", "stop-" + agent(), repo_.string(), "--agent", agent(), "-m",
                    "check-work please", "--check", sleeper});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE(eventually([&] { return session_json()["state"] == "checking"; }, 90000))
      << session_json();
  EXPECT_TRUE(eventually([&] { return !processes_with(sleeper).empty(); }, 10000));
  OrchRun stop = orch({"stop", "stop-" + agent()});
  EXPECT_EQ(stop.code, 0) << stop.out << stop.err;
  ASSERT_TRUE(eventually([&] { return session_json()["state"] == "stopped"; }, 30000))
      << session_json();
  EXPECT_TRUE(processes_with(sleeper).empty());
  json::Json s = show("stop-" + agent());
  ASSERT_EQ(s["check_runs"].size(), 1u);
  EXPECT_EQ(s["check_runs"][0]["result"], "failed");
}

// A convoy unit's "checks" (JSON Lines) fail it; the JUnit report names the check and holds the
// end of its output.
TEST_P(ChecksE2E, AConvoyUnitsChecksAreInItsJunitFailure) {
  const fs::path units = tmp_->path() / "units.jsonl";
  test::write_file(units, "{\"unit\": \"cv-" + agent() +
                              "\", \"prompt\": \"check-work please\", \"checks\": [\"echo "
                              "junit-tail | tr a-z A-Z; exit 5\"]}\n");
  const fs::path report = tmp_->path() / "report.xml";
  OrchRun r = orch({"convoy", "run", "cv", "--repo", repo_.string(), "--from", units.string(),
                    "--agent", agent(), "--fix-attempts", "0", "--junit", report.string()},
                   180000);
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  std::string xml = read_file(report);
  EXPECT_NE(xml.find("<failure message=\"check &apos;echo junit-tail | tr a-z A-Z; exit "
                     "5&apos; (echo junit-tail | tr a-z A-Z; exit 5) failed with exit 5 after 1 "
                     "attempt\" type=\"failed\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("the end of its output:\nJUNIT-TAIL\n</system-out>"), std::string::npos)
      << xml;
}

// A nudge sent while the checks run waits for the agent's next turn: it must not start a turn the
// checks do not judge (Claude Code's input is still open then). The checks pass, so there is no
// next turn: the session ends done and the nudge is not delivered.
TEST_P(ChecksE2E, ANudgeWhileChecksRunIsNotDeliveredIntoTheCheckedTurn) {
  const std::string unit = "nudge-" + agent();
  OrchRun r = orch({"sling", unit, repo_.string(), "--agent", agent(), "-m", "check-work please",
                    "--check", agent() == "claude" ? "sleep 4.1" : "sleep 4.2"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE(eventually([&] { return show(unit)["state"] == "checking"; }, 90000)) << show(unit);
  // `orch nudge` waits for the delivery, which never comes: the session ends first.
  OrchRun nudge = orch({"nudge", unit, "NUDGE-WHILE-CHECKING"});
  EXPECT_EQ(nudge.code, 1) << nudge.out << nudge.err;
  EXPECT_NE(nudge.err.find("not delivered: the session ended"), std::string::npos) << nudge.err;
  ASSERT_TRUE(eventually(
      [&] {
        const json::Json state = show(unit)["state"];
        return state != "checking" && state != "running";
      },
      60000));
  json::Json s = show(unit);
  EXPECT_EQ(s["state"], "done") << s;
  EXPECT_EQ(s["check_runs"].size(), 1u) << s;
  for (const std::string& line : model_requests()) {
    EXPECT_EQ(line.find("NUDGE-WHILE-CHECKING"), std::string::npos) << "delivered mid-check";
  }
}

INSTANTIATE_TEST_SUITE_P(Agents, ChecksE2E, ::testing::Values("opencode", "claude"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace orch::test
