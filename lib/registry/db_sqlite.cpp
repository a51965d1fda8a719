// The SQLite dialect of db::Conn: the registry file as it always was (prepared statements,
// BEGIN IMMEDIATE with retries on SQLITE_BUSY).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"

namespace orch::registry::db {
namespace {

// Runs `sql`; while SQLite answers SQLITE_BUSY (its busy timeout already spent), retries with
// jittered exponential back-off until `budget_ms` is spent. Returns the last result code.
int lite_exec_busy_retry(sqlite3* db, const char* sql, int64_t budget_ms) {
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

class LiteStatement final : public Statement {
 public:
  LiteStatement(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~LiteStatement() override { sqlite3_finalize(st_); }
  LiteStatement(const LiteStatement&) = delete;
  LiteStatement& operator=(const LiteStatement&) = delete;

  void bind_int(int i, int64_t v) override { check(sqlite3_bind_int64(st_, i, v)); }
  void bind_real(int i, double v) override { check(sqlite3_bind_double(st_, i, v)); }
  void bind_text(int i, std::string_view v) override {
    // A null pointer would bind NULL; an empty string must stay an empty string.
    const char* data = v.data() ? v.data() : "";
    check(sqlite3_bind_text64(st_, i, data, v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind_null(int i) override { check(sqlite3_bind_null(st_, i)); }
  StepResult try_step() override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return StepResult::kRow;
    if (rc == SQLITE_DONE) return StepResult::kDone;
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return StepResult::kUniqueViolation;
    return StepResult::kError;
  }
  void reset(bool clear) override {
    sqlite3_reset(st_);
    if (clear) sqlite3_clear_bindings(st_);
  }
  int column_count() const override { return sqlite3_column_count(st_); }
  int64_t col_int(int c) const override { return sqlite3_column_int64(st_, c); }
  double col_real(int c) const override { return sqlite3_column_double(st_, c); }
  std::string col_text(int c) const override {
    const unsigned char* p = sqlite3_column_text(st_, c);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(st_, c)));
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw Error(lite_context(), sqlite3_errmsg(db_));
  }
  std::string lite_context() const {
    const char* file = sqlite3_db_filename(db_, "main");
    return std::string("registry ") + (file && *file ? file : ":memory:");
  }
  sqlite3* db_;
  sqlite3_stmt* st_;
};

class LiteConn final : public Conn {
 public:
  explicit LiteConn(sqlite3* db) : db_(db) {}
  ~LiteConn() override { sqlite3_close_v2(db_); }
  LiteConn(const LiteConn&) = delete;
  LiteConn& operator=(const LiteConn&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string context() const override {
    const char* file = sqlite3_db_filename(db_, "main");
    return std::string("registry ") + (file && *file ? file : ":memory:");
  }
  std::string last_error() const override { return sqlite3_errmsg(db_); }
  std::unique_ptr<Statement> prepare(std::string_view sql) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) !=
        SQLITE_OK) {
      fail(this);
    }
    return std::make_unique<LiteStatement>(db_, st);
  }
  void exec(const char* sql) override {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(this);
  }
  bool begin_write(int64_t budget_ms) override {
    int rc = lite_exec_busy_retry(db_, "BEGIN IMMEDIATE", budget_ms);
    if (is_busy(rc)) return false;
    if (rc != SQLITE_OK) fail(this);
    return true;
  }
  void commit() override {
    if (lite_exec_busy_retry(db_, "COMMIT", kRetryBudgetMs) != SQLITE_OK) {
      Error err(context(), sqlite3_errmsg(db_));
      rollback();
      throw err;
    }
  }
  void rollback() noexcept override {
    // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL or an I/O error).
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void rollback_to(const char* name) noexcept override {
    if (sqlite3_get_autocommit(db_)) return;
    std::string sql = std::string("ROLLBACK TO ") + name + "; RELEASE " + name;
    sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  int64_t changes() const override { return sqlite3_changes(db_); }
  void set_lock_wait(int64_t ms) override {
    sqlite3_busy_timeout(db_, static_cast<int>(std::clamp<int64_t>(ms, 0, kBusyTimeoutMs)));
  }
  sqlite3* sqlite() override { return db_; }
  void listen(const std::string& /*channel*/) override {
    if (!listening_) seen_version_ = data_version();
    listening_ = true;
  }
  bool wait_for_notify(int64_t timeout_ms) override {
    if (!listening_) listen("");
    const int64_t deadline = steady_ms() + std::max<int64_t>(0, timeout_ms);
    for (;;) {
      const int64_t v = data_version();
      if (v != seen_version_) {
        seen_version_ = v;
        return true;
      }
      const int64_t left = deadline - steady_ms();
      if (left <= 0) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(left, kNotifyPollMs)));
    }
  }
  void notify(const std::string& /*channel*/, const std::string& /*payload*/) override {}

 private:
  // PRAGMA data_version: changes when another connection committed since the last read.
  int64_t data_version() {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA data_version", -1, &st, nullptr) != SQLITE_OK) fail(this);
    if (sqlite3_step(st) != SQLITE_ROW) {
      Error err(context(), sqlite3_errmsg(db_));
      sqlite3_finalize(st);
      throw err;
    }
    const int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  sqlite3* db_;
  bool listening_ = false;
  int64_t seen_version_ = 0;
};

}  // namespace

std::unique_ptr<Conn> wrap_sqlite(sqlite3* db) {
  return std::make_unique<LiteConn>(db);
}

void exec_retrying(Conn* db, const char* sql) {
  sqlite3* lite = db->sqlite();
  if (!lite) return db->exec(sql);
  if (lite_exec_busy_retry(lite, sql, kRetryBudgetMs) != SQLITE_OK) fail(db);
}

}  // namespace orch::registry::db
