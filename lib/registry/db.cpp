#include "lib/registry/db.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"

namespace orch::registry::db {
namespace {

// Runs `sql`; while SQLite answers SQLITE_BUSY (its busy timeout already spent), retries with
// jittered exponential back-off until `budget_ms` is spent. Returns the last result code.
int exec_busy_retry(sqlite3* db, const char* sql, int64_t budget_ms = kRetryBudgetMs) {
  const int64_t deadline = steady_ms() + budget_ms;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (!is_busy(rc)) return rc;
  // Jitter so that racing processes do not retry in lockstep.
  std::minstd_rand rng(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(steady_ms()));
  int64_t pause_ms = 2;
  while (is_busy(rc) && steady_ms() < deadline) {
    std::uniform_int_distribution<int64_t> jitter(0, pause_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms + jitter(rng)));
    pause_ms = std::min<int64_t>(pause_ms * 2, 100);
    rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  }
  return rc;
}

}  // namespace

std::string context(sqlite3* db) {
  const char* file = sqlite3_db_filename(db, "main");
  return std::string("registry ") + (file && *file ? file : ":memory:");
}

void fail(sqlite3* db) {
  throw Error(context(db), sqlite3_errmsg(db));
}

void no_such_session(const std::string& session_id) {
  throw Error("session '" + session_id + "'", "no such session", kExitNotFound);
}

bool is_busy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY;
}

void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db);
}

void exec_retrying(sqlite3* db, const char* sql) {
  if (exec_busy_retry(db, sql) != SQLITE_OK) fail(db);
}

void begin_immediate(sqlite3* db, int64_t budget_ms) {
  if (exec_busy_retry(db, "BEGIN IMMEDIATE", budget_ms) != SQLITE_OK) fail(db);
}

bool try_begin_immediate(sqlite3* db) {
  int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (is_busy(rc)) return false;
  if (rc != SQLITE_OK) fail(db);
  return true;
}

void commit(sqlite3* db) {
  if (exec_busy_retry(db, "COMMIT") != SQLITE_OK) {
    Error err(context(db), sqlite3_errmsg(db));
    rollback(db);
    throw err;
  }
}

void rollback(sqlite3* db) noexcept {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL or an I/O error).
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st_, nullptr) !=
      SQLITE_OK) {
    fail(db);
  }
}

Stmt::~Stmt() {
  sqlite3_finalize(st_);
}

Stmt& Stmt::bind_int(int i, int64_t v) {
  if (sqlite3_bind_int64(st_, i, v) != SQLITE_OK) fail(db_);
  return *this;
}

Stmt& Stmt::bind_real(int i, double v) {
  if (sqlite3_bind_double(st_, i, v) != SQLITE_OK) fail(db_);
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view v) {
  // A null pointer would bind NULL; an empty string must stay an empty string.
  const char* data = v.data() ? v.data() : "";
  if (sqlite3_bind_text64(st_, i, data, v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
    fail(db_);
  }
  return *this;
}

Stmt& Stmt::bind_text_or_null(int i, std::string_view v) {
  if (!v.empty()) return bind_text(i, v);
  if (sqlite3_bind_null(st_, i) != SQLITE_OK) fail(db_);
  return *this;
}

Stmt& Stmt::bind_int_or_null(int i, int64_t v) {
  if (v != 0) return bind_int(i, v);
  if (sqlite3_bind_null(st_, i) != SQLITE_OK) fail(db_);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_);
}

int Stmt::step_rc() {
  return sqlite3_step(st_);
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int Stmt::column_count() const {
  return sqlite3_column_count(st_);
}

int64_t Stmt::col_int(int c) const {
  return sqlite3_column_int64(st_, c);
}

double Stmt::col_real(int c) const {
  return sqlite3_column_double(st_, c);
}

std::string Stmt::col_text(int c) const {
  const unsigned char* p = sqlite3_column_text(st_, c);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(st_, c)));
}

}  // namespace orch::registry::db
