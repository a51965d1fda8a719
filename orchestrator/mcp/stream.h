// One MCP session over a byte stream (docs/agents/mcp.md §1): reads JSON-RPC lines from a file
// descriptor, answers each through an McpServer, until the peer closes. `orch mcp` runs it on
// stdin/stdout; a supervisor's tool socket (tool_socket.h) on each connection.
#pragma once

#include <functional>
#include <string>

#include "orchestrator/mcp/protocol.h"

namespace orch::mcp {

/// Writes one whole message line (without its newline); returns false when the peer is gone.
using SendLineFn = std::function<bool(const std::string& line)>;

/// Serves `server` on `in_fd` until end of input, a read error or a failed `send`: every line
/// (a trailing '\r' ignored, empty lines skipped) goes to McpServer::handle and its answer and
/// notifications to `send`. A line over kMaxLineBytes is answered with McpServer::too_long() and
/// skipped to its end. Throws only what `send` throws.
void serve_stream(int in_fd, McpServer& server, const SendLineFn& send);

}  // namespace orch::mcp
