// The session pool in the registry (migrations/0003_convoys.sql): the queue of `queued` sessions
// and the atomic hand-out of slots. The registry is the one coordination point of every orch
// process (CLIs and detached supervisors), so the cap holds across all of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// The pool columns of a session.
struct PoolFields {
  int attempt = 1;       ///< 1 for the first run of a unit, 2 for its first retry, ...
  int max_attempts = 1;  ///< 1 + the retries allowed
  int priority = 0;      ///< higher takes a slot first
  int max_sessions = 0;  ///< the cap the session was launched under; 0 = no cap
  /// The cap on live sessions of its backend it was launched under ([backends.<name>]
  /// max_sessions); 0 = no cap.
  int backend_max_sessions = 0;
  int64_t queued_at = 0;   ///< when it joined the queue; ties in priority go oldest first
  int64_t not_before = 0;  ///< earliest time a slot may be handed to it (retry backoff); 0 = any
};

/// Which queued sessions a claimer takes (docs/workers.md). A unit is local when units.repo is
/// an absolute path, remote when it is a URL (it does not start with '/').
struct ClaimScope {
  /// false: sessions of local units that run on `host` or name no host (rows older than
  /// migration 0021): what fill_slots takes. true: sessions of remote units, what `orch worker`
  /// takes.
  bool remote = false;
  std::string host;    ///< the claimer's host id, written to sessions.host; "" = Registry::host()
  std::string worker;  ///< the claiming worker (workers.id), written to sessions.worker; "" = none
  std::vector<std::string> backends;  ///< only sessions of these backends; empty = any
  std::string convoy;                 ///< only units of the convoy of this name; "" = any
  int limit =
      0;  ///< claim at most this many (a worker's --max-sessions less what it runs); 0 = any
};

/// Sessions that hold a slot: state starting, running or waiting.
int count_active(Registry& reg);

/// True when a session is `queued` (a read, no lock): claim_queued may have work.
bool has_queued(Registry& reg);

/// True when a session `scope` covers is `queued` (a read, no lock).
bool has_queued(Registry& reg, const ClaimScope& scope);

/// True when a session `scope` covers is queued or live (starting, running, waiting, checking)
/// on any host (a read, no lock): work that may still come to a claimer of `scope`, since a
/// session whose worker is lost is queued again when it has retries left. Units of a stopped
/// convoy count for nothing: claim_queued skips them and no retry of them is queued.
bool has_pending(Registry& reg, const ClaimScope& scope);

/// Sessions of backend `backend` ("opencode", "claude") that hold a slot.
int count_active(Registry& reg, const std::string& backend);

/// Writes the pool columns of session `session_id`. Errors: kExitNotFound for an unknown session.
void set_pool_fields(Registry& reg, const std::string& session_id, const PoolFields& p);

/// The pool columns of session `session_id`. Errors: kExitNotFound for an unknown session.
PoolFields pool_fields(Registry& reg, const std::string& session_id);

/// Hands free slots to the queued sessions `scope` covers (the default: local units of this host),
/// in one BEGIN IMMEDIATE transaction (joined when called inside one): walks the queue by priority
/// (descending), then queued_at, then id, skipping sessions whose not_before lies after `now`,
/// sessions a rate limit pause covers (rate_limits.h) and units of a stopped convoy, and moves each
/// session to `starting` (started_at = now, host and worker from `scope`, state change recorded
/// with `source`), at most scope.limit of them when set, while the
/// number of active sessions is below that session's own max_sessions and the number of active
/// sessions of its backend is below its backend_max_sessions (when set). Returns the claimed
/// session ids in claim order. Because the count and the updates happen under the write lock,
/// concurrent callers never exceed a cap and never claim a session twice.
/// The caps count every session that holds a slot, on any host. On PostgreSQL the queue is read
/// FOR UPDATE SKIP LOCKED.
std::vector<std::string> claim_queued(Registry& reg, int64_t now, const std::string& source,
                                      const ClaimScope& scope = {});

/// Ends a queued session as `stopped` with the note `why` (no error), only if it is still queued
/// (one transaction). Returns false, writing nothing, when it is not queued any more.
bool cancel_queued(Registry& reg, const std::string& session_id, const std::string& source,
                   const std::string& why);

/// The 1-based place of a queued session in the queue order of claim_queued (ignoring caps and
/// backoff), or 0 when the session is not queued.
int queue_position(Registry& reg, const std::string& session_id);

}  // namespace orch::registry
