#include "lib/registry/push_error.h"

#include "lib/registry/db.h"

namespace orch::registry {

void set_push_error(Registry& reg, const std::string& session_id, const std::string& error) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "UPDATE sessions SET error = ?2 WHERE id = ?1");
    st.bind_text(1, session_id).bind_text(2, error).run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  });
}

}  // namespace orch::registry
