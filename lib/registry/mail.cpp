// The `mail` table (lib/registry/mail.h).
#include "lib/registry/mail.h"

#include "lib/clock.h"
#include "lib/registry/db.h"
#include "lib/registry/session_row.h"

namespace orch::registry {
namespace {

// Every MailRow column; a claim by a session that is not live reads as none.
constexpr const char* kMailSelect =
    "SELECT m.id, COALESCE(m.from_session, ''), COALESCE(fu.name, ''), m.to_unit_id, tu.name, "
    "tu.repo, m.text, m.sent_at, "
    "CASE WHEN cs.state IN ('queued','starting','running','waiting','checking') THEN "
    "m.claimed_session "
    "ELSE '' END, COALESCE(m.delivered_at, 0), COALESCE(m.delivered_session, '') "
    "FROM mail m JOIN units tu ON tu.id = m.to_unit_id "
    "LEFT JOIN sessions fs ON fs.id = m.from_session LEFT JOIN units fu ON fu.id = fs.unit_id "
    "LEFT JOIN sessions cs ON cs.id = m.claimed_session ";

MailRow read_mail(const db::Stmt& st) {
  MailRow m;
  m.id = st.col_int(0);
  m.from_session = st.col_text(1);
  m.from_unit = st.col_text(2);
  m.to_unit_id = st.col_int(3);
  m.to_unit = st.col_text(4);
  m.to_repo = st.col_text(5);
  m.text = st.col_text(6);
  m.sent_at = st.col_int(7);
  m.claimed_session = st.col_text(8);
  m.delivered_at = st.col_int(9);
  m.delivered_session = st.col_text(10);
  return m;
}

}  // namespace

std::vector<Unit> units_named(Registry& reg, const std::string& name) {
  db::Stmt st(reg.conn(), std::string(kUnitColumns) + "WHERE name = ?1 ORDER BY id");
  st.bind_text(1, name);
  std::vector<Unit> out;
  while (st.step()) out.push_back(read_unit(st));
  return out;
}

int64_t send_mail(Registry& reg, const std::string& from_session, int64_t to_unit_id,
                  const std::string& text, int64_t at) {
  int64_t id = 0;
  reg.transaction([&] {
    db::Stmt ins(reg.conn(),
                 "INSERT INTO mail (from_session, to_unit_id, text, sent_at) VALUES (?1,?2,?3,?4) "
                 "RETURNING id");
    ins.bind_text_or_null(1, from_session)
        .bind_int(2, to_unit_id)
        .bind_text(3, text)
        .bind_int(4, at ? at : now_ms());
    id = db::insert_returning_id(ins);
  });
  return id;
}

std::optional<MailRow> get_mail(Registry& reg, int64_t id) {
  db::Stmt st(reg.conn(), std::string(kMailSelect) + "WHERE m.id = ?1");
  st.bind_int(1, id);
  if (!st.step()) return std::nullopt;
  return read_mail(st);
}

std::vector<MailRow> list_mail(Registry& reg, int64_t unit_id) {
  std::string sql = kMailSelect;
  if (unit_id > 0) sql += "WHERE m.to_unit_id = ?1 OR fs.unit_id = ?1 ";
  db::Stmt st(reg.conn(), sql + "ORDER BY m.id");
  if (unit_id > 0) st.bind_int(1, unit_id);
  std::vector<MailRow> out;
  while (st.step()) out.push_back(read_mail(st));
  return out;
}

std::vector<MailRow> claim_mail(Registry& reg, const std::string& session_id) {
  std::vector<MailRow> out;
  reg.transaction([&] {
    db::Stmt who(reg.conn(), "SELECT unit_id, state FROM sessions WHERE id = ?1");
    who.bind_text(1, session_id);
    if (!who.step()) db::no_such_session(session_id);
    const int64_t unit_id = who.col_int(0);
    if (!is_live(state_from_string(who.col_text(1)))) return;
    db::Stmt held(
        reg.conn(),
        "SELECT m.id FROM mail m LEFT JOIN sessions cs ON cs.id = m.claimed_session "
        "WHERE m.to_unit_id = ?1 AND m.delivered_at IS NULL AND "
        "(m.claimed_session IS NULL OR (m.claimed_session <> ?2 AND "
        "COALESCE(cs.state, 'lost') NOT IN ('queued','starting','running','waiting','checking'))) "
        "ORDER BY m.id");
    held.bind_int(1, unit_id).bind_text(2, session_id);
    std::vector<int64_t> ids;
    while (held.step()) ids.push_back(held.col_int(0));
    db::Stmt take(reg.conn(),
                  "UPDATE mail SET claimed_session = ?2, claimed_at = ?3 WHERE id = ?1");
    const int64_t now = now_ms();
    for (int64_t id : ids) {
      take.bind_int(1, id).bind_text(2, session_id).bind_int(3, now).run();
      take.reset();
      out.push_back(*get_mail(reg, id));
    }
  });
  return out;
}

bool mark_mail_delivered(Registry& reg, int64_t id, const std::string& session_id) {
  bool changed = false;
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE mail SET delivered_at = ?3, delivered_session = ?2 "
                "WHERE id = ?1 AND claimed_session = ?2 AND delivered_at IS NULL");
    st.bind_int(1, id).bind_text(2, session_id).bind_int(3, now_ms()).run();
    changed = reg.conn()->changes() > 0;
  });
  return changed;
}

bool release_mail(Registry& reg, int64_t id, const std::string& session_id) {
  bool changed = false;
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE mail SET claimed_session = NULL, claimed_at = NULL "
                "WHERE id = ?1 AND claimed_session = ?2 AND delivered_at IS NULL");
    st.bind_int(1, id).bind_text(2, session_id).run();
    changed = reg.conn()->changes() > 0;
  });
  return changed;
}

void set_session_prompt(Registry& reg, const std::string& session_id, const std::string& prompt) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "UPDATE sessions SET prompt = ?2 WHERE id = ?1");
    st.bind_text(1, session_id).bind_text(2, prompt).run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  });
}

}  // namespace orch::registry
