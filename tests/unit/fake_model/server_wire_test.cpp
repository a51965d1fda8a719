// The fake model server over real HTTP: the OpenAI and Anthropic wire formats.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/fake_model/helpers.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;
using test::anthropic_body;
using test::openai_body;
using test::parse_sse;
using test::RunningServer;

/// Data payloads of an SSE body, each parsed as JSON (except the final [DONE]).
std::vector<json> data_chunks(const std::string& body, bool* saw_done) {
  std::vector<json> out;
  *saw_done = false;
  for (const auto& ev : parse_sse(body)) {
    if (ev.data == "[DONE]") {
      *saw_done = true;
      continue;
    }
    out.push_back(json::parse(ev.data));  // throws (fails the test) if not JSON
  }
  return out;
}

TEST(FakeModelServer, OpenAIStreamCarriesWriteToolCall) {
  RunningServer srv(test::kServerScript);
  auto res =
      srv.post("/v1/chat/completions", openai_body("write-hello please", true, {"bash", "write"}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  bool done = false;
  std::vector<json> chunks = data_chunks(res->body, &done);
  EXPECT_TRUE(done);
  std::string id, name, arguments, finish;
  bool usage = false;
  for (const auto& c : chunks) {
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    if (c.contains("usage")) {
      usage = true;
      EXPECT_EQ(c["usage"]["prompt_tokens"], 100);
      EXPECT_EQ(c["usage"]["completion_tokens"], 10);
      continue;
    }
    const json& choice = c["choices"][0];
    if (choice["finish_reason"].is_string()) finish = choice["finish_reason"];
    if (!choice["delta"].contains("tool_calls")) continue;
    const json& call = choice["delta"]["tool_calls"][0];
    EXPECT_EQ(call["index"], 0);
    if (call.contains("id")) {
      id = call["id"];
      EXPECT_EQ(call["type"], "function");
      name = call["function"]["name"];
    }
    arguments += call["function"]["arguments"].get<std::string>();
  }
  EXPECT_TRUE(id.starts_with("call_"));
  EXPECT_EQ(name, "write");
  EXPECT_EQ(finish, "tool_calls");
  EXPECT_TRUE(usage);
  EXPECT_EQ(json::parse(arguments), (json{{"filePath", "/work/repo/HELLO.md"},
                                          {"content", "hello from the fake model\n"}}));
}

TEST(FakeModelServer, OpenAITextStreamAndNonStream) {
  RunningServer srv(test::kServerScript);
  auto res = srv.post("/v1/chat/completions", openai_body("write-hello", true, {"write"}, 1));
  ASSERT_TRUE(res);
  bool done = false;
  std::string text;
  std::vector<json> chunks = data_chunks(res->body, &done);
  for (const auto& c : chunks) {
    if (!c["choices"].empty() && c["choices"][0]["delta"].contains("content")) {
      text += c["choices"][0]["delta"]["content"].get<std::string>();
    }
  }
  EXPECT_EQ(text, "Done: wrote HELLO.md");
  EXPECT_GT(chunks.size(), 4u);  // streamed word by word
  EXPECT_TRUE(done);

  auto plain = srv.post("/v1/chat/completions", openai_body("hi", false, {"write"}));
  ASSERT_TRUE(plain);
  json body = json::parse(plain->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello from the fake model.");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["total_tokens"], 110);
}

TEST(FakeModelServer, AnthropicToolUseEventSequence) {
  RunningServer srv(test::kServerScript);
  auto res =
      srv.post("/v1/messages", anthropic_body("write-hello please", true, {"Bash", "Write"}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::vector<std::string> names;
  std::string partial;
  for (const auto& ev : parse_sse(res->body)) {
    json data = json::parse(ev.data);
    EXPECT_EQ(data["type"], ev.event);
    if (names.empty() || names.back() != ev.event) names.push_back(ev.event);
    if (ev.event == "content_block_start") {
      EXPECT_EQ(data["content_block"]["type"], "tool_use");
      EXPECT_EQ(data["content_block"]["name"], "Write");
      EXPECT_TRUE(data["content_block"]["id"].get<std::string>().starts_with("toolu_"));
    }
    if (ev.event == "content_block_delta") {
      EXPECT_EQ(data["delta"]["type"], "input_json_delta");
      partial += data["delta"]["partial_json"].get<std::string>();
    }
    if (ev.event == "message_delta") {
      EXPECT_EQ(data["delta"]["stop_reason"], "tool_use");
      EXPECT_EQ(data["usage"]["output_tokens"], 10);
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(json::parse(partial),
            (json{{"file_path", "/w/repo/HELLO.md"}, {"content", "hello from the fake model\n"}}));
}

TEST(FakeModelServer, AnthropicTextStreamAndNonStream) {
  RunningServer srv(test::kServerScript);
  auto res = srv.post("/v1/messages", anthropic_body("write-hello", true, {"Write"}, 1));
  ASSERT_TRUE(res);
  std::string text, stop_reason;
  std::vector<std::string> events;
  for (const auto& ev : parse_sse(res->body)) {
    events.push_back(ev.event);
    json data = json::parse(ev.data);
    if (ev.event == "message_start") {
      EXPECT_EQ(data["message"]["usage"]["input_tokens"], 100);
    }
    if (ev.event == "content_block_delta") text += data["delta"]["text"].get<std::string>();
    if (ev.event == "message_delta") stop_reason = data["delta"]["stop_reason"];
  }
  EXPECT_EQ(text, "Done: wrote HELLO.md");
  EXPECT_EQ(stop_reason, "end_turn");
  ASSERT_GE(events.size(), 6u);
  EXPECT_EQ(events.front(), "message_start");
  EXPECT_EQ(events[1], "content_block_start");
  EXPECT_EQ(events.back(), "message_stop");

  auto plain = srv.post("/v1/messages", anthropic_body("hi", false, {"Write"}));
  ASSERT_TRUE(plain);
  json body = json::parse(plain->body);
  EXPECT_EQ(body["type"], "message");
  EXPECT_EQ(body["content"][0]["text"], "Hello from the fake model.");
  EXPECT_EQ(body["stop_reason"], "end_turn");
}

}  // namespace
}  // namespace orch::fake_model
