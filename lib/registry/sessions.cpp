// Sessions: insert_session, get_session, list_sessions(_briefs), live_session_of_unit.

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/registry/db.h"
#include "lib/registry/registry.h"
#include "lib/registry/session_row.h"

namespace orch::registry {
namespace {

constexpr const char* kLiveStates = "('queued','starting','running','waiting','checking')";

// After a UNIQUE failure inserting a live session of `unit_id`: throws the kExitConflict error
// if the unit has a live session (SQLite names the index's column, sessions.unit_id, not the
// index one_live_session_per_unit, so the live session itself is the evidence).
void throw_if_conflict(Registry& reg, int64_t unit_id) {
  std::optional<Session> live = reg.live_session_of_unit(unit_id);
  if (!live) return;
  throw Error("unit '" + live->unit_name + "' already has a live session " + live->id,
              kExitConflict);
}

}  // namespace

void Registry::insert_session(const Session& s, const std::string& source) {
  transaction([&] {
    const int64_t now = now_ms();
    const int64_t started_at = s.started_at != 0 ? s.started_at : now;
    const int64_t ended_at = s.ended_at != 0 || is_live(s.state) ? s.ended_at : now;
    db::Stmt st(db_,
                "INSERT INTO sessions (id, unit_id, agent, backend, model, prompt, state, "
                "worktree, agent_session_id, supervisor_pid, supervisor_start_time, agent_pid, "
                "parent_session, started_at, ended_at, last_event_at, tokens_in, tokens_out, "
                "tokens_cache_read, tokens_cache_write, cost_usd, tool_calls, denials, summary, "
                "error, commit_id, diffstat, no_commit, options, seq, host) VALUES (?1, ?2, ?3, "
                "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
                "?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, "
                // Insertion order (migration 0022): the write lock makes MAX + 1 unique.
                "(SELECT COALESCE(MAX(seq), 0) + 1 FROM sessions), "
                // A local unit's session runs here; a remote unit's waits for a worker.
                "CASE WHEN ?30 <> '' THEN ?30 WHEN (SELECT substr(repo, 1, 1) FROM units "
                "WHERE id = ?2) = '/' THEN ?31 END)");
    st.bind_text(1, s.id)
        .bind_int(2, s.unit_id)
        .bind_text(3, s.agent)
        .bind_text(4, s.backend)
        .bind_text_or_null(5, s.model)
        .bind_text(6, s.prompt)
        .bind_text(7, to_string(s.state))
        .bind_text(8, s.worktree)
        .bind_text_or_null(9, s.agent_session_id)
        .bind_int_or_null(10, s.supervisor_pid)
        .bind_int_or_null(11, s.supervisor_start_time)
        .bind_int_or_null(12, s.agent_pid)
        .bind_text_or_null(13, s.parent_session)
        .bind_int(14, started_at)
        .bind_int_or_null(15, ended_at)
        .bind_int_or_null(16, s.last_event_at)
        .bind_int(17, s.usage.tokens_in)
        .bind_int(18, s.usage.tokens_out)
        .bind_int(19, s.usage.tokens_cache_read)
        .bind_int(20, s.usage.tokens_cache_write)
        .bind_real(21, s.usage.cost_usd)
        .bind_int(22, s.tool_calls)
        .bind_int(23, s.denials)
        .bind_text_or_null(24, s.summary)
        .bind_text_or_null(25, s.error)
        .bind_text_or_null(26, s.commit_id)
        .bind_text_or_null(27, s.diffstat)
        .bind_int(28, s.no_commit ? 1 : 0)
        .bind_text(29, s.options.empty() ? "{}" : s.options)
        .bind_text(30, s.host)
        .bind_text(31, host());
    // PostgreSQL aborts a transaction at its first failed statement: the INSERT runs in a
    // savepoint there, so the conflict can still be read after it failed.
    const bool pg = is_postgres();
    if (pg) db::exec(db_, "SAVEPOINT orch_insert_session");
    db::StepResult rc = st.try_step();
    if (rc != db::StepResult::kDone) {
      Error err(db::context(db_), db_->last_error());
      if (pg) db_->rollback_to("orch_insert_session");
      if (rc == db::StepResult::kUniqueViolation && is_live(s.state)) {
        throw_if_conflict(*this, s.unit_id);
      }
      throw err;
    }
    db::Stmt hist(db_,
                  "INSERT INTO session_states (session_id, state, at, source, detail) "
                  "VALUES (?1, ?2, ?3, ?4, NULL)");
    hist.bind_text(1, s.id)
        .bind_text(2, to_string(s.state))
        .bind_int(3, now)
        .bind_text(4, source.empty() ? "cli:sling" : source)
        .run();
  });
}

std::optional<Session> Registry::get_session(const std::string& id) {
  db::Stmt st(db_, std::string(kSessionSelect) + "WHERE s.id = ?1");
  st.bind_text(1, id);
  if (!st.step()) return std::nullopt;
  Session s;
  read_session(st, s);
  return s;
}

namespace {

// Runs `select` (columns FROM sessions s JOIN units u) with f's conditions, newest first, and
// reads every row with `read`. Only placeholders are added to the SQL; every value is bound.
template <class Row, class Read>
std::vector<Row> list_filtered(db::Conn* db, std::string sql, const SessionFilter& f, Read read) {
  sql += "WHERE TRUE";
  if (f.live_only) sql += std::string(" AND s.state IN ") + kLiveStates;
  if (f.active_only) sql += " AND s.state IN ('starting','running','waiting','checking')";
  if (!f.unit.empty()) sql += " AND u.name = ?1";
  if (!f.ids.empty()) {
    sql += db->dialect() == db::Dialect::kPostgres
               ? " AND s.id IN (SELECT json_array_elements_text(?2::json))"
               : " AND s.id IN (SELECT value FROM json_each(?2))";
  }
  if (!f.convoy.empty()) sql += " AND u.convoy_id = (SELECT id FROM convoys WHERE name = ?3)";
  if (!f.after.empty()) {
    sql +=
        " AND (s.started_at < (SELECT started_at FROM sessions WHERE id = ?4) OR (s.started_at = "
        "(SELECT started_at FROM sessions WHERE id = ?4) AND s.id > ?4))";
  }
  // SQLite walks sessions_by_started backwards for this order. Breaking ties by id in SQL would
  // add a temporary b-tree per distinct started_at (it more than doubles the query's time), so
  // the rare ties are put in id order below instead; a page (LIMIT) must break them in SQL, and
  // its few rows make that cheap.
  sql += " ORDER BY s.started_at DESC";
  if (f.limit > 0) sql += ", s.id LIMIT ?5";
  db::Stmt st(db, sql);
  if (!f.unit.empty()) st.bind_text(1, f.unit);
  if (!f.ids.empty()) st.bind_text(2, json::dump(json::Json(f.ids)));
  if (!f.convoy.empty()) st.bind_text(3, f.convoy);
  if (!f.after.empty()) st.bind_text(4, f.after);
  if (f.limit > 0) st.bind_int(5, static_cast<int64_t>(f.limit));
  std::vector<Row> out;
  if (db->dialect() == db::Dialect::kSqlite && f.limit == 0 && f.after.empty() && !f.live_only &&
      !f.active_only && f.unit.empty() && f.ids.empty() && f.convoy.empty()) {
    // Every session: reserve them all, so 10,000 rows are not moved on each growth. Not on
    // PostgreSQL: there the count is one more round trip and a scan of the table (about 10 ms
    // for 10,000 sessions), dearer than the moves it saves.
    db::Stmt count(db, "SELECT COUNT(*) FROM sessions");
    if (count.step()) out.reserve(static_cast<size_t>(count.col_int(0)));
  }
  while (st.step()) read(st, out.emplace_back());
  for (auto first = out.begin(); first != out.end();) {
    auto last = std::find_if(first, out.end(),
                             [&](const Row& s) { return s.started_at != first->started_at; });
    if (last - first > 1) {
      std::sort(first, last, [](const Row& a, const Row& b) { return a.id < b.id; });
    }
    first = last;
  }
  return out;
}

}  // namespace

std::vector<Session> Registry::list_sessions(const SessionFilter& f) {
  return list_filtered<Session>(db_, kSessionSelect, f, read_session);
}

std::vector<SessionBrief> Registry::list_session_briefs(const SessionFilter& f) {
  return list_filtered<SessionBrief>(
      db_,
      "SELECT s.id, u.name, s.agent, s.backend, s.state, u.branch, s.started_at, s.ended_at, "
      "s.last_event_at, s.cost_usd, "
      // Most sessions have no cost limit: the instr tests skip json_valid for them (on
      // PostgreSQL a plpgsql function with an exception block, a subtransaction per row: it
      // tripled the query's time over 10,000 sessions). A top-level key max_cost_usd is spelt
      // literally in the text or with a backslash-u escape, so every row gets the same answer.
      "CASE WHEN instr(s.options, 'max_cost_usd') = 0 AND instr(s.options, '\\u') = 0 THEN NULL "
      "WHEN json_valid(s.options) THEN json_extract(s.options, '$.max_cost_usd') END, "
      "s.status, s.host FROM sessions s JOIN units u ON u.id = s.unit_id ",
      f, [](const db::Stmt& st, SessionBrief& b) {
        b.id = st.col_text(0);
        b.unit_name = st.col_text(1);
        b.agent = st.col_text(2);
        b.backend = st.col_text(3);
        b.state = state_from_string(st.col_text(4));
        b.branch = st.col_text(5);
        b.started_at = st.col_int(6);
        b.ended_at = st.col_int(7);
        b.last_event_at = st.col_int(8);
        b.cost_usd = st.col_real(9);
        b.max_cost_usd = st.col_real(10);
        b.status = st.col_text(11);
        b.host = st.col_text(12);
      });
}

std::optional<Session> Registry::live_session_of_unit(int64_t unit_id) {
  db::Stmt st(db_, std::string(kSessionSelect) + "WHERE s.unit_id = ?1 AND s.state IN " +
                       kLiveStates + " ORDER BY s.started_at DESC, s.id LIMIT 1");
  st.bind_int(1, unit_id);
  if (!st.step()) return std::nullopt;
  Session s;
  read_session(st, s);
  return s;
}

}  // namespace orch::registry
