// One MCP session over a byte stream (docs/agents/mcp.md §1): reads JSON-RPC lines from a file
// descriptor, answers each through an McpServer, until the peer closes. `orch mcp` runs it on
// stdin/stdout; a supervisor's tool socket (tool_socket.h) on each connection.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "orchestrator/mcp/protocol.h"

namespace orch::mcp {

/// Writes one whole message line (without its newline); returns false when the peer is gone.
using SendLineFn = std::function<bool(const std::string& line)>;

/// Makes the tools for one call that runs aside (ToolBox::runs_aside): its own registry
/// connection. `stream_ended` turns true once the client closed its end or cannot take answers:
/// a long call should end then.
using ToolBoxFactory =
    std::function<std::unique_ptr<ToolBox>(const std::atomic<bool>& stream_ended)>;

/// The most calls of one MCP session that run aside at once; reading waits for one to end.
inline constexpr std::size_t kMaxConcurrentCalls = 8;

/// Serves `server` on `in_fd` until end of input, a read error or a failed `send`: every line
/// (a trailing '\r' ignored, empty lines skipped) goes to McpServer::handle and its answer and
/// notifications to `send`. A line over kMaxLineBytes is answered with McpServer::too_long() and
/// skipped to its end. Calls run in the order they came, except that with `make_tools` a call
/// of a tool that runs aside (McpServer::runs_aside: `wait`) runs on a thread of its own with
/// tools from `make_tools` (up to kMaxConcurrentCalls at once), so a long `wait` does not hold up
/// the session's later calls; its answer then comes when it ends (JSON-RPC matches answers by
/// id), and `send` is called by one thread at a time. Returns once every call ended. Throws the
/// first exception `send` threw, after that.
void serve_stream(int in_fd, McpServer& server, const SendLineFn& send,
                  const ToolBoxFactory& make_tools = {});

}  // namespace orch::mcp
