// The hook outbox (lib/registry/hooks.h, migrations/0015_hooks.sql): every state change of a
// session with hooks is queued in order, whoever records it, with the state before it; sessions
// without hooks queue nothing; budget events; delivered rows go.
#include "lib/registry/hooks.h"

#include <gtest/gtest.h>

#include "lib/error.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

class RegistryHookOutbox : public testing::RegistryOnBoth {
 protected:
  void add(const std::string& id, const std::string& options, State state = State::kQueued) {
    Unit u = reg_->upsert_unit(sample_unit("unit-" + id));
    Session s = sample_session(u, id, state);
    s.options = options;
    reg_->insert_session(s, "test");
  }
};

TEST_P(RegistryHookOutbox, EveryStateChangeInOrderWithThePreviousState) {
  add("s1", R"({"binary":"x","hooks":true})");
  reg_->set_state("s1", State::kStarting, "pool");
  reg_->set_state("s1", State::kRunning, "agent");
  reg_->set_state("s1", State::kRunning, "agent");  // no change: nothing recorded
  reg_->finish("s1", State::kFailed, "supervisor", Outcome{"", "it broke", "", ""});
  reg_->set_state("s1", State::kDone, "late writer");  // refused after the end: nothing
  std::vector<HookOutboxRow> rows = pending_hook_events(*reg_, "s1");
  ASSERT_EQ(rows.size(), 4u);
  std::vector<std::string> events, previous;
  for (const HookOutboxRow& r : rows) {
    events.push_back(r.event);
    previous.push_back(r.previous_state);
    EXPECT_EQ(r.event, r.state);
    EXPECT_GT(r.at, 0);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"queued", "starting", "running", "failed"}));
  EXPECT_EQ(previous, (std::vector<std::string>{"", "queued", "starting", "running"}));
  EXPECT_EQ(rows[3].detail, "it broke");
  EXPECT_LT(rows[0].id, rows[1].id);

  delete_hook_event(*reg_, rows[0].id);
  delete_hook_event(*reg_, rows[0].id);  // gone already: nothing
  EXPECT_EQ(pending_hook_events(*reg_, "s1").size(), 3u);
  EXPECT_EQ(pending_hook_events(*reg_, "s1", 2).size(), 2u);
  EXPECT_EQ(sessions_with_hook_events(*reg_), std::vector<std::string>{"s1"});
}

TEST_P(RegistryHookOutbox, SessionsWithoutHooksQueueNothingWhateverTheirOptions) {
  add("plain", R"({"binary":"x"})");
  add("off", R"({"binary":"x","hooks":false})");
  add("broken", "not json at all {");  // never fails a state change
  for (const char* id : {"plain", "off", "broken"}) {
    EXPECT_TRUE(reg_->set_state(id, State::kStarting, "t"));
    EXPECT_TRUE(pending_hook_events(*reg_, id).empty()) << id;
    EXPECT_FALSE(add_hook_event(*reg_, id, "budget", "over"));
  }
  EXPECT_TRUE(sessions_with_hook_events(*reg_).empty());
}

TEST_P(RegistryHookOutbox, BudgetEventsQueueAfterTheStatesWithTheCurrentState) {
  add("s2", R"({"hooks":true})", State::kRunning);
  EXPECT_TRUE(add_hook_event(*reg_, "s2", "budget", "budget: cost $2.04 over $2.00"));
  std::vector<HookOutboxRow> rows = pending_hook_events(*reg_, "s2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].event, "budget");
  EXPECT_EQ(rows[1].state, "running");
  EXPECT_EQ(rows[1].previous_state, "");
  EXPECT_EQ(rows[1].detail, "budget: cost $2.04 over $2.00");
  try {
    add_hook_event(*reg_, "nope", "budget", "x");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitNotFound);
  }
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryHookOutbox,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
