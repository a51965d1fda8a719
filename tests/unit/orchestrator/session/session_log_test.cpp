// orch logs: states and events merged by time, one line per entry, NDJSON keys.
#include "orchestrator/session/log.h"

#include <gtest/gtest.h>

#include "lib/clock.h"

namespace orch {
namespace {

registry::StateChange state(int64_t id, int64_t at, registry::State s, const std::string& source,
                            const std::string& detail = "") {
  registry::StateChange c;
  c.id = id;
  c.at = at;
  c.state = s;
  c.source = source;
  c.detail = detail;
  return c;
}

registry::Event event(int64_t id, int64_t at, const std::string& kind, const std::string& data) {
  registry::Event e;
  e.id = id;
  e.at = at;
  e.kind = kind;
  e.data = data;
  return e;
}

TEST(SessionLog, MergesByTimeEventsFirstOnTies) {
  std::vector<registry::StateChange> states = {
      state(1, 1000, registry::State::kStarting, "cli:sling"),
      state(2, 3000, registry::State::kRunning, "opencode:prompt_async"),
      state(3, 5000, registry::State::kDone, "opencode:session.idle")};
  std::vector<registry::Event> events = {event(7, 2000, "info", R"({"message":"serving"})"),
                                         event(8, 5000, "text", R"({"text":"Done"})")};
  std::vector<LogEntry> log = merge_log(states, events);
  ASSERT_EQ(log.size(), 5u);
  std::vector<std::string> kinds;
  for (const auto& e : log) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"state", "info", "state", "text", "state"}));
  EXPECT_EQ(log[4].data["state"], "done");
  EXPECT_EQ(log[3].data["text"], "Done");
}

TEST(SessionLog, DescribesEachKindOnOneLine) {
  auto line = [](const std::string& kind, const std::string& data) {
    return describe_entry(merge_log({}, {event(1, 0, kind, data)}).front());
  };
  EXPECT_EQ(line("tool", R"({"tool":"write","status":"completed","title":"HELLO.md"})"),
            "write HELLO.md");
  EXPECT_EQ(line("tool", R"({"tool":"bash","status":"error","title":"ls","error":"denied"})"),
            "bash ls (error: denied)");
  EXPECT_EQ(line("permission", R"({"permission":"bash","denied":true,"patterns":["rm -rf x"]})"),
            "denied bash (rm -rf x)");
  EXPECT_EQ(line("permission", R"({"permission":"edit","denied":false})"), "allowed edit");
  EXPECT_EQ(line("retry", R"({"attempt":2,"message":"overloaded"})"), "attempt 2: overloaded");
  EXPECT_EQ(line("error", R"({"message":"APIError: boom"})"), "APIError: boom");
  EXPECT_EQ(line("nudge", R"({"text":"also add tests"})"), "also add tests");
  EXPECT_EQ(line("custom", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(line("broken", "not json"), R"({"raw":"not json"})");

  LogEntry st =
      merge_log({state(1, 0, registry::State::kFailed, "opencode:session.error", "boom")}, {})
          .front();
  EXPECT_EQ(describe_entry(st), "failed (opencode:session.error): boom");
}

TEST(SessionLog, FormatsTimeKindAndEscapedText) {
  int64_t at = 1795442775625;
  LogEntry e = merge_log({}, {event(1, at, "text", R"({"text":"line one\nline two\ttab"})")})[0];
  std::string line = format_log_line(e);
  EXPECT_EQ(line, format_iso8601(at) + "  text        line one\\nline two\\ttab");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  LogEntry ctl = merge_log({}, {event(1, at, "info", R"({"message":"bell\u0007"})")})[0];
  EXPECT_NE(format_log_line(ctl).find("bell\\x07"), std::string::npos);
}

TEST(SessionLog, JsonHasStableKeys) {
  int64_t at = 1795442775625;
  json::Json j = log_json(
      merge_log({state(1, at, registry::State::kRunning, "opencode:prompt_async")}, {})[0]);
  EXPECT_EQ(
      j,
      json::Json(
          {{"at", format_iso8601(at)},
           {"kind", "state"},
           {"data", {{"state", "running"}, {"source", "opencode:prompt_async"}, {"detail", ""}}}}));
}

}  // namespace
}  // namespace orch
