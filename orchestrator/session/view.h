// The stable, documented JSON shape of a session, for `--json` output (README "JSON output").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/checks.h"
#include "lib/registry/types.h"

namespace orch {

/// An ISO-8601 UTC string for a time in ms since the epoch, JSON null for 0 (not yet / never).
json::Json time_or_null(int64_t ms);
/// `s` as a JSON string, JSON null when it is empty.
json::Json str_or_null(const std::string& s);

/// A session as printed by `orch agents --json` and `orch sling --json`. Keys (snake_case, stable):
/// session, unit, agent, backend, state, branch, worktree, repo, pid, agent_session_id,
/// parent_session, started_at, ended_at, last_event_at (ISO-8601 UTC strings or null), tokens_in,
/// tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, tool_calls, denials, summary,
/// error (why it failed or was lost, one line), note (why it ended when that is no error: a stop,
/// a handoff), commit, diffstat.
json::Json session_json(const registry::Session& s);

/// session_json of each of `sessions` with the key "checks": {"runs", "passed", "failed"} (its
/// check runs, all 0 for a session without checks), as `orch agents --json` prints them.
json::Json sessions_json(registry::Registry& reg, const std::vector<registry::Session>& sessions);

/// {"runs", "passed", "failed"} of `n`.
json::Json check_counts_json(const registry::CheckCounts& n);

}  // namespace orch
