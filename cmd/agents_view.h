// The sessions table of `orch agents`, shared with its live view (`orch agents --watch`, top).
#pragma once

#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::cmd {

/// The column of the sessions table that holds the state.
inline constexpr size_t kAgentsStateColumn = 4;

/// The sessions table's rows: a header (SESSION UNIT AGENT BACKEND STATE BRANCH RUNTIME
/// "LAST ACTIVITY" COST), then one row per session; run time and last activity are relative to
/// now.
std::vector<std::vector<std::string>> agents_rows(
    const std::vector<registry::SessionBrief>& sessions);

/// The rows as text (format_table), the state column coloured by state with `color`.
std::string format_agents_table(const std::vector<std::vector<std::string>>& rows, bool color);

}  // namespace orch::cmd
