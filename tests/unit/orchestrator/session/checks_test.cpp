// orchestrator/session/checks: the texts (the agent's feedback with the last 200 lines of the
// output, the session's error) are pure; SessionChecks runs real `sh -c` commands; RunWatch
// drives the rounds between a backend's turns (turn_ended): a fix that passes, attempts that run
// out into `failed` with the work kept, a stop that kills the running check.
#include "orchestrator/session/checks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include <unistd.h>

#include "lib/clock.h"
#include "orchestrator/session/run_watch.h"
#include "tests/support/tmp.h"
#include "tests/unit/backends/recording_sink.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

registry::CheckRun ended_with(int code, bool timed_out = false) {
  registry::CheckRun run;
  run.exit_code = code;
  run.timed_out = timed_out;
  run.ended_at = 1;
  return run;
}

TEST(CheckTexts, LastLines) {
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(last_lines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(last_lines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(last_lines("", 3), "");
  EXPECT_EQ(last_lines("a\n", 0), "");
}

TEST(CheckTexts, FeedbackNamesTheCheckAndHoldsTheLast200Lines) {
  std::string output;
  for (int i = 1; i <= 300; ++i) output += "line " + std::to_string(i) + "\n";
  config::CheckSpec check{"tests", "make -j2 test", 600000};
  std::string text = check_feedback(check, ended_with(2), check.timeout_ms,
                                    last_lines(output, kFeedbackLines), 1, 3);
  EXPECT_NE(text.find("'tests'"), std::string::npos) << text;
  EXPECT_NE(text.find("exit 2"), std::string::npos) << text;
  EXPECT_NE(text.find("attempt 1 of 3"), std::string::npos) << text;
  EXPECT_NE(text.find("Command (run with sh -c in your working directory): make -j2 test\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nline 101\n"), std::string::npos);
  EXPECT_NE(text.find("\nline 300\n"), std::string::npos);
  EXPECT_EQ(text.find("\nline 100\n"), std::string::npos);
  EXPECT_NE(text.find("Fix the cause"), std::string::npos);
  EXPECT_NE(check_feedback(check, ended_with(1), 1000, "", 1, 2).find("It printed nothing."),
            std::string::npos);
  EXPECT_NE(
      check_feedback(check, ended_with(143, true), 2000, "x\n", 1, 2).find("timed out after 2s"),
      std::string::npos);
}

TEST(CheckTexts, TheSessionsErrorOnceTheAttemptsAreUsedUp) {
  config::CheckSpec tests{"tests", "make -j2 test", 600000};
  EXPECT_EQ(check_failure_message(tests, ended_with(2), 3),
            "check 'tests' (make -j2 test) failed with exit 2 after 3 attempts");
  config::CheckSpec missing{"no-tool", "no-tool", 600000};
  EXPECT_EQ(check_failure_message(missing, ended_with(127), 1),
            "check 'no-tool' (no-tool) failed with exit 127 (command not found) after 1 attempt");
  config::CheckSpec slow{"slow", "sleep 100\nsleep 1", 2000};
  EXPECT_EQ(check_failure_message(slow, ended_with(143, true), 2),
            "check 'slow' (sleep 100 sleep 1) failed with a timeout of 2s after 2 attempts");
}

class SessionChecksRun : public ::testing::Test {
 protected:
  void SetUp() override {
    // Unique per test process: a check's leftovers are found by its session id and round
    // (ORCH_CHECK), and tests run in parallel must not kill each other's checks.
    spec_.session_id = "cafe" + std::to_string(::getpid());
    spec_.worktree = (tmp_ / "wt").string();
    spec_.log_dir = (tmp_ / "log").string();
    fs::create_directories(spec_.worktree);
  }
  SessionChecks::Reports reports() {
    return {[this](const registry::CheckRun& r) { runs_.push_back(r); },
            [this](const json::Json& e) { events_.push_back(e); }};
  }
  test::TempDir tmp_;
  SessionSpec spec_;
  std::vector<registry::CheckRun> runs_;
  std::vector<json::Json> events_;
};

TEST_F(SessionChecksRun, RunsInTheWorktreeStopsAtTheFirstFailureAndKeepsTheOutput) {
  spec_.checks = {{"first", "pwd; echo to-stderr >&2", 10000},
                  {"second", "echo broken; exit 4", 10000},
                  {"third", "touch third-ran", 10000}};
  spec_.fix_attempts = 1;
  SessionChecks checks(spec_, reports());
  CheckVerdict v = checks.run_round();
  EXPECT_FALSE(v.passed);
  ASSERT_TRUE(v.follow_up.has_value());
  EXPECT_NE(v.follow_up->find("broken\n"), std::string::npos) << *v.follow_up;
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_TRUE(runs_[0].passed());
  EXPECT_EQ(test::read_file(runs_[0].output_path),
            fs::canonical(spec_.worktree).string() + "\nto-stderr\n");
  EXPECT_EQ(runs_[1].exit_code, 4);
  EXPECT_EQ(runs_[1].attempt, 1);
  EXPECT_FALSE(fs::exists(fs::path(spec_.worktree) / "third-ran"));
  EXPECT_EQ(events_.size(), 4u);  // running and ended, for each check that ran
  // The second round is the last (1 fix attempt): the failure is the session's error.
  CheckVerdict last = checks.run_round();
  EXPECT_FALSE(last.follow_up.has_value());
  EXPECT_EQ(last.failure,
            "check 'second' (echo broken; exit 4) failed with exit 4 after 2 attempts");
  EXPECT_EQ(runs_.back().attempt, 2);
}

TEST_F(SessionChecksRun, ATimeoutKillsTheWholeGroup) {
  const fs::path marker = tmp_ / "child.pid";
  spec_.checks = {{"slow", "sleep 3174 & echo $! > " + marker.string() + "; wait", 500}};
  spec_.fix_attempts = 0;
  SessionChecks checks(spec_, reports());
  int64_t t0 = steady_ms();
  CheckVerdict v = checks.run_round();
  EXPECT_LT(steady_ms() - t0, 5000);
  EXPECT_EQ(v.failure, "check 'slow' (sleep 3174 & echo $! > " + marker.string() +
                           "; wait) failed with a timeout of 0.5s after 1 attempt");
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_TRUE(runs_[0].timed_out);
  pid_t child = std::stoi(test::read_file(marker));
  EXPECT_FALSE(process::is_alive(child, 0));
}

// A backend whose every turn ends well; on a follow-up it creates "fixed" in the worktree.
class TurnsBackend : public Orchestrator {
 public:
  explicit TurnsBackend(fs::path worktree) : worktree_(std::move(worktree)) {}
  BackendInfo describe() const override { return {"turns", "", "", "", true, false}; }
  RunResult run(const SessionSpec&, SessionSink& sink) override {
    sink.accepted("t1");
    while (true) {
      RunResult r = run_result(State::kDone, "turns:end", "");
      r.summary = "turn " + std::to_string(++turns);
      std::optional<std::string> next = sink.turn_ended(r);
      if (!next) return r;
      follow_ups.push_back(*next);
      test::write_file(worktree_ / "fixed", "");
    }
  }
  bool send(const std::string&) override { return false; }
  void cancel(EndMode) override {}
  int turns = 0;
  std::vector<std::string> follow_ups;

 private:
  fs::path worktree_;
};

TEST_F(SessionChecksRun, RunWatchSendsTheFailureBackAndEndsDoneOnceItPasses) {
  spec_.checks = {{"fixed", "test -f fixed || { echo not fixed; exit 1; }", 10000}};
  TurnsBackend backend(spec_.worktree);
  test::RecordingSink out;
  SessionChecks checks(spec_, reports());
  RunWatch watch(backend, spec_, out, &checks);
  RunResult r = watch.run();
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(r.summary, "turn 2");
  ASSERT_EQ(backend.follow_ups.size(), 1u);
  EXPECT_NE(backend.follow_ups[0].find("not fixed"), std::string::npos);
  EXPECT_EQ(runs_.size(), 2u);
  std::vector<State> states;
  for (const auto& s : out.states) states.push_back(s.first);
  EXPECT_EQ(states, (std::vector<State>{State::kChecking, State::kRunning, State::kChecking}));
}

TEST_F(SessionChecksRun, RunWatchFailsWithTheWorkKeptOnceTheAttemptsAreUsedUp) {
  spec_.checks = {{"never", "exit 2", 10000}};
  spec_.fix_attempts = 2;
  TurnsBackend backend(spec_.worktree);
  test::RecordingSink out;
  SessionChecks checks(spec_, reports());
  RunWatch watch(backend, spec_, out, &checks);
  RunResult r = watch.run();
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "supervisor:checks");
  EXPECT_EQ(r.error, "check 'never' (exit 2) failed with exit 2 after 3 attempts");
  EXPECT_TRUE(r.keep_work);
  EXPECT_EQ(backend.follow_ups.size(), 2u);
  EXPECT_EQ(runs_.size(), 3u);
}

TEST_F(SessionChecksRun, AStopWhileAChecksRunsKillsItAndEndsStopped) {
  spec_.checks = {{"long", "sleep 30", 60000}};
  TurnsBackend backend(spec_.worktree);
  test::RecordingSink out;
  SessionChecks checks(spec_, reports());
  RunWatch watch(backend, spec_, out, &checks);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    watch.stop("stopped by SIGTERM");
  });
  int64_t t0 = steady_ms();
  RunResult r = watch.run();
  stopper.join();
  EXPECT_LT(steady_ms() - t0, 10000);
  EXPECT_EQ(r.state, State::kStopped);
  EXPECT_EQ(r.error, "stopped by SIGTERM");
  EXPECT_FALSE(r.keep_work);
  EXPECT_TRUE(backend.follow_ups.empty());
}

// A stop that comes once the check's output went back but before the agent's fix turn: the
// backend returns its last (done) turn without answering it, and the stop decides.
class StoppedBeforeTheFixBackend : public Orchestrator {
 public:
  BackendInfo describe() const override { return {"stopped-fix", "", "", "", true, false}; }
  RunResult run(const SessionSpec&, SessionSink& sink) override {
    sink.accepted("t1");
    RunResult r = run_result(State::kDone, "turns:end", "");
    if (sink.turn_ended(r) && on_follow_up) on_follow_up();  // as a backend told to stop does
    return r;
  }
  bool send(const std::string&) override { return false; }
  void cancel(EndMode) override {}
  std::function<void()> on_follow_up;
};

TEST_F(SessionChecksRun, AStopBeforeTheFixTurnEndsStoppedNotDone) {
  spec_.checks = {{"never", "exit 2", 10000}};
  StoppedBeforeTheFixBackend backend;
  test::RecordingSink out;
  SessionChecks checks(spec_, reports());
  RunWatch watch(backend, spec_, out, &checks);
  backend.on_follow_up = [&watch] { watch.stop("stopped by orch stop"); };
  RunResult r = watch.run();
  EXPECT_EQ(r.state, State::kStopped);
  EXPECT_EQ(r.error, "stopped by orch stop");
}

TEST(WatchVerdict, NothingIsDecidedWhileChecksRun) {
  WatchState w;
  w.armed = true;
  w.paused = true;
  EXPECT_EQ(watch_verdict(w, 1'000'000, 1000, 5000), Verdict::kGoOn);
}

}  // namespace
}  // namespace orch
