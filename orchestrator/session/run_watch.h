// The supervisor's policy over a backend's run, the same for every backend: a stop request ends
// the run `stopped`; an agent that shows no sign of life (SessionSink::activity) for
// inactivity_timeout_ms fails it (supervisor:inactivity); an agent that said it is starting
// (SessionSink::awaiting_start) but did not accept the work within startup_timeout_ms fails it
// (supervisor:startup), so that it does not hold its pool slot for the inactivity time. The
// backend only reports those facts and ends the agent when asked (Orchestrator::cancel).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "orchestrator/orchestrator.h"
#include "orchestrator/session/budget_guard.h"
#include "orchestrator/session/checks.h"

namespace orch {

/// What the watch knows of the agent at one moment (steady-clock ms).
struct WatchState {
  bool armed = false;            ///< a first sign of life came (start, accept or activity)
  int64_t last_activity_ms = 0;  ///< when the agent last showed one
  bool awaiting_start = false;   ///< it said it is starting and has not accepted the work yet
  int64_t awaiting_since_ms = 0;
  std::string start_sign;  ///< what shows its start (SessionSink::awaiting_start), e.g. "init line"
  bool paused = false;     ///< the session's checks run (they have their own timeouts)
};

/// Why the supervisor ends a run before its agent finished.
enum class Verdict {
  kGoOn,      ///< nothing to decide
  kNoStart,   ///< awaiting its start for startup_timeout_ms
  kInactive,  ///< no sign of life for inactivity_timeout_ms
};

/// Pure: the verdict at `now_ms` for an agent in state `w`. A start-up overdue is judged before
/// inactivity; nothing is decided before the first sign of life (the backend bounds its own
/// start until then) nor while the watch is paused (checks run).
Verdict watch_verdict(const WatchState& w, int64_t now_ms, int64_t startup_timeout_ms,
                      int64_t inactivity_timeout_ms);

/// Pure: the RunResult the supervisor records for verdict `v` (not kGoOn) on agent `agent`
/// (BackendInfo::name): failed "supervisor:inactivity" "no activity from <agent> for Ns
/// (inactivity timeout)", or failed "supervisor:startup" "<agent> did not start within <t>
/// (startup timeout: no <sign>)" (the backend's failure_detail() is appended once it ended).
RunResult verdict_result(Verdict v, const std::string& agent, const WatchState& w,
                         int64_t startup_timeout_ms, int64_t inactivity_timeout_ms);

/// "15s", or "1.5s" below 10 s when not a whole number of seconds.
std::string format_seconds(int64_t ms);

/// Runs one backend under the policy. It is the backend's SessionSink: every call is forwarded
/// to `out`; activity, awaiting_start and accepted also feed the timers, checked on a thread of
/// the watch every kTickMs while run() is in progress. The first decision (a stop, a time-out)
/// wins and cancels the backend (a stop kWindDown, a time-out kAtOnce); if the agent finished
/// first, its outcome stands.
///
/// When the agent ends a turn well (turn_ended) and the session has `checks`, the session is
/// `checking` while they run (the timers paused); a failure with fix attempts left sets it
/// `running` again and returns the feedback for the agent; a failure without any makes the run
/// failed (supervisor:checks, keep_work set) whatever the agent's outcome; a stop meanwhile kills
/// the check and ends the run as the stop says.
class RunWatch : public SessionSink {
 public:
  /// `backend` runs `spec` (its timeouts are used), reporting to `out`; `checks` (may be null: no
  /// checks) run after the agent's turns. All must outlive the watch.
  RunWatch(Orchestrator& backend, const SessionSpec& spec, SessionSink& out,
           SessionChecks* checks = nullptr);
  ~RunWatch() override;
  RunWatch(const RunWatch&) = delete;
  RunWatch& operator=(const RunWatch&) = delete;

  /// backend.run(spec, *this) under the policy. When the backend ended because the watch
  /// cancelled it, the result is the watch's decision (state, source, error) with the backend's
  /// summary and usage. Throws what run() throws.
  RunResult run();

  /// Holds the session's spend against its limits and its convoy's budget (budget_guard.h): after
  /// each usage report and every kBudgetTickMs, a crossing ends the run failed
  /// ("supervisor:budget", its work kept) after a `budget` event for a unit's limit. Call before
  /// run(); `guard` must outlive the watch.
  void set_budget(BudgetGuard* guard) { budget_ = guard; }

  /// A stop request (SIGTERM or SIGINT on the supervisor): the run ends stopped
  /// ("supervisor:stop", error `reason`) unless something was decided already. Thread-safe.
  void stop(const std::string& reason);

  void state(State s, const std::string& source, const std::string& detail) override;
  void event(const std::string& kind, const json::Json& data) override;
  void accepted(const std::string& agent_session_id) override;
  void agent_pid(pid_t pid) override;
  void activity() override;
  void awaiting_start(const std::string& sign) override;
  std::optional<std::string> turn_ended(const RunResult& r) override;
  /// Forwarded to `out`, then held against the budget (set_budget).
  void usage(const registry::Usage& so_far) override;

  static constexpr int kTickMs = 100;         ///< how often the timers are checked
  static constexpr int kBudgetTickMs = 1000;  ///< how often the budget is (duration, convoy)

 private:
  void watch_loop();
  /// Records `why` as the decision unless there is one, then cancels the backend (`how`).
  /// `with_detail`: the backend's failure_detail() is appended to the error once it ended.
  void decide(RunResult why, EndMode how, bool with_detail = false);
  /// Ends the run for its budget when `stop` says why (a `budget` event first for a unit's limit).
  /// Returns whether it did.
  bool decide_budget(const BudgetStop& stop);

  Orchestrator& backend_;
  const SessionSpec& spec_;
  SessionSink& out_;
  SessionChecks* checks_;
  std::string agent_;  ///< the backend's name, for the messages

  std::mutex mu_;  ///< guards what follows
  std::condition_variable cv_;
  WatchState w_;
  std::optional<RunResult> decision_;
  bool with_detail_ = false;  ///< the decision takes the backend's failure detail
  bool running_ = false;
  bool in_checks_ = false;          ///< checks run now: a decision aborts them
  bool decided_in_checks_ = false;  ///< a stop came while checks ran: it decides the end
  bool awaiting_fix_ = false;       ///< a failed check's output went back: the agent's turn is due
  std::optional<std::string> checks_failed_;  ///< the checks failed for good: the session's error
  std::thread thread_;
  BudgetGuard* budget_ = nullptr;
  std::string budget_event_;  ///< a unit limit's crossing, recorded as a `budget` event at the end
  int64_t run_started_ms_ = 0;  ///< steady clock; the duration limit counts from here
};

}  // namespace orch
