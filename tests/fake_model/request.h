// What the fake model needs from an agent's request body (parsed with simdjson).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace orch::fake_model {

/// Which wire protocol a request came in on.
enum class Api { kOpenAI, kAnthropic };

/// A tool the agent offered, with the property names of its input schema.
struct OfferedTool {
  std::string name;
  std::vector<std::string> params;
};

struct ModelRequest {
  Api api = Api::kOpenAI;
  std::string model;
  bool stream = false;
  bool include_usage = false;  ///< OpenAI stream_options.include_usage
  /// Text of the first user message (text parts/blocks joined by "\n"; Claude Code's
  /// `<system-reminder>` blocks are skipped).
  std::string first_user_text;
  int assistant_messages = 0;  ///< number of assistant messages already in `messages`
  /// Text of the last user message with text, when it is not the first one (a follow-up: a nudge,
  /// a failing check's output), and the assistant messages after it.
  std::string later_user_text;
  int assistant_messages_since = 0;
  std::vector<OfferedTool> tools;
  /// All system text: OpenAI system/developer messages, Anthropic `system` (string or blocks).
  std::string system_text;
};

/// Parses a chat-completions (kOpenAI) or messages (kAnthropic) request body. Throws
/// orch::Error if the body is not a JSON object.
ModelRequest parse_request(Api api, const std::string& body);

/// Converts any JSON text to nlohmann::json via simdjson (for the request log). Throws
/// orch::Error if `text` is not valid JSON.
nlohmann::json to_json(const std::string& text);

/// The agent's working directory as announced in its system prompt: OpenCode's
/// `Working directory: /abs` or Claude Code's `Primary working directory: /abs` (a trailing
/// ` (was /old)` is dropped). The last one wins (a resumed Claude Code conversation carries the
/// old environment message and the new one). Empty if absent.
std::string working_directory(const std::string& system_text);

/// Finds an offered tool by name, case-insensitively; nullptr if not offered.
const OfferedTool* find_tool(const ModelRequest& req, const std::string& name);

}  // namespace orch::fake_model
