// The registry: one SQLite file ($ORCH_HOME/orch.db), the one source of truth, shared by many
// orch processes at once (WAL, busy timeout, every write in a BEGIN IMMEDIATE transaction).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/registry/types.h"

struct sqlite3;

namespace orch::registry {
namespace db {
class Conn;
}

/// The environment variable that puts the registry in PostgreSQL: when it is set (cmd also sets
/// it from config.toml's [registry] url), Registry::open(path) opens open_postgres(its URL, path).
inline constexpr const char* kRegistryUrlEnv = "ORCH_REGISTRY_URL";

/// The wake-up channel of the queue (Registry::listen): notified, in the same transaction, when
/// a session is queued and when one ends (a pool slot may be free); the payload is its id.
inline constexpr const char* kQueueChannel = "orch_queue";
/// The wake-up channel of the inbox: notified when a message is posted to a session (orch
/// nudge); the payload is the session's id.
inline constexpr const char* kInboxChannel = "orch_inbox";

/// Filters for list_sessions.
struct SessionFilter {
  bool live_only = false;        ///< only queued/starting/running/waiting
  bool active_only = false;      ///< only starting/running/waiting (those holding a pool slot)
  std::string unit;              ///< units.name, empty = any
  std::vector<std::string> ids;  ///< session ids, empty = any
  std::string convoy;            ///< convoys.name its unit belongs to, empty = any
  /// Paging (the dashboard's /api/sessions): at most `limit` rows (0 = all), and only those after
  /// the session `after` in the list's order (newest first, ties by id); an unknown `after`
  /// matches nothing.
  size_t limit = 0;
  std::string after;
};

/// What a terminal update writes along with the state.
struct Outcome {
  std::string summary;
  std::string error;
  std::string commit_id;
  std::string diffstat;
  std::string note = {};  ///< why it ended when that is no error (a stop, a handoff)
};

/// One SQLite connection to the registry. Use it from one thread at a time (its transaction
/// depth is per object); other threads and processes open their own.
class Registry {
 public:
  /// Opens the registry at `path` and applies pending migrations, each in one transaction,
  /// recorded in schema_migrations. A missing file is created whole (with its parent folder):
  /// built under a temporary name and linked into place, so an existing file is never half made.
  /// Errors: orch::Error when the file cannot be opened, is empty (0 bytes) or is not an orch
  /// registry (naming the file and how to recover; it is never replaced by a new registry), a
  /// migration fails (the registry is left as it was), or its schema is newer than this binary.
  /// With ORCH_REGISTRY_URL set, opens that PostgreSQL database instead (open_postgres; `path`
  /// is then only what file() answers); a value that is not a postgresql:// URL is an error.
  static std::unique_ptr<Registry> open(const std::filesystem::path& path);
  /// Opens the registry in the PostgreSQL database at `url` (postgresql://...; the password from
  /// the URL, PGPASSFILE or ~/.pgpass) and applies pending migrations, each in one transaction
  /// under the registry's write lock (docs/registry-postgresql.md). `home_file` is what file()
  /// answers ($ORCH_HOME/orch.db: its folder holds servers/ and worktrees/). Errors: orch::Error
  /// `registry <url, password masked>: <cause>` when the server is unreachable, refuses the
  /// credentials, a migration fails, or the schema is newer than this binary (nothing written).
  static std::unique_ptr<Registry> open_postgres(const std::string& url,
                                                 const std::filesystem::path& home_file);
  /// Closes the connection.
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// The highest applied migration version.
  int schema_version();

  /// Runs `fn` inside one BEGIN IMMEDIATE transaction; commits if it returns, rolls back and
  /// rethrows if it throws. Nested calls join the outer transaction (as a savepoint, so a nested
  /// call that throws undoes only its own writes). Waits up to ~60 s for the write lock.
  void transaction(const std::function<void()>& fn);
  /// As transaction(), but waits at most `wait_ms` for the write lock: returns false, running
  /// nothing, when another connection holds it longer (for work that may be skipped, such as the
  /// upkeep a listing does). Inside a transaction it joins it and returns true.
  bool try_transaction(const std::function<void()>& fn, int64_t wait_ms);
  /// How long transaction() waits for the write lock before it throws (default 60 s; SQLite's
  /// busy timeout is at most 30 s of it). For tests and callers that must not block long.
  void set_lock_wait(int64_t ms);

  // --- units ---
  /// Inserts the unit, or returns the existing one with the same (repo, name) (its prompt is
  /// updated to `u.prompt`). Returns the unit with its id.
  Unit upsert_unit(const Unit& u);
  /// The unit named `name` in repository `repo`, if any.
  std::optional<Unit> find_unit(const std::string& repo, const std::string& name);
  /// The unit with this id, if any.
  std::optional<Unit> get_unit(int64_t id);

  // --- sessions ---
  /// Inserts a new session and its first state change (source as given, "cli:sling" if empty).
  /// started_at defaults to now (and ended_at too for a terminal state). Errors: kExitConflict when
  /// the unit already has a live session (one_live_session_per_unit).
  void insert_session(const Session& s, const std::string& source);
  /// The session with this id (joined with its unit), if any.
  std::optional<Session> get_session(const std::string& id);
  /// Sessions joined with their unit, newest first (started_at descending, then id); one query.
  std::vector<Session> list_sessions(const SessionFilter& f = {});
  /// As list_sessions, but only the columns of SessionBrief (what `orch agents` shows): with
  /// thousands of sessions, reading prompts and options it does not print dominated its time.
  std::vector<SessionBrief> list_session_briefs(const SessionFilter& f = {});
  /// The live session of a unit, if any.
  std::optional<Session> live_session_of_unit(int64_t unit_id);

  /// Changes the state and appends to session_states in one transaction. For a terminal state
  /// sets ended_at. Returns false (and writes nothing) if the session is already in a terminal
  /// state, so a late writer can never resurrect or overwrite an ended session. Setting the
  /// current (live) state again is not a change: returns true and records nothing.
  /// Errors: kExitNotFound for an unknown session.
  bool set_state(const std::string& session_id, State state, const std::string& source,
                 const std::string& detail = "");
  /// set_state to a terminal state plus the outcome columns (empty fields keep what is there;
  /// outcome.error, else outcome.note, is also the state change's detail), in one transaction.
  /// Throws orch::Error for a live `state`.
  bool finish(const std::string& session_id, State state, const std::string& source,
              const Outcome& outcome);
  /// Every state change of the session, oldest first.
  std::vector<StateChange> state_history(const std::string& session_id);

  // The setters below throw orch::Error with kExitNotFound for an unknown session.
  /// Records the supervisor process (pid and /proc start time; 0 stores NULL).
  void set_supervisor(const std::string& session_id, int64_t pid, int64_t start_time);
  /// Records the agent's process id (0 stores NULL).
  void set_agent_pid(const std::string& session_id, int64_t pid);
  /// Records the agent's own session id.
  void set_agent_session_id(const std::string& session_id, const std::string& agent_session_id);
  /// Adds `u` to the session's usage counters.
  void add_usage(const std::string& session_id, const Usage& u);
  /// Sets usage to running totals an agent reported: each counter keeps the larger of the
  /// recorded and the given value (a stopped run's final report may know less than the last
  /// report it made while running).
  void set_usage(const std::string& session_id, const Usage& u);
  /// Sets the session's summary (the agent's final text).
  void set_summary(const std::string& session_id, const std::string& summary);

  // --- events ---
  /// Appends an event and bumps sessions.last_event_at (and tool_calls for kind "tool",
  /// denials for kind "permission" with "denied": true). `at`: when it happened (ms since the
  /// epoch; 0 = now), for events written late. Errors: orch::Error when `json` is not a JSON
  /// object, or the write failed (e.g. the lock stayed busy, the disk is full); kExitNotFound for
  /// an unknown session.
  void add_event(const std::string& session_id, const std::string& kind, const std::string& json,
                 int64_t at = 0);
  /// Events with id > after_id, oldest first.
  std::vector<Event> events(const std::string& session_id, int64_t after_id = 0);

  // --- inbox: messages from orch commands to a session's supervisor (orch nudge) ---
  /// Queues a message of `kind` (e.g. "nudge") with `text` for the session's supervisor.
  /// Returns its id. Errors: kExitNotFound for an unknown session.
  int64_t post_message(const std::string& session_id, const std::string& kind,
                       const std::string& text);
  /// Claims the session's waiting messages, oldest first, in one transaction: their result
  /// becomes kMessageTaken, so no other reader (nor cancel_message) gets them. The caller
  /// settles each one with mark_message.
  std::vector<InboxMessage> take_undelivered_messages(const std::string& session_id);
  /// Settles a waiting or taken message: delivered_at = now, result = `result` (e.g.
  /// "delivered", or why it was not). Returns false, writing nothing, if it was already settled
  /// or does not exist.
  bool mark_message(int64_t id, const std::string& result);
  /// Withdraws a message no reader has taken yet: settles it with `result`. Returns false,
  /// writing nothing, if it was taken or settled already (or does not exist).
  bool cancel_message(int64_t id, const std::string& result);
  /// The message with this id, if any.
  std::optional<InboxMessage> get_message(int64_t id);

  /// SQLite's PRAGMA data_version on this connection: a number that changes when another
  /// connection (another orch process) committed a change since the last call. A cheap test
  /// for "did the registry change", for live views (`orch agents --watch`).
  int64_t data_version();

  // --- wake-ups (docs/registry-postgresql.md, "Wake-ups") ---
  /// Subscribes this connection to `channel` (kQueueChannel, kInboxChannel, or a channel a
  /// caller notifies itself). PostgreSQL: LISTEN (taking effect when the current transaction, if
  /// any, commits; renewed after a reconnect). SQLite: wake-ups are any commit by another
  /// connection, whatever the channel. Throws orch::Error.
  void listen(const std::string& channel);
  /// Blocks up to `timeout_ms` (milliseconds) for a wake-up since the last call (or listen):
  /// true when one came, false on timeout. PostgreSQL: a NOTIFY on a listened channel, waited
  /// for on the connection's socket with poll(); also true after the connection was reopened
  /// (notifications may have been missed). SQLite: PRAGMA data_version polled every
  /// db::kNotifyPollMs. Wake-ups may be spurious: the caller re-reads the registry. Call it
  /// outside a transaction. Throws orch::Error when the server stays unreachable.
  bool wait_for_notify(int64_t timeout_ms);
  /// Notifies `channel` with `payload` when the current transaction commits (at once outside
  /// one). PostgreSQL: pg_notify; SQLite: nothing to do (the commit itself wakes waiters).
  void notify(const std::string& channel, const std::string& payload = "");

  /// The SQLite handle, for SQLite-only tools, benchmarks and tests; nullptr on PostgreSQL.
  sqlite3* handle();
  /// The connection (either dialect), for lib/registry's own code.
  db::Conn* conn() { return db_; }
  /// True when this registry lives in PostgreSQL ([registry] url, ORCH_REGISTRY_URL).
  bool is_postgres() const;
  /// The host id of the home this registry was opened from (lib/home.h host_id of file()'s
  /// folder), made on first use. Errors: what host_id throws.
  const std::string& host();
  /// The registry file's path, as given to open() (in $ORCH_HOME, beside servers/ and
  /// worktrees/).
  const std::filesystem::path& file() const { return file_; }

 private:
  Registry(std::unique_ptr<db::Conn> db, std::filesystem::path file);
  // Runs `fn` in the transaction just begun: commits, or rolls back and rethrows.
  void run_in_transaction(const std::function<void()>& fn);
  db::Conn* db_;  // owned: deleted by the destructor
  std::filesystem::path file_;
  int tx_depth_ = 0;
  std::string host_;
  int64_t lock_wait_ms_;
};

}  // namespace orch::registry
