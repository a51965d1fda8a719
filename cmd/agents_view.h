// The sessions table of `orch agents`, shared with its live view (`orch agents --watch`, top).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/registry/landings.h"
#include "lib/registry/rate_limits.h"
#include "lib/registry/registry.h"

namespace orch::cmd {

/// The column of the sessions table that holds the state.
inline constexpr size_t kAgentsStateColumn = 4;

/// The sessions table's rows: a header (SESSION UNIT AGENT BACKEND STATE BRANCH RUNTIME
/// "LAST ACTIVITY" COST), then one row per session; run time and last activity are relative to
/// now. With `landings` (by session id), the STATE cell also says what `orch land` did with the
/// session's work: "done (landed)", "done (pr)", "done (land skipped)" (the details: orch show).
std::vector<std::vector<std::string>> agents_rows(
    const std::vector<registry::SessionBrief>& sessions,
    const std::map<std::string, registry::LandingRow>* landings = nullptr);

/// The rows as text (format_table), the state column coloured by state with `color`.
std::string format_agents_table(const std::vector<std::vector<std::string>>& rows, bool color);

/// One line per rate limit pause (docs/agents/rate-limits.md §4), e.g.
/// "opencode/fake paused until 11:42:10 (rate limit)\n": local time, with the date when the
/// pause ends on another day. "" when there is none.
std::string format_pauses(const std::vector<registry::RateLimitPause>& pauses);

}  // namespace orch::cmd
