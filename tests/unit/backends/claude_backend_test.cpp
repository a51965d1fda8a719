// backends/claude/backend: the process side of ClaudeBackend::run() against a stand-in for
// `claude` (a bash script speaking Claude Code 2.1.328's stream-json, docs/agents/claude-code.md
// §5 and §9):
// the first stdin message, end of input after the result, the outcome, inactivity, a crash
// before the result, follow-ups, and stop (interrupt, then SIGTERM/SIGKILL) without orphans.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include "backends/claude/args.h"
#include "backends/claude/backend.h"
#include "lib/process/process.h"
#include "tests/support/tmp.h"
#include "tests/unit/backends/recording_sink.h"

namespace orch::claude {
namespace {

using test::read_file;
using test::RecordingSink;
using test::TempDir;

// $FAKE_DIR receives argv, env, stdin and the pids; $FAKE_MODE picks the behaviour.
constexpr const char* kFakeClaude = R"SH(#!/bin/bash
dir="$FAKE_DIR"
printf '%s\n' "$@" > "$dir/argv"
echo "retries=${CLAUDE_CODE_MAX_RETRIES:-unset} updater=${DISABLE_AUTOUPDATER:-unset} cwd=$PWD" > "$dir/env"
sid=""; prev=""
for a in "$@"; do [ "$prev" = "--session-id" ] && sid="$a"; prev="$a"; done
IFS= read -r first || exit 3
printf '%s\n' "$first" >> "$dir/stdin"
init='{"type":"system","subtype":"init","session_id":"'$sid'","model":"m","permissionMode":"acceptEdits","claude_code_version":"2.1.328"}'
case "$FAKE_MODE" in
  done)
    echo "$init"
    echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"/w/A.md","content":"a"}}]}}'
    echo '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"ok"}]}}'
    echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"All done"}]}}'
    echo '{"type":"result","subtype":"success","is_error":false,"result":"All done","terminal_reason":"completed","total_cost_usd":0.25,"usage":{"input_tokens":300,"output_tokens":20,"cache_read_input_tokens":5,"cache_creation_input_tokens":7}}'
    while IFS= read -r line; do printf '%s\n' "$line" >> "$dir/stdin"; done
    echo eof > "$dir/eof"
    exit 0 ;;
  api-error)
    echo "$init"
    echo '{"type":"result","subtype":"success","is_error":true,"result":"API Error: 500 boom","terminal_reason":"api_error","total_cost_usd":0}'
    cat > /dev/null
    exit 1 ;;
  crash)
    echo "$init"
    echo "Error: something broke" >&2
    exit 7 ;;
  silent)
    echo "$init"
    sleep 300 &
    echo $! > "$dir/child"
    wait ;;
  followup)
    echo "$init"
    while IFS= read -r line; do
      printf '%s\n' "$line" >> "$dir/stdin"
      case "$line" in *'"more"'*)
        echo '{"type":"result","subtype":"success","is_error":false,"result":"got more","terminal_reason":"completed","total_cost_usd":0.1,"usage":{"input_tokens":1,"output_tokens":1}}' ;;
      esac
    done ;;
  interruptible)
    echo "$init"
    sleep 300 &
    echo $! > "$dir/child"
    while IFS= read -r line; do
      printf '%s\n' "$line" >> "$dir/stdin"
      case "$line" in *'"interrupt"'*)
        echo '{"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{"still_queued":[]}}}'
        echo '{"type":"result","subtype":"error_during_execution","is_error":true,"terminal_reason":"aborted_streaming","errors":["interrupted"]}' ;;
      esac
    done
    kill $! ;;
  never-starts)
    sleep 300 &
    echo $! > "$dir/child"
    wait ;;
  deaf)
    trap '' TERM
    echo "$init"
    sleep 300 &
    echo $! > "$dir/child"
    while true; do sleep 1; done ;;
esac
)SH";

class ClaudeBackendRun : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = (tmp_.path() / "claude").string();
    test::write_file(binary_, kFakeClaude);
    ::chmod(binary_.c_str(), 0755);
    std::filesystem::create_directories(tmp_.path() / "wt");
    std::filesystem::create_directories(tmp_.path() / "log");
    spec_.session_id = "s1";
    spec_.unit = "u1";
    spec_.worktree = (tmp_.path() / "wt").string();
    spec_.log_dir = (tmp_.path() / "log").string();
    spec_.prompt = "write \"A.md\"\nplease \xc3\xa9";
    spec_.env = {{"FAKE_DIR", tmp_.path().string()}};
    backend_ = std::make_unique<ClaudeBackend>(binary_);
  }

  RunResult run(const std::string& mode) {
    spec_.env["FAKE_MODE"] = mode;
    auto start = std::chrono::steady_clock::now();
    RunResult r = backend_->run(spec_, sink_);
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  std::vector<std::string> stdin_lines() {
    std::vector<std::string> lines;
    std::istringstream in(read_file(tmp_.path() / "stdin"));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  bool child_alive() {
    std::string pid = read_file(tmp_.path() / "child");
    return !pid.empty() && process::is_alive(std::stoi(pid), 0);
  }

  TempDir tmp_;
  std::string binary_;
  SessionSpec spec_;
  RecordingSink sink_;
  std::unique_ptr<ClaudeBackend> backend_;
  double seconds_ = 0;
};

TEST_F(ClaudeBackendRun, DoneFromTheResultLineWithUsage) {
  RunResult r = run("done");
  EXPECT_EQ(r.state, State::kDone) << r.error;
  EXPECT_EQ(r.source, "claude:result");
  EXPECT_EQ(r.summary, "All done");
  EXPECT_EQ(r.usage.tokens_in, 300);
  EXPECT_EQ(r.usage.tokens_out, 20);
  EXPECT_EQ(r.usage.tokens_cache_read, 5);
  EXPECT_EQ(r.usage.tokens_cache_write, 7);
  EXPECT_DOUBLE_EQ(r.usage.cost_usd, 0.25);
  // The work was the first stream-json user message, escaped by the JSON builder.
  std::vector<std::string> in = stdin_lines();
  ASSERT_EQ(in.size(), 1u);
  json::Json expected = {{"type", "user"},
                         {"message", {{"role", "user"}, {"content", spec_.prompt}}}};
  EXPECT_EQ(json::Json::parse(in[0]), expected);
  // stdin was closed after the result, so claude exited by itself, well before any grace.
  EXPECT_EQ(read_file(tmp_.path() / "eof"), "eof\n");
  EXPECT_LT(seconds_, 2.0);
  // Accepted under the session id orch chose; environment as documented.
  ASSERT_EQ(sink_.accepted_ids.size(), 1u);
  EXPECT_TRUE(is_uuid(sink_.accepted_ids[0]));
  EXPECT_NE(read_file(tmp_.path() / "argv").find("--session-id\n" + sink_.accepted_ids[0]),
            std::string::npos);
  EXPECT_EQ(read_file(tmp_.path() / "env"), "retries=2 updater=1 cwd=" + spec_.worktree + "\n");
  auto tools = sink_.of("tool");
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]["title"], "/w/A.md");
  EXPECT_EQ(backend_->describe().version, "2.1.328");
  EXPECT_FALSE(backend_->send("too late"));
}

TEST_F(ClaudeBackendRun, ApiErrorResultFails) {
  RunResult r = run("api-error");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.error, "API Error: 500 boom");
}

TEST_F(ClaudeBackendRun, ExitBeforeAResultFailsWithTheExitCodeAndStderr) {
  RunResult r = run("crash");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "claude:exit");
  EXPECT_EQ(r.error.rfind("claude exited with code 7 before a result: Error: something broke", 0),
            0u)
      << r.error;
}

TEST_F(ClaudeBackendRun, InactivityTimeoutKillsTheProcessGroup) {
  spec_.inactivity_timeout_ms = 1000;
  RunResult r = run("silent");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "supervisor:inactivity");
  EXPECT_EQ(r.error, "no activity from claude for 1s (inactivity timeout)");
  EXPECT_GE(seconds_, 1.0);
  EXPECT_LT(seconds_, 5.0);
  EXPECT_FALSE(child_alive());
}

// A claude that never prints its init line fails after the preset's startup_timeout, not after
// the (much longer) inactivity timeout, so it does not hold its pool slot in `starting`.
TEST_F(ClaudeBackendRun, StartupTimeoutFailsAClaudeThatNeverStarts) {
  spec_.startup_timeout_ms = 1000;
  spec_.inactivity_timeout_ms = 60000;
  RunResult r = run("never-starts");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "supervisor:startup");
  EXPECT_EQ(r.error.rfind("claude did not start within 1s (startup timeout: no init line)", 0), 0u)
      << r.error;
  EXPECT_GE(seconds_, 1.0);
  EXPECT_LT(seconds_, 5.0);
  EXPECT_TRUE(sink_.accepted_ids.empty());
  EXPECT_FALSE(child_alive());
}

TEST_F(ClaudeBackendRun, FollowUpIsAnotherUserMessage) {
  EXPECT_FALSE(backend_->send("before start"));
  spec_.env["FAKE_MODE"] = "followup";
  RunResult r;
  std::thread t([&] { r = backend_->run(spec_, sink_); });
  for (int i = 0; i < 100 && !sink_.accepted_flag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(backend_->send("more"));
  t.join();
  EXPECT_EQ(r.state, State::kDone) << r.error;
  EXPECT_EQ(r.summary, "got more");
  std::vector<std::string> in = stdin_lines();
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(json::Json::parse(in[1])["message"]["content"], "more");
}

TEST_F(ClaudeBackendRun, StopInterruptsThenClosesInput) {
  spec_.env["FAKE_MODE"] = "interruptible";
  RunResult r;
  std::thread t([&] { r = backend_->run(spec_, sink_); });
  for (int i = 0; i < 100 && !sink_.accepted_flag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto start = std::chrono::steady_clock::now();
  backend_->stop("stopped by test");
  t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.state, State::kStopped);
  EXPECT_EQ(r.source, "supervisor:stop");
  EXPECT_EQ(r.error, "stopped by test");
  EXPECT_LT(seconds, 2.0);  // it ended on end of input, no signal grace needed
  std::vector<std::string> in = stdin_lines();
  ASSERT_EQ(in.size(), 2u);
  json::Json req = json::Json::parse(in[1]);
  EXPECT_EQ(req["type"], "control_request");
  EXPECT_EQ(req["request_id"], "req_1");
  EXPECT_EQ(req["request"]["subtype"], "interrupt");
  EXPECT_FALSE(child_alive());
}

TEST_F(ClaudeBackendRun, StopKillsAnAgentThatIgnoresEverything) {
  spec_.env["FAKE_MODE"] = "deaf";
  RunResult r;
  std::thread t([&] { r = backend_->run(spec_, sink_); });
  for (int i = 0; i < 100 && !sink_.accepted_flag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto start = std::chrono::steady_clock::now();
  backend_->stop("stopped by test");
  t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.state, State::kStopped);
  // interrupt grace, then SIGTERM (ignored) and its grace, then SIGKILL
  EXPECT_GE(seconds, 2.0 * ClaudeBackend::kStopGraceMs / 1000 - 0.5);
  EXPECT_LT(seconds, 2.0 * ClaudeBackend::kStopGraceMs / 1000 + 3.0);
  EXPECT_FALSE(child_alive());
  EXPECT_FALSE(process::is_alive(sink_.pid_, 0));
}

}  // namespace
}  // namespace orch::claude
