#include "lib/registry/session_tools.h"

#include "lib/json.h"
#include "lib/registry/db.h"

namespace orch::registry {
namespace {

void update_session_column(Registry& reg, const char* sql, const std::string& session_id,
                           const std::string& value) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(), sql);
    st.bind_text(1, session_id).bind_text_or_null(2, value).run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  });
}

}  // namespace

void set_session_status(Registry& reg, const std::string& session_id, const std::string& status) {
  update_session_column(reg, "UPDATE sessions SET status = ?2 WHERE id = ?1", session_id, status);
}

void set_handoff_request(Registry& reg, const std::string& session_id,
                         const HandoffRequestRow& req) {
  json::Json j = {{"to_agent", req.to_agent}, {"note", req.note}};
  update_session_column(reg, "UPDATE sessions SET handoff_request = ?2 WHERE id = ?1", session_id,
                        json::dump(j));
}

std::optional<HandoffRequestRow> take_handoff_request(Registry& reg,
                                                      const std::string& session_id) {
  std::optional<HandoffRequestRow> out;
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "SELECT handoff_request FROM sessions WHERE id = ?1");
    st.bind_text(1, session_id);
    if (!st.step()) return;
    std::string text = st.col_text(0);
    if (text.empty()) return;
    db::Stmt clear(reg.conn(), "UPDATE sessions SET handoff_request = NULL WHERE id = ?1");
    clear.bind_text(1, session_id).run();
    json::Parser parser;
    json::Element doc = parser.parse(text);
    out = HandoffRequestRow{json::str(json::at(doc, "to_agent")), json::str(json::at(doc, "note"))};
  });
  return out;
}

}  // namespace orch::registry
