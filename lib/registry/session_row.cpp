#include "lib/registry/session_row.h"

namespace orch::registry {

const char* const kSessionSelect =
    "SELECT s.id, s.unit_id, u.name, u.repo, u.branch, s.agent, s.backend, s.model, s.prompt, "
    "s.state, s.worktree, s.agent_session_id, s.supervisor_pid, s.supervisor_start_time, "
    "s.agent_pid, s.parent_session, s.started_at, s.ended_at, s.last_event_at, s.tokens_in, "
    "s.tokens_out, s.tokens_cache_read, s.tokens_cache_write, s.cost_usd, s.tool_calls, "
    "s.denials, s.summary, s.error, s.commit_id, s.diffstat, s.no_commit, s.options, s.note, "
    "s.status, s.host, s.worker "
    "FROM sessions s JOIN units u ON u.id = s.unit_id ";

void read_session(const db::Stmt& st, Session& s) {
  int c = 0;
  s.id = st.col_text(c++);
  s.unit_id = st.col_int(c++);
  s.unit_name = st.col_text(c++);
  s.repo = st.col_text(c++);
  s.branch = st.col_text(c++);
  s.agent = st.col_text(c++);
  s.backend = st.col_text(c++);
  s.model = st.col_text(c++);
  s.prompt = st.col_text(c++);
  s.state = state_from_string(st.col_text(c++));
  s.worktree = st.col_text(c++);
  s.agent_session_id = st.col_text(c++);
  s.supervisor_pid = st.col_int(c++);
  s.supervisor_start_time = st.col_int(c++);
  s.agent_pid = st.col_int(c++);
  s.parent_session = st.col_text(c++);
  s.started_at = st.col_int(c++);
  s.ended_at = st.col_int(c++);
  s.last_event_at = st.col_int(c++);
  s.usage.tokens_in = st.col_int(c++);
  s.usage.tokens_out = st.col_int(c++);
  s.usage.tokens_cache_read = st.col_int(c++);
  s.usage.tokens_cache_write = st.col_int(c++);
  s.usage.cost_usd = st.col_real(c++);
  s.tool_calls = st.col_int(c++);
  s.denials = st.col_int(c++);
  s.summary = st.col_text(c++);
  s.error = st.col_text(c++);
  s.commit_id = st.col_text(c++);
  s.diffstat = st.col_text(c++);
  s.no_commit = st.col_int(c++) != 0;
  s.options = st.col_text(c++);
  s.note = st.col_text(c++);
  s.status = st.col_text(c++);
  s.host = st.col_text(c++);
  s.worker = st.col_text(c++);
}

}  // namespace orch::registry
