// Shared agent servers in the registry (migrations/0005_servers.sql): which `opencode serve`
// processes exist, who starts or restarts one, which sessions use which, and when the last user
// stops it. Every decision is one BEGIN IMMEDIATE transaction, so however many supervisors race,
// one server is started per need, one supervisor restarts a dead one, and a server marked for
// stopping gets no new user. Process checks come from the caller (`AliveFn`): lib/registry
// starts and signals no processes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// One row of `servers`, with its current number of users.
struct ServerRow {
  std::string id;
  std::string backend;
  std::string key;
  std::string state;  ///< starting | ready | stopped | dead
  int capacity = 0;
  int64_t generation = 1;
  int served = 0;
  int serve_limit = 0;  ///< it takes no new session once served reaches this; 0 = no limit
  int64_t pid = 0;
  int64_t start_time = 0;
  int port = 0;
  int64_t owner_pid = 0;
  int64_t owner_start = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::string detail;
  int users = 0;     ///< live sessions whose server_id is this server
  std::string host;  ///< the host it runs on (migration 0021); "" in older rows
};

/// True when the process (pid, /proc start time) still runs.
using AliveFn = std::function<bool(int64_t pid, int64_t start_time)>;

/// What a claimer is to do with the server it got.
enum class ServerRole {
  kUse,    ///< it is ready: connect
  kStart,  ///< the caller owns its start: spawn it, then server_ready() or server_failed()
  kWait,   ///< another process is starting it: poll get_server() until ready or ended
};

/// The answer of claim_server / restart_server.
struct ServerClaim {
  ServerRole role = ServerRole::kWait;
  ServerRow server;
  /// Servers the claim found abandoned while starting (their starter is gone) after their process
  /// was spawned: marked dead; the caller stops their process if it still runs.
  std::vector<ServerRow> to_stop;
};

/// What a claim asks for.
struct ServerRequest {
  std::string session_id;  ///< the session that will use the server
  std::string backend;     ///< "opencode"
  std::string key;         ///< sessions share only servers with the same key
  int capacity = 1;        ///< users at once of a server this claim starts
  int serve_limit = 0;     ///< serve_limit of a server this claim starts; 0 = none
  std::string new_id;      ///< id of the row to insert when a new server is needed
  int64_t owner_pid = 0;   ///< the claiming process (owner of a start)
  int64_t owner_start = 0;
};

/// In one transaction: first marks the open servers of (backend, key) whose process (ready) or
/// starting owner is gone `dead`; then attaches the session (sessions.server_id) to the ready one
/// with room (users < capacity, served < its serve_limit) that has the most users (kUse), else to
/// a starting one with room (kWait), else inserts a new `starting` row owned by the claimer
/// (kStart). Errors: orch::Error from SQLite; kExitNotFound for an unknown session.
ServerClaim claim_server(Registry& reg, const ServerRequest& req, const AliveFn& alive);

/// The server's start went well: records its process and port, state `ready`, if the row is
/// still `starting` at `generation`. Returns false (writing nothing) otherwise.
bool server_ready(Registry& reg, const std::string& id, int64_t generation, int64_t pid,
                  int64_t start_time, int port);

/// The starter spawned the server's process (not healthy yet): records its pid and start time, so
/// that it can be stopped if the starter goes away. False when the row is not starting at
/// `generation`.
bool server_spawned(Registry& reg, const std::string& id, int64_t generation, int64_t pid,
                    int64_t start_time);

/// Ends a server row at `generation` (state `dead` or `stopped`, with `detail`) unless it has
/// ended already or moved on to a later generation. Returns false when it wrote nothing.
bool server_ended(Registry& reg, const std::string& id, int64_t generation,
                  const std::string& state, const std::string& detail);

/// After the server's process (as of `generation`) died, in one transaction: when the row is still
/// at `generation` (ready, or already marked dead), the caller becomes the restarter (generation +
/// 1, state `starting`, owner = the caller; kStart); when another process restarts it (a later
/// generation, starting) the caller waits (kWait); when it is ready at a later generation, kUse.
/// std::nullopt when the row was stopped, a later generation ended too, or the row is gone.
std::optional<ServerClaim> restart_server(Registry& reg, const std::string& id, int64_t generation,
                                          int64_t owner_pid, int64_t owner_start);

/// Detaches the session from its server (server_id = NULL). A starting server left with no user
/// (its starter's session ended) is marked `dead` and returned when its process was spawned. When
/// it leaves a ready server with no user and either no live session of its backend waits for one
/// (queued or starting, not attached) or it has served its serve_limit (it takes nobody any more),
/// marks it `stopped` in the same transaction and returns it: the caller stops its process.
std::optional<ServerRow> release_server(Registry& reg, const std::string& session_id);

/// The server the session is attached to (sessions.server_id), if any.
std::optional<ServerRow> server_of(Registry& reg, const std::string& session_id);

/// The server with this id, if any.
std::optional<ServerRow> get_server(Registry& reg, const std::string& id);

/// Every server row (`open_only`: starting or ready), newest first.
std::vector<ServerRow> list_servers(Registry& reg, bool open_only);

/// True when a server is `starting` or `ready` (a read, no lock): reap_servers has work to look at.
bool has_open_servers(Registry& reg);

/// Housekeeping, one transaction: starting servers whose starter is gone become `dead` (and are
/// returned when their process was spawned); ready servers whose process is gone become `dead`;
/// ready
/// servers with no user, no live session of their backend waiting (queued/starting unattached),
/// and no change for `idle_ms` become `stopped` and are returned: the caller stops their process.
std::vector<ServerRow> reap_servers(Registry& reg, int64_t now, int64_t idle_ms,
                                    const AliveFn& alive);

/// Servers marked `stopped` or `dead` at least `min_age_ms` before `now` whose process still
/// runs (`alive`): a releaser that stopped one died before its process was gone, or the process
/// survived its SIGTERM. Read only (no lock); the caller ends their process groups.
std::vector<ServerRow> lingering_servers(Registry& reg, int64_t now, int64_t min_age_ms,
                                         const AliveFn& alive);

}  // namespace orch::registry
