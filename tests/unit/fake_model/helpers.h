// Helpers for the fake model tests: an in-process server, request bodies, SSE parsing.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <httplib.h>
#pragma GCC diagnostic pop

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tests/fake_model/server.h"

namespace orch::fake_model::test {

using nlohmann::json;

/// One parsed SSE event: the `event:` name (may be empty) and the `data:` payload.
struct SseEvent {
  std::string event;
  std::string data;
};

inline std::vector<SseEvent> parse_sse(const std::string& body) {
  std::vector<SseEvent> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string block = body.substr(pos, end - pos);
    pos = end + 2;
    SseEvent ev;
    size_t lpos = 0;
    while (lpos < block.size()) {
      size_t lend = block.find('\n', lpos);
      if (lend == std::string::npos) lend = block.size();
      std::string line = block.substr(lpos, lend - lpos);
      lpos = lend + 1;
      if (line.starts_with("event: ")) ev.event = line.substr(7);
      if (line.starts_with("data: ")) ev.data = line.substr(6);
    }
    if (!ev.event.empty() || !ev.data.empty()) out.push_back(ev);
  }
  return out;
}

/// An OpenAI chat-completions body: one system message, one user message, optional tools.
inline json openai_body(const std::string& user, bool stream, const std::vector<std::string>& tools,
                        int assistant_turns = 0) {
  json messages = json::array({{{"role", "system"},
                                {"content",
                                 "You are opencode.\n<env>\n  Working directory: "
                                 "/work/repo\n  Platform: linux\n</env>"}},
                               {{"role", "user"}, {"content", user}}});
  for (int i = 0; i < assistant_turns; ++i) {
    messages.push_back({{"role", "assistant"}, {"content", "earlier"}});
    messages.push_back({{"role", "user"}, {"content", "go on"}});
  }
  json body = {{"model", "fake-model"}, {"stream", stream}, {"messages", messages}};
  if (stream) body["stream_options"] = {{"include_usage", true}};
  json list = json::array();
  for (const auto& name : tools) {
    json props = name == "write"
                     ? json{{"filePath", {{"type", "string"}}}, {"content", {{"type", "string"}}}}
                     : json{{"command", {{"type", "string"}}}};
    list.push_back({{"type", "function"},
                    {"function", {{"name", name}, {"parameters", {{"properties", props}}}}}});
  }
  if (!list.empty()) body["tools"] = list;
  return body;
}

/// An Anthropic messages body shaped like Claude Code's: system blocks, a system-reminder block
/// before the prompt, the environment in a system-role message.
inline json anthropic_body(const std::string& user, bool stream,
                           const std::vector<std::string>& tools, int assistant_turns = 0) {
  json messages = json::array(
      {{{"role", "user"},
        {"content", json::array({{{"type", "text"},
                                  {"text",
                                   "<system-reminder>\ngit status: slow drop stall\n"
                                   "</system-reminder>"}},
                                 {{"type", "text"}, {"text", user}}})}},
       {{"role", "system"},
        {"content", "# Environment\n - Primary working directory: /w/repo\n - Platform: linux"}}});
  for (int i = 0; i < assistant_turns; ++i) {
    messages.push_back(
        {{"role", "assistant"}, {"content", json::array({{{"type", "text"}, {"text", "ok"}}})}});
    messages.push_back({{"role", "user"}, {"content", "go on"}});
  }
  json body = {{"model", "claude-test"},
               {"max_tokens", 1000},
               {"stream", stream},
               {"system", json::array({{{"type", "text"}, {"text", "You are Claude Code."}}})},
               {"messages", messages}};
  json list = json::array();
  for (const auto& name : tools) {
    json props =
        name == "Write"
            ? json{{"file_path", {{"type", "string"}}}, {"content", {{"type", "string"}}}}
            : json{{"command", {{"type", "string"}}}, {"description", {{"type", "string"}}}};
    list.push_back({{"name", name}, {"input_schema", {{"properties", props}}}});
  }
  if (!list.empty()) body["tools"] = list;
  return body;
}

/// The script the server tests run against.
inline constexpr const char* kServerScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello from the fake model\n"},
      {"text": "Done: wrote HELLO.md"}]},
    {"match": "retry", "turns": [
      {"error": 500, "message": "fake upstream failure", "times": 1},
      {"text": "after retry"}]},
    {"match": "overload", "turns": [{"error": 529, "message": "too busy"}]},
    {"match": "drop", "turns": [{"text": "one two three four five", "drop_after_chunks": 2}]},
    {"match": "slow", "turns": [{"text": "a b c", "delay_ms": 300, "chunk_delay_ms": 50}]},
    {"match": "stall", "turns": [{"text": "stuck here", "stall_after_chunks": 1,
                                  "stall_ms": 600000}]}
  ],
  "default": [{"text": "Hello from the fake model."}]
})";

/// A FakeModelServer running on a random port for the duration of a test.
class RunningServer {
 public:
  explicit RunningServer(const std::string& script_json, const std::string& log_path = "") {
    ServerOptions opts;
    opts.script = parse_script(script_json);
    opts.log_path = log_path;
    server_ = std::make_unique<FakeModelServer>(std::move(opts));
    port_ = server_->start();
  }
  int port() const { return port_; }
  FakeModelServer& server() { return *server_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  httplib::Result post(const std::string& path, const json& body) const {
    return client().Post(path.c_str(), body.dump(), "application/json");
  }

 private:
  std::unique_ptr<FakeModelServer> server_;
  int port_ = 0;
};

}  // namespace orch::fake_model::test
