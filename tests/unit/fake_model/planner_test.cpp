// Script parsing, request parsing and reply planning, without a server.
#include <gtest/gtest.h>

#include "lib/error.h"
#include "tests/fake_model/planner.h"
#include "tests/fake_model/request.h"
#include "tests/fake_model/script.h"
#include "tests/unit/fake_model/helpers.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;
using test::anthropic_body;
using test::openai_body;

const char* kScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hi\n"},
      {"text": "Done: wrote HELLO.md"}]},
    {"match": "two-tools", "turns": [
      {"tool": "bash", "command": "ls"},
      {"tool_name": "todowrite", "input": {"todos": []}}]},
    {"match": "flaky", "turns": [
      {"error": 529, "message": "busy", "times": 2},
      {"text": "recovered"}]},
    {"match": "broken", "turns": [{"error": 500, "message": "always"}]},
    {"match": "slow", "turns": [{"text": "zzz", "delay_ms": 5, "chunk_delay_ms": 7,
                                 "drop_after_chunks": 2, "stall_after_chunks": 1, "stall_ms": 9}]}
  ],
  "default": [{"text": "default reply"}]
})";

ModelRequest oai(const std::string& user, int assistants = 0,
                 std::vector<std::string> tools = {"write", "bash"}) {
  return parse_request(Api::kOpenAI, openai_body(user, true, tools, assistants).dump());
}

TEST(FakeModelScript, ParsesEveryTurnKindAndTiming) {
  Script s = parse_script(kScript);
  ASSERT_EQ(s.scenarios.size(), 5u);
  EXPECT_EQ(s.scenarios[0].turns[0].kind, Turn::Kind::kWrite);
  EXPECT_EQ(s.scenarios[0].turns[0].path, "HELLO.md");
  EXPECT_EQ(s.scenarios[1].turns[0].kind, Turn::Kind::kBash);
  EXPECT_EQ(s.scenarios[1].turns[1].kind, Turn::Kind::kRawTool);
  EXPECT_EQ(s.scenarios[2].turns[0].kind, Turn::Kind::kError);
  EXPECT_EQ(s.scenarios[2].turns[0].status, 529);
  EXPECT_EQ(s.scenarios[2].turns[0].times, 2);
  EXPECT_FALSE(s.scenarios[3].turns[0].times.has_value());
  const Timing& t = s.scenarios[4].turns[0].timing;
  EXPECT_EQ(t.delay_ms, 5);
  EXPECT_EQ(t.chunk_delay_ms, 7);
  EXPECT_EQ(t.drop_after_chunks, 2);
  EXPECT_EQ(t.stall_after_chunks, 1);
  EXPECT_EQ(t.stall_ms, 9);
  ASSERT_EQ(s.default_turns.size(), 1u);
  EXPECT_EQ(s.default_turns[0].text, "default reply");
}

TEST(FakeModelScript, RejectsInvalidScripts) {
  EXPECT_THROW(parse_script("not json"), Error);
  EXPECT_THROW(parse_script(R"({"scenarios":[{"match":"x","turns":[]}]})"), Error);
  EXPECT_THROW(parse_script(R"({"scenarios":[{"match":"x","turns":[{"tool":"fly"}]}]})"), Error);
  EXPECT_THROW(parse_script(R"({"default":[{"error":200}]})"), Error);
  EXPECT_THROW(parse_script(R"({"default":[{"text":"x","delay_ms":-1}]})"), Error);
  EXPECT_THROW(parse_script(R"({"default":[{"nothing":1}]})"), Error);
  // Without "default", the built-in reply is used.
  EXPECT_EQ(parse_script("{}").default_turns[0].text, default_script().default_turns[0].text);
}

TEST(FakeModelRequest, ParsesOpenAIRequest) {
  ModelRequest r = oai("write-hello please", 2);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.model, "fake-model");
  EXPECT_EQ(r.first_user_text, "write-hello please");
  EXPECT_EQ(r.assistant_messages, 2);
  ASSERT_EQ(r.tools.size(), 2u);
  EXPECT_EQ(r.tools[0].name, "write");
  EXPECT_EQ(working_directory(r.system_text), "/work/repo");
}

TEST(FakeModelRequest, ParsesClaudeCodeShapedRequest) {
  ModelRequest r =
      parse_request(Api::kAnthropic, anthropic_body("write-hello now", false, {"Write"}, 1).dump());
  EXPECT_FALSE(r.stream);
  // The <system-reminder> block (which mentions other scenario names) is skipped.
  EXPECT_EQ(r.first_user_text, "write-hello now");
  EXPECT_EQ(r.assistant_messages, 1);
  EXPECT_EQ(working_directory(r.system_text), "/w/repo");
  ASSERT_NE(find_tool(r, "write"), nullptr);
  EXPECT_EQ(find_tool(r, "write")->name, "Write");
  EXPECT_THROW(parse_request(Api::kAnthropic, "[1,2"), Error);
}

TEST(FakeModelRequest, WorkingDirectoryMarkers) {
  EXPECT_EQ(working_directory("<env>\n  Working directory: /a/b c\n</env>"), "/a/b c");
  EXPECT_EQ(working_directory(" - Primary working directory: /w/wt2 (was /w/repo)\n"), "/w/wt2");
  // Resumed in another worktree: the old environment message stays, the new one comes last.
  EXPECT_EQ(working_directory(" - Primary working directory: /w/repo\n ... \n"
                              " - Primary working directory: /w/wt2 (was /w/repo)\n"),
            "/w/wt2");
  EXPECT_EQ(working_directory("no marker here"), "");
  EXPECT_EQ(working_directory("Working directory: relative/path"), "");
}

TEST(FakePlanner, MatchesScenarioAndFollowsTurnIndex) {
  Planner p(parse_script(kScript));
  Reply first = p.plan(oai("please write-hello now"));
  ASSERT_EQ(first.kind, Reply::Kind::kToolCall);
  EXPECT_EQ(first.tool_name, "write");
  EXPECT_EQ(first.arguments, (json{{"filePath", "/work/repo/HELLO.md"}, {"content", "hi\n"}}));
  Reply second = p.plan(oai("please write-hello now", 1));
  ASSERT_EQ(second.kind, Reply::Kind::kText);
  EXPECT_EQ(second.text, "Done: wrote HELLO.md");
  // Past the end: the last turn is text, so it repeats.
  EXPECT_EQ(p.plan(oai("please write-hello now", 5)).text, "Done: wrote HELLO.md");
  // No scenario matches: default.
  EXPECT_EQ(p.plan(oai("something else")).text, "default reply");
}

TEST(FakePlanner, PastTheEndOfToolTurnsSaysFinished) {
  Planner p(parse_script(kScript));
  Reply bash = p.plan(oai("two-tools"));
  ASSERT_EQ(bash.kind, Reply::Kind::kToolCall);
  EXPECT_EQ(bash.tool_name, "bash");
  EXPECT_EQ(bash.arguments["command"], "ls");
  Reply raw = p.plan(oai("two-tools", 1));
  EXPECT_EQ(raw.tool_name, "todowrite");
  EXPECT_EQ(raw.arguments, (json{{"todos", json::array()}}));
  EXPECT_EQ(p.plan(oai("two-tools", 2)).text, kFinishedReply);
}

TEST(FakePlanner, ClaudeToolNamesAndArguments) {
  Planner p(parse_script(kScript));
  auto req = [](const std::string& user, int n) {
    return parse_request(Api::kAnthropic, anthropic_body(user, true, {"Write", "Bash"}, n).dump());
  };
  Reply write = p.plan(req("write-hello", 0));
  EXPECT_EQ(write.tool_name, "Write");
  EXPECT_EQ(write.arguments, (json{{"file_path", "/w/repo/HELLO.md"}, {"content", "hi\n"}}));
  Reply bash = p.plan(req("two-tools", 0));
  EXPECT_EQ(bash.tool_name, "Bash");
  // Claude's Bash declares a description parameter; OpenCode's bash does not.
  EXPECT_EQ(bash.arguments, (json{{"command", "ls"}, {"description", "run"}}));
  EXPECT_FALSE(p.plan(oai("two-tools")).arguments.contains("description"));
}

TEST(FakePlanner, RelativePathKeptWithoutWorkingDirectory) {
  json body = openai_body("write-hello", true, {"write"});
  body["messages"][0]["content"] = "no environment block";
  Planner p(parse_script(kScript));
  Reply r = p.plan(parse_request(Api::kOpenAI, body.dump()));
  EXPECT_EQ(r.arguments["filePath"], "HELLO.md");
}

TEST(FakePlanner, ErrorTimesThenNextTurn) {
  Planner p(parse_script(kScript));
  for (int i = 0; i < 2; ++i) {
    Reply r = p.plan(oai("flaky"));
    ASSERT_EQ(r.kind, Reply::Kind::kError) << i;
    EXPECT_EQ(r.status, 529);
    EXPECT_EQ(r.message, "busy");
  }
  EXPECT_EQ(p.plan(oai("flaky")).text, "recovered");
  EXPECT_EQ(p.plan(oai("flaky")).text, "recovered");
  // An error without "times" always fails.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(p.plan(oai("broken")).kind, Reply::Kind::kError);
}

TEST(FakePlanner, RequestsWithoutToolsGetTitleAndSpendNoBudget) {
  Planner p(parse_script(kScript));
  Reply title = p.plan(oai("flaky", 0, {}));
  EXPECT_EQ(title.kind, Reply::Kind::kText);
  EXPECT_EQ(title.text, kTitleReply);
  EXPECT_EQ(p.plan(oai("flaky")).kind, Reply::Kind::kError);  // budget untouched: 2 left
  EXPECT_EQ(p.plan(oai("flaky")).kind, Reply::Kind::kError);
  EXPECT_EQ(p.plan(oai("flaky")).kind, Reply::Kind::kText);
}

TEST(FakePlanner, TimingIsCarriedIntoTheReply) {
  Planner p(parse_script(kScript));
  Reply r = p.plan(oai("slow"));
  EXPECT_EQ(r.text, "zzz");
  EXPECT_EQ(r.timing.delay_ms, 5);
  EXPECT_EQ(r.timing.drop_after_chunks, 2);
}

// A scenario's "react" answers a later user message (a failing check's output sent back to the
// agent) that contains its text, with its own turns counted from that message.
TEST(FakePlanner, ReactsToALaterUserMessage) {
  Planner p(parse_script(R"({"scenarios": [{"match": "check-fix", "turns": [
      {"tool": "write", "path": "work.txt", "content": "w"}, {"text": "done"}],
      "react": [{"when": "NEED-FIXED", "turns": [
        {"tool": "write", "path": "FIXED.txt", "content": "f"}, {"text": "fixed"}]}]}]})"));
  json body = openai_body("check-fix please", true, {"write"});
  body["messages"].push_back({{"role", "assistant"}, {"content", ""}});
  body["messages"].push_back({{"role", "tool"}, {"content", "ok"}});
  body["messages"].push_back({{"role", "assistant"}, {"content", "done"}});
  // Before the follow-up: the scenario's turns, past their end the last text.
  EXPECT_EQ(p.plan(parse_request(Api::kOpenAI, body.dump())).text, "done");
  body["messages"].push_back(
      {{"role", "user"}, {"content", "the check failed; its output:\nNEED-FIXED\n"}});
  Reply fix = p.plan(parse_request(Api::kOpenAI, body.dump()));
  EXPECT_EQ(fix.kind, Reply::Kind::kToolCall);
  EXPECT_EQ(fix.arguments["filePath"], "/work/repo/FIXED.txt");
  body["messages"].push_back({{"role", "assistant"}, {"content", ""}});
  body["messages"].push_back({{"role", "tool"}, {"content", "ok"}});
  EXPECT_EQ(p.plan(parse_request(Api::kOpenAI, body.dump())).text, "fixed");
  // Another later message without the text: the scenario's own turns again.
  body["messages"].push_back({{"role", "user"}, {"content", "something else"}});
  EXPECT_EQ(p.plan(parse_request(Api::kOpenAI, body.dump())).text, "done");
  EXPECT_THROW(parse_script(R"({"scenarios": [{"match": "m", "turns": [{"text": "t"}],
      "react": [{"when": "", "turns": [{"text": "t"}]}]}]})"),
               Error);
}

}  // namespace
}  // namespace orch::fake_model
