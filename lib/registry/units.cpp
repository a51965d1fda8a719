// Work units: upsert_unit, find_unit, get_unit.

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/registry.h"
#include "lib/registry/session_row.h"

namespace orch::registry {
const char* const kUnitColumns =
    "SELECT id, name, repo, branch, base_ref, base_commit, prompt, priority, created_at "
    "FROM units ";

Unit read_unit(const db::Stmt& st) {
  Unit u;
  u.id = st.col_int(0);
  u.name = st.col_text(1);
  u.repo = st.col_text(2);
  u.branch = st.col_text(3);
  u.base_ref = st.col_text(4);
  u.base_commit = st.col_text(5);
  u.prompt = st.col_text(6);
  u.priority = static_cast<int>(st.col_int(7));
  u.created_at = st.col_int(8);
  return u;
}

Unit Registry::upsert_unit(const Unit& u) {
  std::optional<Unit> out;
  transaction([&] {
    db::Stmt st(db_,
                "INSERT INTO units (name, repo, branch, base_ref, base_commit, prompt, priority, "
                "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                "ON CONFLICT (repo, name) DO UPDATE SET prompt = excluded.prompt");
    st.bind_text(1, u.name)
        .bind_text(2, u.repo)
        .bind_text(3, u.branch)
        .bind_text(4, u.base_ref)
        .bind_text(5, u.base_commit)
        .bind_text(6, u.prompt)
        .bind_int(7, u.priority)
        .bind_int(8, u.created_at != 0 ? u.created_at : now_ms())
        .run();
    out = find_unit(u.repo, u.name);
  });
  if (!out) throw Error(db::context(db_), "unit '" + u.name + "' vanished while being written");
  return *out;
}

std::optional<Unit> Registry::find_unit(const std::string& repo, const std::string& name) {
  db::Stmt st(db_, std::string(kUnitColumns) + "WHERE repo = ?1 AND name = ?2");
  st.bind_text(1, repo).bind_text(2, name);
  if (!st.step()) return std::nullopt;
  return read_unit(st);
}

std::optional<Unit> Registry::get_unit(int64_t id) {
  db::Stmt st(db_, std::string(kUnitColumns) + "WHERE id = ?1");
  st.bind_int(1, id);
  if (!st.step()) return std::nullopt;
  return read_unit(st);
}

}  // namespace orch::registry
