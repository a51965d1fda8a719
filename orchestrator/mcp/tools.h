// orch's tools inside an agent (`orch mcp`): send_mail, read_mail, sling, wait, status, handoff,
// each acting through the same orchestrator functions as the command line (mail.h, launch.h,
// wait.h, handoff.h), for the session the server is bound to. docs/agents/mcp.md §4 lists them
// with their schemas and errors.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "lib/json.h"
#include "lib/registry/types.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/deps.h"
#include "orchestrator/mcp/protocol.h"

namespace orch::mcp {

/// Who the tools act for: the session named by `orch mcp --session ID`, else the live session
/// whose worktree is the server's working directory (OpenCode runs a `local` MCP server in the
/// session's directory: docs/agents/mcp.md §3), else $ORCH_SESSION.
struct Binding {
  std::string session;      ///< --session; "" = none
  std::string cwd;          ///< the server's working directory
  std::string env_session;  ///< $ORCH_SESSION; "" = unset
};

/// The longest status line (bytes); a longer one is refused.
inline constexpr std::size_t kMaxStatusBytes = 200;
/// The longest `wait` (seconds) and its default.
inline constexpr int64_t kMaxWaitSeconds = 3600;
inline constexpr int64_t kDefaultWaitSeconds = 600;
/// The most units one `wait` takes.
inline constexpr std::size_t kMaxWaitUnits = 100;

/// The tools, over the registry and home of `deps`.
class OrchTools : public ToolBox {
 public:
  /// `stop` and `stream_ended`, when given, are read before and between the 5-s slices of a
  /// `wait`: once either is true (the session's supervisor is ending; the client went away), the
  /// call ends with an error, whether the client takes progress notifications or not. They must
  /// outlive this object.
  OrchTools(const Deps& deps, Binding binding, const std::atomic<bool>* stop = nullptr,
            const std::atomic<bool>* stream_ended = nullptr)
      : deps_(deps), binding_(std::move(binding)), stop_(stop), stream_ended_(stream_ended) {}
  json::Json list() const override;
  bool has(const std::string& name) const override;
  /// `wait` runs aside: it only reads, and may take an hour.
  bool runs_aside(const std::string& name) const override { return name == "wait"; }
  /// Errors (thrown, turned into isError results by McpServer): orch::Error with a clear message:
  /// an argument of the wrong type or missing, no bound session, unknown unit, depth limit, pool
  /// cap, text too long or empty, ...
  ToolResult call(const std::string& name, const json::Element& args,
                  const std::function<void(const std::string&)>& progress) override;

  /// The session the tools act for (see Binding). Errors: orch::Error when none is found.
  registry::Session caller();

 private:
  ToolResult send_mail(const json::Element& args);
  ToolResult read_mail(const json::Element& args);
  ToolResult status(const json::Element& args);
  ToolResult handoff(const json::Element& args);
  ToolResult sling(const json::Element& args);
  ToolResult wait(const json::Element& args,
                  const std::function<void(const std::string&)>& progress);
  /// The config files of `me`'s repository, read under the trust `me` was launched with (its
  /// accepted .orch.toml content, so a one-time --trust-repo-config holds for its tools too).
  AgentConfig caller_config(const registry::Session& me) const;

  /// Why a `wait` must end now ("" when it may go on): the stop or the stream's end.
  std::string why_stop() const;

  const Deps& deps_;
  Binding binding_;
  const std::atomic<bool>* stop_;
  const std::atomic<bool>* stream_ended_;
};

/// OrchTools with a registry connection of their own, opened at first use on the registry of
/// `deps`'s home (ORCH_REGISTRY_URL decides, as for every registry orch opens), with the binary
/// and trust of `deps`: for a call that runs aside on a thread of its own (stream.h). The home
/// `deps` refers to must outlive them; `stop` and `stream_ended` as for OrchTools.
std::unique_ptr<ToolBox> tools_with_own_registry(const Deps& deps, Binding binding,
                                                 const std::atomic<bool>* stop,
                                                 const std::atomic<bool>* stream_ended);

/// How deep session `s` is in the lineage of tool slings: 0 for a session slung by a person, its
/// tool-slung child 1, ... (parent links within a unit, a retry or a handoff, do not count).
int sling_depth(registry::Registry& reg, const registry::Session& s);

/// Refuses (orch::Error) to give work to preset `agent` when it is not the calling session `me`'s
/// own preset and its permission policy is allow: an agent under deny would otherwise reach one
/// that runs commands unattended. Also errors for an unknown preset (config.find).
void require_no_looser_preset(const AgentConfig& config, const registry::Session& me,
                              const std::string& agent);

// Argument readers: each throws orch::Error("<key>: expected ...") for a wrong type.
/// A required string argument.
std::string string_arg(const json::Element& args, const char* key);
/// An optional string argument ("" when absent or null).
std::string optional_string_arg(const json::Element& args, const char* key);
/// An optional array of strings (empty when absent or null).
std::vector<std::string> string_array_arg(const json::Element& args, const char* key);

}  // namespace orch::mcp
