// backends/opencode/outcome: how an OpenCode run's end is decided from GET /session/{id}/message
// once the session went idle (docs/agents/opencode.md §8), and how an opencode error object reads.
// The e2e tests reach these rules through a real opencode; here each rule is pinned on its own.
#include "backends/opencode/outcome.h"

#include <gtest/gtest.h>

#include <string>

namespace orch::opencode {
namespace {

constexpr const char* kPrompt = "msg_prompt";

// One assistant message answering `parent`, in the shape opencode returns (§7): its info (tokens,
// cost, finish, error) and its parts. `extra_info` is spliced into info (e.g. an error object).
std::string assistant(const std::string& parent, const std::string& finish,
                      const std::string& parts, const std::string& extra_info = "", int input = 10,
                      int output = 5) {
  std::string info = R"({"id":"msg_a","role":"assistant","parentID":")" + parent + R"(")";
  if (!finish.empty()) info += R"(,"finish":")" + finish + R"(")";
  info += R"(,"tokens":{"input":)" + std::to_string(input) + R"(,"output":)" +
          std::to_string(output) + R"(,"reasoning":2,"cache":{"read":3,"write":4}},"cost":0.25)";
  info += extra_info + "}";
  return R"({"info":)" + info + R"(,"parts":[)" + parts + "]}";
}

std::string user(const std::string& id) {
  return R"({"info":{"id":")" + id + R"(","role":"user"},"parts":[{"type":"text","text":"work"}]})";
}

std::string text(const std::string& t) {
  return R"({"type":"text","text":")" + t + R"("})";
}

std::string array(std::initializer_list<std::string> items) {
  std::string out = "[";
  for (const std::string& i : items) out += (out.size() > 1 ? "," : "") + i;
  return out + "]";
}

// The usage fields of a result, in one place.
struct Usage {
  int64_t in, out, cache_read, cache_write;
  double cost;
};
Usage usage_of(const RunResult& r) {
  return {r.usage.tokens_in, r.usage.tokens_out, r.usage.tokens_cache_read,
          r.usage.tokens_cache_write, r.usage.cost_usd};
}

TEST(OpencodeOutcome, AnAnswerThatFinishedWithStopIsDone) {
  RunResult r = decide_outcome(
      array({user(kPrompt), assistant(kPrompt, "stop", text("Done: wrote HELLO.md"))}), kPrompt,
      "");
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(r.source, "opencode:session.idle");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.summary, "Done: wrote HELLO.md");
}

TEST(OpencodeOutcome, UsageIsSummedOverTheStepsThatAnswerThePrompt) {
  // Two steps answer the prompt (a tool call, then the final text); one answers an older prompt.
  RunResult r = decide_outcome(
      array({user("msg_old"), assistant("msg_old", "stop", text("old"), "", 1000, 1000),
             user(kPrompt), assistant(kPrompt, "tool-calls", "", "", 10, 5),
             assistant(kPrompt, "stop", text("new"), "", 20, 7)}),
      kPrompt, "");
  EXPECT_EQ(r.state, State::kDone);
  Usage u = usage_of(r);
  EXPECT_EQ(u.in, 30);
  EXPECT_EQ(u.out, 5 + 2 + 7 + 2);  // output plus reasoning, per step
  EXPECT_EQ(u.cache_read, 6);
  EXPECT_EQ(u.cache_write, 8);
  EXPECT_DOUBLE_EQ(u.cost, 0.5);
  EXPECT_EQ(r.summary, "new");
}

TEST(OpencodeOutcome, WithoutAPromptIdEveryAssistantMessageCounts) {
  // After a nudge the backend asks for the whole session's usage this way.
  RunResult r =
      decide_outcome(array({user("msg_old"), assistant("msg_old", "stop", text("old"), "", 100, 50),
                            user(kPrompt), assistant(kPrompt, "stop", text("new"), "", 20, 7)}),
                     "", "");
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(usage_of(r).in, 120);
  EXPECT_EQ(usage_of(r).out, 50 + 2 + 7 + 2);
  EXPECT_DOUBLE_EQ(usage_of(r).cost, 0.5);
  EXPECT_EQ(r.summary, "new");
}

TEST(OpencodeOutcome, TheSummaryIsTheLastAnswerWithTextItsTextPartsJoined) {
  std::string tool = R"({"type":"tool","tool":"write","state":{"status":"completed"}})";
  std::string reasoning = R"({"type":"reasoning","text":"thinking aloud"})";
  RunResult r = decide_outcome(
      array(
          {user(kPrompt),
           assistant(kPrompt, "tool-calls", text("first") + "," + reasoning + "," + text("second")),
           assistant(kPrompt, "stop", tool)}),
      kPrompt, "");
  EXPECT_EQ(r.state, State::kDone);
  // The last step said nothing: the summary is the step before's text parts, not its reasoning.
  EXPECT_EQ(r.summary, "first\nsecond");
}

TEST(OpencodeOutcome, ASessionErrorFailsTheRunEvenAfterAFinishedAnswer) {
  RunResult r = decide_outcome(array({user(kPrompt), assistant(kPrompt, "stop", text("half"))}),
                               kPrompt, "APIError: fake upstream failure");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "opencode:session.error");
  EXPECT_EQ(r.error, "APIError: fake upstream failure");
  EXPECT_EQ(r.summary, "half");  // what the agent said is kept
}

TEST(OpencodeOutcome, NoAnswerToThePromptFails) {
  // An unknown model: opencode records the prompt and never answers it.
  RunResult none = decide_outcome(array({user(kPrompt)}), kPrompt, "");
  EXPECT_EQ(none.state, State::kFailed);
  EXPECT_EQ(none.source, "opencode:session.idle");
  EXPECT_EQ(none.error, "the agent produced no reply to the work");
  EXPECT_EQ(none.summary, "");

  // An answer to another prompt does not answer this one.
  RunResult other = decide_outcome(
      array({user("msg_old"), assistant("msg_old", "stop", text("old")), user(kPrompt)}), kPrompt,
      "");
  EXPECT_EQ(other.state, State::kFailed);
  EXPECT_EQ(other.error, "the agent produced no reply to the work");
  EXPECT_EQ(usage_of(other).in, 0);

  EXPECT_EQ(decide_outcome("[]", kPrompt, "").error, "the agent produced no reply to the work");
}

TEST(OpencodeOutcome, AnErrorOnTheLastAnswerFailsWithThatError) {
  RunResult r = decide_outcome(
      array({user(kPrompt),
             assistant(kPrompt, "", text("partial"),
                       R"(,"error":{"name":"APIError","data":{"message":"rate limited"}})")}),
      kPrompt, "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "opencode:message.error");
  EXPECT_EQ(r.error, "APIError: rate limited");
  EXPECT_EQ(r.summary, "partial");
}

TEST(OpencodeOutcome, AnAbortedAnswerFailsAsAborted) {
  RunResult r = decide_outcome(
      array({user(kPrompt),
             assistant(kPrompt, "", "",
                       R"(,"error":{"name":"MessageAbortedError","data":{"message":"Aborted"}})")}),
      kPrompt, "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "opencode:message.error");
  EXPECT_EQ(r.error, "MessageAbortedError: Aborted");
}

TEST(OpencodeOutcome, OnlyTheLastAnswersErrorCounts) {
  // A step that failed and was followed by one that finished: the run is done.
  RunResult r = decide_outcome(
      array({user(kPrompt),
             assistant(kPrompt, "", "",
                       R"(,"error":{"name":"UnknownError","data":{"message":"flaky"}})"),
             assistant(kPrompt, "stop", text("recovered"))}),
      kPrompt, "");
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.summary, "recovered");
}

TEST(OpencodeOutcome, ARefusedPermissionLeavesTheRunIncomplete) {
  // A rejected permission stops opencode's loop after a tool step: finish "tool-calls", no error
  // (docs/agents/opencode.md §9).
  RunResult r = decide_outcome(
      array({user(kPrompt), assistant(kPrompt, "tool-calls", text("let me run it"))}), kPrompt, "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "opencode:session.idle");
  EXPECT_EQ(r.error, "the agent stopped before finishing (last step ended with 'tool-calls')");
  EXPECT_EQ(r.summary, "let me run it");
}

TEST(OpencodeOutcome, AnAnswerWithoutAFinishIsIncomplete) {
  RunResult r =
      decide_outcome(array({user(kPrompt), assistant(kPrompt, "", text("cut"))}), kPrompt, "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.error, "the agent stopped before finishing (last step ended with 'nothing')");

  RunResult length = decide_outcome(
      array({user(kPrompt), assistant(kPrompt, "length", text("cut"))}), kPrompt, "");
  EXPECT_EQ(length.error, "the agent stopped before finishing (last step ended with 'length')");
}

TEST(OpencodeOutcome, ARuleEarlierInTheOrderWins) {
  std::string errored = assistant(kPrompt, "tool-calls", "",
                                  R"(,"error":{"name":"APIError","data":{"message":"x"}})");
  // A session.error beats the message's own error...
  EXPECT_EQ(decide_outcome(array({user(kPrompt), errored}), kPrompt, "UnknownError: boom").error,
            "UnknownError: boom");
  // ...and the message's error beats its unfinished step.
  EXPECT_EQ(decide_outcome(array({user(kPrompt), errored}), kPrompt, "").error, "APIError: x");
  // A session.error with no answer at all is still the session.error.
  RunResult r = decide_outcome(array({user(kPrompt)}), kPrompt, "UnknownError: boom");
  EXPECT_EQ(r.source, "opencode:session.error");
  EXPECT_EQ(r.error, "UnknownError: boom");
}

TEST(OpencodeOutcome, AReplyThatIsNotAnArrayFails) {
  RunResult r = decide_outcome(R"({"name":"NotFoundError"})", kPrompt, "");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.error, "unexpected reply from GET /session/{id}/message");
}

TEST(OpencodeErrorText, NameAndMessageAsOpencodeShowsThem) {
  json::Parser parser;
  auto error_of = [&](const std::string& doc) {
    return error_text(json::at(parser.parse(doc), "error"));
  };
  EXPECT_EQ(error_of(R"({"error":{"name":"APIError","data":{"message":"fake upstream failure"}}})"),
            "APIError: fake upstream failure");
  EXPECT_EQ(error_of(R"({"error":{"name":"MessageAbortedError","data":{}}})"),
            "MessageAbortedError");
  EXPECT_EQ(error_of(R"({"error":{"data":{"message":"only a message"}}})"), "only a message");
  EXPECT_EQ(error_of(R"({"error":{}})"), "");
  EXPECT_EQ(error_of(R"({"other":1})"), "");  // no error object at all
}

// docs/agents/rate-limits.md §1: the final 429 carries its reply's headers and the provider.
TEST(OpencodeOutcome, A429ReportsARateLimitWithItsProviderAndHeaders) {
  const std::string err =
      R"(,"providerID":"fake","error":{"name":"APIError","data":{"message":"Rate limited",)"
      R"("statusCode":429,"isRetryable":true,"responseHeaders":{"retry-after":"7",)"
      R"("x-ratelimit-reset-requests":"6s"},"responseBody":"{}"}})";
  RunResult r = decide_outcome(array({user(kPrompt), assistant(kPrompt, "", "", err)}), kPrompt,
                               "APIError: Rate limited");
  EXPECT_EQ(r.state, State::kFailed);
  ASSERT_TRUE(r.rate_limit);
  EXPECT_EQ(r.rate_limit->provider, "fake");
  EXPECT_EQ(r.rate_limit->headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"retry-after", "7"}, {"x-ratelimit-reset-requests", "6s"}}));
  // A body that says rate_limit_error counts too; a 500 does not.
  const std::string body = R"(,"error":{"name":"APIError","data":{"message":"x","statusCode":400,)"
                           R"("responseBody":"{\"type\":\"rate_limit_error\"}"}})";
  EXPECT_TRUE(decide_outcome(array({user(kPrompt), assistant(kPrompt, "", "", body)}), kPrompt, "")
                  .rate_limit);
  const std::string boom =
      R"(,"error":{"name":"APIError","data":{"message":"boom","statusCode":500}})";
  EXPECT_FALSE(decide_outcome(array({user(kPrompt), assistant(kPrompt, "", "", boom)}), kPrompt, "")
                   .rate_limit);
}

}  // namespace
}  // namespace orch::opencode
