// Shared helpers for the registry tests: sample units and sessions, raw SQL counts.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "lib/registry/registry.h"

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

}  // namespace orch::registry::testing
