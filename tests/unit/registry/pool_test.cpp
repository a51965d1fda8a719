// The session pool in the registry: queue order, caps, backoff, stopped convoys, cancelling, and
// many processes claiming at once.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/convoys.h"
#include "lib/registry/pool.h"
#include "tests/support/child.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;
using testing::scalar;

class RegistryPool : public testing::RegistryOnBoth {
 protected:
  // A new unit `name` with one session `id` in `state` under `cap`, queued at `queued_at`.
  void add(const std::string& name, const std::string& id, State state, int cap, int64_t queued_at,
           int priority = 0, int64_t not_before = 0) {
    Unit u = reg_->upsert_unit(sample_unit(name));
    reg_->insert_session(sample_session(u, id, state), "test");
    PoolFields p;
    p.max_sessions = cap;
    p.queued_at = queued_at;
    p.priority = priority;
    p.not_before = not_before;
    set_pool_fields(*reg_, id, p);
  }
};

TEST_P(RegistryPool, PoolFieldsRoundTripAndDefaults) {
  add("a", "s1", State::kQueued, 3, 100, 5, 900);
  PoolFields p = pool_fields(*reg_, "s1");
  EXPECT_EQ(p.attempt, 1);
  EXPECT_EQ(p.max_attempts, 1);
  EXPECT_EQ(p.priority, 5);
  EXPECT_EQ(p.max_sessions, 3);
  EXPECT_EQ(p.queued_at, 100);
  EXPECT_EQ(p.not_before, 900);
  EXPECT_THROW(pool_fields(*reg_, "nope"), Error);
  EXPECT_THROW(set_pool_fields(*reg_, "nope", p), Error);
}

TEST_P(RegistryPool, ClaimsByPriorityThenAgeUpToTheCap) {
  add("run", "r1", State::kRunning, 3, 1);
  add("old", "q-old", State::kQueued, 3, 10);
  add("new", "q-new", State::kQueued, 3, 20);
  add("urgent", "q-urgent", State::kQueued, 3, 30, /*priority=*/9);
  add("low", "q-low", State::kQueued, 3, 5, /*priority=*/-1);
  EXPECT_EQ(count_active(*reg_), 1);
  EXPECT_EQ(queue_position(*reg_, "q-urgent"), 1);
  EXPECT_EQ(queue_position(*reg_, "q-old"), 2);
  EXPECT_EQ(queue_position(*reg_, "q-low"), 4);
  EXPECT_EQ(queue_position(*reg_, "r1"), 0);

  std::vector<std::string> claimed = claim_queued(*reg_, 1000, "test:claim");
  EXPECT_EQ(claimed, (std::vector<std::string>{"q-urgent", "q-old"}));
  EXPECT_EQ(count_active(*reg_), 3);
  auto s = reg_->get_session("q-urgent");
  EXPECT_EQ(s->state, State::kStarting);
  EXPECT_EQ(s->started_at, 1000);
  auto history = reg_->state_history("q-urgent");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].state, State::kStarting);
  EXPECT_EQ(history[1].source, "test:claim");
  EXPECT_TRUE(claim_queued(*reg_, 1000, "test:claim").empty());  // full

  reg_->finish("r1", State::kDone, "test", {});
  EXPECT_EQ(claim_queued(*reg_, 1001, "test:claim"), std::vector<std::string>{"q-new"});
  EXPECT_EQ(queue_position(*reg_, "q-low"), 1);
}

TEST_P(RegistryPool, EachSessionCountsAgainstItsOwnCap) {
  add("a", "run-a", State::kRunning, 0, 1);
  add("b", "run-b", State::kRunning, 0, 1);
  add("small", "q-small", State::kQueued, 2, 10);  // 2 active: no room under 2
  add("big", "q-big", State::kQueued, 3, 20);      // room under 3
  add("free", "q-free", State::kQueued, 0, 30);    // no cap
  EXPECT_EQ(claim_queued(*reg_, 50, "t"), (std::vector<std::string>{"q-big", "q-free"}));
  EXPECT_EQ(reg_->get_session("q-small")->state, State::kQueued);
}

TEST_P(RegistryPool, BackendCapsHoldBesideTheGlobalCap) {
  add("a", "run-oc", State::kRunning, 10, 1);  // one opencode session runs
  add("b", "q-oc1", State::kQueued, 10, 10);
  add("c", "q-oc2", State::kQueued, 10, 20);
  add("d", "q-cl", State::kQueued, 10, 30);
  for (const char* id : {"run-oc", "q-oc1", "q-oc2"}) {
    PoolFields p = pool_fields(*reg_, id);
    p.backend_max_sessions = 2;  // at most 2 opencode sessions at once
    set_pool_fields(*reg_, id, p);
  }
  db::exec(reg_->conn(), "UPDATE sessions SET backend = 'claude' WHERE id = 'q-cl'");
  EXPECT_EQ(pool_fields(*reg_, "q-oc1").backend_max_sessions, 2);
  EXPECT_EQ(count_active(*reg_, "opencode"), 1);
  // q-oc2 would be the third opencode session: it waits, the claude session behind it starts.
  EXPECT_EQ(claim_queued(*reg_, 50, "t"), (std::vector<std::string>{"q-oc1", "q-cl"}));
  EXPECT_EQ(reg_->get_session("q-oc2")->state, State::kQueued);
  EXPECT_EQ(count_active(*reg_, "opencode"), 2);
  EXPECT_EQ(count_active(*reg_, "claude"), 1);
  reg_->finish("run-oc", State::kDone, "test", {});
  EXPECT_EQ(claim_queued(*reg_, 60, "t"), std::vector<std::string>{"q-oc2"});
}

TEST_P(RegistryPool, BackoffAndStoppedConvoysKeepSessionsQueued) {
  add("later", "q-later", State::kQueued, 5, 1, 0, /*not_before=*/5000);
  Convoy c;
  c.name = "c";
  c.repo = "/src/repo";
  c.max_sessions = 5;
  c = insert_convoy(*reg_, c);
  add("in-convoy", "q-convoy", State::kQueued, 5, 2);
  set_unit_convoy(*reg_, reg_->get_session("q-convoy")->unit_id, c.id);
  EXPECT_TRUE(mark_convoy_stopped(*reg_, c.id, 100));
  EXPECT_FALSE(mark_convoy_stopped(*reg_, c.id, 200));

  EXPECT_TRUE(claim_queued(*reg_, 4999, "t").empty());
  EXPECT_EQ(claim_queued(*reg_, 5000, "t"), std::vector<std::string>{"q-later"});
  EXPECT_EQ(reg_->get_session("q-convoy")->state, State::kQueued);
}

TEST_P(RegistryPool, CancelOnlyTouchesQueuedSessions) {
  add("a", "q", State::kQueued, 1, 1);
  add("b", "r", State::kRunning, 1, 1);
  EXPECT_FALSE(cancel_queued(*reg_, "r", "test", "why"));
  EXPECT_EQ(reg_->get_session("r")->state, State::kRunning);
  EXPECT_TRUE(cancel_queued(*reg_, "q", "test", "cancelled by test"));
  auto q = reg_->get_session("q");
  EXPECT_EQ(q->state, State::kStopped);
  // Issue 11: a cancellation is no error; it is the session's note.
  EXPECT_EQ(q->error, "");
  EXPECT_EQ(q->note, "cancelled by test");
  EXPECT_GT(q->ended_at, 0);
  EXPECT_EQ(reg_->state_history("q").back().source, "test");
  EXPECT_FALSE(cancel_queued(*reg_, "q", "test", "again"));
  EXPECT_TRUE(claim_queued(*reg_, now_ms(), "t").empty());
}

// A claimer process: claims until the queue is empty, finishing each claimed session after a
// moment (so slots turn over), and prints nothing. Args: registry path, go-file.
ORCH_TEST_CHILD(pool_claimer) {
  const std::string path = args.at(0), go = args.at(1);
  while (!std::filesystem::exists(go)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto reg = testing::open_location(path, std::filesystem::path(go).parent_path());
  int idle = 0;
  while (idle < 50) {
    std::vector<std::string> ids = claim_queued(*reg, now_ms(), "child");
    if (ids.empty()) {
      ++idle;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    idle = 0;
    for (const std::string& id : ids) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      reg->finish(id, State::kDone, "child", {});
    }
  }
  return 0;
}

TEST_P(RegistryPool, ConcurrentClaimersNeverExceedTheCapOrClaimTwice) {
  constexpr int kSessions = 120, kClaimers = 8, kCap = 3;
  for (int i = 0; i < kSessions; ++i) {
    add("u" + std::to_string(i), "s" + std::to_string(i), State::kQueued, kCap, i);
  }
  const std::string go = (tmp_ / "go").string();
  std::vector<pid_t> pids;
  for (int i = 0; i < kClaimers; ++i) {
    pids.push_back(test::spawn_child("pool_claimer", {location_, go}));
  }
  test::write_file(go, "");
  for (pid_t pid : pids) EXPECT_EQ(test::wait_child(pid), 0);

  // Every session was claimed exactly once and ended.
  EXPECT_EQ(scalar(*reg_, "SELECT COUNT(*) FROM sessions WHERE state = 'done'"), kSessions);
  EXPECT_EQ(scalar(*reg_, "SELECT COUNT(*) FROM session_states WHERE state = 'starting'"),
            kSessions);
  // Replaying the state changes in commit order, never more than kCap held a slot.
  // (PostgreSQL too: write transactions take the registry's write lock one at a time, so ids
  // follow commit order.)
  db::Stmt st(reg_->conn(), "SELECT state FROM session_states ORDER BY id");
  int active = 0, peak = 0;
  while (st.step()) {
    std::string state = st.col_text(0);
    if (state == "starting") peak = std::max(peak, ++active);
    if (state == "done") --active;
  }
  EXPECT_EQ(active, 0);
  EXPECT_EQ(peak, kCap);
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryPool,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
