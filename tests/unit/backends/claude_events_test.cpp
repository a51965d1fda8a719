// backends/claude/events and outcome: what a sequence of stream-json lines reports to the sink,
// and how the result line decides the outcome (docs/agents/claude-code.md §4, §5, §6).
#include <gtest/gtest.h>

#include "backends/claude/events.h"
#include "backends/claude/outcome.h"
#include "tests/unit/backends/recording_sink.h"

namespace orch::claude {
namespace {

using test::RecordingSink;

class ClaudeEvents : public ::testing::Test {
 protected:
  void feed(const std::string& line) { handler_.handle(parse_stream_line(line, parser_), line); }
  RecordingSink sink_;
  LineHandler handler_{sink_, PermissionPolicy::kDeny};
  json::Parser parser_;
};

constexpr const char* kInit =
    R"({"type":"system","subtype":"init","session_id":"998d7e86-1c2f-4b7e-9d51-6a0e2c3b4f10","model":"claude-opus-5-5","permissionMode":"acceptEdits","claude_code_version":"2.1.328"})";

TEST_F(ClaudeEvents, FirstInitAcceptsTheWorkOnce) {
  feed(kInit);
  feed(kInit);  // every turn prints a fresh init (docs/agents/claude-code.md §5)
  ASSERT_EQ(sink_.accepted_ids.size(), 1u);
  EXPECT_EQ(sink_.accepted_ids[0], "998d7e86-1c2f-4b7e-9d51-6a0e2c3b4f10");
  ASSERT_EQ(sink_.states.size(), 1u);
  EXPECT_EQ(sink_.states[0].first, State::kRunning);
  EXPECT_EQ(sink_.states[0].second, "claude:init");
  EXPECT_TRUE(handler_.initialized());
  EXPECT_EQ(handler_.version(), "2.1.328");
}

TEST_F(ClaudeEvents, ToolCallIsOneEventOnceItsResultArrives) {
  feed(kInit);
  feed(
      R"({"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"Write","input":{"file_path":"/w/HELLO.md","content":"x"}}]}})");
  EXPECT_TRUE(sink_.of("tool").empty());
  feed(
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_2","type":"tool_result","content":"File created successfully"}]}})");
  feed(
      R"({"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_3","name":"Bash","input":{"command":"false"}}]}})");
  feed(
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_3","type":"tool_result","content":"Exit code 1","is_error":true}]}})");
  auto tools = sink_.of("tool");
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0]["tool"], "Write");
  EXPECT_EQ(tools[0]["title"], "/w/HELLO.md");
  EXPECT_EQ(tools[0]["status"], "completed");
  EXPECT_EQ(tools[1]["tool"], "Bash");
  EXPECT_EQ(tools[1]["status"], "error");
  EXPECT_EQ(tools[1]["error"], "Exit code 1");
}

TEST_F(ClaudeEvents, UnfinishedToolCallsAreReportedAtTheEnd) {
  feed(
      R"({"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_7","name":"Bash","input":{"command":"sleep 100"}}]}})");
  handler_.finish();
  auto tools = sink_.of("tool");
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]["status"], "error");
  EXPECT_EQ(tools[0]["title"], "sleep 100");
}

TEST_F(ClaudeEvents, TextRetriesAndApiErrors) {
  feed(
      R"({"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"Working on it"}]}})");
  feed(
      R"({"type":"system","subtype":"api_retry","attempt":1,"max_retries":2,"retry_delay_ms":511,"error_status":500,"error":"server_error"})");
  feed(
      R"({"type":"assistant","message":{"model":"<synthetic>","role":"assistant","content":[{"type":"text","text":"API Error: 500 boom"}]},"is_api_error_message":true})");
  auto texts = sink_.of("text");
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0]["text"], "Working on it");
  EXPECT_EQ(handler_.last_text(), "Working on it");
  auto retries = sink_.of("retry");
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0]["attempt"], 1);
  EXPECT_EQ(retries[0]["status"], 500);
  EXPECT_EQ(retries[0]["message"], "HTTP 500 server_error; retrying in 511 ms");
  auto errors = sink_.of("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["message"], "API Error: 500 boom");
}

// docs/agents/rate-limits.md §2: the wait Claude Code announces before retrying a 429 is the
// only reset time it passes on; a retry of a 500 is none.
TEST_F(ClaudeEvents, TheLastRetryOfA429KeepsItsDelay) {
  EXPECT_EQ(handler_.rate_limit_delay_ms(), -1);
  feed(
      R"({"type":"system","subtype":"api_retry","attempt":1,"max_retries":2,"retry_delay_ms":511,"error_status":500,"error":"server_error"})");
  EXPECT_EQ(handler_.rate_limit_delay_ms(), -1);
  feed(
      R"({"type":"system","subtype":"api_retry","attempt":2,"max_retries":2,"retry_delay_ms":45857,"error_status":429,"error":"rate_limit"})");
  EXPECT_EQ(handler_.rate_limit_delay_ms(), 45857);
  EXPECT_GT(handler_.rate_limit_seen_at(), 0);
}

TEST_F(ClaudeEvents, DenialsAreReportedOnceFromTheLineOrTheResult) {
  feed(
      R"({"type":"system","subtype":"permission_denied","tool_name":"Bash","tool_use_id":"toolu_5","message":"This command requires approval"})");
  feed(
      R"({"type":"result","subtype":"success","is_error":false,"result":"ok","terminal_reason":"completed","permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_5"},{"tool_name":"WebFetch","tool_use_id":"toolu_6"}]})");
  auto denials = sink_.of("permission");
  ASSERT_EQ(denials.size(), 2u);
  EXPECT_EQ(denials[0]["permission"], "Bash");
  EXPECT_EQ(denials[0]["denied"], true);
  EXPECT_EQ(denials[0]["policy"], "deny");
  EXPECT_EQ(denials[0]["message"], "This command requires approval");
  EXPECT_EQ(denials[1]["permission"], "WebFetch");
}

TEST_F(ClaudeEvents, ResultsAddUpTokensAndKeepTheLastCost) {
  feed(
      R"({"type":"result","subtype":"success","is_error":false,"result":"a","terminal_reason":"completed","total_cost_usd":0.5,"usage":{"input_tokens":100,"output_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":1}})");
  feed(
      R"({"type":"result","subtype":"success","is_error":false,"result":"b","terminal_reason":"completed","total_cost_usd":0.75,"usage":{"input_tokens":200,"output_tokens":20,"cache_read_input_tokens":6,"cache_creation_input_tokens":2}})");
  EXPECT_EQ(handler_.results(), 2);
  EXPECT_EQ(handler_.last_result().text, "b");
  EXPECT_EQ(handler_.usage().input, 300);
  EXPECT_EQ(handler_.usage().output, 30);
  EXPECT_EQ(handler_.usage().cache_read, 11);
  EXPECT_EQ(handler_.usage().cache_creation, 3);
  EXPECT_DOUBLE_EQ(handler_.cost_usd(), 0.75);
}

TEST_F(ClaudeEvents, InvalidLinesBecomeInfo) {
  feed("Warning: something odd");
  auto info = sink_.of("info");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_NE(info[0]["message"].get<std::string>().find("Warning: something odd"),
            std::string::npos);
}

ResultLine result_of(const std::string& line) {
  json::Parser parser;
  return parse_stream_line(line, parser).result;
}

TEST(ClaudeOutcome, DoneOnlyWhenNotAnErrorAndCompleted) {
  RunResult r = outcome_from_result(
      result_of(
          R"({"type":"result","subtype":"success","is_error":false,"result":"Done: wrote HELLO.md","terminal_reason":"completed"})"),
      "earlier text");
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(r.source, "claude:result");
  EXPECT_EQ(r.summary, "Done: wrote HELLO.md");
  EXPECT_EQ(r.error, "");
}

TEST(ClaudeOutcome, ApiErrorWithSubtypeSuccessFails) {
  RunResult r = outcome_from_result(
      result_of(
          R"({"type":"result","subtype":"success","is_error":true,"result":"API Error: 500 fake upstream failure","terminal_reason":"api_error","api_error_status":500})"),
      "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.error, "API Error: 500 fake upstream failure");
}

TEST(ClaudeOutcome, MaxTurnsFailsWithItsErrors) {
  RunResult r = outcome_from_result(
      result_of(
          R"j({"type":"result","subtype":"error_max_turns","is_error":true,"terminal_reason":"max_turns","errors":["Reached maximum number of turns (3)"]})j"),
      "last words");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.error, "Reached maximum number of turns (3)");
  EXPECT_EQ(r.summary, "last words");
}

TEST(ClaudeOutcome, UnexpectedTerminalReasonFailsEvenWithoutIsError) {
  RunResult r = outcome_from_result(
      result_of(
          R"({"type":"result","subtype":"success","is_error":false,"result":"half","terminal_reason":"aborted_streaming"})"),
      "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_NE(r.error.find("aborted_streaming"), std::string::npos) << r.error;
}

TEST(ClaudeOutcome, ErrorWithNothingToSayNamesSubtypeAndReason) {
  ResultLine r =
      result_of(R"({"type":"result","subtype":"error_during_execution","is_error":true})");
  EXPECT_EQ(error_text(r),
            "claude ended the turn with an error (subtype error_during_execution, terminal_reason "
            "none)");
}

}  // namespace
}  // namespace orch::claude
