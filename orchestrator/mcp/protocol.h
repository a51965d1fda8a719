// orch's MCP server (`orch mcp`), the protocol side: JSON-RPC 2.0 messages, one per line on stdin
// and stdout, as the Model Context Protocol's stdio transport has them (docs/agents/mcp.md §1-2).
// McpServer turns one received line into the line to answer (or none, for a notification) and
// never throws: hostile or malformed input gets a JSON-RPC error, a failing tool an `isError`
// result. The tools themselves are a ToolBox (orchestrator/mcp/tools.h), so the protocol is
// tested without a registry.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/json.h"

namespace orch::mcp {

/// The longest line `orch mcp` reads (bytes): a longer one is answered with a JSON-RPC error and
/// skipped, so a 10 MB argument still reaches its tool (which refuses it with its own limit).
inline constexpr std::size_t kMaxLineBytes = std::size_t{32} << 20;

/// The protocol revisions orch answers with (docs/agents/mcp.md §1), newest first.
extern const std::vector<std::string> kProtocolVersions;

/// What a tool call returns: text for the agent, and whether it is an error (MCP `isError`: the
/// model sees it as the tool's failure; the session goes on).
struct ToolResult {
  std::string text;
  bool is_error = false;
};

/// Sends a JSON-RPC notification (a whole message, without the newline) while a call runs, e.g.
/// notifications/progress.
using NotifyFn = std::function<void(const json::Json& message)>;

/// The tools an McpServer offers.
class ToolBox {
 public:
  virtual ~ToolBox() = default;
  /// The tools as tools/list returns them: [{name, description, inputSchema}].
  virtual json::Json list() const = 0;
  /// Whether a tool of this name exists.
  virtual bool has(const std::string& name) const = 0;
  /// Runs tool `name` with `arguments` (a JSON object, as received). `progress(message)` reports
  /// that a long call is still going (sent as notifications/progress when the client asked for
  /// it). May throw: McpServer turns any exception into an isError result.
  virtual ToolResult call(const std::string& name, const json::Element& arguments,
                          const std::function<void(const std::string&)>& progress) = 0;
  /// Whether calls of tool `name` may run beside the session's other calls (stream.h): long and
  /// without effects a later call could depend on (orch's `wait`). Others run in order.
  virtual bool runs_aside(const std::string& /*name*/) const { return false; }
};

/// One MCP server session over a ToolBox.
class McpServer {
 public:
  McpServer(ToolBox& tools, std::string version) : tools_(tools), version_(std::move(version)) {}
  /// Handles one received line (without its newline). Returns the line to send back (compact
  /// JSON), or nullopt for a notification or a response from the client. `notify` sends
  /// notifications during a tools/call.
  std::optional<std::string> handle(const std::string& line, const NotifyFn& notify);
  /// As handle, with `tools` instead of the server's own answering a tools/list or tools/call:
  /// a call running on a thread of its own has tools of its own (stream.h). Safe to call from
  /// several threads at once when each passes its own `tools`.
  std::optional<std::string> handle(const std::string& line, const NotifyFn& notify,
                                    ToolBox& tools);
  /// True when `line` is a JSON-RPC request (it has an id) for tools/call of a tool the server's
  /// ToolBox lets run aside (ToolBox::runs_aside).
  bool runs_aside(const std::string& line) const;
  /// The answer to a line longer than kMaxLineBytes (its id is unknown: null).
  static std::string too_long();

 private:
  json::Json dispatch(const std::string& method, const json::Element& params, bool has_params,
                      const json::Json& id, const NotifyFn& notify, ToolBox& tools);
  json::Json call_tool(const json::Element& params, const NotifyFn& notify, ToolBox& tools);

  ToolBox& tools_;
  std::string version_;
  std::atomic<bool> initialized_{false};
};

}  // namespace orch::mcp
