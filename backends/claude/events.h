// Turns Claude Code's stream-json lines (backends/claude/stream.h) into what the supervisor's
// SessionSink records: accepted/running on the first system/init, one `tool` event per tool call
// once its tool_result arrives, `text`, `permission` (denied), `retry`, `error` and `info` events
// (the event kinds of orchestrator/orchestrator.h), and the facts the outcome needs.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "backends/claude/stream.h"
#include "orchestrator/orchestrator.h"

namespace orch::claude {

/// Per-run state of the stream. Single-threaded: used by ClaudeBackend::run() only.
class LineHandler {
 public:
  /// `policy` is only echoed in permission events (Claude Code's permission mode decides).
  LineHandler(SessionSink& sink, PermissionPolicy policy);

  /// Handles one parsed line; `raw` is the line as read (for kInvalid lines).
  /// - kInit (first only; every turn prints one, docs/agents/claude-code.md §5):
  ///   sink.state(kRunning, "claude:init"), sink.accepted(session_id) and an info event with
  ///   version, model, mode.
  /// - kAssistant: text blocks → `text` (an API-error message → `error`); tool_use blocks are
  ///   remembered until their result.
  /// - kToolResults: `tool` {tool, title, status completed|error, error}.
  /// - kPermissionDenied and result.permission_denials[] not seen before: `permission`
  ///   {permission, denied: true, policy, message} (docs/agents/claude-code.md §4: a denial does
  ///   not fail the run).
  /// - kApiRetry: `retry` {attempt, max_retries, delay_ms, status, message}.
  /// - kControlResponse, kInvalid: `info`.
  /// - kResult: remembered (last one wins) and its usage and cost taken (see usage()).
  void handle(const StreamLine& line, std::string_view raw);

  /// Reports tool calls that never got a result (the run was cut short) as `tool` events with
  /// status "error" and error "no result (interrupted)". Call once at the end.
  void finish();

  bool initialized() const { return initialized_; }
  /// Claude's session id from system/init ("" before it).
  const std::string& agent_session() const { return agent_session_; }
  /// claude_code_version from system/init.
  const std::string& version() const { return version_; }
  /// Number of result lines seen.
  int results() const { return results_; }
  /// The last result line (meaningful when results() > 0).
  const ResultLine& last_result() const { return last_result_; }
  /// The last text block the model wrote (API-error messages excluded).
  const std::string& last_text() const { return last_text_; }
  /// Tokens summed over every result line of this process (each result covers its own turn);
  /// cost is the process's running total as Claude Code reports it (the last result's
  /// total_cost_usd).
  const Usage& usage() const { return usage_; }
  /// The last api_retry line that retried a refusal for limits (HTTP 429 or error
  /// "rate_limit"): its retry_delay_ms and when it was read (epoch ms); -1 and 0 before one.
  int64_t rate_limit_delay_ms() const { return rate_limit_delay_ms_; }
  int64_t rate_limit_seen_at() const { return rate_limit_seen_at_; }
  double cost_usd() const { return cost_usd_; }

 private:
  void report_denial(const Denial& d);

  SessionSink& sink_;
  PermissionPolicy policy_;
  bool initialized_ = false;
  std::string agent_session_;
  std::string version_;
  int results_ = 0;
  ResultLine last_result_;
  std::string last_text_;
  Usage usage_;
  double cost_usd_ = 0;
  int64_t rate_limit_delay_ms_ = -1;
  int64_t rate_limit_seen_at_ = 0;
  std::map<std::string, ToolUse> pending_tools_;  ///< by tool_use id, until the tool_result
  std::set<std::string> reported_denials_;        ///< tool_use ids
};

}  // namespace orch::claude
