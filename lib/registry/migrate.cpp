// Registry::open: the connection's settings and the schema migrations (migrations/*.sql).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <algorithm>
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

bool has_migrations_table(db::Conn* db) {
  db::Stmt st(db, db->dialect() == db::Dialect::kPostgres
                      ? "SELECT 1 WHERE to_regclass(?1) IS NOT NULL"
                      : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind_text(1, "schema_migrations");
  return st.step();
}

// The versions recorded in schema_migrations (none when the table does not exist yet).
std::set<int> applied_versions(db::Conn* db) {
  std::set<int> out;
  if (!has_migrations_table(db)) return out;
  db::Stmt st(db, "SELECT version FROM schema_migrations");
  while (st.step()) out.insert(static_cast<int>(st.col_int(0)));
  return out;
}

// Refuses a registry holding a migration this binary does not have: a newer version, or one
// below the newest this binary knows but not among its own (made by a newer or another build,
// whose tables this binary would not keep up). Nothing is written before this check.
void refuse_if_newer(const std::string& where, const std::set<int>& applied, int newest) {
  if (!applied.empty() && *applied.rbegin() > newest) {
    throw Error(where, "registry schema version " + std::to_string(*applied.rbegin()) +
                           " is newer than this orch (knows up to " + std::to_string(newest) +
                           "); upgrade orch");
  }
  for (int v : applied) {
    const auto& all = embedded_migrations();
    if (std::none_of(all.begin(), all.end(), [v](const Migration& m) { return m.version == v; })) {
      throw Error(where, "registry schema has migration " + std::to_string(v) +
                             ", which this orch does not know (knows up to " +
                             std::to_string(newest) + "); upgrade orch");
    }
  }
}

// Applies `m` in its own BEGIN IMMEDIATE transaction unless another process got there first
// (checked again while holding the write lock).
void apply(db::Conn* db, const std::string& where, const Migration& m, int newest) {
  db::begin_immediate(db);
  const bool pg = db->dialect() == db::Dialect::kPostgres;
  try {
    db::exec(db,
             pg ? "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                  "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
                : "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    std::set<int> applied = applied_versions(db);
    refuse_if_newer(where, applied, newest);
    if (!applied.count(m.version)) {
      try {
        if (!pg) {
          db->exec(m.sql);
        } else if (m.pg_sql) {
          db->exec(m.pg_sql);
        } else {
          db->exec(db::to_pg_ddl(m.sql).c_str());
        }
      } catch (const Error&) {
        throw Error(db::context(db),
                    "migration " + std::string(m.name) + " failed: " + db->last_error());
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

// Connection settings, the schema check and pending migrations on an open connection; `path`
// names the file in errors.
void prepare(db::Conn* db, const std::filesystem::path& path) {
  sqlite3_extended_result_codes(db->sqlite(), 1);
  db->set_lock_wait(db::kBusyTimeoutMs);
  // Connection settings only: nothing here writes to the file.
  db::exec_retrying(db, "PRAGMA foreign_keys=ON");
  db::exec_retrying(db, "PRAGMA synchronous=NORMAL");

  const auto& all = embedded_migrations();
  const int newest = all.empty() ? 0 : all.back().version;
  std::set<int> applied = applied_versions(db);
  // Checked before anything is written, so a newer registry is left exactly as it was.
  refuse_if_newer(path.string(), applied, newest);

  // The switch to WAL (a no-op once the file is in WAL mode) needs a moment of exclusive access,
  // which other processes opening the same file may hold: retried like a write.
  db::exec_retrying(db, "PRAGMA journal_mode=WAL");
  int applied_now = 0;
  for (const Migration& m : all) {
    if (applied.count(m.version)) continue;
    spdlog::debug("registry {}: applying migration {}", path.string(), m.name);
    apply(db, path.string(), m, newest);
    ++applied_now;
  }
  spdlog::debug("registry {}: schema version {} ({} migration(s) applied now)", path.string(),
                newest, applied_now);
}

// How to get out of a registry that exists but cannot be used.
std::string recovery(const std::filesystem::path& path) {
  std::string quoted = "'" + path.string() + "'";
  return "restore it from a backup, or move it away to start a new registry (mv " + quoted + " " +
         quoted.substr(0, quoted.size() - 1) + ".broken')";
}

// Creates the registry at `path` whole: built and migrated under a temporary name in the same
// folder, then hard-linked into place, so no process ever sees a half-made registry (a zero-length
// orch.db is therefore never a registry being created, always a broken one). When another process
// linked its registry first, that one is used.
void create_registry(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".new-" + std::to_string(getpid()) + "-" + std::to_string(now_ms());
  auto remove_tmp = [&tmp] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      ::unlink((tmp.string() + suffix).c_str());
  };
  // Created 0600 first whatever the umask: SQLite gives the -wal and -shm files the same mode.
  int made = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (made < 0) {
    throw Error("registry " + path.string(),
                "cannot create " + tmp.string() + ": " + std::strerror(errno));
  }
  ::close(made);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(tmp.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::string why = rc == SQLITE_OK ? "" : (raw ? sqlite3_errmsg(raw) : "out of memory");
  std::unique_ptr<db::Conn> conn = db::wrap_sqlite(raw);  // closes it (even a failed open's)
  try {
    if (rc != SQLITE_OK)
      throw Error("registry " + path.string(), "cannot create " + tmp.string() + ": " + why);
    prepare(conn.get(), path);
  } catch (...) {
    conn.reset();
    remove_tmp();
    throw;
  }
  conn.reset();  // the last connection checkpoints the WAL into the file
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  int linked = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  remove_tmp();
  if (linked != 0 && err != EEXIST) {
    throw Error("registry " + path.string(),
                std::string("cannot create it: ") + std::strerror(err));
  }
}

}  // namespace

std::unique_ptr<Registry> Registry::open_postgres(const std::string& url,
                                                  const std::filesystem::path& home_file) {
  std::unique_ptr<Registry> reg(new Registry(db::connect_postgres(url), home_file));
  db::Conn* db = reg->db_;
  const auto& all = embedded_migrations();
  const int newest = all.empty() ? 0 : all.back().version;
  // Checked before anything is written, so a newer registry is left exactly as it was. Read
  // once (each read is two round trips); apply() reads again under the write lock.
  const std::set<int> applied = applied_versions(db);
  refuse_if_newer(db->context(), applied, newest);
  for (const Migration& m : all) {
    if (applied.count(m.version)) continue;
    apply(db, db->context(), m, newest);  // under the write lock: one process applies each
  }
  return reg;
}

std::unique_ptr<Registry> Registry::open(const std::filesystem::path& path) {
  if (const char* url = std::getenv(kRegistryUrlEnv); url && *url) {
    if (!db::is_postgres_url(url)) {
      throw Error(kRegistryUrlEnv,
                  "expected a postgresql:// or postgres:// URL, got '" + db::mask_url(url) + "'");
    }
    return open_postgres(url, path);
  }
  const std::string context = "registry " + path.string();
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      throw Error(context, "cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    create_registry(path);
  } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
    // Never recreated: that would drop every session it recorded and hide running ones.
    throw Error(context, "the file is empty (0 bytes), its sessions are gone; " + recovery(path));
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  // From here the Registry owns the handle (sqlite3_open_v2 returns one even when it fails).
  std::unique_ptr<Registry> reg(new Registry(db::wrap_sqlite(raw), path));
  if (rc != SQLITE_OK) {
    throw Error(context, raw ? sqlite3_errmsg(raw) : "out of memory");
  }
  sqlite3_extended_result_codes(raw, 1);
  reg->db_->set_lock_wait(db::kBusyTimeoutMs);
  // A SQLite file that is not orch's (or lost its tables) is not migrated into one.
  if (!has_migrations_table(reg->db_)) {
    throw Error(context, "not an orch registry (no schema_migrations table); " + recovery(path));
  }
  prepare(reg->db_, path);
  return reg;
}

}  // namespace orch::registry
