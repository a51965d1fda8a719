// Shared agent servers: claiming, starting, restarting, releasing and reaping `servers` rows.
#include "lib/registry/servers.h"

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"

namespace orch::registry {
namespace {

constexpr const char* kColumns =
    "SELECT v.id, v.backend, v.key, v.state, v.capacity, v.generation, v.served, v.serve_limit, "
    "COALESCE(v.pid, 0), COALESCE(v.start_time, 0), COALESCE(v.port, 0), "
    "COALESCE(v.owner_pid, 0), COALESCE(v.owner_start, 0), v.created_at, v.updated_at, "
    "COALESCE(v.detail, ''), "
    "(SELECT COUNT(*) FROM sessions s WHERE s.server_id = v.id "
    "AND s.state IN ('queued','starting','running','waiting','checking')), "
    "COALESCE(v.host, '') "
    "FROM servers v ";

// Live sessions of `backend` that may still attach to a server: not attached yet and queued or
// starting (a server kept for them is not idle).
constexpr const char* kWaitingUsers =
    "SELECT COUNT(*) FROM sessions WHERE backend = ?1 AND server_id IS NULL "
    "AND state IN ('queued','starting')";

ServerRow read_row(const db::Stmt& st) {
  ServerRow r;
  r.id = st.col_text(0);
  r.backend = st.col_text(1);
  r.key = st.col_text(2);
  r.state = st.col_text(3);
  r.capacity = static_cast<int>(st.col_int(4));
  r.generation = st.col_int(5);
  r.served = static_cast<int>(st.col_int(6));
  r.serve_limit = static_cast<int>(st.col_int(7));
  r.pid = st.col_int(8);
  r.start_time = st.col_int(9);
  r.port = static_cast<int>(st.col_int(10));
  r.owner_pid = st.col_int(11);
  r.owner_start = st.col_int(12);
  r.created_at = st.col_int(13);
  r.updated_at = st.col_int(14);
  r.detail = st.col_text(15);
  r.users = static_cast<int>(st.col_int(16));
  r.host = st.col_text(17);
  return r;
}

bool retired(const ServerRow& s) {
  return s.serve_limit > 0 && s.served >= s.serve_limit;
}

std::vector<ServerRow> query(Registry& reg, const std::string& where, const std::string& a = "",
                             const std::string& b = "") {
  db::Stmt st(reg.conn(), std::string(kColumns) + where);
  if (!a.empty()) st.bind_text(1, a);
  if (!b.empty()) st.bind_text(2, b);
  std::vector<ServerRow> rows;
  while (st.step()) rows.push_back(read_row(st));
  return rows;
}

void set_state(Registry& reg, const std::string& id, const std::string& state,
               const std::string& detail) {
  db::Stmt st(reg.conn(),
              "UPDATE servers SET state = ?2, detail = ?3, updated_at = ?4 WHERE id = ?1");
  st.bind_text(1, id).bind_text(2, state).bind_text_or_null(3, detail).bind_int(4, now_ms()).run();
}

void attach(Registry& reg, const std::string& session_id, const std::string& server_id) {
  db::Stmt st(reg.conn(), "UPDATE sessions SET server_id = ?2 WHERE id = ?1");
  st.bind_text(1, session_id).bind_text(2, server_id).run();
  if (reg.conn()->changes() == 0) db::no_such_session(session_id);
  db::Stmt up(reg.conn(), "UPDATE servers SET served = served + 1, updated_at = ?2 WHERE id = ?1");
  up.bind_text(1, server_id).bind_int(2, now_ms()).run();
}

int waiting_users(Registry& reg, const std::string& backend) {
  db::Stmt st(reg.conn(), kWaitingUsers);
  st.bind_text(1, backend);
  st.step();
  return static_cast<int>(st.col_int(0));
}

}  // namespace

ServerClaim claim_server(Registry& reg, const ServerRequest& req, const AliveFn& alive) {
  ServerClaim claim;
  reg.transaction([&] {
    std::vector<ServerRow> open =
        query(reg,
              "WHERE v.backend = ?1 AND v.key = ?2 AND v.state IN ('starting','ready') "
              "ORDER BY v.created_at, v.id",
              req.backend, req.key);
    const ServerRow* best_ready = nullptr;
    const ServerRow* best_starting = nullptr;
    for (const ServerRow& s : open) {
      bool ready = s.state == "ready";
      if (ready ? !alive(s.pid, s.start_time) : !alive(s.owner_pid, s.owner_start)) {
        set_state(reg, s.id, "dead",
                  ready ? "its process is gone" : "the process starting it is gone");
        if (!ready && s.pid > 0) claim.to_stop.push_back(s);  // spawned, never made ready
        continue;
      }
      bool room = s.users < s.capacity && !retired(s);
      if (!room) continue;
      const ServerRow*& best = ready ? best_ready : best_starting;
      if (!best || s.users > best->users) best = &s;
    }
    if (best_ready || best_starting) {
      claim.role = best_ready ? ServerRole::kUse : ServerRole::kWait;
      claim.server = best_ready ? *best_ready : *best_starting;
      attach(reg, req.session_id, claim.server.id);
      return;
    }
    const int64_t now = now_ms();
    db::Stmt ins(reg.conn(),
                 "INSERT INTO servers (id, backend, key, state, capacity, owner_pid, owner_start, "
                 "created_at, updated_at, serve_limit, host) "
                 "VALUES (?1, ?2, ?3, 'starting', ?4, ?5, ?6, ?7, ?7, ?8, ?9)");
    ins.bind_text(1, req.new_id)
        .bind_text(2, req.backend)
        .bind_text(3, req.key)
        .bind_int(4, req.capacity)
        .bind_int(5, req.owner_pid)
        .bind_int(6, req.owner_start)
        .bind_int(7, now)
        .bind_int(8, req.serve_limit)
        .bind_text(9, reg.host())
        .run();
    attach(reg, req.session_id, req.new_id);
    claim.role = ServerRole::kStart;
    claim.server = *get_server(reg, req.new_id);
  });
  return claim;
}

bool server_ready(Registry& reg, const std::string& id, int64_t generation, int64_t pid,
                  int64_t start_time, int port) {
  bool done = false;
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE servers SET state = 'ready', pid = ?3, start_time = ?4, port = ?5, "
                "owner_pid = NULL, owner_start = NULL, updated_at = ?6 "
                "WHERE id = ?1 AND generation = ?2 AND state = 'starting'");
    st.bind_text(1, id)
        .bind_int(2, generation)
        .bind_int(3, pid)
        .bind_int(4, start_time)
        .bind_int(5, port)
        .bind_int(6, now_ms())
        .run();
    done = reg.conn()->changes() > 0;
  });
  return done;
}

bool server_spawned(Registry& reg, const std::string& id, int64_t generation, int64_t pid,
                    int64_t start_time) {
  bool done = false;
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE servers SET pid = ?3, start_time = ?4, updated_at = ?5 "
                "WHERE id = ?1 AND generation = ?2 AND state = 'starting'");
    st.bind_text(1, id)
        .bind_int(2, generation)
        .bind_int(3, pid)
        .bind_int(4, start_time)
        .bind_int(5, now_ms())
        .run();
    done = reg.conn()->changes() > 0;
  });
  return done;
}

bool server_ended(Registry& reg, const std::string& id, int64_t generation,
                  const std::string& state, const std::string& detail) {
  bool done = false;
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE servers SET state = ?3, detail = ?4, updated_at = ?5 "
                "WHERE id = ?1 AND generation = ?2 AND state IN ('starting','ready')");
    st.bind_text(1, id)
        .bind_int(2, generation)
        .bind_text(3, state)
        .bind_text_or_null(4, detail)
        .bind_int(5, now_ms())
        .run();
    done = reg.conn()->changes() > 0;
  });
  return done;
}

std::optional<ServerClaim> restart_server(Registry& reg, const std::string& id, int64_t generation,
                                          int64_t owner_pid, int64_t owner_start) {
  std::optional<ServerClaim> claim;
  reg.transaction([&] {
    auto row = get_server(reg, id);
    if (!row || row->state == "stopped") return;
    if (row->generation > generation) {
      if (row->state != "starting" && row->state != "ready") return;
      claim = ServerClaim{row->state == "ready" ? ServerRole::kUse : ServerRole::kWait, *row, {}};
      return;
    }
    // Still the generation that died: ready (nobody noticed yet) or already marked dead (by a
    // claimer that found its process gone). This caller restarts it.
    db::Stmt st(reg.conn(),
                "UPDATE servers SET generation = generation + 1, state = 'starting', "
                "pid = NULL, start_time = NULL, port = NULL, owner_pid = ?2, owner_start = ?3, "
                "detail = 'restarting: its process died', updated_at = ?4 WHERE id = ?1");
    st.bind_text(1, id).bind_int(2, owner_pid).bind_int(3, owner_start).bind_int(4, now_ms()).run();
    claim = ServerClaim{ServerRole::kStart, *get_server(reg, id), {}};
  });
  return claim;
}

std::optional<ServerRow> release_server(Registry& reg, const std::string& session_id) {
  std::optional<ServerRow> to_stop;
  reg.transaction([&] {
    std::string server_id;
    {
      db::Stmt st(reg.conn(), "SELECT COALESCE(server_id, '') FROM sessions WHERE id = ?1");
      st.bind_text(1, session_id);
      if (!st.step()) db::no_such_session(session_id);
      server_id = st.col_text(0);
    }
    if (server_id.empty()) return;
    db::Stmt clear(reg.conn(), "UPDATE sessions SET server_id = NULL WHERE id = ?1");
    clear.bind_text(1, session_id).run();
    auto row = get_server(reg, server_id);
    if (!row) return;
    db::Stmt touch(reg.conn(), "UPDATE servers SET updated_at = ?2 WHERE id = ?1");
    touch.bind_text(1, server_id).bind_int(2, now_ms()).run();
    if (row->users > 0) return;
    if (row->state == "starting") {
      // Its starter's session ended (its supervisor was killed while starting it): nobody will
      // make it ready. Stop what was spawned.
      set_state(reg, server_id, "dead", "the session starting it ended");
      row->state = "dead";
      if (row->pid > 0) to_stop = row;
      return;
    }
    if (row->state != "ready") return;
    // The session being released is still live (its end is recorded after this): not waiting.
    if (!retired(*row) && waiting_users(reg, row->backend) > 0) {
      db::Stmt self(reg.conn(),
                    "SELECT 1 FROM sessions WHERE id = ?1 AND state IN ('queued','starting')");
      self.bind_text(1, session_id);
      if (!self.step() || waiting_users(reg, row->backend) > 1) return;
    }
    set_state(reg, server_id, "stopped", "its last session ended");
    row->state = "stopped";
    to_stop = row;
  });
  return to_stop;
}

std::optional<ServerRow> server_of(Registry& reg, const std::string& session_id) {
  std::string server_id;
  {
    db::Stmt st(reg.conn(), "SELECT COALESCE(server_id, '') FROM sessions WHERE id = ?1");
    st.bind_text(1, session_id);
    if (st.step()) server_id = st.col_text(0);
  }
  if (server_id.empty()) return std::nullopt;
  return get_server(reg, server_id);
}

std::optional<ServerRow> get_server(Registry& reg, const std::string& id) {
  std::vector<ServerRow> rows = query(reg, "WHERE v.id = ?1", id);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<ServerRow> list_servers(Registry& reg, bool open_only) {
  return query(reg, std::string(open_only ? "WHERE v.state IN ('starting','ready') " : "") +
                        "ORDER BY v.created_at DESC, v.id");
}

bool has_open_servers(Registry& reg) {
  db::Stmt any(reg.conn(), "SELECT 1 FROM servers WHERE state IN ('starting','ready') LIMIT 1");
  return any.step();
}

std::vector<ServerRow> reap_servers(Registry& reg, int64_t now, int64_t idle_ms,
                                    const AliveFn& alive) {
  std::vector<ServerRow> stopped;
  // Most calls find no open server: answer those without taking the write lock.
  if (!has_open_servers(reg)) return stopped;
  reg.transaction([&] {
    // Only this host's servers: another host's pids mean nothing here (migration 0021).
    const std::string here = " AND (v.host IS NULL OR v.host = ?1)";
    for (ServerRow& s : query(reg, "WHERE v.state = 'starting'" + here, reg.host())) {
      if (alive(s.owner_pid, s.owner_start)) continue;
      set_state(reg, s.id, "dead", "the process starting it is gone");
      if (s.pid > 0) stopped.push_back(s);
    }
    for (ServerRow& s : query(reg, "WHERE v.state = 'ready'" + here, reg.host())) {
      if (!alive(s.pid, s.start_time)) {
        set_state(reg, s.id, "dead", "its process is gone");
      } else if (s.users == 0 && (retired(s) || (now - s.updated_at >= idle_ms &&
                                                 waiting_users(reg, s.backend) == 0))) {
        set_state(reg, s.id, "stopped", "idle with no session");
        s.state = "stopped";
        stopped.push_back(s);
      }
    }
  });
  return stopped;
}

std::vector<ServerRow> lingering_servers(Registry& reg, int64_t now, int64_t min_age_ms,
                                         const AliveFn& alive) {
  db::Stmt st(reg.conn(),
              "SELECT id, backend, state, pid, COALESCE(start_time, 0), updated_at FROM servers "
              "WHERE state IN ('stopped','dead') AND pid > 0 AND updated_at <= ?1 "
              "AND (host IS NULL OR host = ?2)");
  st.bind_int(1, now - min_age_ms).bind_text(2, reg.host());
  std::vector<ServerRow> out;
  while (st.step()) {
    ServerRow r;
    r.id = st.col_text(0);
    r.backend = st.col_text(1);
    r.state = st.col_text(2);
    r.pid = st.col_int(3);
    r.start_time = st.col_int(4);
    r.updated_at = st.col_int(5);
    if (alive(r.pid, r.start_time)) out.push_back(r);
  }
  return out;
}

}  // namespace orch::registry
