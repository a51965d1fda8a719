// Shared helpers for the registry tests: sample units and sessions, raw SQL counts.
#pragma once

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "lib/registry/db.h"
#include "lib/registry/registry.h"
#include "tests/support/pg_server.h"

namespace orch::registry::testing {

/// A unit named `name` in repository `repo`, on branch orch/<name>.
inline Unit sample_unit(const std::string& name, const std::string& repo = "/src/repo") {
  Unit u;
  u.name = name;
  u.repo = repo;
  u.branch = "orch/" + name;
  u.base_ref = "main";
  u.base_commit = "0123456789abcdef0123456789abcdef01234567";
  u.prompt = "do " + name;
  return u;
}

/// A session `id` of unit `u` in state `state`.
inline Session sample_session(const Unit& u, const std::string& id, State state = State::kStarting,
                              int64_t started_at = 0) {
  Session s;
  s.id = id;
  s.unit_id = u.id;
  s.agent = "opencode";
  s.backend = "opencode";
  s.prompt = u.prompt;
  s.state = state;
  s.worktree = "/worktrees/" + u.name;
  s.started_at = started_at;
  return s;
}

/// The first column of the first row of constant `sql` (a test's own query, no values).
inline int64_t scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/// The first column of the first row of constant `sql` through the registry's own connection
/// (either dialect); -1 when there is no row.
inline int64_t scalar(Registry& reg, const std::string& sql) {
  db::Stmt st(reg.conn(), sql);
  return st.step() ? st.col_int(0) : -1;
}

/// The two databases the registry tests run against (a parameterized fixture's parameter).
enum class TestDb { kSqlite, kPostgres };

/// "SQLite" / "PostgreSQL": the suffix of a parameterized test's name.
inline std::string test_db_name(const ::testing::TestParamInfo<TestDb>& info) {
  return info.param == TestDb::kSqlite ? "SQLite" : "PostgreSQL";
}

/// Where a test's registry lives: `dir`/orch.db, or the URL of a fresh database on the shared
/// PostgreSQL test server (tests/support/pg_server.h). Empty, with `*skip` set, when PostgreSQL
/// is not installed.
inline std::string test_registry_location(TestDb db, const std::filesystem::path& dir,
                                          std::string* skip) {
  if (db == TestDb::kSqlite) return (dir / "orch.db").string();
  test::PgServer* pg = test::shared_pg_server(skip);
  return pg ? pg->url(pg->create_database()) : std::string();
}

/// Opens the registry at `location` (a file or a postgresql:// URL); on PostgreSQL, file() is
/// `dir`/orch.db.
inline std::unique_ptr<Registry> open_location(const std::string& location,
                                               const std::filesystem::path& dir) {
  if (db::is_postgres_url(location)) return Registry::open_postgres(location, dir / "orch.db");
  return Registry::open(location);
}

/// A test fixture whose registry is SQLite or PostgreSQL (GetParam()); skips the PostgreSQL
/// instance when the server is not installed.
class RegistryOnBoth : public ::testing::TestWithParam<TestDb> {
 protected:
  void SetUp() override {
    std::string skip;
    location_ = test_registry_location(GetParam(), tmp_.path(), &skip);
    if (location_.empty()) GTEST_SKIP() << skip;
    reg_ = open_location(location_, tmp_.path());
  }
  test::TempDir tmp_;
  std::string location_;
  std::unique_ptr<Registry> reg_;
};

}  // namespace orch::registry::testing
