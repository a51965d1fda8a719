// The stable, documented JSON shape of a session, for `--json` output (README "JSON output").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/checks.h"
#include "lib/registry/landings.h"
#include "lib/registry/rate_limits.h"
#include "lib/registry/types.h"

namespace orch {

/// An ISO-8601 UTC string for a time in ms since the epoch, JSON null for 0 (not yet / never).
json::Json time_or_null(int64_t ms);
/// `s` as a JSON string, JSON null when it is empty.
json::Json str_or_null(const std::string& s);

/// A session's spending limits from its stored options (orchestrator/session/budget.h), as JSON:
/// {"max_cost_usd", "max_tokens", "max_duration_ms"}, each null when not set.
json::Json session_limits_json(const std::string& options);

/// A session as printed by `orch agents --json` and `orch sling --json`. Keys (snake_case, stable):
/// session, unit, agent, backend, state, branch, worktree, repo, pid, agent_session_id,
/// parent_session, started_at, ended_at, last_event_at (ISO-8601 UTC strings or null), tokens_in,
/// tokens_out, tokens_cache_read, tokens_cache_write, cost_usd, tool_calls, denials, summary,
/// error (why it failed or was lost, one line), note (why it ended when that is no error: a stop,
/// a handoff), commit, diffstat, changed (work_changed: true, false, or null while unknown) and
/// landing (landing_json of `landing`: null when the session's work was never landed).
json::Json session_json(const registry::Session& s, const registry::LandingRow* landing = nullptr);

/// Whether the session's branch changes anything against its unit's base: nullopt until its
/// work is recorded (no commit id yet) and for a --no-commit session (its work is not on the
/// branch); else whether its diffstat (base..commit, recorded by the supervisor) is non-empty.
std::optional<bool> work_changed(const registry::Session& s);

/// "no changes" for a `done` session whose branch has no change against its base (the issue's
/// marker for sling --wait, show, convoy show and JUnit), else "".
std::string no_changes_marker(const registry::Session& s);

/// What `orch land` did with a session's work (lib/registry/landings.h), as JSON: {outcome
/// ("landed" | "pr" | "skipped"), into, strategy, at, landed_at and landed_commit (landed only),
/// pr_url (pr only), skip_reason (skipped only)}; absent values are null. Null without `l`.
json::Json landing_json(const registry::LandingRow* l);

/// The same in a few words for tables and `orch show`: "landed <12 hex> on BRANCH", "pr URL",
/// "skipped: REASON".
std::string landing_text(const registry::LandingRow& l);

/// session_json of each of `sessions` (with its landing) and the key "checks": {"runs", "passed",
/// "failed"} (its check runs, all 0 for a session without checks), as `orch agents --json` prints
/// them.
json::Json sessions_json(registry::Registry& reg, const std::vector<registry::Session>& sessions);

/// The `rate_limit` key of a queued session's JSON: {backend, provider, until (ISO 8601),
/// reason} of the pause `p` that holds it back (docs/agents/rate-limits.md §4), null for none.
json::Json rate_limit_json(const registry::RateLimitPause* p);

/// {"runs", "passed", "failed"} of `n`.
json::Json check_counts_json(const registry::CheckCounts& n);

}  // namespace orch
