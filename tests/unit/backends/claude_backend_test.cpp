// backends/claude/backend: the process side of ClaudeBackend::run() against a stand-in for
// `claude` (fake_claude.h): the first stdin message, end of input after the result, the outcome,
// a crash before the result, follow-ups, and a cancel at once without orphans. The stop and the
// time-outs, decided by the supervisor, are tested with it in
// tests/unit/orchestrator/session/run_watch_test.cpp.
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
#include "tests/unit/backends/fake_claude.h"
#include "tests/unit/backends/recording_sink.h"

namespace orch::claude {
namespace {

using test::read_file;
using test::RecordingSink;
using test::TempDir;

using ClaudeBackendRun = fake::ClaudeRunFixture;

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

// cancel(kAtOnce) (a time-out decided by the supervisor) ends claude's process group at once and
// reports the run as cancelled, with no summary: the supervisor records its own decision.
TEST_F(ClaudeBackendRun, CancelAtOnceEndsTheProcessGroup) {
  spec_.env["FAKE_MODE"] = "silent";
  RunResult r;
  std::thread t([&] { r = backend_->run(spec_, sink_); });
  for (int i = 0; i < 100 && !sink_.accepted_flag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto start = std::chrono::steady_clock::now();
  backend_->cancel(EndMode::kAtOnce);
  t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.summary, "");
  EXPECT_LT(seconds, 2.0);              // no interrupt grace
  EXPECT_EQ(stdin_lines().size(), 1u);  // no interrupt request
  EXPECT_FALSE(child_alive());
}

}  // namespace
}  // namespace orch::claude
