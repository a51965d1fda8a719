// `orch worker` (docs/workers.md): one long-running process per host that claims the queued
// sessions of remote units (units.repo a URL) from the shared registry and runs their
// supervisors on its host, with a heartbeat row other hosts judge it by.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/deps.h"

namespace orch {

/// What `orch worker` was asked for.
struct WorkerOptions {
  std::string name;                   ///< unique among live workers; "" = this host's id
  int max_sessions = 4;               ///< sessions this worker runs at once (1..kPoolCapLimit)
  std::vector<std::string> backends;  ///< only sessions of these backends; empty = any
  std::string convoy;                 ///< only units of this convoy; "" = any
  bool drain = false;  ///< exit once nothing it could run is queued and its sessions ended
  int64_t stop_grace_ms = 15000;  ///< at SIGTERM, how long each session gets to stop (ms)
  /// How long the registry may stay unreachable before the worker gives up (ms; 0 = never).
  int64_t registry_timeout_ms = 600000;
};

/// The longest worker name, in bytes.
inline constexpr size_t kWorkerNameMax = 100;

/// Checks `o`, writing nothing. Errors: orch::Error (exit 2): a name that is empty, longer than
/// kWorkerNameMax bytes, not UTF-8 or holding control characters; max_sessions outside
/// 1..kPoolCapLimit; an unknown backend.
void validate_worker_options(const WorkerOptions& o);

/// Runs the worker until `stop` turns true (SIGTERM, SIGINT), or, with `o.drain`, until nothing
/// it could run is queued and its sessions ended. Registers the worker (refused, exit 8, while a
/// live worker of the same name sends heartbeats), heartbeats every registry::kWorkerHeartbeatMs
/// on a thread of its own, judges silent workers (reap_lost_workers) and this host's lost
/// supervisors, claims queued remote sessions (claim_queued with a remote ClaimScope: its
/// backends, convoy and what is left of its max_sessions; the pool caps hold over all hosts) and
/// starts their supervisors here, carries out what other hosts ask of its sessions (stop,
/// handoff; wakes a supervisor with a waiting nudge) within a second. At `stop` it stops its
/// sessions as `orch stop` does (in parallel, o.stop_grace_ms each) and records itself stopped.
/// While the registry is unreachable (a PostgreSQL restart, a network cut) the loop and the
/// heartbeat retry with a pause doubling up to 2 s, each logging one line when the outage begins
/// and one when it ends; the supervisors it started go on. Logs through spdlog's default logger.
/// Returns 0. Errors: orch::Error from registering, or (exit 1) when the registry stayed
/// unreachable for o.registry_timeout_ms.
int run_worker(const Deps& f, const WorkerOptions& o, const std::atomic<bool>& stop);

}  // namespace orch
