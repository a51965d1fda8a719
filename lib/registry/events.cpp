// Session events: add_event (with the counters it bumps) and events.
#include <simdjson.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/registry.h"

namespace orch::registry {
namespace {

// Parses `json` (which must be a JSON object) and returns its top-level "denied" flag.
bool denied_flag(const std::string& session_id, const std::string& json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::error_code err = parser.parse(json).get(doc);
  if (!err && !doc.is_object()) err = simdjson::INCORRECT_TYPE;
  if (err) {
    throw Error("session '" + session_id + "'",
                std::string("event data is not a JSON object: ") + simdjson::error_message(err));
  }
  bool denied = false;
  if (doc.at_key("denied").get_bool().get(denied) != simdjson::SUCCESS) return false;
  return denied;
}

}  // namespace

void Registry::add_event(const std::string& session_id, const std::string& kind,
                         const std::string& json, int64_t at) {
  const bool denied = denied_flag(session_id, json);  // also validates every event's data
  const int64_t tool = kind == "tool" ? 1 : 0;
  const int64_t denial = kind == "permission" && denied ? 1 : 0;
  transaction([&] {
    const int64_t now = at > 0 ? at : now_ms();
    db::Stmt up(db_,
                "UPDATE sessions SET last_event_at = MAX(COALESCE(last_event_at, 0), ?2), "
                "tool_calls = tool_calls + ?3, "
                "denials = denials + ?4 WHERE id = ?1");
    up.bind_text(1, session_id).bind_int(2, now).bind_int(3, tool).bind_int(4, denial).run();
    if (db_->changes() == 0) db::no_such_session(session_id);
    db::Stmt ins(db_,
                 "INSERT INTO session_events (session_id, at, kind, data) VALUES (?1, ?2, ?3, ?4)");
    ins.bind_text(1, session_id).bind_int(2, now).bind_text(3, kind).bind_text(4, json).run();
  });
}

std::vector<Event> Registry::events(const std::string& session_id, int64_t after_id) {
  db::Stmt st(db_,
              "SELECT id, session_id, at, kind, data FROM session_events "
              "WHERE session_id = ?1 AND id > ?2 ORDER BY id");
  st.bind_text(1, session_id).bind_int(2, after_id);
  std::vector<Event> out;
  while (st.step()) {
    Event e;
    e.id = st.col_int(0);
    e.session_id = st.col_text(1);
    e.at = st.col_int(2);
    e.kind = st.col_text(3);
    e.data = st.col_text(4);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace orch::registry
