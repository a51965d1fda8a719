// Attaching orch's tools to a session (docs/agents/mcp.md §3) and carrying out what the tools
// leave for the session's supervisor: the command of the MCP server that the backend gives the
// agent, the tool socket the supervisor serves it on, and the handoff the agent asked for with
// the `handoff` tool once its turn ended.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

#include "orchestrator/deps.h"
#include "orchestrator/mcp/tool_socket.h"
#include "orchestrator/orchestrator.h"

namespace orch::mcp {

/// The command of orch's stdio MCP server for a session with options `opts`:
/// {orch binary, "--home", $ORCH_HOME, "mcp"}; empty when the session has no tools
/// (opts.tools false) or the orch binary is unknown.
std::vector<std::string> mcp_command(const Deps& f, const SessionOptions& opts);

/// The installed `orch-mcp-bridge` (cmd/mcp_bridge/): next to the orch binary (a build tree) or
/// in <prefix>/libexec/orch/ beside <prefix>/bin/orch; "" when neither is an executable file.
std::string find_bridge(const std::string& self_exe);

/// orch's tools for a running session: the socket its supervisor serves them on, and the
/// command the backend gives the agent (SessionSpec::mcp_command).
struct AttachedTools {
  std::unique_ptr<ToolSocket> socket;  ///< null when served by `orch mcp` or not at all
  std::vector<std::string> command;    ///< empty: no tools
};

/// Attaches orch's tools to session `session_id` whose worktree is `worktree` (existing): when
/// the bridge is installed, a ToolSocket served by this process and the command {bridge,
/// socket_dir(home)}, which OpenCode and Claude Code start in the worktree; else, or when the
/// socket cannot be made (logged on `log`), mcp_command(): one `orch mcp` per session as before.
/// Call it with the supervisor's signals blocked: the socket's threads inherit the mask.
AttachedTools attach_tools(const Deps& f, const SessionOptions& opts, const std::string& worktree,
                           const std::string& session_id,
                           const std::shared_ptr<spdlog::logger>& log);

/// After session `session_id` ended: when its agent asked for a handoff with the `handoff` tool
/// (registry::take_handoff_request), hands the unit to a new session of that agent as
/// `orch handoff UNIT --to AGENT -m NOTE` does (orchestrator/session/handoff.h), and records an
/// `info` event on the ended session either way. Never throws: a handoff that cannot be made is
/// logged and recorded.
void run_requested_handoff(const Deps& f, const std::string& session_id, spdlog::logger& log);

}  // namespace orch::mcp
