// Attaching orch's tools to a session (docs/agents/mcp.md §3) and carrying out what the tools
// leave for the session's supervisor: the command of the MCP server that the backend gives the
// agent, and the handoff the agent asked for with the `handoff` tool once its turn ended.
#pragma once

#include <spdlog/logger.h>

#include <string>
#include <vector>

#include "orchestrator/deps.h"
#include "orchestrator/orchestrator.h"

namespace orch::mcp {

/// The command of orch's MCP server for a session with options `opts` (SessionSpec::mcp_command):
/// {orch binary, "--home", $ORCH_HOME, "mcp"}; empty when the session has no tools
/// (opts.tools false) or the orch binary is unknown.
std::vector<std::string> mcp_command(const Deps& f, const SessionOptions& opts);

/// After session `session_id` ended: when its agent asked for a handoff with the `handoff` tool
/// (registry::take_handoff_request), hands the unit to a new session of that agent as
/// `orch handoff UNIT --to AGENT -m NOTE` does (orchestrator/session/handoff.h), and records an
/// `info` event on the ended session either way. Never throws: a handoff that cannot be made is
/// logged and recorded.
void run_requested_handoff(const Deps& f, const std::string& session_id, spdlog::logger& log);

}  // namespace orch::mcp
