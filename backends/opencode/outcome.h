// Deciding how an OpenCode run ended, from GET /session/{id}/message after session.idle
// (docs/agents/opencode.md §8 "Which event means what; deciding the outcome").
#pragma once

#include <string>

#include "lib/json.h"

#include "orchestrator/orchestrator.h"

namespace orch::opencode {

/// "APIError: fake upstream failure" from an opencode error object `{name, data: {message}}`
/// (session.error events, assistant messages' `error`); "" when it has neither.
std::string error_text(const simdjson::simdjson_result<json::Element>& err);

/// The tokens and cost of one assistant message's `info` (docs/agents/opencode.md §7): input,
/// output + reasoning, cache read and write, and `cost` (US dollars, which OpenCode computes from
/// the model's `cost` in its provider config: docs/budgets.md).
registry::Usage message_usage(const simdjson::simdjson_result<json::Element>& info);

/// Decides done/failed and collects summary, tokens and cost.
/// `messages_json`: the GET /session/{id}/message array; `user_message_id`: the id orch gave the
/// prompt; `stream_error`: the message of any session.error seen for the session ("" if none).
/// Rules: failed if a session.error arrived, if no assistant message answers the prompt, if the
/// last assistant message has an error, or if its finish is not "stop"; otherwise done.
/// Tokens and cost are summed over the prompt's assistant messages (one per LLM step).
RunResult decide_outcome(const std::string& messages_json, const std::string& user_message_id,
                         const std::string& stream_error);

}  // namespace orch::opencode
