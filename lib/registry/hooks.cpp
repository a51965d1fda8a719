#include "lib/registry/hooks.h"

#include "lib/clock.h"
#include "lib/registry/db.h"

namespace orch::registry {

std::vector<HookOutboxRow> pending_hook_events(Registry& reg, const std::string& session_id,
                                               int limit) {
  db::Stmt st(reg.conn(),
              "SELECT id, session_id, event, state, previous_state, at, detail FROM hook_outbox "
              "WHERE session_id = ?1 ORDER BY id LIMIT ?2");
  st.bind_text(1, session_id).bind_int(2, limit);
  std::vector<HookOutboxRow> out;
  while (st.step()) {
    HookOutboxRow r;
    r.id = st.col_int(0);
    r.session_id = st.col_text(1);
    r.event = st.col_text(2);
    r.state = st.col_text(3);
    r.previous_state = st.col_text(4);
    r.at = st.col_int(5);
    r.detail = st.col_text(6);
    out.push_back(std::move(r));
  }
  return out;
}

void delete_hook_event(Registry& reg, int64_t id) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "DELETE FROM hook_outbox WHERE id = ?1");
    st.bind_int(1, id).run();
  });
}

bool add_hook_event(Registry& reg, const std::string& session_id, const std::string& event,
                    const std::string& detail) {
  bool added = false;
  reg.transaction([&] {
    db::Stmt s(reg.conn(),
               "SELECT state, instr(options, '\"hooks\":true') > 0 FROM sessions WHERE id = ?1");
    s.bind_text(1, session_id);
    if (!s.step()) db::no_such_session(session_id);
    if (s.col_int(1) == 0) return;
    db::Stmt ins(reg.conn(),
                 "INSERT INTO hook_outbox (session_id, event, state, previous_state, at, detail) "
                 "VALUES (?1, ?2, ?3, NULL, ?4, ?5)");
    ins.bind_text(1, session_id)
        .bind_text(2, event)
        .bind_text(3, s.col_text(0))
        .bind_int(4, now_ms())
        .bind_text_or_null(5, detail)
        .run();
    added = true;
  });
  return added;
}

std::vector<std::string> sessions_with_hook_events(Registry& reg) {
  db::Stmt st(reg.conn(),
              "SELECT session_id FROM hook_outbox GROUP BY session_id ORDER BY min(id)");
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.col_text(0));
  return out;
}

}  // namespace orch::registry
