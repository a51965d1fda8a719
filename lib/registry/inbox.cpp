// The session inbox: post_message, take_undelivered_messages, mark_message, cancel_message,
// get_message (migrations/0002_session_inbox.sql).

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/registry.h"

namespace orch::registry {
namespace {

constexpr const char* kInboxSelect =
    "SELECT id, session_id, at, kind, text, delivered_at, result FROM session_inbox ";

InboxMessage read_message(const db::Stmt& st) {
  InboxMessage m;
  m.id = st.col_int(0);
  m.session_id = st.col_text(1);
  m.at = st.col_int(2);
  m.kind = st.col_text(3);
  m.text = st.col_text(4);
  m.delivered_at = st.col_int(5);
  m.result = st.col_text(6);
  return m;
}

}  // namespace

int64_t Registry::post_message(const std::string& session_id, const std::string& kind,
                               const std::string& text) {
  int64_t id = 0;
  transaction([&] {
    db::Stmt known(db_, "SELECT 1 FROM sessions WHERE id = ?1");
    known.bind_text(1, session_id);
    if (!known.step()) db::no_such_session(session_id);
    db::Stmt ins(db_,
                 "INSERT INTO session_inbox (session_id, at, kind, text) VALUES (?1, ?2, ?3, ?4) "
                 "RETURNING id");
    ins.bind_text(1, session_id).bind_int(2, now_ms()).bind_text(3, kind).bind_text(4, text);
    id = db::insert_returning_id(ins);
  });
  return id;
}

std::vector<InboxMessage> Registry::take_undelivered_messages(const std::string& session_id) {
  std::vector<InboxMessage> out;
  transaction([&] {
    db::Stmt st(db_, std::string(kInboxSelect) +
                         "WHERE session_id = ?1 AND delivered_at IS NULL AND result IS NULL "
                         "ORDER BY id");
    st.bind_text(1, session_id);
    while (st.step()) out.push_back(read_message(st));
    db::Stmt take(db_, "UPDATE session_inbox SET result = ?2 WHERE id = ?1");
    for (InboxMessage& m : out) {
      take.bind_int(1, m.id).bind_text(2, kMessageTaken).run();
      take.reset();
      m.result = kMessageTaken;
    }
  });
  return out;
}

bool Registry::mark_message(int64_t id, const std::string& result) {
  bool changed = false;
  transaction([&] {
    db::Stmt st(db_,
                "UPDATE session_inbox SET delivered_at = ?2, result = ?3 "
                "WHERE id = ?1 AND delivered_at IS NULL");
    st.bind_int(1, id).bind_int(2, now_ms()).bind_text(3, result).run();
    changed = db_->changes() > 0;
  });
  return changed;
}

bool Registry::cancel_message(int64_t id, const std::string& result) {
  bool changed = false;
  transaction([&] {
    db::Stmt st(db_,
                "UPDATE session_inbox SET delivered_at = ?2, result = ?3 "
                "WHERE id = ?1 AND delivered_at IS NULL AND result IS NULL");
    st.bind_int(1, id).bind_int(2, now_ms()).bind_text(3, result).run();
    changed = db_->changes() > 0;
  });
  return changed;
}

std::optional<InboxMessage> Registry::get_message(int64_t id) {
  db::Stmt st(db_, std::string(kInboxSelect) + "WHERE id = ?1");
  st.bind_int(1, id);
  if (!st.step()) return std::nullopt;
  return read_message(st);
}

}  // namespace orch::registry
