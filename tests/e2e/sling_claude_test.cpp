// The Claude Code backend end to end: the real orch binary, the real claude (npm
// @anthropic-ai/claude-code@2.1.328, run headless over stream-json) and the bundled fake model
// server speaking the Anthropic Messages API. The machine runs as root: no bypass flags.
#include <signal.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

constexpr const char* kClaudeScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello from the fake model\n"},
      {"text": "Done: wrote HELLO.md"}]},
    {"match": "fail-500", "turns": [
      {"error": 500, "message": "fake upstream failure"}]},
    {"match": "stall-stream", "turns": [
      {"text": "this reply never ends", "stall_after_chunks": 2, "stall_ms": 120000}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 120000}]},
    {"match": "two-part", "turns": [
      {"tool": "write", "path": "FIRST.md", "content": "first session\n"},
      {"text": "Done with part one"},
      {"tool": "write", "path": "SECOND.md", "content": "second session\n"},
      {"text": "Done with part two"}]},
    {"match": "slow-write", "turns": [
      {"tool": "write", "path": "SLOW.md", "content": "slow\n", "delay_ms": 6000},
      {"text": "Done slowly"}]},
    {"match": "deny-bash", "turns": [
      {"tool": "bash", "command": "python3 -c 'open(\"DENIED.txt\", \"w\")'"},
      {"text": "Done without the command"}]},
    {"match": "nudge-claude", "turns": [
      {"tool": "write", "path": "NUDGED.md", "content": "first\n", "delay_ms": 4000},
      {"text": "Done after the nudge"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

bool is_uuid(const std::string& s) {
  static const std::regex re(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(s, re);
}

class SlingClaude : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kClaudeScript);
  }

  // The session id printed by `orch sling ... --json`.
  std::string sling_json(const std::vector<std::string>& args) {
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    if (r.code != 0) return "";
    json::Parser parser;
    return json::str(json::at(parser.parse(r.out), "session"));
  }

  // `orch logs SESSION --json`, one parsed object per line.
  std::vector<json::Json> log_entries(const std::string& session) {
    OrchRun r = orch({"logs", session, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<json::Json> entries;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      json::Parser parser;
      entries.push_back(json::to_builder(parser.parse(line)));
    }
    return entries;
  }

  bool no_agent_left() {
    return eventually([&] { return processes_with(home_.string()).empty(); }, 15000);
  }
};

TEST_F(SlingClaude, DoneCommitsTheFileAndRecordsUsage) {
  OrchRun r = orch(
      {"sling", "u1", repo_.string(), "--agent", "claude", "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("tool Write "), std::string::npos) << r.err;

  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["agent"], "claude");
  EXPECT_EQ(s["backend"], "claude");
  EXPECT_EQ(s["summary"], "Done: wrote HELLO.md");
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  EXPECT_TRUE(is_uuid(s["agent_session_id"].get<std::string>())) << s["agent_session_id"];
  EXPECT_GE(s["tool_calls"].get<int>(), 1);
  EXPECT_EQ(s["denials"].get<int>(), 0);
  EXPECT_GT(s["tokens_in"].get<int64_t>(), 0);
  EXPECT_GT(s["tokens_out"].get<int64_t>(), 0);
  EXPECT_GT(s["cost_usd"].get<double>(), 0.0);

  EXPECT_EQ(git(repo_, {"show", "orch/u1:HELLO.md"}), "hello from the fake model\n");
  EXPECT_EQ(git(repo_, {"rev-parse", "orch/u1"}), s["commit"].get<std::string>() + "\n");
  EXPECT_FALSE(std::filesystem::exists(repo_ / "HELLO.md"));
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");

  // claude's own stderr log exists and never holds the API key.
  std::string log = read_file(home_ / "sessions" / s["session"].get<std::string>() / "claude.log");
  EXPECT_NE(log.find("orch: starting"), std::string::npos) << log;
  EXPECT_EQ(log.find(env_["ANTHROPIC_API_KEY"]), std::string::npos);
  EXPECT_TRUE(no_agent_left()) << "claude or orch processes left behind";
}

TEST_F(SlingClaude, ApiErrorsFailWithTheErrorTextAfterFewRetries) {
  auto start = std::chrono::steady_clock::now();
  OrchRun r =
      orch({"sling", "u2", repo_.string(), "--agent", "claude", "-m", "fail-500 please", "--wait"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  EXPECT_NE(s["error"].get<std::string>().find("fake upstream failure"), std::string::npos)
      << s["error"];
  // CLAUDE_CODE_MAX_RETRIES defaults to 2 under orch: two retries, not ten (~180 s).
  EXPECT_NE(r.err.find("retry 2: HTTP 500"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("retry 3:"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 40.0);
  int api_calls = 0;
  for (const std::string& line : model_requests()) {
    if (line.find("fail-500 please") != std::string::npos) ++api_calls;
  }
  EXPECT_EQ(api_calls, 3);
  EXPECT_TRUE(no_agent_left());
}

TEST_F(SlingClaude, StalledStreamFailsAfterTheInactivityTimeout) {
  auto start = std::chrono::steady_clock::now();
  OrchRun r = orch({"sling", "u3", repo_.string(), "--agent", "claude", "-m", "stall-stream please",
                    "--inactivity-timeout", "5s", "--wait"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  EXPECT_EQ(s["error"], "no activity from claude for 5s (inactivity timeout)");
  EXPECT_GE(seconds, 5.0);
  EXPECT_LT(seconds, 40.0);  // not Claude Code's own 300 s stream watchdog
  EXPECT_TRUE(no_agent_left()) << "claude left running after the inactivity timeout";
}

TEST_F(SlingClaude, StopEndsARunningSessionWithoutOrphans) {
  std::string id = sling_json(
      {"sling", "u4", repo_.string(), "--agent", "claude", "-m", "very-slow please", "--json"});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return session_json(id)["state"] == "running"; }, 30000));
  // The request is waiting on the model: claude is alive in the worktree.
  ASSERT_TRUE(eventually([&] { return !model_requests().empty(); }, 30000));
  std::string worktree = session_json(id)["worktree"].get<std::string>();
  ASSERT_FALSE(processes_with(worktree).empty());

  auto start = std::chrono::steady_clock::now();
  OrchRun r = orch({"stop", id});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "session " + id + " stopped\n");
  EXPECT_LT(seconds, 12.0);  // well inside orch stop's 15 s grace: the backend stopped claude
  json::Json s = session_json(id);
  EXPECT_EQ(s["state"], "stopped");
  // Issue 11: a stop is no error; its reason is the note.
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  EXPECT_EQ(s["note"], "stopped by SIGTERM");
  EXPECT_TRUE(no_agent_left()) << "processes left after orch stop";
}

TEST_F(SlingClaude, ReslingResumesTheConversationInAFreshWorktree) {
  OrchRun first = orch({"sling", "u5", repo_.string(), "--agent", "claude", "-m",
                        "two-part job, part one", "--wait"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  json::Json s1 = session_json();
  std::string claude1 = s1["agent_session_id"].get<std::string>();
  size_t requests_before = model_requests().size();

  OrchRun second =
      orch({"sling", "u5", repo_.string(), "--agent", "claude", "-m", "now part two", "--wait"});
  ASSERT_EQ(second.code, 0) << second.out << second.err;
  OrchRun list = orch({"agents", "--all", "--json"});
  json::Parser parser;
  json::Json all = json::to_builder(parser.parse(list.out));
  ASSERT_EQ(all.size(), 2u);
  json::Json s2 = all[0]["session"] == s1["session"] ? all[1] : all[0];
  EXPECT_EQ(s2["state"], "done");
  EXPECT_EQ(s2["summary"], "Done with part two");
  EXPECT_EQ(s2["denials"], 0);  // it wrote in its own worktree, not the first session's
  std::string claude2 = s2["agent_session_id"].get<std::string>();
  EXPECT_TRUE(is_uuid(claude2));
  EXPECT_NE(claude2, claude1);  // a fork: one claude process per session id
  EXPECT_NE(s2["worktree"], s1["worktree"]);

  // The model saw the first session's prompt and turns in the second session's requests.
  std::vector<std::string> requests = model_requests();
  ASSERT_GT(requests.size(), requests_before);
  int resumed = 0;
  for (size_t i = requests_before; i < requests.size(); ++i) {
    const std::string& line = requests[i];
    if (line.find("now part two") == std::string::npos) continue;
    EXPECT_NE(line.find("two-part job, part one"), std::string::npos);
    EXPECT_NE(line.find("Done with part one"), std::string::npos);
    EXPECT_NE(line.find("FIRST.md"), std::string::npos);
    ++resumed;
  }
  EXPECT_GE(resumed, 2);  // the Write turn and the final text turn

  // Both sessions' work is on the branch.
  EXPECT_EQ(git(repo_, {"show", "orch/u5:FIRST.md"}), "first session\n");
  EXPECT_EQ(git(repo_, {"show", "orch/u5:SECOND.md"}), "second session\n");
  EXPECT_TRUE(no_agent_left());
}

TEST_F(SlingClaude, RunsAlongsideAnOpencodeSession) {
  std::string oc = sling_json({"sling", "mixed-oc", repo_.string(), "--agent", "opencode", "-m",
                               "slow-write please", "--json"});
  std::string cc = sling_json({"sling", "mixed-cc", repo_.string(), "--agent", "claude", "-m",
                               "slow-write please", "--json"});
  ASSERT_FALSE(oc.empty());
  ASSERT_FALSE(cc.empty());

  // Both live at the same time, each with its own agent and backend.
  OrchRun live = orch({"agents", "--json"});
  ASSERT_EQ(live.code, 0) << live.err;
  json::Parser parser;
  json::Json rows = json::to_builder(parser.parse(live.out));
  ASSERT_EQ(rows.size(), 2u) << live.out;
  for (const json::Json& row : rows) {
    std::string want = row["session"] == oc ? "opencode" : "claude";
    EXPECT_EQ(row["agent"], want) << row;
    EXPECT_EQ(row["backend"], want) << row;
    EXPECT_EQ(row["state"], "running") << row;
    EXPECT_FALSE(row["agent_session_id"].is_null()) << row;
  }
  // The table too: AGENT is the preset, BACKEND the backend that runs it.
  OrchRun table = orch({"agents"});
  ASSERT_EQ(table.code, 0) << table.err;
  auto cells = words_per_line(table.out);
  ASSERT_EQ(cells.size(), 3u) << table.out;
  EXPECT_EQ(cells[0],
            (std::vector<std::string>{"SESSION", "UNIT", "AGENT", "BACKEND", "STATE", "HOST",
                                      "BRANCH", "RUNTIME", "LAST", "ACTIVITY", "COST", "STATUS"}));
  for (size_t i = 1; i < cells.size(); ++i) {
    ASSERT_GE(cells[i].size(), 5u) << table.out;
    std::string want = cells[i][0] == oc ? "opencode" : "claude";
    EXPECT_EQ(cells[i][1], cells[i][0] == oc ? "mixed-oc" : "mixed-cc") << table.out;
    EXPECT_EQ(cells[i][2] + " " + cells[i][3] + " " + cells[i][4], want + " " + want + " running")
        << table.out;
  }
  EXPECT_TRUE(is_uuid(session_json(cc)["agent_session_id"].get<std::string>()));
  EXPECT_EQ(session_json(oc)["agent_session_id"].get<std::string>().rfind("ses_", 0), 0u);

  ASSERT_TRUE(eventually(
      [&] { return session_json(oc)["state"] == "done" && session_json(cc)["state"] == "done"; },
      120000))
      << session_json(oc) << session_json(cc);
  EXPECT_EQ(git(repo_, {"show", "orch/mixed-oc:SLOW.md"}), "slow\n");
  EXPECT_EQ(git(repo_, {"show", "orch/mixed-cc:SLOW.md"}), "slow\n");
  EXPECT_TRUE(no_agent_left());
}

// orch's deny policy runs Claude Code with --permission-mode acceptEdits and no --allowedTools
// Bash: edits and plain file commands (echo > f, touch, rm) are auto-approved in that mode, a
// command such as python3 is refused ("This command requires approval"). The refusal is one
// permission event, counted once, and the run goes on to its final text.
TEST_F(SlingClaude, DeniedToolCallIsRecordedCountedAndTheSessionEnds) {
  OrchRun r = orch(
      {"sling", "u6", repo_.string(), "--agent", "claude", "-m", "deny-bash please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("denied Bash"), std::string::npos) << r.err;

  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");  // a denial does not fail the run (result is_error false)
  EXPECT_EQ(s["summary"], "Done without the command");
  // system/permission_denied and result.permission_denials[] name the same call: counted once.
  EXPECT_EQ(s["denials"], 1) << s;

  int permissions = 0;
  for (const json::Json& e : log_entries(s["session"])) {
    if (e["kind"] != "permission") continue;
    ++permissions;
    EXPECT_EQ(e["data"]["permission"], "Bash") << e;
    EXPECT_EQ(e["data"]["denied"], true) << e;
    EXPECT_EQ(e["data"]["policy"], "deny") << e;
    EXPECT_EQ(e["data"]["message"], "This command requires approval") << e;
  }
  EXPECT_EQ(permissions, 1);

  // The model got the refusal as the tool's result; the command never ran.
  bool refused = false;
  for (const std::string& line : model_requests()) {
    refused |= line.find("This command requires approval") != std::string::npos;
  }
  EXPECT_TRUE(refused);
  EXPECT_FALSE(std::filesystem::exists(s["worktree"].get<std::string>() + "/DENIED.txt"));
  EXPECT_TRUE(no_agent_left());
}

TEST_F(SlingClaude, NudgeReachesTheRunningTurn) {
  std::string id = sling_json(
      {"sling", "u7", repo_.string(), "--agent", "claude", "-m", "nudge-claude please", "--json"});
  ASSERT_FALSE(id.empty());
  auto has = [](const std::string& hay, const char* needle) {
    return hay.find(needle) != std::string::npos;
  };
  // The first request is on the model (its answer is delayed 4 s): the nudge comes mid-turn.
  ASSERT_TRUE(eventually(
      [&] {
        for (const std::string& line : model_requests()) {
          if (has(line, "nudge-claude please")) return true;
        }
        return false;
      },
      30000));
  OrchRun nudge = orch({"nudge", id, "also NUDGE-TEXT-77 please"});
  ASSERT_EQ(nudge.code, 0) << nudge.out << nudge.err;
  EXPECT_EQ(nudge.out, "session " + id + ": message delivered\n");

  OrchRun wait = orch({"wait", id});
  EXPECT_EQ(wait.code, 0) << wait.out << wait.err;
  json::Json s = session_json(id);
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["summary"], "Done after the nudge");
  EXPECT_EQ(git(repo_, {"show", "orch/u7:NUDGED.md"}), "first\n");

  // Not in the first request of the turn, in a later one.
  std::vector<std::string> turn;
  for (const std::string& line : model_requests()) {
    if (has(line, "nudge-claude please")) turn.push_back(line);
  }
  ASSERT_GE(turn.size(), 2u);
  EXPECT_FALSE(has(turn[0], "NUDGE-TEXT-77"));
  bool later = false;
  for (size_t i = 1; i < turn.size(); ++i) later |= has(turn[i], "NUDGE-TEXT-77");
  EXPECT_TRUE(later);

  int nudges = 0;
  for (const json::Json& e : log_entries(id)) {
    if (e["kind"] != "nudge") continue;
    ++nudges;
    EXPECT_EQ(e["data"]["text"], "also NUDGE-TEXT-77 please") << e;
  }
  EXPECT_EQ(nudges, 1);
  EXPECT_TRUE(no_agent_left());
}

}  // namespace
}  // namespace orch::test
