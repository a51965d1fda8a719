// The `check_runs` table (lib/registry/checks.h).
#include "lib/registry/checks.h"

#include "lib/clock.h"
#include "lib/registry/db.h"

namespace orch::registry {

int64_t insert_check_run(Registry& reg, const CheckRun& run) {
  int64_t id = 0;
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "INSERT INTO check_runs (session_id, attempt, name, command, exit_code, timed_out, "
                "duration_ms, output_path, started_at, ended_at) "
                "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) RETURNING id");
    st.bind_text(1, run.session_id)
        .bind_int(2, run.attempt)
        .bind_text(3, run.name)
        .bind_text(4, run.command);
    if (run.ended_at > 0) {
      st.bind_int(5, run.exit_code).bind_int(7, run.duration_ms).bind_int(10, run.ended_at);
    }
    st.bind_int(6, run.timed_out ? 1 : 0)
        .bind_text(8, run.output_path)
        .bind_int(9, run.started_at ? run.started_at : now_ms());
    id = db::insert_returning_id(st);
  });
  return id;
}

void end_check_run(Registry& reg, int64_t id, const CheckRun& run) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "UPDATE check_runs SET exit_code = ?2, timed_out = ?3, duration_ms = ?4, "
                "ended_at = ?5 WHERE id = ?1");
    st.bind_int(1, id)
        .bind_int(2, run.exit_code)
        .bind_int(3, run.timed_out ? 1 : 0)
        .bind_int(4, run.duration_ms)
        .bind_int(5, run.ended_at ? run.ended_at : now_ms());
    st.run();
  });
}

std::vector<CheckRun> check_runs(Registry& reg, const std::string& session_id) {
  db::Stmt st(reg.conn(),
              "SELECT id, session_id, attempt, name, command, COALESCE(exit_code, -1), timed_out, "
              "COALESCE(duration_ms, 0), output_path, started_at, COALESCE(ended_at, 0) "
              "FROM check_runs WHERE session_id = ?1 ORDER BY id");
  st.bind_text(1, session_id);
  std::vector<CheckRun> out;
  while (st.step()) {
    CheckRun r;
    r.id = st.col_int(0);
    r.session_id = st.col_text(1);
    r.attempt = static_cast<int>(st.col_int(2));
    r.name = st.col_text(3);
    r.command = st.col_text(4);
    r.exit_code = static_cast<int>(st.col_int(5));
    r.timed_out = st.col_int(6) != 0;
    r.duration_ms = st.col_int(7);
    r.output_path = st.col_text(8);
    r.started_at = st.col_int(9);
    r.ended_at = st.col_int(10);
    out.push_back(std::move(r));
  }
  return out;
}

std::map<std::string, CheckCounts> check_counts(Registry& reg,
                                                const std::vector<std::string>& session_ids) {
  std::map<std::string, CheckCounts> out;
  db::Stmt st(reg.conn(),
              "SELECT COUNT(*), "
              "COALESCE(SUM(ended_at IS NOT NULL AND exit_code = 0 AND timed_out = 0), 0), "
              "COALESCE(SUM(ended_at IS NOT NULL AND (exit_code != 0 OR timed_out != 0)), 0) "
              "FROM check_runs WHERE session_id = ?1");
  for (const std::string& id : session_ids) {
    st.reset();
    st.bind_text(1, id);
    if (!st.step() || st.col_int(0) == 0) continue;
    out[id] = {static_cast<int>(st.col_int(0)), static_cast<int>(st.col_int(1)),
               static_cast<int>(st.col_int(2))};
  }
  return out;
}

}  // namespace orch::registry
