// OpenAI-compatible chat completions: chat.completion(.chunk) bodies and SSE streams.
#include <chrono>

#include "tests/fake_model/render.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;

std::string openai_error_type(int status) {
  if (status >= 500) return "server_error";
  if (status == 429) return "rate_limit_error";
  if (status == 401 || status == 403) return "authentication_error";
  return "invalid_request_error";
}

json usage() {
  return {{"prompt_tokens", kInputTokens},
          {"completion_tokens", kOutputTokens},
          {"total_tokens", kInputTokens + kOutputTokens}};
}

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Rendered render_openai(const Reply& reply, const ModelRequest& req, uint64_t seq) {
  Rendered out;
  if (reply.kind == Reply::Kind::kError) {
    out.status = reply.status;
    out.body = json{{"error",
                     {{"message", reply.message},
                      {"type", openai_error_type(reply.status)},
                      {"code", reply.status}}}}
                   .dump();
    return out;
  }
  const std::string id = "chatcmpl-fake-" + std::to_string(seq);
  const std::string call_id = "call_" + std::to_string(seq);
  const std::string model = req.model.empty() ? "fake-model" : req.model;
  const int64_t created = now_s();
  const bool tool = reply.kind == Reply::Kind::kToolCall;
  const std::string finish = tool ? "tool_calls" : "stop";
  const std::string args = tool ? reply.arguments.dump() : "";

  if (!req.stream) {
    json message = {{"role", "assistant"}, {"content", nullptr}};
    if (tool) {
      message["tool_calls"] =
          json::array({{{"id", call_id},
                        {"type", "function"},
                        {"function", {{"name", reply.tool_name}, {"arguments", args}}}}});
    } else {
      message["content"] = reply.text;
    }
    out.body = json{
        {"id", id},
        {"object", "chat.completion"},
        {"created", created},
        {"model", model},
        {"choices", json::array({{{"index", 0}, {"message", message}, {"finish_reason", finish}}})},
        {"usage",
         usage()}}.dump();
    return out;
  }

  out.stream = true;
  auto chunk = [&](const json& delta, const json& finish_reason) {
    json c = {{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices",
               json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}}})}};
    out.events.push_back(sse_event("", c));
  };
  chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  if (tool) {
    chunk({{"tool_calls",
            json::array({{{"index", 0},
                          {"id", call_id},
                          {"type", "function"},
                          {"function", {{"name", reply.tool_name}, {"arguments", ""}}}}})}},
          nullptr);
    for (const auto& piece : split_pieces(args, 3)) {
      chunk({{"tool_calls", json::array({{{"index", 0}, {"function", {{"arguments", piece}}}}})}},
            nullptr);
    }
  } else {
    for (const auto& word : split_words(reply.text)) chunk({{"content", word}}, nullptr);
  }
  chunk(json::object(), finish);
  if (req.include_usage) {
    out.events.push_back(sse_event("", {{"id", id},
                                        {"object", "chat.completion.chunk"},
                                        {"created", created},
                                        {"model", model},
                                        {"choices", json::array()},
                                        {"usage", usage()}}));
  }
  out.events.push_back("data: [DONE]\n\n");
  return out;
}

}  // namespace orch::fake_model
