// backends/claude/outcome: the rules of outcome_from_result and error_text that
// claude_events_test.cpp's ClaudeOutcome cases leave open (docs/agents/claude-code.md §6): what a
// done run's summary falls back to, that only an explicit is_error false can be done, what a
// failed run keeps as its summary, and how the error text is chosen.
#include <gtest/gtest.h>

#include "backends/claude/outcome.h"

namespace orch::claude {
namespace {

ResultLine parsed(const std::string& line) {
  json::Parser parser;
  return parse_stream_line(line, parser).result;
}

TEST(ClaudeOutcomeRules, ADoneRunWithoutResultTextKeepsTheLastThingSaid) {
  ResultLine r;
  r.is_error = false;
  r.terminal_reason = "";  // absent: older versions print none
  RunResult done = outcome_from_result(r, "I wrote HELLO.md");
  EXPECT_EQ(done.state, State::kDone);
  EXPECT_EQ(done.source, "claude:result");
  EXPECT_EQ(done.summary, "I wrote HELLO.md");
  EXPECT_EQ(done.error, "");
}

TEST(ClaudeOutcomeRules, OnlyAnExplicitIsErrorFalseIsDone) {
  ResultLine r = parsed(R"({"type":"result","subtype":"success","result":"fine"})");
  RunResult run = outcome_from_result(r, "");
  EXPECT_EQ(run.state, State::kFailed);
  EXPECT_EQ(run.source, "claude:result");
  EXPECT_EQ(run.error, "fine");  // the result text is all it said
}

TEST(ClaudeOutcomeRules, AFailedRunsSummaryIsTheLastThingSaidNotTheErrorText) {
  ResultLine r;
  r.is_error = true;
  r.terminal_reason = "api_error";
  r.text = "API Error: 529 overloaded";
  RunResult run = outcome_from_result(r, "halfway through");
  EXPECT_EQ(run.state, State::kFailed);
  EXPECT_EQ(run.error, "API Error: 529 overloaded");
  EXPECT_EQ(run.summary, "halfway through");
}

TEST(ClaudeOutcomeRules, AnUnfinishedTurnWithoutTextNamesOnlyItsReason) {
  ResultLine r;
  r.is_error = false;
  r.terminal_reason = "aborted_tools";
  RunResult run = outcome_from_result(r, "");
  EXPECT_EQ(run.state, State::kFailed);
  EXPECT_EQ(run.error, "claude ended the turn with terminal_reason aborted_tools");
}

TEST(ClaudeOutcomeRules, ErrorTextPrefersTheResultThenTheErrorsJoined) {
  ResultLine r;
  r.errors = {"first", "", "second"};
  EXPECT_EQ(error_text(r), "first; second");  // empty entries are skipped
  r.text = "API Error: 500";
  EXPECT_EQ(error_text(r), "API Error: 500");
  ResultLine empty_errors;
  empty_errors.errors = {"", ""};
  empty_errors.subtype = "error_during_execution";
  empty_errors.terminal_reason = "aborted_streaming";
  EXPECT_EQ(error_text(empty_errors),
            "claude ended the turn with an error (subtype error_during_execution, "
            "terminal_reason aborted_streaming)");
  EXPECT_EQ(error_text(ResultLine{}),
            "claude ended the turn with an error (subtype none, terminal_reason none)");
}

// docs/agents/rate-limits.md §2: the result line of a run that ended on a 429, as 2.1.328 prints
// it.
TEST(ClaudeOutcomeRules, A429ResultIsARateLimitOfAnthropic) {
  ResultLine r = parsed(
      R"({"type":"result","subtype":"success","is_error":true,"terminal_reason":"api_error",)"
      R"("api_error_status":429,"api_error_type":"rate_limit_error",)"
      R"("result":"API Error: Request rejected (429) · Rate limited by fake"})");
  EXPECT_EQ(r.api_error_type, "rate_limit_error");
  RunResult run = outcome_from_result(r, "");
  EXPECT_EQ(run.state, State::kFailed);
  ASSERT_TRUE(run.rate_limit);
  EXPECT_EQ(run.rate_limit->provider, "anthropic");
  // A subscription's usage limit says so in its text only; a 500 is no rate limit.
  ResultLine usage = parsed(
      R"({"type":"result","is_error":true,"result":"Claude AI usage limit reached|1796554930"})");
  EXPECT_TRUE(outcome_from_result(usage, "").rate_limit);
  ResultLine boom = parsed(
      R"({"type":"result","is_error":true,"api_error_status":500,"result":"API Error: 500"})");
  EXPECT_FALSE(outcome_from_result(boom, "").rate_limit);
}

}  // namespace
}  // namespace orch::claude
