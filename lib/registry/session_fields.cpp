// Single-column updates of a session: supervisor, agent pid and id, usage, summary.

#include "lib/registry/db.h"
#include "lib/registry/registry.h"

namespace orch::registry {
namespace {

// Runs `st` (an UPDATE of one session) and throws kExitNotFound when no row matched.
void run_update(db::Conn* db, db::Stmt& st, const std::string& session_id) {
  st.run();
  if (db->changes() == 0) db::no_such_session(session_id);
}

// Through sane_usage: an agent's NaN cost would bind as NULL in a NOT NULL column, and the end
// of its session would never be recorded.
void bind_usage(db::Stmt& st, const Usage& given) {
  const Usage u = sane_usage(given);
  st.bind_int(2, u.tokens_in)
      .bind_int(3, u.tokens_out)
      .bind_int(4, u.tokens_cache_read)
      .bind_int(5, u.tokens_cache_write)
      .bind_real(6, u.cost_usd);
}

}  // namespace

void Registry::set_supervisor(const std::string& session_id, int64_t pid, int64_t start_time) {
  transaction([&] {
    db::Stmt st(db_,
                "UPDATE sessions SET supervisor_pid = ?2, supervisor_start_time = ?3 "
                "WHERE id = ?1");
    st.bind_text(1, session_id).bind_int_or_null(2, pid).bind_int_or_null(3, start_time);
    run_update(db_, st, session_id);
  });
}

void Registry::set_agent_pid(const std::string& session_id, int64_t pid) {
  transaction([&] {
    db::Stmt st(db_, "UPDATE sessions SET agent_pid = ?2 WHERE id = ?1");
    st.bind_text(1, session_id).bind_int_or_null(2, pid);
    run_update(db_, st, session_id);
  });
}

void Registry::set_agent_session_id(const std::string& session_id,
                                    const std::string& agent_session_id) {
  transaction([&] {
    db::Stmt st(db_, "UPDATE sessions SET agent_session_id = ?2 WHERE id = ?1");
    st.bind_text(1, session_id).bind_text_or_null(2, agent_session_id);
    run_update(db_, st, session_id);
  });
}

void Registry::add_usage(const std::string& session_id, const Usage& u) {
  transaction([&] {
    db::Stmt st(db_,
                "UPDATE sessions SET tokens_in = tokens_in + ?2, tokens_out = tokens_out + ?3, "
                "tokens_cache_read = tokens_cache_read + ?4, "
                "tokens_cache_write = tokens_cache_write + ?5, cost_usd = cost_usd + ?6 "
                "WHERE id = ?1");
    st.bind_text(1, session_id);
    bind_usage(st, u);
    run_update(db_, st, session_id);
  });
}

void Registry::set_usage(const std::string& session_id, const Usage& u) {
  transaction([&] {
    db::Stmt st(db_,
                "UPDATE sessions SET tokens_in = MAX(tokens_in, ?2), "
                "tokens_out = MAX(tokens_out, ?3), tokens_cache_read = MAX(tokens_cache_read, ?4), "
                "tokens_cache_write = MAX(tokens_cache_write, ?5), cost_usd = MAX(cost_usd, ?6) "
                "WHERE id = ?1");
    st.bind_text(1, session_id);
    bind_usage(st, u);
    run_update(db_, st, session_id);
  });
}

void Registry::set_summary(const std::string& session_id, const std::string& summary) {
  transaction([&] {
    db::Stmt st(db_, "UPDATE sessions SET summary = ?2 WHERE id = ?1");
    st.bind_text(1, session_id).bind_text_or_null(2, summary);
    run_update(db_, st, session_id);
  });
}

}  // namespace orch::registry
