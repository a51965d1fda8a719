#include "lib/registry/worktrees.h"

#include "lib/registry/db.h"
#include "lib/registry/session_row.h"

namespace orch::registry {

void set_worktree_pending(Registry& reg, const std::string& session_id, bool pending) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "UPDATE sessions SET worktree_pending = ?2 WHERE id = ?1");
    st.bind_text(1, session_id).bind_int_or_null(2, pending ? 1 : 0).run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  });
}

bool worktree_pending(Registry& reg, const std::string& session_id) {
  db::Stmt st(reg.conn(), "SELECT worktree_pending FROM sessions WHERE id = ?1");
  st.bind_text(1, session_id);
  if (!st.step()) db::no_such_session(session_id);
  return st.col_int(0) != 0;
}

std::optional<Session> session_with_worktree(Registry& reg, const std::string& path) {
  db::Stmt st(reg.conn(),
              std::string(kSessionSelect) + "WHERE s.worktree = ?1 ORDER BY s.started_at DESC");
  st.bind_text(1, path);
  if (!st.step()) return std::nullopt;
  Session s;
  read_session(st, s);
  return s;
}

}  // namespace orch::registry
