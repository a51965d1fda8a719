// Issue 11, text and output items, end to end through the real orch binary: bytes that are not
// UTF-8 (from an agent, in a prompt, a nudge or a repository path), agent errors with a stack
// trace, progress merged by time, control characters escaped wherever orch prints, stops and
// handoffs recorded as a note, and the JUnit report of a cancelled unit. A stand-in for `claude`
// (a shell script speaking Claude Code's stream-json) plays the agent where its exact output
// matters; the stand-in for opencode only hangs.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>

#include "lib/registry/registry.h"
#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

// The stand-in claude: answers the work's first stdin line according to a word in it.
constexpr const char* kFakeClaude = R"SH(#!/bin/bash
sid=""; prev=""
for a in "$@"; do [ "$prev" = "--session-id" ] && sid="$a"; prev="$a"; done
IFS= read -r first || exit 3
echo '{"type":"system","subtype":"init","session_id":"'$sid'","model":"m","permissionMode":"acceptEdits","claude_code_version":"2.1.328"}'
case "$first" in
  *crash-bytes*)
    printf 'crash: \377\376\n' >&2
    exit 7 ;;
  *ansi-crash*)
    printf '\033[31mred alert\033[0m\n' >&2
    exit 9 ;;
  *stack-trace*)
    echo '{"type":"result","subtype":"success","is_error":true,"result":"Error: connect ECONNREFUSED 127.0.0.1:9\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n    at process.processTicksAndRejections (node:internal/process/task_queues:82:21)\n    at async fetch (file:///cli.js:12:3)","terminal_reason":"api_error","total_cost_usd":0}'
    cat > /dev/null
    exit 1 ;;
  *tool-then-done*)
    echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"A.md","content":"a"}}]}}'
    echo '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"ok"}]}}'
    echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"All done"}]}}'
    echo '{"type":"result","subtype":"success","is_error":false,"result":"All done","terminal_reason":"completed","total_cost_usd":0.01,"usage":{"input_tokens":3,"output_tokens":2}}'
    cat > /dev/null
    exit 0 ;;
  *)
    sleep 300 &  # runs until orch stops it
    wait ;;
esac
)SH";

class TextOutput : public Convoy {
 protected:
  void SetUp() override {
    Convoy::SetUp();
    fs::path bin = tmp_->path() / "bin" / "fake-claude";
    write_file(bin, kFakeClaude);
    ASSERT_EQ(chmod(bin.c_str(), 0755), 0);
    write_file(home_ / "config.toml",
               "[agents.fake]\nbackend = \"claude\"\nbinary = \"" + bin.string() + "\"\n");
  }
  OrchRun sling(const std::string& unit, const std::string& prompt,
                const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sling", unit, repo_.string(), "--agent",
                                     "fake",  "-m", prompt};
    args.insert(args.end(), extra.begin(), extra.end());
    return orch(args);
  }
  static bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
  }
  static size_t count(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
  }
  static bool raw_controls(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
      auto b = static_cast<unsigned char>(c);
      return (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f;
    });
  }
  void expect_nothing_written() {
    EXPECT_EQ(orch({"agents", "--all", "--json"}).out, "[]\n");
    EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  }
};

// Item 5: an agent writing bytes that are not UTF-8 fails its session with a cleaned-up stderr
// tail; before, the supervisor died on a JSON exception and the session was `lost`.
TEST_F(TextOutput, AgentBytesThatAreNotUtf8FailTheSessionWithACleanError) {
  OrchRun r = sling("u1", "crash-bytes please", {"--wait"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;  // failed, not lost (5)
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  std::string error = s["error"];
  EXPECT_TRUE(has(
      error, "claude exited with code 7 before a result: crash: " + kReplacement + kReplacement))
      << error;
  OrchRun show = orch({"show", "u1", "--json"});
  EXPECT_EQ(show.code, 0) << show.err;
}

// Item 5: a prompt or a nudge that is not UTF-8 is refused up front, exit 2, nothing written.
TEST_F(TextOutput, APromptOrANudgeThatIsNotUtf8IsRefusedUpFront) {
  OrchRun bad = sling("u1", "fix \xff\xfe this");
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_EQ(bad.err, "orch: error: the work: is not valid UTF-8 text (nothing was written)\n");
  write_file(tmp_->path() / "prompt.md", "fix \xc3 this\n");
  OrchRun file = orch({"sling", "u1", repo_.string(), "--agent", "fake", "--prompt-file",
                       (tmp_->path() / "prompt.md").string()});
  EXPECT_EQ(file.code, 2) << file.err;
  OrchRun convoy = orch({"convoy", "create", "c1", "--repo", repo_.string(), "--agent", "fake", "a",
                         "--prompt", "bad \xff"});
  EXPECT_EQ(convoy.code, 2) << convoy.err;
  expect_nothing_written();

  OrchRun live = sling("u2", "hang around");
  ASSERT_EQ(live.code, 0) << live.err;
  OrchRun nudge = orch({"nudge", "u2", "more \xff"});
  EXPECT_EQ(nudge.code, 2) << nudge.err;
  EXPECT_EQ(nudge.err, "orch: error: the message: is not valid UTF-8 text (nothing was sent)\n");
  EXPECT_EQ(query("SELECT COUNT(*) FROM session_inbox")[0][0], "0");
  EXPECT_EQ(orch({"stop", "u2"}).code, 0);
}

// Item 6: a repository path that is not UTF-8 is refused; a row that holds such bytes anyway (an
// older orch wrote it) no longer breaks `agents --json` or `show --json`.
TEST_F(TextOutput, ARepositoryPathThatIsNotUtf8IsRefusedAndABadRowBreaksNoListing) {
  fs::path odd = make_repo(tmp_->path() / "caf\xe9");
  OrchRun r = orch({"sling", "u1", odd.string(), "--agent", "fake", "-m", "work"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "orch: error: repository path '" + (tmp_->path() / "caf").string() +
                             kReplacement + "': is not valid UTF-8"))
      << r.err;
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
  expect_nothing_written();

  ASSERT_EQ(sling("good", "tool-then-done", {"--wait"}).code, 0);
  ASSERT_EQ(sling("bad", "tool-then-done", {"--wait"}).code, 0);
  query("UPDATE units SET repo = CAST(X'2f746d702f636166e9' AS TEXT) WHERE name = 'bad'");
  query("UPDATE sessions SET summary = CAST(X'6f6b20ff' AS TEXT)");
  OrchRun all = orch({"agents", "--all", "--json"});
  ASSERT_EQ(all.code, 0) << all.err;
  json::Json rows = parse(all.out);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) EXPECT_EQ(row["summary"], "ok " + kReplacement);
  OrchRun show = orch({"show", "bad", "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(parse(show.out)["repo"], "/tmp/caf" + kReplacement);
}

// Item 11: an agent error with a stack trace is stored as its first line; the rest is in the
// session's log, and `sling --wait` no longer prints it again and again.
TEST_F(TextOutput, AnAgentErrorIsItsFirstLineAndTheStackTraceGoesToTheLog) {
  OrchRun r = sling("u1", "stack-trace please", {"--wait"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  const std::string first = "Error: connect ECONNREFUSED 127.0.0.1:9";
  EXPECT_EQ(session_json()["error"], first);
  EXPECT_FALSE(has(r.err, "TCPConnectWrap")) << r.err;
  EXPECT_EQ(count(r.err, first), 2u) << r.err;  // the progress line and the closing error
  OrchRun logs = orch({"logs", "u1"});
  EXPECT_TRUE(has(logs.out, first + "\\n    at TCPConnectWrap.afterConnect")) << logs.out;
  EXPECT_TRUE(has(read_file(home_ / "sessions" / session_json()["session"].get<std::string>() /
                            "supervisor.log"),
                  "at async fetch"));
  json::Json show = parse(orch({"show", "u1", "--json"}).out);
  EXPECT_EQ(show["events"]["counts"]["error"], 1);
  EXPECT_EQ(show["states"].back()["detail"], first);
}

// Item 12: progress is merged by time: a session's tool call comes before its end, also for
// `orch wait --progress` on a session that already ended.
TEST_F(TextOutput, ProgressIsMergedByTime) {
  OrchRun r = sling("u1", "tool-then-done please");
  ASSERT_EQ(r.code, 0) << r.err;
  // Item 17: the hint points at the commands that follow a session.
  EXPECT_TRUE(has(r.err,
                  "follow it with: orch logs -f u1  (or block until it ends: orch wait "
                  "u1)\n"))
      << r.err;
  ASSERT_TRUE(eventually([&] { return session_json()["state"] == "done"; }, 30000));
  OrchRun w = orch({"wait", "u1", "--progress"});
  ASSERT_EQ(w.code, 0) << w.err;
  size_t running = w.err.find(": running"), tool = w.err.find(": tool Write"),
         done = w.err.find(": done");
  ASSERT_NE(tool, std::string::npos) << w.err;
  ASSERT_NE(done, std::string::npos) << w.err;
  EXPECT_LT(running, tool) << w.err;
  EXPECT_LT(tool, done) << w.err;
}

// Item 16: control characters and ANSI sequences from paths, names and agent text are escaped in
// errors, `orch show`, and the `--wait` and `wait` summaries.
TEST_F(TextOutput, ControlCharactersAreEscapedWhereverOrchPrints) {
  std::string path = (tmp_->path() / "x\x1b[31mred").string();
  OrchRun missing = orch({"sling", "u1", path, "--agent", "fake", "-m", "work"});
  EXPECT_EQ(missing.code, 1) << missing.err;
  EXPECT_TRUE(has(missing.err, "x\\x1b[31mred: no such directory")) << missing.err;
  EXPECT_FALSE(raw_controls(missing.err)) << missing.err;
  OrchRun convoy = orch({"convoy", "show", "c\x1b]0;title\x07"});
  EXPECT_EQ(convoy.code, 7) << convoy.err;
  EXPECT_TRUE(has(convoy.err, "c\\x1b]0;title\\x07")) << convoy.err;

  OrchRun r = sling("u2", "ansi-crash please", {"--wait"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "\\x1b[31mred alert\\x1b[0m")) << r.err;
  EXPECT_FALSE(raw_controls(r.out + r.err)) << r.out << r.err;
  OrchRun show = orch({"show", "u2"});
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_TRUE(has(show.out, "\\x1b[31mred alert")) << show.out;
  EXPECT_FALSE(raw_controls(show.out)) << show.out;
  OrchRun w = orch({"wait", "u2"});
  EXPECT_EQ(w.code, 3);
  EXPECT_FALSE(raw_controls(w.out + w.err)) << w.out << w.err;
  OrchRun table = orch({"agents", "--all"});
  EXPECT_FALSE(raw_controls(table.out)) << table.out;
}

// Item 17: a stop is recorded as the session's note, not as an error.
TEST_F(TextOutput, AStopIsANoteNotAnError) {
  ASSERT_EQ(sling("u1", "hang around").code, 0);
  ASSERT_EQ(orch({"stop", "u1"}).code, 0);
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "stopped");
  EXPECT_TRUE(s["error"].is_null()) << s;
  EXPECT_EQ(s["note"], "stopped by SIGTERM");
  OrchRun w = orch({"wait", "u1"});
  EXPECT_EQ(w.code, 4);
  EXPECT_EQ(w.out, "session " + s["session"].get<std::string>() +
                       " stopped (unit u1): stopped by SIGTERM\n");
  json::Json show = parse(orch({"show", "u1", "--json"}).out);
  EXPECT_EQ(show["events"]["counts"].value("error", 0), 0) << show;
}

// Item 17: in the JUnit report, a unit cancelled before it started is <skipped>; the suite's
// time is the convoy's wall time.
TEST_F(TextOutput, JunitSkipsAUnitCancelledBeforeItStarted) {
  stand_in("hangs", "exec sleep 120", "startup_timeout = \"5m\"\n");
  write_file(
      tmp_->path() / "units.jsonl",
      "{\"unit\":\"first\",\"prompt\":\"work\"}\n{\"unit\":\"second\",\"prompt\":\"work\"}\n");
  fs::path report = tmp_->path() / "report.xml";
  OrchRun r = orch({"convoy", "run", "cj", "--repo", repo_.string(), "--agent", "hangs", "--from",
                    (tmp_->path() / "units.jsonl").string(), "--max-sessions", "1", "--junit",
                    report.string(), "--timeout", "3s"});
  EXPECT_EQ(r.code, 6) << r.out << r.err;
  std::string xml = read_file(report);
  EXPECT_TRUE(has(xml, "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\"")) << xml;
  EXPECT_EQ(count(xml, "<skipped message=\"cancelled before it started"), 1u) << xml;
  EXPECT_EQ(count(xml, "<failure "), 1u) << xml;
}

}  // namespace
}  // namespace orch::test
