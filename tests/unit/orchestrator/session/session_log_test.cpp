// orch logs: states and events merged by time (their text: tests/unit/cmd/log_view_test.cpp).
#include "orchestrator/session/log.h"

#include <gtest/gtest.h>
#include "tests/unit/log_entries.h"

namespace orch {
namespace {

using test::event;
using test::state;

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
