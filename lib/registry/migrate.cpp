// Registry::open: the connection's settings and the schema migrations (migrations/*.sql).
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <system_error>

#include <spdlog/spdlog.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/migrations.h"
#include "lib/registry/registry.h"

namespace orch::registry {
namespace {

constexpr int kBusyTimeoutMs = 30000;

bool has_migrations_table(sqlite3* db) {
  db::Stmt st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind_text(1, "schema_migrations");
  return st.step();
}

// The versions recorded in schema_migrations (none when the table does not exist yet).
std::set<int> applied_versions(sqlite3* db) {
  std::set<int> out;
  if (!has_migrations_table(db)) return out;
  db::Stmt st(db, "SELECT version FROM schema_migrations");
  while (st.step()) out.insert(static_cast<int>(st.col_int(0)));
  return out;
}

void refuse_if_newer(const std::filesystem::path& path, const std::set<int>& applied, int newest) {
  if (!applied.empty() && *applied.rbegin() > newest) {
    throw Error(path.string(), "registry schema version " + std::to_string(*applied.rbegin()) +
                                   " is newer than this orch (knows up to " +
                                   std::to_string(newest) + "); upgrade orch");
  }
}

// Applies `m` in its own BEGIN IMMEDIATE transaction unless another process got there first
// (checked again while holding the write lock).
void apply(sqlite3* db, const std::filesystem::path& path, const Migration& m, int newest) {
  db::begin_immediate(db);
  try {
    db::exec(db,
             "CREATE TABLE IF NOT EXISTS schema_migrations ("
             "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    std::set<int> applied = applied_versions(db);
    refuse_if_newer(path, applied, newest);
    if (!applied.count(m.version)) {
      char* msg = nullptr;
      if (sqlite3_exec(db, m.sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string cause = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        throw Error(db::context(db), "migration " + std::string(m.name) + " failed: " + cause);
      }
      db::Stmt ins(db,
                   "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      ins.bind_int(1, m.version).bind_text(2, m.name).bind_int(3, now_ms()).run();
    }
  } catch (...) {
    db::rollback(db);
    throw;
  }
  db::commit(db);
}

}  // namespace

std::unique_ptr<Registry> Registry::open(const std::filesystem::path& path) {
  const std::string context = "registry " + path.string();
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      throw Error(context, "cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  // From here the Registry owns the handle (sqlite3_open_v2 returns one even when it fails).
  std::unique_ptr<Registry> reg(new Registry(raw, path));
  if (rc != SQLITE_OK) {
    throw Error(context, raw ? sqlite3_errmsg(raw) : "out of memory");
  }
  sqlite3* db = reg->db_;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Connection settings only: nothing here writes to the file.
  db::exec_retrying(db, "PRAGMA foreign_keys=ON");
  db::exec_retrying(db, "PRAGMA synchronous=NORMAL");

  const auto& all = embedded_migrations();
  const int newest = all.empty() ? 0 : all.back().version;
  std::set<int> applied = applied_versions(db);
  // Checked before anything is written, so a newer registry is left exactly as it was.
  refuse_if_newer(path, applied, newest);

  // The switch to WAL (a no-op once the file is in WAL mode) needs a moment of exclusive access,
  // which other processes opening the same fresh file may hold: retried like a write.
  db::exec_retrying(db, "PRAGMA journal_mode=WAL");
  int applied_now = 0;
  for (const Migration& m : all) {
    if (applied.count(m.version)) continue;
    spdlog::debug("registry {}: applying migration {}", path.string(), m.name);
    apply(db, path, m, newest);
    ++applied_now;
  }
  spdlog::debug("registry {}: schema version {} ({} migration(s) applied now)", path.string(),
                newest, applied_now);
  return reg;
}

}  // namespace orch::registry
