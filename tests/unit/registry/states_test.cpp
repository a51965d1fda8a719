// The session state machine (lib/registry/types.h: transition): which state may follow which,
// the same for every backend and every writer (supervisor, CLI, pool). Live states may follow each
// other in any order (the pool's queued -> starting claim is its own guarded UPDATE); an end is
// final. Then the same rules through the Registry, along a session's normal path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/error.h"
#include "lib/registry/registry.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

const std::vector<State> kLive = {State::kQueued, State::kStarting, State::kRunning,
                                  State::kWaiting};
const std::vector<State> kEnded = {State::kDone, State::kFailed, State::kStopped, State::kLost,
                                   State::kHandedOff};

std::vector<State> all_states() {
  std::vector<State> all = kLive;
  all.insert(all.end(), kEnded.begin(), kEnded.end());
  return all;
}

TEST(SessionStateMachine, TheLiveStatesAreTheFourBeforeAnEnd) {
  for (State s : kLive) EXPECT_TRUE(is_live(s)) << to_string(s);
  for (State s : kEnded) EXPECT_FALSE(is_live(s)) << to_string(s);
}

TEST(SessionStateMachine, TheNormalPathIsAllowed) {
  EXPECT_EQ(transition(State::kQueued, State::kStarting, false), Transition::kApply);
  EXPECT_EQ(transition(State::kStarting, State::kRunning, false), Transition::kApply);
  EXPECT_EQ(transition(State::kRunning, State::kWaiting, false), Transition::kApply);
  EXPECT_EQ(transition(State::kWaiting, State::kRunning, false), Transition::kApply);
  EXPECT_EQ(transition(State::kRunning, State::kDone, true), Transition::kApply);
}

TEST(SessionStateMachine, EveryLiveStateCanEndInEveryWay) {
  // A queued session can be stopped (convoy stop), a starting one fail or be found lost, a
  // waiting one be handed off: no end is reserved to one live state.
  for (State from : kLive) {
    for (State to : kEnded) {
      EXPECT_EQ(transition(from, to, true), Transition::kApply)
          << to_string(from) << " -> " << to_string(to);
      EXPECT_EQ(transition(from, to, false), Transition::kApply)
          << to_string(from) << " -> " << to_string(to) << " (set_state)";
    }
  }
}

TEST(SessionStateMachine, RepeatingALiveStateIsNoChange) {
  for (State s : kLive) EXPECT_EQ(transition(s, s, false), Transition::kSame) << to_string(s);
  // Recording an outcome is always a change.
  EXPECT_EQ(transition(State::kRunning, State::kRunning, true), Transition::kApply);
}

TEST(SessionStateMachine, AnEndIsFinal) {
  for (State from : kEnded) {
    for (State to : all_states()) {
      for (bool with_outcome : {false, true}) {
        EXPECT_EQ(transition(from, to, with_outcome), Transition::kRefused)
            << to_string(from) << " -> " << to_string(to);
      }
    }
  }
}

class SessionStates : public testing::RegistryOnBoth {
 protected:
  void SetUp() override {
    RegistryOnBoth::SetUp();
    reg = reg_.get();
  }
  Registry* reg = nullptr;
};

TEST_P(SessionStates, ARegistryRecordsEachChangeOfTheNormalPathOnce) {
  Unit u = reg->upsert_unit(testing::sample_unit("path"));
  reg->insert_session(testing::sample_session(u, "cccc0001", State::kQueued), "cli:sling");
  EXPECT_TRUE(reg->set_state("cccc0001", State::kStarting, "pool:test"));
  EXPECT_TRUE(reg->set_state("cccc0001", State::kRunning, "opencode:session.status"));
  EXPECT_TRUE(reg->set_state("cccc0001", State::kWaiting, "opencode:permission.asked", "bash"));
  EXPECT_TRUE(reg->set_state("cccc0001", State::kWaiting, "opencode:permission.asked", "again"));
  EXPECT_TRUE(reg->set_state("cccc0001", State::kRunning, "supervisor:policy", "denied bash"));
  EXPECT_EQ(reg->get_session("cccc0001")->ended_at, 0);
  Outcome out;
  out.summary = "did it";
  ASSERT_TRUE(reg->finish("cccc0001", State::kDone, "opencode:session.idle", out));

  std::vector<std::string> path;
  for (const StateChange& c : reg->state_history("cccc0001")) path.push_back(to_string(c.state));
  EXPECT_EQ(path, (std::vector<std::string>{"queued", "starting", "running", "waiting", "running",
                                            "done"}));
  EXPECT_GT(reg->get_session("cccc0001")->ended_at, 0);
  EXPECT_EQ(reg->get_session("cccc0001")->summary, "did it");
}

TEST_P(SessionStates, ARegistryRefusesEveryChangeAfterAnEnd) {
  Unit u = reg->upsert_unit(testing::sample_unit("ended"));
  reg->insert_session(testing::sample_session(u, "cccc0002", State::kQueued), "cli:sling");
  Outcome stop;
  stop.note = "convoy stopped";
  ASSERT_TRUE(reg->finish("cccc0002", State::kStopped, "cli:convoy-stop", stop));
  for (State to : all_states()) {
    EXPECT_FALSE(reg->set_state("cccc0002", to, "late:writer")) << to_string(to);
    if (!is_live(to)) {
      EXPECT_FALSE(reg->finish("cccc0002", to, "late:writer", {})) << to_string(to);
    }
  }
  EXPECT_EQ(reg->get_session("cccc0002")->state, State::kStopped);
  EXPECT_EQ(reg->get_session("cccc0002")->note, "convoy stopped");
  EXPECT_EQ(reg->state_history("cccc0002").size(), 2u);
}

TEST_P(SessionStates, FinishTakesOnlyAnEnd) {
  Unit u = reg->upsert_unit(testing::sample_unit("live"));
  reg->insert_session(testing::sample_session(u, "cccc0003"), "cli:sling");
  for (State to : kLive) EXPECT_THROW(reg->finish("cccc0003", to, "x", {}), Error);
  EXPECT_EQ(reg->state_history("cccc0003").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Dialects, SessionStates,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
