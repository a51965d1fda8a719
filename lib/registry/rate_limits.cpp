#include "lib/registry/rate_limits.h"

#include "lib/registry/db.h"

namespace orch::registry {
namespace {

constexpr const char* kPauseColumns =
    "SELECT backend, provider, until_ms, reason, strikes, COALESCE(session_id, ''), at "
    "FROM rate_limit_pauses ";

RateLimitPause pause_row(const db::Stmt& st) {
  RateLimitPause p;
  p.backend = st.col_text(0);
  p.provider = st.col_text(1);
  p.until_ms = st.col_int(2);
  p.reason = st.col_text(3);
  p.strikes = static_cast<int>(st.col_int(4));
  p.session_id = st.col_text(5);
  p.at = st.col_int(6);
  return p;
}

}  // namespace

std::optional<RateLimitPause> get_pause(Registry& reg, const std::string& backend,
                                        const std::string& provider) {
  db::Stmt st(reg.conn(), std::string(kPauseColumns) + "WHERE backend = ?1 AND provider = ?2");
  st.bind_text(1, backend).bind_text(2, provider);
  if (!st.step()) return std::nullopt;
  return pause_row(st);
}

void put_pause(Registry& reg, const RateLimitPause& p) {
  reg.transaction([&] {
    db::Stmt st(reg.conn(),
                "INSERT INTO rate_limit_pauses "
                "(backend, provider, until_ms, reason, strikes, session_id, at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                "ON CONFLICT (backend, provider) DO UPDATE SET until_ms = excluded.until_ms, "
                "reason = excluded.reason, strikes = excluded.strikes, "
                "session_id = excluded.session_id, at = excluded.at");
    st.bind_text(1, p.backend)
        .bind_text(2, p.provider)
        .bind_int(3, p.until_ms)
        .bind_text(4, p.reason)
        .bind_int(5, p.strikes)
        .bind_text_or_null(6, p.session_id)
        .bind_int(7, p.at)
        .run();
  });
}

int clear_ended_pauses(Registry& reg, const std::string& backend, int64_t now_ms) {
  int removed = 0;
  reg.transaction([&] {
    db::Stmt st(reg.conn(), "DELETE FROM rate_limit_pauses WHERE backend = ?1 AND until_ms <= ?2");
    st.bind_text(1, backend).bind_int(2, now_ms).run();
    removed = reg.conn()->changes();
  });
  return removed;
}

std::vector<RateLimitPause> active_pauses(Registry& reg, int64_t now_ms) {
  db::Stmt st(reg.conn(), std::string(kPauseColumns) +
                              "WHERE until_ms > ?1 ORDER BY until_ms, backend, provider");
  st.bind_int(1, now_ms);
  std::vector<RateLimitPause> out;
  while (st.step()) out.push_back(pause_row(st));
  return out;
}

const RateLimitPause* pause_holding(const std::vector<RateLimitPause>& pauses, const Session& s) {
  if (s.state != State::kQueued) return nullptr;
  return pause_covering(pauses, s.backend, s.model);
}

const RateLimitPause* pause_covering(const std::vector<RateLimitPause>& pauses,
                                     const std::string& backend, const std::string& model) {
  const auto slash = model.find('/');
  for (const RateLimitPause& p : pauses) {
    if (p.backend != backend) continue;
    if (p.provider.empty() || slash == std::string::npos || model.substr(0, slash) == p.provider)
      return &p;
  }
  return nullptr;
}

}  // namespace orch::registry
