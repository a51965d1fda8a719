// Anthropic Messages API: message bodies and the message_start ... message_stop SSE stream.
#include "tests/fake_model/render.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;

std::string anthropic_error_type(int status) {
  switch (status) {
    case 529:
      return "overloaded_error";
    case 429:
      return "rate_limit_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 400:
      return "invalid_request_error";
    default:
      return "api_error";
  }
}

}  // namespace

Rendered render_anthropic(const Reply& reply, const ModelRequest& req, uint64_t seq) {
  Rendered out;
  if (reply.kind == Reply::Kind::kError) {
    out.status = reply.status;
    out.body =
        json{{"type", "error"},
             {"error", {{"type", anthropic_error_type(reply.status)}, {"message", reply.message}}}}
            .dump();
    return out;
  }
  const std::string id = "msg_fake_" + std::to_string(seq);
  const std::string tool_id = "toolu_" + std::to_string(seq);
  const std::string model = req.model.empty() ? "fake-model" : req.model;
  const bool tool = reply.kind == Reply::Kind::kToolCall;
  const std::string stop_reason = tool ? "tool_use" : "end_turn";

  if (!req.stream) {
    json block = tool ? json{{"type", "tool_use"},
                             {"id", tool_id},
                             {"name", reply.tool_name},
                             {"input", reply.arguments}}
                      : json{{"type", "text"}, {"text", reply.text}};
    out.body = json{{"id", id},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", model},
                    {"content", json::array({block})},
                    {"stop_reason", stop_reason},
                    {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", kInputTokens}, {"output_tokens", kOutputTokens}}}}
                   .dump();
    return out;
  }

  out.stream = true;
  auto event = [&out](const std::string& type, json data) {
    data["type"] = type;
    out.events.push_back(sse_event(type, data));
  };
  event("message_start", {{"message",
                           {{"id", id},
                            {"type", "message"},
                            {"role", "assistant"},
                            {"model", model},
                            {"content", json::array()},
                            {"stop_reason", nullptr},
                            {"stop_sequence", nullptr},
                            {"usage",
                             {{"input_tokens", kInputTokens},
                              {"output_tokens", 1},
                              {"cache_creation_input_tokens", 0},
                              {"cache_read_input_tokens", 0}}}}}});
  if (tool) {
    event("content_block_start", {{"index", 0},
                                  {"content_block",
                                   {{"type", "tool_use"},
                                    {"id", tool_id},
                                    {"name", reply.tool_name},
                                    {"input", json::object()}}}});
    for (const auto& piece : split_pieces(reply.arguments.dump(), 3)) {
      event("content_block_delta",
            {{"index", 0}, {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}});
    }
  } else {
    event("content_block_start",
          {{"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}});
    for (const auto& word : split_words(reply.text)) {
      event("content_block_delta",
            {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", word}}}});
    }
  }
  event("content_block_stop", {{"index", 0}});
  event("message_delta", {{"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
                          {"usage", {{"output_tokens", kOutputTokens}}}});
  event("message_stop", json::object());
  return out;
}

}  // namespace orch::fake_model
