// The `landings` table (lib/registry/landings.h).
#include "lib/registry/landings.h"

#include "lib/clock.h"
#include "lib/registry/db.h"

namespace orch::registry {

void record_landing(Registry& reg, const LandingRow& row) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "INSERT INTO landings (unit_id, session_id, outcome, into_branch, "
                "strategy, commit_id, pr_url, reason, at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) "
                "ON CONFLICT (unit_id) DO UPDATE SET session_id = excluded.session_id, "
                "outcome = excluded.outcome, into_branch = excluded.into_branch, "
                "strategy = excluded.strategy, commit_id = excluded.commit_id, "
                "pr_url = excluded.pr_url, reason = excluded.reason, at = excluded.at");
    st.bind_int(1, row.unit_id)
        .bind_text(2, row.session_id)
        .bind_text(3, row.outcome)
        .bind_text(4, row.into_branch)
        .bind_text(5, row.strategy)
        .bind_text_or_null(6, row.commit_id)
        .bind_text_or_null(7, row.pr_url)
        .bind_text_or_null(8, row.reason)
        .bind_int(9, row.at ? row.at : now_ms());
    st.run();
  });
}

namespace {

constexpr const char* kLandingColumns =
    "SELECT unit_id, session_id, outcome, into_branch, strategy, COALESCE(commit_id,''), "
    "COALESCE(pr_url,''), COALESCE(reason,''), at FROM landings";

LandingRow landing_row(db::Stmt& st) {
  LandingRow r;
  r.unit_id = st.col_int(0);
  r.session_id = st.col_text(1);
  r.outcome = st.col_text(2);
  r.into_branch = st.col_text(3);
  r.strategy = st.col_text(4);
  r.commit_id = st.col_text(5);
  r.pr_url = st.col_text(6);
  r.reason = st.col_text(7);
  r.at = st.col_int(8);
  return r;
}

}  // namespace

std::optional<LandingRow> landing_of(Registry& reg, int64_t unit_id) {
  db::Stmt st(reg.conn(), std::string(kLandingColumns) + " WHERE unit_id = ?1");
  st.bind_int(1, unit_id);
  if (!st.step()) return std::nullopt;
  return landing_row(st);
}

std::map<std::string, LandingRow> landings_by_session(Registry& reg) {
  db::Stmt st(reg.conn(), kLandingColumns);
  std::map<std::string, LandingRow> out;
  while (st.step()) {
    LandingRow r = landing_row(st);
    out.emplace(r.session_id, std::move(r));
  }
  return out;
}

}  // namespace orch::registry
