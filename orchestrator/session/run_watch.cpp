#include "orchestrator/session/run_watch.h"

#include <chrono>
#include <cstdio>

#include "lib/clock.h"
#include "orchestrator/session/budget.h"

namespace orch {

Verdict watch_verdict(const WatchState& w, int64_t now_ms, int64_t startup_timeout_ms,
                      int64_t inactivity_timeout_ms) {
  if (!w.armed || w.paused) return Verdict::kGoOn;
  if (w.awaiting_start && now_ms - w.awaiting_since_ms >= startup_timeout_ms) {
    return Verdict::kNoStart;
  }
  if (now_ms - w.last_activity_ms >= inactivity_timeout_ms) return Verdict::kInactive;
  return Verdict::kGoOn;
}

std::string format_seconds(int64_t ms) {
  if (ms % 1000 == 0 || ms >= 10000) return std::to_string(ms / 1000) + "s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

RunResult verdict_result(Verdict v, const std::string& agent, const WatchState& w,
                         int64_t startup_timeout_ms, int64_t inactivity_timeout_ms) {
  if (v == Verdict::kNoStart) {
    return run_result(State::kFailed, "supervisor:startup",
                      agent + " did not start within " + format_seconds(startup_timeout_ms) +
                          " (startup timeout: no " + w.start_sign + ")");
  }
  return run_result(State::kFailed, "supervisor:inactivity",
                    "no activity from " + agent + " for " +
                        std::to_string(inactivity_timeout_ms / 1000) + "s (inactivity timeout)");
}

RunWatch::RunWatch(Orchestrator& backend, const SessionSpec& spec, SessionSink& out,
                   SessionChecks* checks)
    : backend_(backend), spec_(spec), out_(out), checks_(checks), agent_(backend.describe().name) {}

RunWatch::~RunWatch() {
  {
    std::lock_guard lock(mu_);
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RunResult RunWatch::run() {
  {
    std::lock_guard lock(mu_);
    running_ = true;
    run_started_ms_ = steady_ms();
  }
  thread_ = std::thread([this] { watch_loop(); });
  RunResult r;
  try {
    r = backend_.run(spec_, *this);
  } catch (...) {
    {
      std::lock_guard lock(mu_);
      running_ = false;
    }
    cv_.notify_all();
    thread_.join();
    throw;
  }
  {
    std::lock_guard lock(mu_);
    running_ = false;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  if (!budget_event_.empty() && decision_ && decision_->source == kBudgetSource) {
    out_.event("budget", {{"scope", "unit"}, {"message", budget_event_}});
  }
  if (checks_failed_ && r.state == State::kDone && !decision_) {
    r.state = State::kFailed;
    r.source = "supervisor:checks";
    r.error = *checks_failed_;
    r.keep_work = true;  // the agent's last attempt is committed: nothing is lost
    return r;
  }
  // The agent finished first: its outcome stands (unless a stop came while checks ran).
  // A decision taken once a failed check's output went back, before the agent's fix turn: the
  // backend ended without that turn, so the decision stands too.
  if (!decision_ || (!r.cancelled && !decided_in_checks_ && !awaiting_fix_)) return r;
  RunResult decided = r;  // summary and usage as the backend knew them
  decided.state = decision_->state;
  decided.source = decision_->source;
  decided.error = decision_->error;
  decided.keep_work = decision_->keep_work;                      // a budget's stop keeps the work
  if (with_detail_) decided.error += backend_.failure_detail();  // read once the agent is gone
  return decided;
}

void RunWatch::watch_loop() {
  std::unique_lock lock(mu_);
  int64_t next_budget_ms = steady_ms() + kBudgetTickMs;
  while (running_ && !decision_) {
    cv_.wait_for(lock, std::chrono::milliseconds(kTickMs));
    if (!running_ || decision_) return;
    if (budget_ && budget_->active() && steady_ms() >= next_budget_ms) {
      next_budget_ms = steady_ms() + kBudgetTickMs;
      const int64_t elapsed = steady_ms() - run_started_ms_;
      lock.unlock();
      if (decide_budget(budget_->on_tick(elapsed))) return;
      lock.lock();
      if (!running_ || decision_) return;
    }
    Verdict v =
        watch_verdict(w_, steady_ms(), spec_.startup_timeout_ms, spec_.inactivity_timeout_ms);
    if (v == Verdict::kGoOn) continue;
    RunResult why =
        verdict_result(v, agent_, w_, spec_.startup_timeout_ms, spec_.inactivity_timeout_ms);
    lock.unlock();
    decide(std::move(why), EndMode::kAtOnce, v == Verdict::kNoStart);
    return;
  }
}

void RunWatch::stop(const std::string& reason) {
  decide(run_result(State::kStopped, "supervisor:stop", reason), EndMode::kWindDown);
}

void RunWatch::decide(RunResult why, EndMode how, bool with_detail) {
  {
    std::lock_guard lock(mu_);
    if (decision_) return;
    decision_ = std::move(why);
    with_detail_ = with_detail;
    if (in_checks_) {
      decided_in_checks_ = true;
      checks_->abort();  // kills the check's process group
    }
  }
  cv_.notify_all();
  backend_.cancel(how);
}

bool RunWatch::decide_budget(const BudgetStop& stop) {
  if (stop.why.empty()) return false;
  {
    std::lock_guard lock(mu_);
    if (decision_) return true;
  }
  if (stop.unit) {
    // Recorded once the backend returned (run()): the sink takes no calls from two threads.
    std::lock_guard lock(mu_);
    budget_event_ = stop.why;
  }
  RunResult why = run_result(State::kFailed, kBudgetSource, stop.why);
  why.keep_work = true;  // what the agent did so far is committed: nothing is lost
  decide(std::move(why), EndMode::kWindDown);
  return true;
}

void RunWatch::usage(const registry::Usage& so_far) {
  out_.usage(so_far);
  if (!budget_ || !budget_->active()) return;
  int64_t elapsed = 0;
  {
    std::lock_guard lock(mu_);
    elapsed = steady_ms() - run_started_ms_;
  }
  decide_budget(budget_->on_usage(so_far, elapsed));
}

std::optional<std::string> RunWatch::turn_ended(const RunResult& r) {
  if (!checks_ || !checks_->any() || r.state != State::kDone) return std::nullopt;
  {
    std::lock_guard lock(mu_);
    awaiting_fix_ = false;
    if (decision_) return std::nullopt;  // the run is ending already
    in_checks_ = true;
    w_.paused = true;
  }
  out_.state(State::kChecking, "supervisor:checks",
             "attempt " + std::to_string(checks_->rounds() + 1));
  CheckVerdict v = checks_->run_round();
  {
    std::lock_guard lock(mu_);
    in_checks_ = false;
    w_.paused = false;
    w_.last_activity_ms = steady_ms();  // the agent's time starts again now
    if (decision_ || v.aborted || v.passed) return std::nullopt;
    if (!v.follow_up) {
      checks_failed_ = v.failure;
      return std::nullopt;
    }
    awaiting_fix_ = true;
  }
  out_.state(State::kRunning, "supervisor:checks",
             "fix attempt " + std::to_string(checks_->rounds()));
  return v.follow_up;
}

void RunWatch::state(State s, const std::string& source, const std::string& detail) {
  out_.state(s, source, detail);
}

void RunWatch::event(const std::string& kind, const json::Json& data) {
  out_.event(kind, data);
}

void RunWatch::accepted(const std::string& agent_session_id) {
  {
    std::lock_guard lock(mu_);
    w_.armed = true;
    w_.last_activity_ms = steady_ms();
    w_.awaiting_start = false;
  }
  out_.accepted(agent_session_id);
}

void RunWatch::agent_pid(pid_t pid) {
  out_.agent_pid(pid);
}

void RunWatch::activity() {
  std::lock_guard lock(mu_);
  w_.armed = true;
  w_.last_activity_ms = steady_ms();
}

void RunWatch::awaiting_start(const std::string& sign) {
  std::lock_guard lock(mu_);
  int64_t now = steady_ms();
  w_.armed = true;
  w_.last_activity_ms = now;
  w_.awaiting_start = true;
  w_.awaiting_since_ms = now;
  w_.start_sign = sign;
}

}  // namespace orch
