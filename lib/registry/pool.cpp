// The session pool: counting slots, the queue order, claiming and cancelling queued sessions.
#include "lib/registry/pool.h"

#include <map>

#include "lib/clock.h"
#include "lib/json.h"
#include "lib/registry/db.h"

namespace orch::registry {
namespace {

// The queue order claim_queued hands out slots in (queue_position uses the same order).
constexpr const char* kQueueOrder = " ORDER BY s.priority DESC, s.queued_at, s.id";

void record_state(db::Conn* db, const std::string& id, const char* state, int64_t at,
                  const std::string& source, const std::string& detail) {
  db::Stmt hist(db,
                "INSERT INTO session_states (session_id, state, at, source, detail) "
                "VALUES (?1, ?2, ?3, ?4, ?5)");
  hist.bind_text(1, id)
      .bind_text(2, state)
      .bind_int(3, at)
      .bind_text(4, source)
      .bind_text_or_null(5, detail)
      .run();
}

// Leaves out queued sessions a running rate limit pause covers (migrations/0017_rate_limits.sql):
// a pause of their backend for their model's provider (the part of `provider/model` before the
// slash), for any provider when the pause does not know it, and any pause of their backend when
// their model names no provider (the agent's configured default may be the one that refused).
constexpr const char* kNotRateLimited =
    " AND NOT EXISTS (SELECT 1 FROM rate_limit_pauses p WHERE p.backend = s.backend "
    "AND p.until_ms > ?1 AND (p.provider = '' OR instr(COALESCE(s.model, ''), '/') = 0 "
    "OR p.provider = substr(s.model, 1, instr(s.model, '/') - 1)))";

// The largest cap among queued sessions, or 0 when one of them has none (then any number of
// active sessions leaves room). Both ends come from the index sessions_queued_cap (NULLs sort
// first), so this costs two index probes however long the queue is.
int64_t largest_queued_cap(db::Conn* db) {
  db::Stmt low(db,
               "SELECT max_sessions FROM sessions WHERE state = 'queued' "
               "ORDER BY max_sessions LIMIT 1");
  if (!low.step() || low.col_int(0) <= 0) return 0;
  db::Stmt high(db,
                "SELECT max_sessions FROM sessions WHERE state = 'queued' "
                "ORDER BY max_sessions DESC LIMIT 1");
  return high.step() ? high.col_int(0) : 0;
}

// The conditions of `scope` on a queue query over sessions s JOIN units u LEFT JOIN convoys c,
// with its values in ?2 (host), ?3 (convoy name) and ?4 (backends, a JSON array).
std::string scope_sql(db::Conn* db, const ClaimScope& scope) {
  std::string sql;
  if (!scope.remote) {
    return " AND substr(u.repo, 1, 1) = '/' AND (s.host IS NULL OR s.host = ?2)";
  }
  sql = " AND substr(u.repo, 1, 1) <> '/'";
  if (!scope.convoy.empty()) sql += " AND c.name = ?3";
  if (!scope.backends.empty()) {
    sql += db->dialect() == db::Dialect::kPostgres
               ? " AND s.backend IN (SELECT json_array_elements_text(?4::json))"
               : " AND s.backend IN (SELECT value FROM json_each(?4))";
  }
  return sql;
}

void bind_scope(db::Stmt& st, const ClaimScope& scope, const std::string& host) {
  if (!scope.remote) st.bind_text(2, host);
  if (scope.remote && !scope.convoy.empty()) st.bind_text(3, scope.convoy);
  if (scope.remote && !scope.backends.empty()) {
    st.bind_text(4, json::dump(json::Json(scope.backends)));
  }
}

}  // namespace

bool has_queued(Registry& reg, const ClaimScope& scope) {
  db::Stmt any(reg.conn(),
               "SELECT 1 FROM sessions s JOIN units u ON u.id = s.unit_id "
               "LEFT JOIN convoys c ON c.id = u.convoy_id WHERE s.state = 'queued'" +
                   scope_sql(reg.conn(), scope) + " LIMIT 1");
  bind_scope(any, scope, scope.host.empty() ? reg.host() : scope.host);
  return any.step();
}

bool has_pending(Registry& reg, const ClaimScope& scope) {
  db::Stmt any(reg.conn(),
               "SELECT 1 FROM sessions s JOIN units u ON u.id = s.unit_id "
               "LEFT JOIN convoys c ON c.id = u.convoy_id WHERE s.state IN "
               "('queued','starting','running','waiting','checking') AND c.stopped_at IS NULL" +
                   scope_sql(reg.conn(), scope) + " LIMIT 1");
  bind_scope(any, scope, scope.host.empty() ? reg.host() : scope.host);
  return any.step();
}

int count_active(Registry& reg) {
  db::Stmt st(
      reg.conn(),
      "SELECT COUNT(*) FROM sessions WHERE state IN ('starting','running','waiting','checking')");
  st.step();
  return static_cast<int>(st.col_int(0));
}

bool has_queued(Registry& reg) {
  db::Stmt any(reg.conn(), "SELECT 1 FROM sessions WHERE state = 'queued' LIMIT 1");
  return any.step();
}

int count_active(Registry& reg, const std::string& backend) {
  db::Stmt st(reg.conn(),
              "SELECT COUNT(*) FROM sessions WHERE backend = ?1 AND "
              "state IN ('starting','running','waiting','checking')");
  st.bind_text(1, backend);
  st.step();
  return static_cast<int>(st.col_int(0));
}

void set_pool_fields(Registry& reg, const std::string& session_id, const PoolFields& p) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE sessions SET attempt = ?2, max_attempts = ?3, priority = ?4, "
                "max_sessions = ?5, queued_at = ?6, not_before = ?7, backend_max_sessions = ?8 "
                "WHERE id = ?1");
    st.bind_text(1, session_id)
        .bind_int(2, p.attempt)
        .bind_int(3, p.max_attempts)
        .bind_int(4, p.priority)
        .bind_int_or_null(5, p.max_sessions)
        .bind_int_or_null(6, p.queued_at)
        .bind_int_or_null(7, p.not_before)
        .bind_int_or_null(8, p.backend_max_sessions);
    st.run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  });
}

PoolFields pool_fields(Registry& reg, const std::string& session_id) {
  db::Stmt st(reg.conn(),
              "SELECT attempt, max_attempts, priority, max_sessions, queued_at, not_before, "
              "backend_max_sessions FROM sessions WHERE id = ?1");
  st.bind_text(1, session_id);
  if (!st.step()) db::no_such_session(session_id);
  PoolFields p;
  p.attempt = static_cast<int>(st.col_int(0));
  p.max_attempts = static_cast<int>(st.col_int(1));
  p.priority = static_cast<int>(st.col_int(2));
  p.max_sessions = static_cast<int>(st.col_int(3));
  p.queued_at = st.col_int(4);
  p.not_before = st.col_int(5);
  p.backend_max_sessions = static_cast<int>(st.col_int(6));
  return p;
}

std::vector<std::string> claim_queued(Registry& reg, int64_t now, const std::string& source,
                                      const ClaimScope& scope) {
  std::vector<std::string> claimed;
  const std::string host = scope.host.empty() ? reg.host() : scope.host;
  // Most calls find nothing queued, or no room for any queued session: answer those without
  // taking the write lock (whoever frees a slot later claims again).
  if (!has_queued(reg, scope)) return claimed;
  {
    const int64_t cap = largest_queued_cap(reg.conn());
    if (cap > 0 && count_active(reg) >= cap) return claimed;
  }
  reg.transaction([&] {
    db::Conn* db = reg.conn();
    if (scope.remote && !scope.worker.empty()) {
      // A worker judged lost (cut off, then back) claims nothing under its old id: what it
      // claimed would be judged lost again at once and use up the units' retries.
      db::Stmt me(db, "SELECT state FROM workers WHERE id = ?1");
      me.bind_text(1, scope.worker);
      if (me.step() && me.col_text(0) != "running" && me.col_text(0) != "draining") return;
    }
    int active = count_active(reg);
    // Past the largest cap of the queue no queued session fits: stop walking it there, so a
    // claim costs the same with 10 or 10,000 sessions queued.
    const int64_t largest_cap = largest_queued_cap(db);
    std::map<std::string, int> by_backend;  // active sessions per backend
    {
      db::Stmt counts(
          db,
          "SELECT backend, COUNT(*) FROM sessions "
          "WHERE state IN ('starting','running','waiting','checking') GROUP BY backend");
      while (counts.step()) by_backend[counts.col_text(0)] = static_cast<int>(counts.col_int(1));
    }
    db::Stmt queue(
        db, std::string("SELECT s.id, s.max_sessions, s.backend, "
                        "s.backend_max_sessions FROM sessions s "
                        "JOIN units u ON u.id = s.unit_id "
                        "LEFT JOIN convoys c ON c.id = u.convoy_id "
                        "WHERE s.state = 'queued' AND c.stopped_at IS NULL "
                        "AND (s.not_before IS NULL OR s.not_before <= ?1)") +
                kNotRateLimited + scope_sql(db, scope) + kQueueOrder +
                // PostgreSQL: the queued rows this claim reads stay its own until it
                // commits; rows another claimer holds are passed over, not waited on.
                (db->dialect() == db::Dialect::kPostgres ? " FOR UPDATE OF s SKIP LOCKED" : ""));
    queue.bind_int(1, now);
    bind_scope(queue, scope, host);
    std::vector<std::string> ids;
    while ((largest_cap <= 0 || active < largest_cap) &&
           (scope.limit <= 0 || ids.size() < static_cast<size_t>(scope.limit)) && queue.step()) {
      const int64_t cap = queue.col_int(1);    // NULL reads as 0: no cap
      if (cap > 0 && active >= cap) continue;  // a session with a larger cap may still fit
      const int64_t backend_cap = queue.col_int(3);
      int& of_backend = by_backend[queue.col_text(2)];
      if (backend_cap > 0 && of_backend >= backend_cap) continue;  // another backend may fit
      ids.push_back(queue.col_text(0));
      ++active;
      ++of_backend;
    }
    db::Stmt up(db,
                "UPDATE sessions SET state = 'starting', started_at = ?2, host = ?3, worker = ?4 "
                "WHERE id = ?1 AND state = 'queued'");
    for (const std::string& id : ids) {
      up.reset();
      up.bind_text(1, id).bind_int(2, now).bind_text(3, host).bind_text_or_null(4, scope.worker);
      up.run();
      if (db->changes() == 0) continue;  // cannot happen under the write lock; be safe
      record_state(db, id, "starting", now, source, "");
      claimed.push_back(id);
    }
  });
  return claimed;
}

bool cancel_queued(Registry& reg, const std::string& session_id, const std::string& source,
                   const std::string& why) {
  bool cancelled = false;
  reg.transaction([&] {
    db::Conn* db = reg.conn();
    const int64_t now = now_ms();
    db::Stmt up(db,
                "UPDATE sessions SET state = 'stopped', ended_at = ?2, "
                "note = COALESCE(?3, note) WHERE id = ?1 AND state = 'queued'");
    up.bind_text(1, session_id).bind_int(2, now).bind_text_or_null(3, why).run();
    if (db->changes() == 0) return;
    record_state(db, session_id, "stopped", now, source, why);
    cancelled = true;
  });
  return cancelled;
}

int queue_position(Registry& reg, const std::string& session_id) {
  db::Stmt st(reg.conn(),
              std::string("SELECT s.id FROM sessions s WHERE s.state = 'queued'") + kQueueOrder);
  int position = 0;
  while (st.step()) {
    ++position;
    if (st.col_text(0) == session_id) return position;
  }
  return 0;
}

}  // namespace orch::registry
