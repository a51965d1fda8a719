// Convoys: insert, find, list, membership of units, stopping, and their sessions.
#include "lib/registry/convoys.h"

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/session_row.h"

namespace orch::registry {
namespace {

constexpr const char* kConvoyColumns =
    "SELECT id, name, repo, agent, max_sessions, retries, created_at, stopped_at, budget_usd, "
    "over_budget_at, over_budget_note FROM convoys ";

// The pool columns appended to kSessionSelect by convoy_sessions (read from the end of the row).
constexpr const char* kPoolColumns =
    ", s.attempt, s.max_attempts, s.priority, s.max_sessions, s.queued_at, s.not_before";
constexpr int kPoolColumnCount = 6;

Convoy read_convoy(const db::Stmt& st) {
  Convoy c;
  c.id = st.col_int(0);
  c.name = st.col_text(1);
  c.repo = st.col_text(2);
  c.agent = st.col_text(3);
  c.max_sessions = static_cast<int>(st.col_int(4));
  c.retries = static_cast<int>(st.col_int(5));
  c.created_at = st.col_int(6);
  c.stopped_at = st.col_int(7);
  c.budget_usd = st.col_real(8);
  c.over_budget_at = st.col_int(9);
  c.over_budget_note = st.col_text(10);
  return c;
}

}  // namespace

Convoy insert_convoy(Registry& reg, const Convoy& c) {
  Convoy out = c;
  reg.transaction([&] {
    if (find_convoy(reg, c.name)) {
      throw Error("convoy '" + c.name + "'", "already exists (pick another name)");
    }
    out.created_at = c.created_at != 0 ? c.created_at : now_ms();
    db::Stmt st(reg.conn(),
                "INSERT INTO convoys (name, repo, agent, max_sessions, retries, created_at, "
                "budget_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    st.bind_text(1, c.name)
        .bind_text(2, c.repo)
        .bind_text_or_null(3, c.agent)
        .bind_int(4, c.max_sessions)
        .bind_int(5, c.retries)
        .bind_int(6, out.created_at);
    if (c.budget_usd > 0) st.bind_real(7, c.budget_usd);  // unbound: NULL, no budget
    out.id = db::insert_returning_id(st);
  });
  return out;
}

std::optional<Convoy> find_convoy(Registry& reg, const std::string& name) {
  db::Stmt st(reg.conn(), std::string(kConvoyColumns) + "WHERE name = ?1");
  st.bind_text(1, name);
  if (!st.step()) return std::nullopt;
  return read_convoy(st);
}

std::vector<Convoy> list_convoys(Registry& reg) {
  db::Stmt st(reg.conn(), std::string(kConvoyColumns) + "ORDER BY created_at, id");
  std::vector<Convoy> out;
  while (st.step()) out.push_back(read_convoy(st));
  return out;
}

void set_unit_convoy(Registry& reg, int64_t unit_id, int64_t convoy_id) {
  reg.transaction([&] {
    db::Stmt cur(reg.conn(),
                 "SELECT u.name, u.convoy_id, c.name FROM units u "
                 "LEFT JOIN convoys c ON c.id = u.convoy_id WHERE u.id = ?1");
    cur.bind_int(1, unit_id);
    if (!cur.step()) throw Error("unit " + std::to_string(unit_id), "no such unit", kExitNotFound);
    const int64_t current = cur.col_int(1);
    if (current == convoy_id) return;
    if (current != 0) {
      throw Error("unit '" + cur.col_text(0) + "'",
                  "belongs to convoy '" + cur.col_text(2) + "' already");
    }
    db::Stmt up(reg.conn(), "UPDATE units SET convoy_id = ?2 WHERE id = ?1");
    up.bind_int(1, unit_id).bind_int(2, convoy_id).run();
  });
}

bool delete_convoy_if_empty(Registry& reg, int64_t convoy_id) {
  bool deleted = false;
  reg.transaction([&] {
    db::Stmt del(reg.conn(),
                 "DELETE FROM convoys WHERE id = ?1 "
                 "AND NOT EXISTS (SELECT 1 FROM units WHERE convoy_id = ?1)");
    del.bind_int(1, convoy_id).run();
    deleted = reg.conn()->changes() > 0;
  });
  return deleted;
}

std::optional<Convoy> convoy_of_unit(Registry& reg, int64_t unit_id) {
  db::Stmt st(reg.conn(), std::string(kConvoyColumns) +
                              "WHERE id = (SELECT convoy_id FROM units WHERE id = ?1)");
  st.bind_int(1, unit_id);
  if (!st.step()) return std::nullopt;
  return read_convoy(st);
}

bool mark_convoy_stopped(Registry& reg, int64_t convoy_id, int64_t now) {
  bool changed = false;
  reg.transaction([&] {
    db::Stmt up(reg.conn(),
                "UPDATE convoys SET stopped_at = ?2 WHERE id = ?1 AND stopped_at IS NULL");
    up.bind_int(1, convoy_id).bind_int(2, now).run();
    changed = reg.conn()->changes() > 0;
  });
  return changed;
}

std::vector<Unit> convoy_units(Registry& reg, int64_t convoy_id) {
  db::Stmt st(reg.conn(), std::string(kUnitColumns) + "WHERE convoy_id = ?1 ORDER BY id");
  st.bind_int(1, convoy_id);
  std::vector<Unit> out;
  while (st.step()) {
    Unit u = read_unit(st);
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<ConvoySession> convoy_sessions(Registry& reg, int64_t convoy_id) {
  // kSessionSelect is "SELECT <session columns> FROM sessions s JOIN units u ...": the pool
  // columns go right before FROM, so read_session reads the row as usual.
  std::string select = kSessionSelect;
  select.insert(select.find(" FROM sessions s"), kPoolColumns);
  db::Stmt st(reg.conn(), select + "WHERE u.convoy_id = ?1 ORDER BY s.seq");
  st.bind_int(1, convoy_id);
  std::vector<ConvoySession> out;
  while (st.step()) {
    ConvoySession cs;
    read_session(st, cs.session);
    int c = st.column_count() - kPoolColumnCount;
    cs.pool.attempt = static_cast<int>(st.col_int(c++));
    cs.pool.max_attempts = static_cast<int>(st.col_int(c++));
    cs.pool.priority = static_cast<int>(st.col_int(c++));
    cs.pool.max_sessions = static_cast<int>(st.col_int(c++));
    cs.pool.queued_at = st.col_int(c++);
    cs.pool.not_before = st.col_int(c++);
    out.push_back(std::move(cs));
  }
  return out;
}

}  // namespace orch::registry
