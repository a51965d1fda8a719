// The JSON API of `orch dashboard` (/api/...): each answer is what the matching CLI command prints
// with --json (agents, show, logs, convoy list/show, conflicts, stop, nudge, handoff), built by
// the same orchestrator functions. Returns data or throws orch::Error; the server (cmd/
// dashboard_server.h) turns an Error into an HTTP status (http_status_for).
#pragma once

#include <cstdint>
#include <string>

#include "lib/home.h"
#include "lib/json.h"
#include "lib/registry/registry.h"
#include "orchestrator/deps.h"

namespace orch::cmd {

/// The most hunk lines /api/sessions/ID/diff returns (files past it keep their counts only).
inline constexpr size_t kDashboardDiffLines = 5000;

/// The page size of GET /api/sessions without `limit` (as gh's lists: a page, never the whole
/// registry), and the largest `limit` it accepts.
inline constexpr size_t kDashboardPage = 100;
inline constexpr size_t kDashboardMaxPage = 500;

/// One page of GET /api/sessions: `sessions` is `orch agents --json`'s array for its sessions,
/// `next` the session id to pass as `after` for the next page ("" on the last page).
struct SessionsPage {
  json::Json sessions;
  std::string next;
};

/// GET /api/sessions[?all=1][&limit=N][&after=ID]: `orch agents [--all] --json`, a page at a
/// time: at most `limit` (1..kDashboardMaxPage) sessions, newest first, those after session
/// `after` ("" = from the start). With 10,000 sessions the whole list (7.5 MB of JSON, built as
/// nlohmann objects) cost the dashboard 800 MB of RSS; a page keeps it small.
/// Errors: kExitUsage for a `limit` out of range or an `after` that names no session.
SessionsPage api_sessions(registry::Registry& reg, bool all, size_t limit,
                          const std::string& after);

/// GET /api/sessions/ID: `orch show ID --json` (ID: a session id, or a unit: its newest session).
json::Json api_session(registry::Registry& reg, const HomeLayout& home, const std::string& id);

/// GET /api/sessions/ID/log?after_state=N&after_event=M: {"session", "entries": [the objects of
/// `orch logs --json`], "after_state", "after_event"}: the entries after those ids (0: all), and
/// the ids to ask after next time.
json::Json api_log(registry::Registry& reg, const std::string& id, int64_t after_state,
                   int64_t after_event);

/// GET /api/sessions/ID/diff: the session's branch against its unit's base, {"session", "base",
/// "commit" (null: the live worktree's content), "files": [{"path", "old_path", "status",
/// "binary", "too_large" (over git::kPatchMaxFileBytes: not read, no hunks), "additions",
/// "deletions", "hunks": [{"header", "lines": [{"origin", "text"}]}]}],
/// "truncated", "note" (why there is no diff, else null)}.
json::Json api_diff(registry::Registry& reg, const std::string& id);

/// GET /api/convoys: `orch convoy list --json`.
json::Json api_convoys(registry::Registry& reg);
/// GET /api/convoys/NAME: `orch convoy show NAME --json`.
json::Json api_convoy(registry::Registry& reg, const std::string& name);
/// GET /api/convoys/NAME/conflicts: `orch conflicts --convoy NAME --json`.
json::Json api_conflicts(registry::Registry& reg, const std::string& name);

/// POST /api/sessions/ID/stop {"force": bool}: as `orch stop ID [--force]` (grace 15 s):
/// {"session", "state"}.
json::Json api_stop(const Deps& d, const std::string& id, const json::Json& body);
/// POST /api/sessions/ID/nudge {"message"}: as `orch nudge ID MESSAGE`: {"session",
/// "delivered": true}. Errors: exit 2 without a message.
json::Json api_nudge(const Deps& d, const std::string& id, const json::Json& body);
/// POST /api/sessions/ID/handoff {"message", "agent"}: as `orch handoff ID [-m] [--to] --json`:
/// the new session's session_json.
json::Json api_handoff(const Deps& d, const std::string& id, const json::Json& body);

/// The HTTP status for an orch::Error's exit code: 404 not found, 400 usage, 409 conflict,
/// 403 untrusted, else 500.
int http_status_for(int exit_code);

}  // namespace orch::cmd
