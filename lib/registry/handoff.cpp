#include "lib/registry/handoff.h"

#include "lib/registry/db.h"

namespace orch::registry {

void set_handoff_to(Registry& reg, const std::string& from, const std::string& to) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "UPDATE sessions SET handoff_to = ?2 WHERE id = ?1");
    st.bind_text(1, from).bind_text_or_null(2, to).run();
    if (reg.conn()->changes() == 0) db::no_such_session(from);
  });
}

std::string handoff_to(Registry& reg, const std::string& session_id) {
  db::Stmt st(reg.conn(), "SELECT handoff_to FROM sessions WHERE id = ?1");
  st.bind_text(1, session_id);
  if (!st.step()) db::no_such_session(session_id);
  return st.col_text(0);
}

}  // namespace orch::registry
