// orch logs: states and events merged by time (their text: tests/unit/cmd/log_view_test.cpp).
#include "orchestrator/session/log.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace orch
