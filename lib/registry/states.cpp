// State changes: set_state, finish, state_history.

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/registry.h"

namespace orch::registry {
namespace {

// The body of set_state/finish, run inside a transaction. `outcome` is null for set_state.
bool change_state(db::Conn* db, const std::string& id, State state, const std::string& source,
                  const std::string& detail, const Outcome* outcome) {
  db::Stmt cur(db, "SELECT state FROM sessions WHERE id = ?1");
  cur.bind_text(1, id);
  if (!cur.step()) db::no_such_session(id);
  switch (transition(state_from_string(cur.col_text(0)), state, outcome != nullptr)) {
    case Transition::kRefused:
      return false;
    case Transition::kSame:
      return true;
    case Transition::kApply:
      break;
  }

  const int64_t now = now_ms();
  db::Stmt up(db,
              "UPDATE sessions SET state = ?2, ended_at = ?3, "
              "summary = COALESCE(?4, summary), error = COALESCE(?5, error), "
              "commit_id = COALESCE(?6, commit_id), diffstat = COALESCE(?7, diffstat), "
              "note = COALESCE(?8, note) "
              "WHERE id = ?1");
  up.bind_text(1, id).bind_text(2, to_string(state)).bind_int_or_null(3, is_live(state) ? 0 : now);
  if (outcome) {
    up.bind_text_or_null(4, outcome->summary)
        .bind_text_or_null(5, outcome->error)
        .bind_text_or_null(6, outcome->commit_id)
        .bind_text_or_null(7, outcome->diffstat)
        .bind_text_or_null(8, outcome->note);
  }
  up.run();

  db::Stmt hist(db,
                "INSERT INTO session_states (session_id, state, at, source, detail) "
                "VALUES (?1, ?2, ?3, ?4, ?5)");
  hist.bind_text(1, id)
      .bind_text(2, to_string(state))
      .bind_int(3, now)
      .bind_text(4, source)
      .bind_text_or_null(5, detail)
      .run();
  return true;
}

}  // namespace

bool Registry::set_state(const std::string& session_id, State state, const std::string& source,
                         const std::string& detail) {
  bool changed = false;
  transaction([&] { changed = change_state(db_, session_id, state, source, detail, nullptr); });
  return changed;
}

bool Registry::finish(const std::string& session_id, State state, const std::string& source,
                      const Outcome& outcome) {
  if (is_live(state)) {
    throw Error("session '" + session_id + "'",
                std::string("finish needs a terminal state, not ") + to_string(state));
  }
  bool changed = false;
  const std::string& detail = outcome.error.empty() ? outcome.note : outcome.error;
  transaction([&] { changed = change_state(db_, session_id, state, source, detail, &outcome); });
  return changed;
}

std::vector<StateChange> Registry::state_history(const std::string& session_id) {
  db::Stmt st(db_,
              "SELECT id, session_id, state, at, source, detail FROM session_states "
              "WHERE session_id = ?1 ORDER BY id");
  st.bind_text(1, session_id);
  std::vector<StateChange> out;
  while (st.step()) {
    StateChange c;
    c.id = st.col_int(0);
    c.session_id = st.col_text(1);
    c.state = state_from_string(st.col_text(2));
    c.at = st.col_int(3);
    c.source = st.col_text(4);
    c.detail = st.col_text(5);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace orch::registry
