// Registry lifetime, transactions and the schema version.
#include "lib/registry/registry.h"

#include <algorithm>
#include <utility>

#include "lib/home.h"
#include "lib/registry/db.h"

namespace orch::registry {

Registry::Registry(std::unique_ptr<db::Conn> db, std::filesystem::path file)
    : db_(db.release()), file_(std::move(file)), lock_wait_ms_(db::kRetryBudgetMs) {}

void Registry::set_lock_wait(int64_t ms) {
  lock_wait_ms_ = ms;
  db_->set_lock_wait(std::min<int64_t>(ms, db::kBusyTimeoutMs));
}

Registry::~Registry() {
  delete db_;
}

sqlite3* Registry::handle() {
  return db_->sqlite();
}

const std::string& Registry::host() {
  if (host_.empty()) host_ = host_id(file_.parent_path());
  return host_;
}

bool Registry::is_postgres() const {
  return db_->dialect() == db::Dialect::kPostgres;
}

int Registry::schema_version() {
  db::Stmt st(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  st.step();
  return static_cast<int>(st.col_int(0));
}

int64_t Registry::data_version() {
  // PostgreSQL: the next transaction id to be assigned, which moves whenever any connection
  // writes (a superset of SQLite's "another connection committed", enough for a live view).
  db::Stmt st(db_, db_->dialect() == db::Dialect::kPostgres
                       ? "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
                       : "PRAGMA data_version");
  st.step();
  return st.col_int(0);
}

void Registry::listen(const std::string& channel) {
  db_->listen(channel);
}

bool Registry::wait_for_notify(int64_t timeout_ms) {
  return db_->wait_for_notify(timeout_ms);
}

void Registry::notify(const std::string& channel, const std::string& payload) {
  db_->notify(channel, payload);
}

void Registry::transaction(const std::function<void()>& fn) {
  if (tx_depth_ > 0) {
    // Nested: join the outer transaction; a savepoint lets a caught inner failure undo only
    // the inner writes.
    db::exec(db_, "SAVEPOINT orch_nested");
    ++tx_depth_;
    try {
      fn();
    } catch (...) {
      --tx_depth_;
      db_->rollback_to("orch_nested");
      throw;
    }
    --tx_depth_;
    db::exec(db_, "RELEASE orch_nested");
    return;
  }
  db::begin_immediate(db_, lock_wait_ms_);
  run_in_transaction(fn);
}

bool Registry::try_transaction(const std::function<void()>& fn, int64_t wait_ms) {
  if (tx_depth_ > 0) {
    transaction(fn);
    return true;
  }
  db_->set_lock_wait(std::min<int64_t>(wait_ms, db::kBusyTimeoutMs));
  bool begun = false;
  try {
    begun = db::try_begin_immediate(db_);
  } catch (...) {
    set_lock_wait(lock_wait_ms_);
    throw;
  }
  set_lock_wait(lock_wait_ms_);
  if (!begun) return false;
  run_in_transaction(fn);
  return true;
}

void Registry::run_in_transaction(const std::function<void()>& fn) {
  tx_depth_ = 1;
  try {
    fn();
  } catch (...) {
    tx_depth_ = 0;
    db::rollback(db_);
    throw;
  }
  tx_depth_ = 0;
  db::commit(db_);
}

}  // namespace orch::registry
