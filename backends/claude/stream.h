// Claude Code's stream-json output, one NDJSON line at a time, normalized into what orch needs.
// Shapes from docs/agents/claude-code.md §5 (schema), §6 (failures) and §9 (control
// messages), Claude Code 2.1.328. Pure: no I/O, no state between lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/json.h"

namespace orch::claude {

/// A tool call the model made: an assistant `tool_use` content block.
struct ToolUse {
  std::string id;       ///< toolu_...
  std::string name;     ///< Write, Bash, Edit, ...
  std::string summary;  ///< the telling input field (file_path, command, pattern, ...), short
};

/// A tool's answer: a user `tool_result` content block.
struct ToolResult {
  std::string tool_use_id;
  bool is_error = false;
  std::string content;  ///< its text, shortened
};

/// A tool call the permission mode refused (system/permission_denied or an entry of
/// result.permission_denials[]).
struct Denial {
  std::string tool_name;
  std::string tool_use_id;
  std::string message;  ///< why, when Claude Code says (permission_denied lines only)
};

/// Token usage as Claude Code reports it (result.usage).
struct Usage {
  int64_t input = 0, output = 0, cache_read = 0, cache_creation = 0;
};

/// The final `{"type":"result"}` line of a turn.
struct ResultLine {
  bool is_error = true;             ///< absent counts as an error: only an explicit false is done
  std::string subtype;              ///< success | error_max_turns | error_during_execution | ...
  std::string terminal_reason;      ///< completed | max_turns | api_error | aborted_tools | ...
  std::string text;                 ///< `result` (the final text, or the API error text)
  std::vector<std::string> errors;  ///< `errors[]`
  Usage usage;
  double total_cost_usd = 0;
  int64_t num_turns = 0;
  int64_t api_error_status = 0;  ///< 0 when null or absent
  std::string api_error_type;    ///< e.g. rate_limit_error (docs/agents/rate-limits.md §2)
  std::vector<Denial> denials;   ///< permission_denials[]
};

/// One stdout line, normalized. Only the fields of its kind are filled.
struct StreamLine {
  enum class Kind {
    kInit,              ///< system/init: session_id, version, model, permission_mode
    kAssistant,         ///< assistant: texts, tool_uses, api_error
    kToolResults,       ///< user with tool_result blocks: tool_results
    kPermissionDenied,  ///< system/permission_denied: denial
    kApiRetry,          ///< system/api_retry: attempt, max_retries, retry_delay_ms, error_*
    kControlResponse,   ///< control_response: request_id, response_subtype, response_error
    kResult,            ///< result: result
    kOther,             ///< valid JSON orch has no use for (system/status, hooks, stream events)
    kInvalid,           ///< not a JSON object: invalid_reason
  };
  Kind kind = Kind::kOther;
  std::string type;        ///< the raw `type`
  std::string subtype;     ///< the raw `subtype` (system and result lines)
  std::string session_id;  ///< `session_id`, on every line that has one

  // kInit
  std::string version;  ///< claude_code_version
  std::string model;
  std::string permission_mode;  ///< permissionMode

  // kAssistant
  std::vector<std::string> texts;  ///< text blocks, in order
  std::vector<ToolUse> tool_uses;
  bool api_error = false;  ///< a synthetic message carrying an API error (is_api_error_message)

  // kToolResults
  std::vector<ToolResult> tool_results;

  // kPermissionDenied
  Denial denial;

  // kApiRetry (error_status 0 when null, e.g. a connection error)
  int64_t attempt = 0, max_retries = 0, retry_delay_ms = 0, error_status = 0;
  std::string error;

  // kControlResponse
  std::string request_id;
  std::string response_subtype;  ///< success | error
  std::string response_error;

  // kResult
  ResultLine result;

  // kInvalid
  std::string invalid_reason;
};

/// Parses one line of `claude -p --output-format stream-json --verbose` output. Never throws:
/// a line that is not a JSON object comes back as kInvalid. `parser` is reused between calls.
StreamLine parse_stream_line(std::string_view line, json::Parser& parser);

/// The short description of a tool input orch shows: the first of file_path, command, pattern,
/// path, url, query, notebook_path, description that is a string, else the compact input JSON;
/// one line, at most `max_chars` characters (with "..." when cut).
std::string tool_input_summary(const json::Field& input, size_t max_chars = 200);

}  // namespace orch::claude
