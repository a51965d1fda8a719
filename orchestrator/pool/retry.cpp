// The end of a session in the pool (retries, handing its slot on) and following a unit's attempts
// (retries and handoffs).
#include <algorithm>
#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/process/process.h"
#include "lib/registry/handoff.h"
#include "lib/registry/worktrees.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/pool/rate_limit.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/follow.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/liveness.h"

namespace orch {
using registry::State;

namespace {

/// How long a follower waits for the successor of a handed-off session to be recorded (ms).
constexpr int64_t kSuccessorWaitMs = 30000;

// The next attempt of a failed session; its worktree is only planned (its supervisor creates it
// when the attempt gets a slot, detaching the failed attempt's worktree from the branch then).
struct Retry {
  registry::Session session;
  registry::PoolFields pool;
};

// How many times in a row the unit of session `s` (attempt `attempt`) was queued again for a
// rate limit: its ancestors of the same attempt number (a retry raises it), at most
// kMaxRateLimitRequeues.
int rate_limit_requeues(registry::Registry& reg, const registry::Session& s, int attempt) {
  int count = 0;
  std::string parent = s.parent_session;
  while (!parent.empty() && count < kMaxRateLimitRequeues) {
    auto p = reg.get_session(parent);
    if (!p || p->unit_id != s.unit_id || registry::pool_fields(reg, p->id).attempt != attempt)
      break;
    ++count;
    parent = p->parent_session;
  }
  return count;
}

// Prepares the retry of failed session `s` when it has attempts left: the row to insert, with a
// fresh worktree path on the unit's branch. Returns nothing when no retry is due.
// With `rate_limit_until` > 0 the retry keeps the attempt number and waits for the pause
// (rate_limit.h), unless the unit was queued again for rate limits kMaxRateLimitRequeues times in
// a row already.
std::optional<Retry> prepare_retry(const Deps& f, const registry::Session& s,
                                   int64_t rate_limit_until) {
  registry::Registry& reg = f.registry();
  registry::PoolFields pool = registry::pool_fields(reg, s.id);
  const bool requeue =
      rate_limit_until > 0 && rate_limit_requeues(reg, s, pool.attempt) < kMaxRateLimitRequeues;
  if (!requeue && pool.attempt >= pool.max_attempts) return std::nullopt;
  auto unit = reg.get_unit(s.unit_id);
  if (!unit) return std::nullopt;
  Retry r;
  r.session = s;
  r.session.id = process::random_hex(4);
  r.session.worktree = worktree_path(f.home(), unit->repo, unit->name, r.session.id);
  const int64_t now = now_ms();
  r.session.state = State::kQueued;
  r.session.parent_session = s.id;
  r.session.agent_session_id.clear();
  r.session.supervisor_pid = r.session.supervisor_start_time = r.session.agent_pid = 0;
  r.session.started_at = now;
  r.session.ended_at = r.session.last_event_at = 0;
  r.pool = pool;
  r.pool.attempt = requeue ? pool.attempt : pool.attempt + 1;
  r.pool.queued_at = now;
  r.pool.not_before = requeue ? rate_limit_until : now + retry_backoff_ms(pool.attempt);
  return r;
}

// A fresh copy of `s` as a row to insert: the columns insert_session reads, nothing recorded.
registry::Session fresh_row(const registry::Session& s) {
  registry::Session row;
  row.id = s.id;
  row.unit_id = s.unit_id;
  row.agent = s.agent;
  row.backend = s.backend;
  row.model = s.model;
  row.prompt = s.prompt;
  row.state = s.state;
  row.worktree = s.worktree;
  row.parent_session = s.parent_session;
  row.started_at = s.started_at;
  row.no_commit = s.no_commit;
  row.options = s.options;
  return row;
}

void fill_logged(const Deps& f, const std::string& source, spdlog::logger& log) {
  try {
    int started = fill_slots(f, source);
    if (started > 0) log.info("started {} queued session(s)", started);
  } catch (const std::exception& e) {
    log.error("filling free pool slots failed: {}", e.what());
  }
}

// The session that took over from handed-off session `s`. `orch handoff` names it before it
// stops `s` and records it right after, so wait for it to appear for a while (up to
// kSuccessorWaitMs, or `deadline` on the steady clock when that comes first).
std::optional<registry::Session> successor_of(registry::Registry& reg, const registry::Session& s,
                                              int64_t deadline) {
  const std::string id = registry::handoff_to(reg, s.id);
  if (id.empty()) return std::nullopt;
  int64_t until = steady_ms() + kSuccessorWaitMs;
  if (deadline > 0) until = std::min(until, deadline);
  while (true) {
    if (auto next = reg.get_session(id)) return next;
    if (steady_ms() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Records the end of `s` and, when `retry` is set and its convoy was not stopped, queues the retry
// in the same transaction. Sets *queued when it did. Returns false when an end was recorded
// already.
bool record_end(registry::Registry& reg, const registry::Session& s, State state,
                const std::string& source, const registry::Outcome& outcome,
                const std::optional<Retry>& retry, bool* queued, spdlog::logger& log) {
  bool recorded = false;
  reg.transaction([&] {
    recorded = reg.finish(s.id, state, source, outcome);
    if (!recorded || !retry) return;
    // Checked under the write lock: `orch convoy stop` marks the convoy before it cancels the
    // queued sessions, so a retry is either refused here or cancelled there.
    auto convoy = registry::convoy_of_unit(reg, s.unit_id);
    if (convoy && convoy->stopped_at > 0) return;
    try {
      reg.transaction([&] {  // a savepoint: a failure here leaves the end recorded
        reg.insert_session(fresh_row(retry->session), "pool:retry");
        registry::set_pool_fields(reg, retry->session.id, retry->pool);
        registry::set_worktree_pending(reg, retry->session.id, true);
      });
      *queued = true;
    } catch (const Error& e) {
      log.error("cannot queue attempt {}: {}", retry->pool.attempt, e.what());
    }
  });
  return recorded;
}

}  // namespace

bool end_lost_session(const Deps& f, const registry::Session& s, const std::string& source,
                      const registry::Outcome& outcome, spdlog::logger& log,
                      std::string* retry_id) {
  std::optional<Retry> retry = prepare_retry(f, s, 0);
  bool queued = false;
  const bool recorded =
      record_end(f.registry(), s, State::kLost, source, outcome, retry, &queued, log);
  if (queued && retry_id) *retry_id = retry->session.id;
  return recorded;
}

bool end_session(const Deps& f, const registry::Session& s, State state, const std::string& source,
                 const registry::Outcome& outcome, spdlog::logger& log, int64_t rate_limit_until,
                 const std::function<bool()>& stop_requested) {
  registry::Registry& reg = f.registry();
  std::optional<Retry> retry;
  // A session stopped for its budget is not run again: a retry would spend more.
  if (state == State::kFailed && source != kBudgetSource)
    retry = prepare_retry(f, s, rate_limit_until);
  bool queued = false;
  const bool recorded = record_end(reg, s, state, source, outcome, retry, &queued, log);
  if (queued) {
    log.info("attempt {} of {} queued as session {}, not before {}{}", retry->pool.attempt,
             retry->pool.max_attempts, retry->session.id, format_iso8601(retry->pool.not_before),
             rate_limit_until > 0 ? " (after the rate limit; no retry used)" : "");
  }
  if (state == State::kDone) {
    try {
      registry::clear_ended_pauses(reg, s.backend, now_ms());
    } catch (const std::exception& e) {
      log.warn("cannot clear the backend's ended rate limit pauses: {}", e.what());
    }
  }
  const std::string fill_source = "pool:supervisor " + s.id;
  fill_logged(f, fill_source, log);
  if (queued) {
    // Nothing else may be running to hand the retry a slot once its backoff is over. A rate
    // limit's wait can be hours: give up waiting once the retry is no longer queued (stopped,
    // or started by another process).
    while (true) {
      const int64_t wait = retry->pool.not_before - now_ms();
      if (wait <= 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(wait, 1000)));
      if (stop_requested && stop_requested()) {
        log.info("told to end: session {} stays queued for the next orch command to start",
                 retry->session.id);
        return recorded;
      }
      try {
        auto next = reg.get_session(retry->session.id);
        if (!next || next->state != State::kQueued) return recorded;
      } catch (const std::exception& e) {
        log.warn("cannot read the queued retry: {}", e.what());
      }
    }
    fill_logged(f, fill_source, log);
  }
  return recorded;
}

std::optional<registry::Session> retry_of(registry::Registry& reg, const registry::Session& s) {
  registry::SessionFilter filter;
  filter.unit = s.unit_name;
  for (registry::Session& other : reg.list_sessions(filter)) {
    if (other.parent_session == s.id && other.unit_id == s.unit_id) return other;
  }
  return std::nullopt;
}

registry::Session follow_attempts(const Deps& f, const std::string& id, int64_t timeout_ms,
                                  const FollowFn& on_event) {
  registry::Registry& reg = f.registry();
  const int64_t deadline = timeout_ms > 0 ? steady_ms() + timeout_ms : 0;
  std::string current = id;
  while (true) {
    bool announced = false;
    while (true) {
      auto s = reg.get_session(current);
      if (!s) throw Error("session " + current, "not found", kExitNotFound);
      if (s->state != State::kQueued) break;
      if (on_event && !announced) {
        FollowEvent ev;
        ev.kind = FollowEvent::Kind::kQueued;
        ev.session = current;
        ev.place = registry::queue_position(reg, current);
        on_event(ev);
        announced = true;
      }
      fill_slots(f, "pool:cli");
      if (deadline > 0 && steady_ms() >= deadline) {
        throw Error("session " + current, "still queued after the timeout", kExitTimeout);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    int64_t left = 0;
    if (deadline > 0) left = std::max<int64_t>(1, deadline - steady_ms());
    registry::Session ended = follow(f, current, left, on_event);
    if (ended.state == State::kHandedOff) {
      auto next = successor_of(reg, ended, deadline);
      if (!next) return ended;
      if (on_event) {
        FollowEvent ev;
        ev.kind = FollowEvent::Kind::kHandedOff;
        ev.session = current;
        ev.next = next->id;
        on_event(ev);
      }
      current = next->id;
      continue;
    }
    if (ended.state != State::kFailed) return ended;
    auto next = retry_of(reg, ended);
    if (!next) return ended;
    if (on_event) {
      FollowEvent ev;
      ev.kind = FollowEvent::Kind::kRetried;
      ev.session = current;
      ev.next = next->id;
      ev.attempt = registry::pool_fields(reg, next->id).attempt;
      on_event(ev);
    }
    current = next->id;
  }
}

}  // namespace orch
