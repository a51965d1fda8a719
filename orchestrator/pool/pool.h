// The session pool: a cap on sessions running at once, shared by every orch process that uses the
// same registry. A session launched while the cap is reached is recorded `queued`; whenever a
// slot frees (a supervisor's session ends, or a command notices a lost one) the next queued
// session is claimed atomically in the registry (registry::claim_queued) and its detached
// supervisor is started, so queued units start even when no orch command is running.
// Failed sessions are retried (--retries) as new sessions after a backoff.
// docs/ARCHITECTURE.md ("The session pool") describes the design.
#pragma once

#include <spdlog/logger.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/registry/convoys.h"
#include "lib/registry/pool.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/deps.h"
#include "orchestrator/session/follow.h"

namespace orch {

/// The cap when neither --max-sessions, a convoy nor [defaults] max_sessions sets one.
inline constexpr int kDefaultMaxSessions = 4;
/// The largest --max-sessions accepted (the config file's limit too).
inline constexpr int kPoolCapLimit = 1000;
/// The first retry waits this long after the failure; each further retry twice as long as the one
/// before, up to kRetryBackoffCapMs.
inline constexpr int64_t kRetryBackoffBaseMs = 2000;
/// The longest wait before a retry.
inline constexpr int64_t kRetryBackoffCapMs = 60000;
/// A shared agent server with no session for this long is stopped by the next fill_slots (the
/// supervisor of its last session stops it at once unless a session may still attach).
inline constexpr int64_t kServerIdleMs = 30000;

/// Ms after a server row was marked stopped (or dead) from which a process of it that still runs
/// is killed by fill_slots: its releaser had 3 s of grace and 2 s for the SIGKILLed group to go.
inline constexpr int64_t kServerStopGraceMs = 10000;
/// The largest --retries accepted.
inline constexpr int kMaxRetries = 100;

/// The cap for a launch: `flag` (--max-sessions) when > 0, else the convoy's when given, else
/// `configured` ([defaults] max_sessions) when > 0, else kDefaultMaxSessions.
/// Errors: orch::Error (exit 2) for a flag outside 0..kPoolCapLimit.
int resolve_max_sessions(int flag, const std::optional<registry::Convoy>& convoy, int configured);

/// The retries for a launch: `flag` (--retries) when >= 0, else the convoy's when given, else 0.
/// Errors: orch::Error (exit 2) for a flag above kMaxRetries.
int resolve_retries(int flag, const std::optional<registry::Convoy>& convoy);

/// How long to wait before retry number `retry` (1 = the first): base * 2^(retry-1), capped.
int64_t retry_backoff_ms(int retry);

/// True when a session of `backend` launched under `cap` and `backend_cap` may take a slot now:
/// fewer than `cap` sessions hold one (cap <= 0: no cap) and fewer than `backend_cap` of them are
/// of `backend` (backend_cap <= 0: no cap).
bool has_free_slot(registry::Registry& reg, int cap, const std::string& backend = "",
                   int backend_cap = 0);

/// The convoy a launch adds its unit to. Errors: orch::Error: no such convoy (exit 7), the convoy
/// was stopped, or it belongs to another repository than `repo_workdir`.
registry::Convoy convoy_for_launch(registry::Registry& reg, const std::string& name,
                                   const std::string& repo_workdir);

/// Set to 1 in a supervisor's environment at its start (and unset by run_supervisor): GnuTLS,
/// which orch never uses, then skips its implicit initialisation when it is loaded.
inline constexpr const char* kSupervisorGnutlsVar = "GNUTLS_NO_IMPLICIT_INIT";

/// Starts the detached supervisor of session `session_id` (`orch __supervise <id>`: double fork
/// + setsid, output in $ORCH_HOME/sessions/<id>/supervisor.out; without ORCH_SESSION, with
/// kSupervisorGnutlsVar) and records its pid and start time (tried three times, a second apart,
/// while the registry fails: a PostgreSQL restart). Returns the pid. Errors: orch::Error when it
/// cannot be started or its pid recorded.
pid_t spawn_supervisor(const Deps& f, const std::string& session_id);

/// Starts the supervisors of just-claimed sessions. A session whose supervisor cannot start is
/// recorded `failed` (source `source`). Returns (session id, error) for each of those.
std::vector<std::pair<std::string, std::string>> start_claimed(const Deps& f,
                                                               const std::vector<std::string>& ids,
                                                               const std::string& source);

/// One session to admit to the pool (record_admissions).
struct Admission {
  registry::Session session;  ///< id, unit_id (its unit is recorded already) and columns set
  registry::PoolFields pool;  ///< queued_at defaults to session.started_at
  /// Always queued, never started here: a session of a unit whose repository is a URL waits for
  /// `orch worker` to claim it (lib/git/remote.h).
  bool for_worker = false;
  /// The worktree is only planned: its supervisor creates it (create_session_worktree).
  bool worktree_pending = false;
};

/// What record_admissions wrote, for start_admitted to act on once it is committed.
struct Admitted {
  std::vector<std::string> claimed;         ///< queued sessions that took free slots first
  std::vector<registry::Session> sessions;  ///< the admissions as inserted, in order
};

/// Records new sessions, the first half of admitting them: in one BEGIN IMMEDIATE transaction
/// (joining the caller's, so a caller can record more in the same one), free slots go to
/// sessions already queued (claim_queued, source "pool:cli"), then each admission in order is
/// inserted `starting` when the pool has room under its caps, else `queued` (state change source
/// `source`). A `starting` session is recorded with this process as its supervisor until the
/// real one records itself, so a launcher killed before it started the supervisor leaves a
/// session that the next reader marks lost at once. Writes only the registry; starts nothing.
/// Errors: what the transaction throws (nothing written).
Admitted record_admissions(registry::Registry& reg, std::vector<Admission> batch,
                           const std::string& source);

/// The second half, after the transaction of record_admissions committed: starts the
/// supervisors of the claimed sessions and of the admitted ones that are starting. Returns the
/// admitted sessions as recorded (state as inserted), in order. A supervisor that cannot start
/// marks its session failed (source `source`), and with `rethrow_spawn_failure` the orch::Error
/// is rethrown.
std::vector<registry::Session> start_admitted(const Deps& f, const Admitted& admitted,
                                              const std::string& source,
                                              bool rethrow_spawn_failure);

/// record_admissions then start_admitted for one session `s` with pool columns `pool` whose
/// worktree exists (a handoff's): returns the session as recorded; a supervisor start failure is
/// rethrown.
registry::Session admit_session(const Deps& f, registry::Session s,
                                const registry::PoolFields& pool, const std::string& source);

/// Fills free slots: marks sessions whose supervisor died `lost` (this host's) and those of lost
/// workers (reap_lost_workers), stops shared servers idle for
/// kServerIdleMs (registry::reap_servers; SIGTERM to their process group, SIGKILL to what is left
/// after 3 s), kills the process groups of servers stopped or dead for kServerStopGraceMs whose
/// process still runs (registry::lingering_servers), claims queued sessions
/// (registry::claim_queued, state changes recorded with `source`) and starts their supervisors,
/// until no slot or no eligible queued session is left. Returns how many supervisors it started.
/// `wait_for_lock` false (commands that only list, e.g. `orch agents`): each of those steps is
/// skipped when another process holds the registry's write lock for more than
/// kBriefLockWaitMs (liveness.h), or when its write fails (a full disk, a read-only registry), so
/// the listing that follows still answers; such failures are logged at debug level.
int fill_slots(const Deps& f, const std::string& source, bool wait_for_lock = true);

/// The end of a session, recorded by its supervisor (instead of Registry::finish): records `state`
/// and `outcome`; when the session failed, has attempts left and its convoy (if any) was not
/// stopped, queues the next attempt in the same transaction: a new session (attempt + 1,
/// parent_session = this one) in a fresh worktree on the unit's branch, not to start before
/// now + retry_backoff_ms. `rate_limit_until` > 0 (the session failed because its provider
/// refused for limits, rate_limit.h): the next session is queued whether or not attempts are left,
/// with the same attempt number (no retry used up), not before `rate_limit_until`, up to
/// kMaxRateLimitRequeues times in a row. Then fills free slots (fill_slots), and when it queued a
/// retry, waits out the backoff and fills again; `stop_requested`, when given, is asked every
/// second of that wait: true ends it (a supervisor told to end: the retry stays queued for the
/// next orch process that fills slots). Returns false when the registry already had an end state.
bool end_session(const Deps& f, const registry::Session& s, registry::State state,
                 const std::string& source, const registry::Outcome& outcome, spdlog::logger& log,
                 int64_t rate_limit_until = 0, const std::function<bool()>& stop_requested = {});

/// Records session `s` (of a worker judged lost) ended `lost` with `source` and `outcome` and,
/// when it has attempts left and its convoy was not stopped, queues its next attempt in the same
/// transaction, as end_session does for a failure (any worker may claim it). Sets *retry_id to
/// the retry's id when one was queued. Returns false when an end was recorded already.
bool end_lost_session(const Deps& f, const registry::Session& s, const std::string& source,
                      const registry::Outcome& outcome, spdlog::logger& log,
                      std::string* retry_id = nullptr);

/// Judges the workers (registry/workers.h): marks `lost` every worker silent for
/// registry::kWorkerSilentMs, and every live session claimed by a worker that is no longer
/// running (lost, or stopped without ending it) `lost` with source kWorkerLostSource, its retry
/// queued when attempts are left (end_lost_session). Any orch process may do it (fill_slots and
/// every worker do). Returns how many sessions it marked. `wait_for_lock` false: skipped when the
/// registry's write lock is busy or the write fails (logged at debug level).
int reap_lost_workers(const Deps& f, bool wait_for_lock = true);

/// The state-change source of a session whose worker went silent.
inline constexpr const char* kWorkerLostSource = "worker:heartbeat";

/// The session that retries failed session `s` (its parent_session is s), if one was queued.
std::optional<registry::Session> retry_of(registry::Registry& reg, const registry::Session& s);

/// Follows session `id` to its end like follow() (reporting to `on_event`, if set): while it is
/// queued, reports its place once (kQueued) and fills free slots itself (so a crashed supervisor
/// cannot stall it); when it fails and a retry was queued, goes on with the retry (kRetried); when
/// it was handed off, goes on with the session that took over (registry::handoff_to, kHandedOff).
/// `timeout_ms` <= 0 waits forever; past it throws orch::Error (exit 6). Returns the last
/// attempt, ended.
registry::Session follow_attempts(const Deps& f, const std::string& id, int64_t timeout_ms,
                                  const FollowFn& on_event);

}  // namespace orch
