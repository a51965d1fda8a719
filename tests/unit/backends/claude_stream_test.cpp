// backends/claude/stream: canned stream-json lines from docs/agents/claude-code.md §5, §6 and §9
// (Claude Code 2.1.328), parsed into StreamLine.
#include <gtest/gtest.h>

#include "backends/claude/stream.h"

namespace orch::claude {
namespace {

using Kind = StreamLine::Kind;

StreamLine parse(std::string_view line) {
  json::Parser parser;
  return parse_stream_line(line, parser);
}

TEST(ClaudeStream, InitCarriesSessionVersionModelAndMode) {
  StreamLine l = parse(
      R"({"type":"system","subtype":"init","cwd":"/w/repo","session_id":"998d7e86-1c2f-4b7e-9d51-6a0e2c3b4f10","tools":["Task","Bash","Edit","Read","Write"],"mcp_servers":[],"model":"claude-opus-5-5","permissionMode":"acceptEdits","apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"2.1.328","output_style":"default","uuid":"u1"})");
  EXPECT_EQ(l.kind, Kind::kInit);
  EXPECT_EQ(l.type, "system");
  EXPECT_EQ(l.subtype, "init");
  EXPECT_EQ(l.session_id, "998d7e86-1c2f-4b7e-9d51-6a0e2c3b4f10");
  EXPECT_EQ(l.version, "2.1.328");
  EXPECT_EQ(l.model, "claude-opus-5-5");
  EXPECT_EQ(l.permission_mode, "acceptEdits");
}

TEST(ClaudeStream, AssistantToolUseIsSummarizedByItsFilePath) {
  StreamLine l = parse(
      R"({"type":"assistant","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_2","name":"Write","input":{"file_path":"/w/repo/HELLO_CLAUDE.md","content":"hello\n"}}],"stop_reason":null,"usage":{"input_tokens":100,"output_tokens":1}},"parent_tool_use_id":null,"session_id":"s1","uuid":"u2"})");
  EXPECT_EQ(l.kind, Kind::kAssistant);
  EXPECT_FALSE(l.api_error);
  EXPECT_TRUE(l.texts.empty());
  ASSERT_EQ(l.tool_uses.size(), 1u);
  EXPECT_EQ(l.tool_uses[0].id, "toolu_2");
  EXPECT_EQ(l.tool_uses[0].name, "Write");
  EXPECT_EQ(l.tool_uses[0].summary, "/w/repo/HELLO_CLAUDE.md");
}

TEST(ClaudeStream, BashCommandSummaryIsOneShortLine) {
  std::string cmd(300, 'x');
  json::Json line = {{"type", "assistant"},
                     {"message",
                      {{"role", "assistant"},
                       {"content",
                        {{{"type", "text"}, {"text", "Running it"}},
                         {{"type", "tool_use"},
                          {"id", "toolu_3"},
                          {"name", "Bash"},
                          {"input", {{"command", "make\n" + cmd}, {"description", "build"}}}}}}}}};
  StreamLine l = parse(line.dump());
  ASSERT_EQ(l.texts.size(), 1u);
  EXPECT_EQ(l.texts[0], "Running it");
  ASSERT_EQ(l.tool_uses.size(), 1u);
  const std::string& s = l.tool_uses[0].summary;
  EXPECT_EQ(s.size(), 200u);
  EXPECT_EQ(s.rfind("make xxx", 0), 0u) << s;
  EXPECT_TRUE(s.ends_with("...")) << s;
}

TEST(ClaudeStream, ToolInputWithoutAKnownFieldIsShownAsJson) {
  json::Parser parser;
  json::Field input = json::field(parser.parse(R"({"todos":[{"content":"a"}]})"));
  EXPECT_EQ(tool_input_summary(input), R"({"todos":[{"content":"a"}]})");
}

TEST(ClaudeStream, UserToolResultsCarryIsError) {
  StreamLine ok = parse(
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_2","type":"tool_result","content":"File created successfully at: /w/repo/HELLO_CLAUDE.md"}]},"parent_tool_use_id":null,"session_id":"s1","tool_use_result":{"type":"create","filePath":"/w/repo/HELLO_CLAUDE.md"}})");
  EXPECT_EQ(ok.kind, Kind::kToolResults);
  ASSERT_EQ(ok.tool_results.size(), 1u);
  EXPECT_EQ(ok.tool_results[0].tool_use_id, "toolu_2");
  EXPECT_FALSE(ok.tool_results[0].is_error);
  EXPECT_EQ(ok.tool_results[0].content, "File created successfully at: /w/repo/HELLO_CLAUDE.md");

  StreamLine bad = parse(
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_9","type":"tool_result","content":[{"type":"text","text":"Exit code 137"}],"is_error":true}]},"session_id":"s1"})");
  ASSERT_EQ(bad.tool_results.size(), 1u);
  EXPECT_TRUE(bad.tool_results[0].is_error);
  EXPECT_EQ(bad.tool_results[0].content, "Exit code 137");
}

TEST(ClaudeStream, UserLineWithoutToolResultsIsOther) {
  StreamLine l = parse(
      R"({"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]},"session_id":"s1"})");
  EXPECT_EQ(l.kind, Kind::kOther);
}

TEST(ClaudeStream, PermissionDenied) {
  StreamLine l = parse(
      R"({"type":"system","subtype":"permission_denied","tool_name":"Write","tool_use_id":"toolu_2","decision_reason_type":"mode","message":"Cannot write to /w/repo/x while in plan mode."})");
  EXPECT_EQ(l.kind, Kind::kPermissionDenied);
  EXPECT_EQ(l.denial.tool_name, "Write");
  EXPECT_EQ(l.denial.tool_use_id, "toolu_2");
  EXPECT_EQ(l.denial.message, "Cannot write to /w/repo/x while in plan mode.");
}

TEST(ClaudeStream, ApiRetry) {
  StreamLine l = parse(
      R"({"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":511,"error_status":500,"error":"server_error","session_id":"s1"})");
  EXPECT_EQ(l.kind, Kind::kApiRetry);
  EXPECT_EQ(l.attempt, 1);
  EXPECT_EQ(l.max_retries, 10);
  EXPECT_EQ(l.retry_delay_ms, 511);
  EXPECT_EQ(l.error_status, 500);
  EXPECT_EQ(l.error, "server_error");

  StreamLine no_status = parse(
      R"({"type":"system","subtype":"api_retry","attempt":2,"max_retries":2,"retry_delay_ms":1000,"error_status":null,"error":"connection_error"})");
  EXPECT_EQ(no_status.error_status, 0);
  EXPECT_EQ(no_status.error, "connection_error");
}

TEST(ClaudeStream, ControlResponse) {
  StreamLine l = parse(
      R"({"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{"still_queued":[]}}})");
  EXPECT_EQ(l.kind, Kind::kControlResponse);
  EXPECT_EQ(l.request_id, "req_1");
  EXPECT_EQ(l.response_subtype, "success");
  EXPECT_EQ(l.response_error, "");
}

TEST(ClaudeStream, SuccessResult) {
  StreamLine l = parse(
      R"({"type":"result","subtype":"success","is_error":false,"result":"Done: wrote HELLO_CLAUDE.md","session_id":"s1","num_turns":2,"duration_ms":708,"duration_api_ms":252,"total_cost_usd":0.001,"stop_reason":"end_turn","terminal_reason":"completed","usage":{"input_tokens":200,"output_tokens":10,"cache_creation_input_tokens":7,"cache_read_input_tokens":3,"service_tier":"standard"},"modelUsage":{"claude-opus-5-5":{"inputTokens":200,"outputTokens":10,"costUSD":0.001}},"permission_denials":[],"api_error_status":null,"uuid":"u9","result_index":0})");
  ASSERT_EQ(l.kind, Kind::kResult);
  const ResultLine& r = l.result;
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.subtype, "success");
  EXPECT_EQ(r.terminal_reason, "completed");
  EXPECT_EQ(r.text, "Done: wrote HELLO_CLAUDE.md");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.usage.input, 200);
  EXPECT_EQ(r.usage.output, 10);
  EXPECT_EQ(r.usage.cache_creation, 7);
  EXPECT_EQ(r.usage.cache_read, 3);
  EXPECT_DOUBLE_EQ(r.total_cost_usd, 0.001);
  EXPECT_EQ(r.num_turns, 2);
  EXPECT_EQ(r.api_error_status, 0);
  EXPECT_TRUE(r.denials.empty());
  EXPECT_EQ(l.session_id, "s1");
}

TEST(ClaudeStream, MaxTurnsResultHasErrorsAndNoResultText) {
  StreamLine l = parse(
      R"j({"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":4,"stop_reason":"tool_use","terminal_reason":"max_turns","errors":["Reached maximum number of turns (3)"],"session_id":"s1","total_cost_usd":0.0015,"duration_ms":581})j");
  const ResultLine& r = l.result;
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(r.subtype, "error_max_turns");
  EXPECT_EQ(r.terminal_reason, "max_turns");
  EXPECT_EQ(r.text, "");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "Reached maximum number of turns (3)");
  EXPECT_DOUBLE_EQ(r.total_cost_usd, 0.0015);
}

TEST(ClaudeStream, ApiErrorResultSaysSuccessButIsAnError) {
  StreamLine a = parse(
      R"({"type":"assistant","message":{"model":"<synthetic>","role":"assistant","stop_reason":"stop_sequence","content":[{"type":"text","text":"API Error: 500 mock internal error. This is a server-side issue"}]},"error":"server_error","is_api_error_message":true,"api_error_status":500,"api_error_type":"api_error"})");
  EXPECT_EQ(a.kind, Kind::kAssistant);
  EXPECT_TRUE(a.api_error);
  ASSERT_EQ(a.texts.size(), 1u);

  StreamLine l = parse(
      R"({"type":"result","subtype":"success","is_error":true,"result":"API Error: 500 mock internal error","terminal_reason":"api_error","api_error_status":500,"stop_reason":"stop_sequence","num_turns":1,"total_cost_usd":0})");
  EXPECT_EQ(l.result.subtype, "success");
  EXPECT_TRUE(l.result.is_error);
  EXPECT_EQ(l.result.terminal_reason, "api_error");
  EXPECT_EQ(l.result.api_error_status, 500);
  EXPECT_EQ(l.result.text, "API Error: 500 mock internal error");
}

TEST(ClaudeStream, ResultWithoutIsErrorCountsAsAnError) {
  StreamLine l = parse(R"({"type":"result","subtype":"success","result":"?"})");
  EXPECT_TRUE(l.result.is_error);
}

TEST(ClaudeStream, ResultPermissionDenials) {
  StreamLine l = parse(
      R"({"type":"result","subtype":"success","is_error":false,"result":"ok","terminal_reason":"completed","permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_5","tool_input":{"command":"curl x"}},{"tool_name":"Write","tool_use_id":"toolu_6","tool_input":{}}]})");
  ASSERT_EQ(l.result.denials.size(), 2u);
  EXPECT_EQ(l.result.denials[0].tool_name, "Bash");
  EXPECT_EQ(l.result.denials[0].tool_use_id, "toolu_5");
  EXPECT_EQ(l.result.denials[1].tool_name, "Write");
}

TEST(ClaudeStream, InterruptedResult) {
  StreamLine l = parse(
      R"({"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":3,"terminal_reason":"aborted_streaming","errors":["[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=tool_use"]})");
  EXPECT_EQ(l.result.terminal_reason, "aborted_streaming");
  EXPECT_EQ(l.result.errors.size(), 1u);
}

TEST(ClaudeStream, OtherAndInvalidLines) {
  EXPECT_EQ(parse(R"({"type":"system","subtype":"status","status":"requesting"})").kind,
            Kind::kOther);
  EXPECT_EQ(parse(R"({"type":"stream_event","event":{"type":"message_start"}})").kind,
            Kind::kOther);
  StreamLine text = parse("Warning: no stdin data received in 3s, proceeding without it");
  EXPECT_EQ(text.kind, Kind::kInvalid);
  EXPECT_FALSE(text.invalid_reason.empty());
  EXPECT_EQ(parse("[1,2]").kind, Kind::kInvalid);
  EXPECT_EQ(parse(R"({"type":"assistant"})").kind, Kind::kOther);
}

TEST(ClaudeStream, ParserIsReusableAcrossLines) {
  json::Parser parser;
  StreamLine a =
      parse_stream_line(R"({"type":"system","subtype":"init","session_id":"a"})", parser);
  StreamLine b = parse_stream_line("not json", parser);
  StreamLine c =
      parse_stream_line(R"({"type":"system","subtype":"init","session_id":"c"})", parser);
  EXPECT_EQ(a.session_id, "a");
  EXPECT_EQ(b.kind, Kind::kInvalid);
  EXPECT_EQ(c.session_id, "c");
}

}  // namespace
}  // namespace orch::claude
