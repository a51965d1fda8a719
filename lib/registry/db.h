// Private database layer of lib/registry: one abstract connection (Conn) and statement
// (Statement) with two dialects, SQLite (db_sqlite.cpp, the embedded default) and PostgreSQL
// through libpq (db_pg.cpp). The registry's logic is written once against db::Stmt and the free
// functions below; docs/registry-postgresql.md lists what differs between the dialects and how
// each difference is handled. Errors are orch::Error shaped `registry <where>: <cause>`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace orch::registry::db {

/// Which SQL engine a connection talks to.
enum class Dialect { kSqlite, kPostgres };

/// How one step of a statement ended, for callers that handle a failure themselves.
enum class StepResult { kRow, kDone, kUniqueViolation, kError };

/// One prepared statement of one dialect; parameters are 1-based, columns 0-based. Use through
/// db::Stmt. Errors: orch::Error.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void bind_int(int i, int64_t v) = 0;
  virtual void bind_real(int i, double v) = 0;
  virtual void bind_text(int i, std::string_view v) = 0;
  virtual void bind_null(int i) = 0;
  /// Steps once without throwing; on kError / kUniqueViolation the connection's error message
  /// says why.
  virtual StepResult try_step() = 0;
  /// Makes the statement runnable again; `clear` also drops the bindings.
  virtual void reset(bool clear) = 0;
  virtual int column_count() const = 0;
  virtual int64_t col_int(int c) const = 0;
  virtual double col_real(int c) const = 0;
  /// Text of column `c`; empty for NULL.
  virtual std::string col_text(int c) const = 0;
};

/// One connection to a registry database. Use from one thread at a time.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  /// "registry <file>" or "registry <url with its password masked>": the context of its errors.
  virtual std::string context() const = 0;
  /// The last error's message (never holding a password).
  virtual std::string last_error() const = 0;
  /// Prepares `sql` written with SQLite's placeholders (?, ?N); throws orch::Error.
  virtual std::unique_ptr<Statement> prepare(std::string_view sql) = 0;
  /// Runs constant SQL (possibly several statements); throws orch::Error.
  virtual void exec(const char* sql) = 0;
  /// Begins the registry's write transaction (SQLite: BEGIN IMMEDIATE, the write lock; PostgreSQL:
  /// BEGIN ISOLATION LEVEL READ COMMITTED plus the transaction-level advisory lock that stands for
  /// SQLite's write lock). Waits up to `budget_ms`; false when the lock stayed taken.
  virtual bool begin_write(int64_t budget_ms) = 0;
  /// COMMIT; on failure rolls back and throws orch::Error.
  virtual void commit() = 0;
  /// Rolls back the open transaction, if any; never throws.
  virtual void rollback() noexcept = 0;
  /// Undoes the writes since SAVEPOINT `name` (after a failure inside it); never throws.
  virtual void rollback_to(const char* name) noexcept = 0;
  /// Rows changed by the last INSERT/UPDATE/DELETE run on this connection.
  virtual int64_t changes() const = 0;
  /// How long a statement waits for a lock held by another connection.
  virtual void set_lock_wait(int64_t ms) = 0;
  /// The SQLite handle (nullptr on PostgreSQL), for SQLite-only tools (doctor, benchmarks).
  virtual sqlite3* sqlite() { return nullptr; }
  /// Subscribes this connection to wake-ups on `channel` (PostgreSQL: LISTEN, kept across a
  /// reconnect; SQLite: remembers PRAGMA data_version, every channel at once). Throws
  /// orch::Error.
  virtual void listen(const std::string& channel) = 0;
  /// Waits up to `timeout_ms` for a wake-up since the last wait (or listen): PostgreSQL, a
  /// NOTIFY on a listened channel (or a reconnect, after which notifications may have been
  /// missed); SQLite, a commit by another connection (PRAGMA data_version, polled every
  /// kNotifyPollMs). True when woken, false on timeout. Throws orch::Error when the server
  /// stays unreachable.
  virtual bool wait_for_notify(int64_t timeout_ms) = 0;
  /// Queues a notification of `channel` with `payload`, sent when the current transaction
  /// commits (PostgreSQL: pg_notify); SQLite: nothing (its commit is the wake-up).
  virtual void notify(const std::string& channel, const std::string& payload) = 0;
};

/// How often SQLite's wait_for_notify reads PRAGMA data_version, in milliseconds.
inline constexpr int64_t kNotifyPollMs = 50;

/// Wraps an open SQLite handle (taking ownership: closed with the Conn) named `file` in errors.
std::unique_ptr<Conn> wrap_sqlite(sqlite3* db);
/// Connects to PostgreSQL at `url` (postgresql://... or postgres://...; libpq reads passwords
/// from the URL, PGPASSFILE or ~/.pgpass). Errors: orch::Error `registry <masked url>: <cause>`
/// with no password in it, e.g. when the server is unreachable or refuses the credentials.
std::unique_ptr<Conn> connect_postgres(const std::string& url);

/// True when `location` names a PostgreSQL database (postgresql:// or postgres://).
bool is_postgres_url(std::string_view location);
/// `url` with the password (user:PASSWORD@ and password=... parameters) replaced by "***".
std::string mask_url(std::string_view url);
/// SQLite's placeholders (?, ?N) rewritten as PostgreSQL's ($N), outside quotes and comments;
/// `*count` (if given) gets the highest parameter number, `*used` (if given) which numbers occur
/// (index n-1 for ?n).
std::string to_pg_placeholders(std::string_view sql, int* count = nullptr,
                               std::vector<bool>* used = nullptr);

/// A migration's SQLite DDL as PostgreSQL's: INTEGER -> BIGINT (SQLite's integers are 64-bit),
/// INTEGER PRIMARY KEY -> an identity column (SQLite's rowid), REAL -> DOUBLE PRECISION.
std::string to_pg_ddl(std::string_view sql);

/// "registry <file>" / "registry <masked url>", the context of every error about `db`.
std::string context(Conn* db);

/// Throws orch::Error(context(db), db->last_error()).
[[noreturn]] void fail(Conn* db);

/// Throws orch::Error (exit code kExitNotFound) for an unknown session id.
[[noreturn]] void no_such_session(const std::string& session_id);

/// True for SQLITE_BUSY and its extended codes.
bool is_busy(int rc);

/// Runs constant SQL (no values; those go through Stmt). Throws orch::Error on failure.
void exec(Conn* db, const char* sql);

/// Runs constant SQL like exec; on SQLite retries with short jittered sleeps for up to about 60 s
/// in total while SQLite answers SQLITE_BUSY even after its busy timeout.
void exec_retrying(Conn* db, const char* sql);

/// SQLite's busy timeout on every registry connection: how long a statement waits for a lock.
inline constexpr int kBusyTimeoutMs = 30000;

/// How long begin_immediate and commit keep retrying, by default, after SQLite itself gave up with
/// SQLITE_BUSY (its busy timeout spent).
inline constexpr int64_t kRetryBudgetMs = 60000;

/// Begins the write transaction (Conn::begin_write), waiting up to `budget_ms` for the write
/// lock; throws orch::Error when it stays taken.
void begin_immediate(Conn* db, int64_t budget_ms = kRetryBudgetMs);
/// Begins the write transaction, waiting only as long as the connection's lock wait: false
/// (nothing begun) when another connection holds the write lock. Throws orch::Error otherwise.
bool try_begin_immediate(Conn* db);
/// COMMIT, retried on SQLite while it answers SQLITE_BUSY.
void commit(Conn* db);
/// ROLLBACK if a transaction is still open; never throws.
void rollback(Conn* db) noexcept;

/// One prepared statement (an owning handle on a Statement of the connection's dialect);
/// parameters are 1-based, columns 0-based.
class Stmt {
 public:
  Stmt(Conn* db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind_int(int i, int64_t v);
  Stmt& bind_real(int i, double v);
  Stmt& bind_text(int i, std::string_view v);
  /// Binds NULL for an empty string.
  Stmt& bind_text_or_null(int i, std::string_view v);
  /// Binds NULL for 0.
  Stmt& bind_int_or_null(int i, int64_t v);

  /// Steps once: true when a row is ready, false when done. Throws orch::Error on failure.
  bool step();
  /// Steps once without throwing.
  StepResult try_step();
  /// Steps to the end (for writes). Throws orch::Error on failure.
  void run();
  /// Resets the statement so it can run again with new bindings.
  void reset();

  /// Number of columns in the result.
  int column_count() const;
  int64_t col_int(int c) const;
  double col_real(int c) const;
  /// Text of column `c`; empty for NULL.
  std::string col_text(int c) const;
  /// The connection it runs on.
  Conn* conn() const { return db_; }

 private:
  Conn* db_;
  std::unique_ptr<Statement> st_;
};

/// Runs an `INSERT ... RETURNING id` (both dialects: SQLite 3.35+ and PostgreSQL) and returns
/// the new row's id. Throws orch::Error on failure.
int64_t insert_returning_id(Stmt& st);

}  // namespace orch::registry::db
