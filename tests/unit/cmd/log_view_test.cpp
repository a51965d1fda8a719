// orch logs and the followers' progress: one line per entry, NDJSON keys, progress lines.
#include "cmd/log_view.h"

#include <gtest/gtest.h>

#include <sstream>

#include "lib/clock.h"
#include "tests/unit/log_entries.h"

namespace orch::cmd {
namespace {

using test::event;
using test::state;

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

// sling --wait, handoff --wait and wait --progress: a line per event of the follower, the
// end's detail left out when it repeats the error just printed for that session.
TEST(FollowProgress, PrintsALinePerEventOnStderr) {
  std::ostringstream out, err;
  IO io{out, err};
  FollowFn print = progress_printer(io);
  auto entry = [&](const std::string& session, const LogEntry& e) {
    FollowEvent ev;
    ev.session = session;
    ev.entry = e;
    print(ev);
  };
  entry("s1", merge_log({}, {event(1, 0, "tool", R"({"tool":"write","title":"a.md"})")})[0]);
  entry("s1", merge_log({}, {event(2, 0, "text", R"({"text":"not shown"})")})[0]);
  entry("s1", merge_log({}, {event(3, 0, "error", R"({"message":"boom"})")})[0]);
  entry("s2", merge_log({state(1, 0, registry::State::kFailed, "x", "boom")}, {})[0]);
  entry("s1", merge_log({state(2, 0, registry::State::kFailed, "x", "boom")}, {})[0]);
  FollowEvent queued;
  queued.kind = FollowEvent::Kind::kQueued;
  queued.session = "s3";
  queued.place = 2;
  print(queued);
  FollowEvent retried;
  retried.kind = FollowEvent::Kind::kRetried;
  retried.session = "s3";
  retried.next = "s4";
  retried.attempt = 2;
  print(retried);
  FollowEvent handed;
  handed.kind = FollowEvent::Kind::kHandedOff;
  handed.session = "s4";
  handed.next = "s5";
  print(handed);
  EXPECT_EQ(err.str(),
            "s1: tool write a.md\n"
            "s1: error: boom\n"
            "s2: failed (boom)\n"
            "s1: failed\n"
            "s3: queued (place 2 in the queue)\n"
            "s3: failed; retried as session s4 (attempt 2)\n"
            "s4: handed off to session s5\n");
  EXPECT_EQ(out.str(), "");
}

TEST(FollowProgress, EscapesControlCharacters) {
  std::ostringstream out, err;
  IO io{out, err};
  FollowEvent ev;
  ev.session = "s1";
  ev.entry = merge_log({}, {event(1, 0, "error", R"({"message":"two\nlines\u001b[31m"})")})[0];
  progress_printer(io)(ev);
  EXPECT_EQ(err.str(), "s1: error: two\\nlines\\x1b[31m\n");
}

}  // namespace
}  // namespace orch::cmd
