#include "lib/registry/db.h"

#include <sqlite3.h>

#include "lib/error.h"

namespace orch::registry::db {

std::string context(Conn* db) {
  return db->context();
}

void fail(Conn* db) {
  throw Error(db->context(), db->last_error());
}

void no_such_session(const std::string& session_id) {
  throw Error("session '" + session_id + "'", "no such session", kExitNotFound);
}

bool is_busy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY;
}

void exec(Conn* db, const char* sql) {
  db->exec(sql);
}

void begin_immediate(Conn* db, int64_t budget_ms) {
  if (!db->begin_write(budget_ms)) fail(db);
}

bool try_begin_immediate(Conn* db) {
  return db->begin_write(0);
}

void commit(Conn* db) {
  db->commit();
}

void rollback(Conn* db) noexcept {
  db->rollback();
}

Stmt::Stmt(Conn* db, std::string_view sql) : db_(db), st_(db->prepare(sql)) {}

Stmt::~Stmt() = default;

Stmt& Stmt::bind_int(int i, int64_t v) {
  st_->bind_int(i, v);
  return *this;
}

Stmt& Stmt::bind_real(int i, double v) {
  st_->bind_real(i, v);
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view v) {
  st_->bind_text(i, v);
  return *this;
}

Stmt& Stmt::bind_text_or_null(int i, std::string_view v) {
  if (!v.empty()) return bind_text(i, v);
  st_->bind_null(i);
  return *this;
}

Stmt& Stmt::bind_int_or_null(int i, int64_t v) {
  if (v != 0) return bind_int(i, v);
  st_->bind_null(i);
  return *this;
}

bool Stmt::step() {
  switch (st_->try_step()) {
    case StepResult::kRow:
      return true;
    case StepResult::kDone:
      return false;
    default:
      fail(db_);
  }
}

StepResult Stmt::try_step() {
  return st_->try_step();
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  st_->reset(true);
}

int Stmt::column_count() const {
  return st_->column_count();
}

int64_t Stmt::col_int(int c) const {
  return st_->col_int(c);
}

double Stmt::col_real(int c) const {
  return st_->col_real(c);
}

std::string Stmt::col_text(int c) const {
  return st_->col_text(c);
}

int64_t insert_returning_id(Stmt& st) {
  if (!st.step()) fail(st.conn());
  const int64_t id = st.col_int(0);
  st.run();
  return id;
}

}  // namespace orch::registry::db
