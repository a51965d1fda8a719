// Private SQLite helpers for lib/registry: prepared statements with bound parameters, errors
// shaped `registry <file>: <cause>`, and BEGIN IMMEDIATE / COMMIT with retries on SQLITE_BUSY.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace orch::registry::db {

/// "registry <file>", the context of every error about the database `db`.
std::string context(sqlite3* db);

/// Throws orch::Error(context(db), sqlite3_errmsg(db)).
[[noreturn]] void fail(sqlite3* db);

/// Throws orch::Error (exit code kExitNotFound) for an unknown session id.
[[noreturn]] void no_such_session(const std::string& session_id);

/// True for SQLITE_BUSY and its extended codes.
bool is_busy(int rc);

/// Runs constant SQL (no values; those go through Stmt). Throws orch::Error on failure.
void exec(sqlite3* db, const char* sql);

/// Runs constant SQL like exec, retrying with short jittered sleeps for up to about 60 s in
/// total while SQLite answers SQLITE_BUSY even after its busy timeout.
void exec_retrying(sqlite3* db, const char* sql);

/// SQLite's busy timeout on every registry connection: how long a statement waits for a lock.
inline constexpr int kBusyTimeoutMs = 30000;

/// How long begin_immediate and commit keep retrying, by default, after SQLite itself gave up with
/// SQLITE_BUSY (its busy timeout spent).
inline constexpr int64_t kRetryBudgetMs = 60000;

/// BEGIN IMMEDIATE; the busy timeout waits for the write lock, and if SQLite still answers
/// SQLITE_BUSY it is retried with short sleeps for up to `budget_ms` in total.
void begin_immediate(sqlite3* db, int64_t budget_ms = kRetryBudgetMs);
/// BEGIN IMMEDIATE once, waiting only as long as the connection's busy timeout: false (nothing
/// begun) when another connection holds the write lock. Throws orch::Error on other failures.
bool try_begin_immediate(sqlite3* db);
/// COMMIT, retried like begin_immediate while SQLite answers SQLITE_BUSY.
void commit(sqlite3* db);
/// ROLLBACK if a transaction is still open; never throws.
void rollback(sqlite3* db) noexcept;

/// One prepared statement; parameters are 1-based, columns 0-based.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
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
  /// Steps once and returns SQLite's result code without throwing.
  int step_rc();
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

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace orch::registry::db
