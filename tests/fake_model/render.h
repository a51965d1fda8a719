// A reply rendered for one wire protocol: a JSON body or a list of SSE events.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fake_model/planner.h"
#include "tests/fake_model/request.h"

namespace orch::fake_model {

/// Fixed usage numbers reported in every response, so token/cost recording can be tested.
inline constexpr int kInputTokens = 100;
inline constexpr int kOutputTokens = 10;

struct Rendered {
  int status = 200;
  bool stream = false;              ///< true: send `events` as text/event-stream
  std::string body;                 ///< !stream: the JSON body (application/json)
  std::vector<std::string> events;  ///< stream: complete SSE events, each ending in "\n\n"
};

/// OpenAI chat completions (`seq` makes the response and tool-call ids unique).
Rendered render_openai(const Reply& reply, const ModelRequest& req, uint64_t seq);
/// Anthropic messages (`seq` makes the message and tool_use ids unique).
Rendered render_anthropic(const Reply& reply, const ModelRequest& req, uint64_t seq);

/// Splits text into word chunks, each word keeping the whitespace after it.
std::vector<std::string> split_words(const std::string& text);
/// Splits a string into at most `parts` consecutive, non-empty pieces.
std::vector<std::string> split_pieces(const std::string& s, size_t parts);
/// One SSE event: optional `event:` line, then `data: <json>`.
std::string sse_event(const std::string& event, const nlohmann::json& data);

}  // namespace orch::fake_model
