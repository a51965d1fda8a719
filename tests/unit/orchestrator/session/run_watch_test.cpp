// orchestrator/session/run_watch: the supervisor's stop and time-out policy. The decision is a
// pure function (watch_verdict, verdict_result); RunWatch applies it to a real ClaudeBackend
// running the stand-in claude of tests/unit/backends/fake_claude.h: a silent agent fails for
// inactivity, one that never printed its init line fails after the start-up time, and a stop
// interrupts it, then ends its process group, without orphans.
#include "orchestrator/session/run_watch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "tests/unit/backends/fake_claude.h"

namespace orch {
namespace {

constexpr int64_t kStartup = 1000, kInactivity = 5000;

WatchState armed_at(int64_t t) {
  WatchState w;
  w.armed = true;
  w.last_activity_ms = t;
  return w;
}

TEST(WatchVerdict, NothingIsDecidedBeforeTheFirstSignOfLife) {
  EXPECT_EQ(watch_verdict(WatchState{}, 1'000'000, kStartup, kInactivity), Verdict::kGoOn);
}

TEST(WatchVerdict, InactiveOnceTheTimeOutHasPassedSinceTheLastActivity) {
  WatchState w = armed_at(100);
  EXPECT_EQ(watch_verdict(w, 100 + kInactivity - 1, kStartup, kInactivity), Verdict::kGoOn);
  EXPECT_EQ(watch_verdict(w, 100 + kInactivity, kStartup, kInactivity), Verdict::kInactive);
}

TEST(WatchVerdict, AnAgentAwaitingItsStartGetsTheStartupTimeNotTheInactivityTime) {
  WatchState w = armed_at(100);
  w.awaiting_start = true;
  w.awaiting_since_ms = 100;
  EXPECT_EQ(watch_verdict(w, 100 + kStartup - 1, kStartup, kInactivity), Verdict::kGoOn);
  EXPECT_EQ(watch_verdict(w, 100 + kStartup, kStartup, kInactivity), Verdict::kNoStart);
  // Output that is not its start sign does not extend the start-up time.
  w.last_activity_ms = 100 + kStartup;
  EXPECT_EQ(watch_verdict(w, 100 + kStartup, kStartup, kInactivity), Verdict::kNoStart);
  // Once it accepted the work only inactivity counts.
  w.awaiting_start = false;
  EXPECT_EQ(watch_verdict(w, 100 + kStartup + 10, kStartup, kInactivity), Verdict::kGoOn);
}

TEST(WatchVerdict, AStartupTimeLongerThanTheInactivityTimeStillFailsForInactivity) {
  WatchState w = armed_at(0);
  w.awaiting_start = true;
  EXPECT_EQ(watch_verdict(w, 2000, 60000, 2000), Verdict::kInactive);
}

TEST(VerdictResult, TheTextsTheSessionRecords) {
  WatchState w;
  w.start_sign = "init line";
  RunResult idle = verdict_result(Verdict::kInactive, "opencode", w, 60000, 4000);
  EXPECT_EQ(idle.state, State::kFailed);
  EXPECT_EQ(idle.source, "supervisor:inactivity");
  EXPECT_EQ(idle.error, "no activity from opencode for 4s (inactivity timeout)");
  RunResult no_start = verdict_result(Verdict::kNoStart, "claude", w, 1500, 600000);
  EXPECT_EQ(no_start.state, State::kFailed);
  EXPECT_EQ(no_start.source, "supervisor:startup");
  EXPECT_EQ(no_start.error, "claude did not start within 1.5s (startup timeout: no init line)");
  EXPECT_EQ(format_seconds(60000), "60s");
  EXPECT_EQ(format_seconds(12500), "12s");
}

// A backend that finished before the watch's decision keeps its outcome; one that ended because
// it was cancelled gets the decision, with its own summary and usage.
class ScriptedBackend : public Orchestrator {
 public:
  BackendInfo describe() const override { return {"scripted", "", "", "", false, false}; }
  RunResult run(const SessionSpec&, SessionSink& sink) override {
    sink.accepted("a1");
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return cancelled_ || finish_; });
    RunResult r = run_result(State::kDone, "scripted:end", "");
    r.summary = "last words";
    r.usage.tokens_in = 7;
    r.cancelled = cancelled_;
    return r;
  }
  bool send(const std::string&) override { return false; }
  void cancel(EndMode how) override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    mode = how;
    cv_.notify_all();
  }
  void finish() {
    std::lock_guard lock(mu_);
    finish_ = true;
    cv_.notify_all();
  }
  EndMode mode = EndMode::kWindDown;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false, finish_ = false;
};

TEST(RunWatch, AStopEndsTheRunStoppedWithTheBackendsSummaryAndUsage) {
  ScriptedBackend backend;
  SessionSpec spec;
  test::RecordingSink out;
  RunWatch watch(backend, spec, out);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    watch.stop("stopped by SIGTERM");
    watch.stop("a second stop changes nothing");
  });
  RunResult r = watch.run();
  stopper.join();
  EXPECT_EQ(r.state, State::kStopped);
  EXPECT_EQ(r.source, "supervisor:stop");
  EXPECT_EQ(r.error, "stopped by SIGTERM");
  EXPECT_EQ(r.summary, "last words");
  EXPECT_EQ(r.usage.tokens_in, 7);
  EXPECT_EQ(backend.mode, EndMode::kWindDown);
  EXPECT_EQ(out.accepted_ids, std::vector<std::string>{"a1"});  // forwarded
}

TEST(RunWatch, InactivityCancelsAtOnce) {
  ScriptedBackend backend;
  SessionSpec spec;
  spec.inactivity_timeout_ms = 1000;
  test::RecordingSink out;
  RunWatch watch(backend, spec, out);
  RunResult r = watch.run();
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "supervisor:inactivity");
  EXPECT_EQ(r.error, "no activity from scripted for 1s (inactivity timeout)");
  EXPECT_EQ(backend.mode, EndMode::kAtOnce);
}

TEST(RunWatch, AnOutcomeReachedBeforeTheDecisionStands) {
  ScriptedBackend backend;
  SessionSpec spec;
  test::RecordingSink out;
  RunWatch watch(backend, spec, out);
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    backend.finish();
  });
  RunResult r = watch.run();
  finisher.join();
  watch.stop("too late");
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(r.source, "scripted:end");
  EXPECT_FALSE(r.cancelled);
}

// The policy applied to the real Claude Code backend (these tests lived in
// tests/unit/backends/claude_backend_test.cpp while the backend kept its own timer).
class RunWatchClaude : public claude::fake::ClaudeRunFixture {
 protected:
  RunResult execute() override {
    RunWatch* w = nullptr;
    {
      std::lock_guard lock(mu_);
      watch_ = std::make_unique<RunWatch>(*backend_, spec_, sink_);
      w = watch_.get();
    }
    return w->run();
  }
  /// Waits for execute() (on another thread) to create the watch.
  void wait_for_watch() {
    for (int i = 0; i < 100; ++i) {
      {
        std::lock_guard lock(mu_);
        if (watch_) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::mutex mu_;
  std::unique_ptr<RunWatch> watch_;
};

using test::read_file;

TEST_F(RunWatchClaude, InactivityTimeoutKillsTheProcessGroup) {
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
TEST_F(RunWatchClaude, StartupTimeoutFailsAClaudeThatNeverStarts) {
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

TEST_F(RunWatchClaude, StopInterruptsThenClosesInput) {
  spec_.env["FAKE_MODE"] = "interruptible";
  RunResult r;
  std::thread t([&] { r = execute(); });
  for (int i = 0; i < 100 && !sink_.accepted_flag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  wait_for_watch();
  auto start = std::chrono::steady_clock::now();
  watch_->stop("stopped by test");
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

TEST_F(RunWatchClaude, StopKillsAnAgentThatIgnoresEverything) {
  spec_.env["FAKE_MODE"] = "deaf";
  RunResult r;
  std::thread t([&] { r = execute(); });
  for (int i = 0; i < 100 && !sink_.accepted_flag; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  wait_for_watch();
  auto start = std::chrono::steady_clock::now();
  watch_->stop("stopped by test");
  t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.state, State::kStopped);
  // interrupt grace, then SIGTERM (ignored) and its grace, then SIGKILL
  EXPECT_GE(seconds, 2.0 * claude::ClaudeBackend::kStopGraceMs / 1000 - 0.5);
  EXPECT_LT(seconds, 2.0 * claude::ClaudeBackend::kStopGraceMs / 1000 + 3.0);
  EXPECT_FALSE(child_alive());
  EXPECT_FALSE(process::is_alive(sink_.pid_, 0));
}

}  // namespace
}  // namespace orch
