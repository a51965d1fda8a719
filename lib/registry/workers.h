// Workers and hosts in the registry (migrations/0021_workers.sql, docs/workers.md): one row per
// run of `orch worker`, its heartbeat, and the requests other hosts leave for the worker that
// runs a session (stop, handoff).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// How often a worker writes its heartbeat (ms).
inline constexpr int64_t kWorkerHeartbeatMs = 2000;
/// A worker whose heartbeat is older than this is lost, and so are its live sessions (ms).
inline constexpr int64_t kWorkerSilentMs = 10000;

/// One row of `workers`.
struct Worker {
  std::string id;
  std::string name;
  std::string host;  ///< the host id of its $ORCH_HOME
  int64_t pid = 0;
  int64_t started_at = 0;
  int64_t heartbeat_at = 0;
  std::string state;  ///< running, draining, stopped, lost
  int64_t ended_at = 0;
  std::string options = "{}";  ///< JSON: max_sessions, backends, convoy, drain
};

/// Records worker `w` (id, name, host, pid, options; started_at and heartbeat_at = `now`,
/// state running) in one transaction. A worker of the same name still `running`/`draining`
/// whose heartbeat is older than kWorkerSilentMs is marked `lost` first. Errors: orch::Error
/// (kExitConflict) when a live worker of that name has a fresh heartbeat.
void register_worker(Registry& reg, const Worker& w, int64_t now);

/// Writes worker `id`'s heartbeat (`now`). Returns false, writing nothing, when the row is no
/// longer running or draining (it was judged lost or it ended). On PostgreSQL a single statement
/// outside the registry's write lock, so a long write transaction cannot hold it back.
bool heartbeat_worker(Registry& reg, const std::string& id, int64_t now);

/// The clock heartbeats are written and judged by, in ms since the epoch: the PostgreSQL
/// server's (clock_timestamp()), so hosts whose clocks disagree still judge each other's
/// heartbeats by one clock; this host's on SQLite (one host). Errors: orch::Error from the
/// registry.
int64_t registry_clock_ms(Registry& reg);
/// When the registry's server started, by registry_clock_ms's clock (PostgreSQL:
/// pg_postmaster_start_time()); 0 on SQLite. No heartbeat could be written while it was down, so
/// silence is judged only once it has been up for kWorkerSilentMs. Errors: orch::Error.
int64_t registry_up_since_ms(Registry& reg);

/// Sets worker `id`'s state (`draining`, or an end: `stopped`, which also sets ended_at) while it
/// is running or draining. Returns false when it was not.
bool set_worker_state(Registry& reg, const std::string& id, const std::string& state, int64_t now);

/// Every worker, live ones first (running, draining), then by name and newest first.
std::vector<Worker> list_workers(Registry& reg);

/// The worker with this id, if any.
std::optional<Worker> get_worker(Registry& reg, const std::string& id);

/// True when some running or draining worker's heartbeat is older than now - silent_ms: whether
/// mark_silent_workers has anything to mark. One read; takes no write lock.
bool any_silent_worker(Registry& reg, int64_t now, int64_t silent_ms = kWorkerSilentMs);

/// Marks `lost` (ended_at = now) every running or draining worker whose heartbeat is older than
/// now - silent_ms, in one transaction, and returns their ids. Reads first (any_silent_worker):
/// when none is silent it returns at once without a transaction.
std::vector<std::string> mark_silent_workers(Registry& reg, int64_t now,
                                             int64_t silent_ms = kWorkerSilentMs);

/// The live sessions (not queued) claimed by a worker that is no longer running or draining
/// (lost or stopped): to be marked lost.
std::vector<Session> sessions_of_gone_workers(Registry& reg);

/// The live sessions worker `id` claimed.
std::vector<Session> sessions_of_worker(Registry& reg, const std::string& id);

/// Sessions a worker claimed on host `host` that ended `lost` at or after `since` (ms): their
/// supervisors must not run on (a worker judged lost, e.g. cut off, that came back).
std::vector<Session> lost_worker_sessions_on_host(Registry& reg, const std::string& host,
                                                  int64_t since);

/// The wake-up channel of workers' requests (Registry::listen): notified with the session's id
/// when set_remote_request writes one.
inline constexpr const char* kRequestChannel = "orch_request";

/// A request for the worker of a session (sessions.remote_request): what `orch stop|handoff`
/// on another host asks for. JSON kept as it was written. Notifies kRequestChannel.
void set_remote_request(Registry& reg, const std::string& session_id, const std::string& json);

/// Takes (reads and clears, in one transaction) the pending requests of the sessions that worker
/// `worker_id` claimed or that run on its host `host` (a local sling there): (session id,
/// request JSON) pairs.
std::vector<std::pair<std::string, std::string>> take_remote_requests(Registry& reg,
                                                                      const std::string& worker_id,
                                                                      const std::string& host);

/// Inbox messages (orch nudge) and mail (orch mail, the mail table: not claimed nor delivered
/// yet) waiting for live sessions that worker `worker_id` claimed or that run on host `host`:
/// (session id, "inbox:<message id>" or "mail:<mail id>") pairs, inbox first, each by id.
std::vector<std::pair<std::string, std::string>> waiting_messages_of_worker(
    Registry& reg, const std::string& worker_id, const std::string& host);

/// Sets session `session_id`'s planned worktree path (a remote unit's session claimed by a
/// worker: the path on the worker's host). Errors: kExitNotFound for an unknown session.
void set_session_worktree(Registry& reg, const std::string& session_id, const std::string& path);

}  // namespace orch::registry
