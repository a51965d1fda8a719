// Workers (migrations/0021_workers.sql): registration, heartbeats, lost workers, requests from
// other hosts.
#include "lib/registry/workers.h"

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/session_row.h"

namespace orch::registry {
namespace {

constexpr const char* kWorkerColumns =
    "SELECT id, name, host, pid, started_at, heartbeat_at, state, ended_at, options FROM workers ";

Worker read_worker(const db::Stmt& st) {
  Worker w;
  w.id = st.col_text(0);
  w.name = st.col_text(1);
  w.host = st.col_text(2);
  w.pid = st.col_int(3);
  w.started_at = st.col_int(4);
  w.heartbeat_at = st.col_int(5);
  w.state = st.col_text(6);
  w.ended_at = st.col_int(7);
  w.options = st.col_text(8);
  return w;
}

std::vector<Session> read_sessions(db::Stmt& st) {
  std::vector<Session> out;
  while (st.step()) read_session(st, out.emplace_back());
  return out;
}

}  // namespace

void register_worker(Registry& reg, const Worker& w, int64_t now) {
  reg.transaction([&] {
    db::Conn* db = reg.conn();
    db::Stmt live(
        db, std::string(kWorkerColumns) + "WHERE name = ?1 AND state IN ('running','draining')");
    live.bind_text(1, w.name);
    if (live.step()) {
      const Worker other = read_worker(live);
      if (now - other.heartbeat_at <= kWorkerSilentMs) {
        throw Error("worker '" + w.name + "'",
                    "another worker of that name is alive (host " + other.host + ", pid " +
                        std::to_string(other.pid) + ", heartbeat " +
                        std::to_string((now - other.heartbeat_at) / 1000) +
                        " s ago); give this one another --name",
                    kExitConflict);
      }
      db::Stmt lost(db, "UPDATE workers SET state = 'lost', ended_at = ?2 WHERE id = ?1");
      lost.bind_text(1, other.id).bind_int(2, now).run();
    }
    db::Stmt ins(db,
                 "INSERT INTO workers (id, name, host, pid, started_at, heartbeat_at, state, "
                 "options) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'running', ?6)");
    ins.bind_text(1, w.id)
        .bind_text(2, w.name)
        .bind_text(3, w.host)
        .bind_int(4, w.pid)
        .bind_int(5, now)
        .bind_text(6, w.options.empty() ? "{}" : w.options)
        .run();
  });
}

bool heartbeat_worker(Registry& reg, const std::string& id, int64_t now) {
  bool ok = false;
  auto beat = [&] {
    db::Stmt up(reg.conn(),
                "UPDATE workers SET heartbeat_at = ?2 WHERE id = ?1 AND "
                "state IN ('running','draining')");
    up.bind_text(1, id).bind_int(2, now).run();
    ok = reg.conn()->changes() > 0;
  };
  // On PostgreSQL one statement on its own row, outside the registry's write lock: a long write
  // transaction (a convoy of 1,000 units created) must not hold every heartbeat back past
  // kWorkerSilentMs and have every worker judged lost.
  if (reg.conn()->dialect() == db::Dialect::kPostgres) {
    beat();
  } else {
    reg.transaction(beat);
  }
  return ok;
}

int64_t registry_clock_ms(Registry& reg) {
  if (reg.conn()->dialect() != db::Dialect::kPostgres) return now_ms();
  db::Stmt st(reg.conn(), "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint");
  st.step();
  return st.col_int(0);
}

int64_t registry_up_since_ms(Registry& reg) {
  if (reg.conn()->dialect() != db::Dialect::kPostgres) return 0;
  db::Stmt st(reg.conn(), "SELECT (extract(epoch from pg_postmaster_start_time()) * 1000)::bigint");
  st.step();
  return st.col_int(0);
}

bool set_worker_state(Registry& reg, const std::string& id, const std::string& state, int64_t now) {
  bool ok = false;
  reg.transaction([&] {
    db::Stmt up(reg.conn(),
                "UPDATE workers SET state = ?2, heartbeat_at = ?3, ended_at = CASE WHEN ?2 IN "
                "('stopped','lost') THEN CAST(?3 AS BIGINT) END WHERE id = ?1 AND state IN "
                "('running','draining')");
    up.bind_text(1, id).bind_text(2, state).bind_int(3, now).run();
    ok = reg.conn()->changes() > 0;
  });
  return ok;
}

std::vector<Worker> list_workers(Registry& reg) {
  db::Stmt st(reg.conn(), std::string(kWorkerColumns) +
                              "ORDER BY CASE WHEN state IN ('running','draining') THEN 0 ELSE 1 "
                              "END, name, started_at DESC, id");
  std::vector<Worker> out;
  while (st.step()) out.push_back(read_worker(st));
  return out;
}

std::optional<Worker> get_worker(Registry& reg, const std::string& id) {
  db::Stmt st(reg.conn(), std::string(kWorkerColumns) + "WHERE id = ?1");
  st.bind_text(1, id);
  if (!st.step()) return std::nullopt;
  return read_worker(st);
}

bool any_silent_worker(Registry& reg, int64_t now, int64_t silent_ms) {
  db::Stmt any(reg.conn(),
               "SELECT 1 FROM workers WHERE state IN ('running','draining') AND "
               "heartbeat_at < ?1 LIMIT 1");
  any.bind_int(1, now - silent_ms);
  return any.step();
}

std::vector<std::string> mark_silent_workers(Registry& reg, int64_t now, int64_t silent_ms) {
  std::vector<std::string> ids;
  // A read first: most calls find every worker fresh and take no write lock.
  if (!any_silent_worker(reg, now, silent_ms)) return ids;
  reg.transaction([&] {
    ids.clear();
    db::Stmt st(reg.conn(),
                "SELECT id FROM workers WHERE state IN ('running','draining') AND "
                "heartbeat_at < ?1");
    st.bind_int(1, now - silent_ms);
    while (st.step()) ids.push_back(st.col_text(0));
    db::Stmt up(reg.conn(),
                "UPDATE workers SET state = 'lost', ended_at = ?2 WHERE id = ?1 AND "
                "state IN ('running','draining')");
    for (const std::string& id : ids) {
      up.reset();
      up.bind_text(1, id).bind_int(2, now).run();
    }
  });
  return ids;
}

std::vector<Session> sessions_of_gone_workers(Registry& reg) {
  db::Stmt st(reg.conn(), std::string(kSessionSelect) +
                              "JOIN workers w ON w.id = s.worker WHERE s.state IN "
                              "('starting','running','waiting','checking') AND "
                              "w.state NOT IN ('running','draining') ORDER BY s.started_at, s.id");
  return read_sessions(st);
}

std::vector<Session> sessions_of_worker(Registry& reg, const std::string& id) {
  db::Stmt st(reg.conn(), std::string(kSessionSelect) +
                              "WHERE s.worker = ?1 AND s.state IN "
                              "('starting','running','waiting','checking') ORDER BY s.started_at, "
                              "s.id");
  st.bind_text(1, id);
  return read_sessions(st);
}

std::vector<Session> lost_worker_sessions_on_host(Registry& reg, const std::string& host,
                                                  int64_t since) {
  db::Stmt st(reg.conn(), std::string(kSessionSelect) +
                              "WHERE s.host = ?1 AND s.worker IS NOT NULL AND s.ended_at >= ?2 "
                              "AND s.state = 'lost' "
                              "ORDER BY s.ended_at, s.id");
  st.bind_text(1, host).bind_int(2, since);
  return read_sessions(st);
}

void set_remote_request(Registry& reg, const std::string& session_id, const std::string& json) {
  reg.transaction([&] {
    db::Stmt up(reg.conn(), "UPDATE sessions SET remote_request = ?2 WHERE id = ?1");
    up.bind_text(1, session_id).bind_text(2, json).run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
    reg.notify(kRequestChannel, session_id);
  });
}

std::vector<std::pair<std::string, std::string>> take_remote_requests(Registry& reg,
                                                                      const std::string& worker_id,
                                                                      const std::string& host) {
  std::vector<std::pair<std::string, std::string>> out;
  constexpr const char* kMine =
      "FROM sessions WHERE remote_request IS NOT NULL AND (worker = ?1 OR host = ?2) ";
  {
    db::Stmt any(reg.conn(), std::string("SELECT 1 ") + kMine + "LIMIT 1");
    any.bind_text(1, worker_id).bind_text(2, host);
    if (!any.step()) return out;
  }
  reg.transaction([&] {
    out.clear();
    db::Stmt st(reg.conn(), std::string("SELECT id, remote_request ") + kMine + "ORDER BY id");
    st.bind_text(1, worker_id).bind_text(2, host);
    while (st.step()) out.emplace_back(st.col_text(0), st.col_text(1));
    db::Stmt clear(reg.conn(), "UPDATE sessions SET remote_request = NULL WHERE id = ?1");
    for (const auto& [id, req] : out) {
      clear.reset();
      clear.bind_text(1, id).run();
    }
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> waiting_messages_of_worker(
    Registry& reg, const std::string& worker_id, const std::string& host) {
  std::vector<std::pair<std::string, std::string>> out;
  const char* live = "s.state IN ('starting','running','waiting','checking')";
  db::Stmt inbox(reg.conn(), std::string("SELECT i.session_id, i.id FROM session_inbox i JOIN "
                                         "sessions s ON s.id = i.session_id WHERE (s.worker = ?1 "
                                         "OR s.host = ?2) AND i.delivered_at IS NULL AND "
                                         "i.result IS NULL AND ") +
                                 live + " ORDER BY i.id");
  inbox.bind_text(1, worker_id).bind_text(2, host);
  while (inbox.step()) {
    out.emplace_back(inbox.col_text(0), "inbox:" + std::to_string(inbox.col_int(1)));
  }
  // Mail is addressed to a unit: its live session takes it.
  db::Stmt mail(reg.conn(), std::string("SELECT s.id, m.id FROM mail m JOIN sessions s ON "
                                        "s.unit_id = m.to_unit_id WHERE (s.worker = ?1 OR "
                                        "s.host = ?2) AND m.delivered_at IS NULL AND "
                                        "m.claimed_session IS NULL AND ") +
                                live + " ORDER BY m.id");
  mail.bind_text(1, worker_id).bind_text(2, host);
  while (mail.step()) out.emplace_back(mail.col_text(0), "mail:" + std::to_string(mail.col_int(1)));
  return out;
}

void set_session_worktree(Registry& reg, const std::string& session_id, const std::string& path) {
  reg.transaction([&] {
    db::Stmt up(reg.conn(), "UPDATE sessions SET worktree = ?2 WHERE id = ?1");
    up.bind_text(1, session_id).bind_text(2, path).run();
    if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  });
}

}  // namespace orch::registry
