// Units and sessions: upsert, insert conflicts, state changes, transactions.
#include <gtest/gtest.h>

#include <string>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/registry.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;
using testing::scalar;

class RegistrySessions : public testing::RegistryOnBoth {
 protected:
  void SetUp() override {
    RegistryOnBoth::SetUp();
    reg = reg_.get();
  }
  Registry* reg = nullptr;
};

TEST(RegistryTypes, StateNamesRoundTrip) {
  for (State s : {State::kQueued, State::kStarting, State::kRunning, State::kWaiting, State::kDone,
                  State::kFailed, State::kStopped, State::kLost, State::kHandedOff}) {
    EXPECT_EQ(state_from_string(to_string(s)), s);
  }
  EXPECT_STREQ(to_string(State::kHandedOff), "handed_off");
  EXPECT_TRUE(is_live(State::kWaiting));
  EXPECT_FALSE(is_live(State::kLost));
  EXPECT_THROW(state_from_string("sleeping"), Error);
}

TEST_P(RegistrySessions, UpsertUnitKeepsIdAndUpdatesPrompt) {
  Unit first = reg->upsert_unit(sample_unit("issue-1"));
  EXPECT_GT(first.id, 0);
  EXPECT_GT(first.created_at, 0);
  Unit again = sample_unit("issue-1");
  again.prompt = "new prompt";
  again.base_ref = "other";
  Unit second = reg->upsert_unit(again);
  EXPECT_EQ(second.id, first.id);
  EXPECT_EQ(second.prompt, "new prompt");
  EXPECT_EQ(second.base_ref, "main");  // only the prompt is updated
  EXPECT_EQ(reg->upsert_unit(sample_unit("issue-1", "/other/repo")).id == first.id, false);
  EXPECT_EQ(reg->find_unit("/src/repo", "issue-1")->id, first.id);
  EXPECT_EQ(reg->get_unit(first.id)->branch, "orch/issue-1");
  EXPECT_FALSE(reg->find_unit("/src/repo", "nope"));
  EXPECT_FALSE(reg->get_unit(987654));
}

TEST_P(RegistrySessions, SessionRoundTripsEveryColumn) {
  Unit u = reg->upsert_unit(sample_unit("rt"));
  reg->insert_session(sample_session(u, "parent01", State::kQueued, 100), "cli:sling");
  ASSERT_TRUE(reg->finish("parent01", State::kHandedOff, "cli:handoff", {}));
  Session s = sample_session(u, "child001", State::kRunning, 200);
  s.model = "anthropic/claude";
  s.parent_session = "parent01";
  s.no_commit = true;
  s.options = R"({"timeout":5})";
  reg->insert_session(s, "");
  reg->set_supervisor("child001", 4242, 777);
  reg->set_agent_pid("child001", 4343);
  reg->set_agent_session_id("child001", "ses_abc");
  reg->add_usage("child001", Usage{10, 20, 30, 40, 0.5});
  reg->add_usage("child001", Usage{1, 2, 3, 4, 0.25});
  reg->set_summary("child001", "halfway");

  Session got = *reg->get_session("child001");
  EXPECT_EQ(got.unit_id, u.id);
  EXPECT_EQ(got.unit_name, "rt");
  EXPECT_EQ(got.model, "anthropic/claude");
  EXPECT_EQ(got.parent_session, "parent01");
  EXPECT_TRUE(got.no_commit);
  EXPECT_EQ(got.options, R"({"timeout":5})");
  EXPECT_EQ(got.started_at, 200);
  EXPECT_EQ(got.ended_at, 0);
  EXPECT_EQ(got.supervisor_pid, 4242);
  EXPECT_EQ(got.supervisor_start_time, 777);
  EXPECT_EQ(got.agent_pid, 4343);
  EXPECT_EQ(got.agent_session_id, "ses_abc");
  EXPECT_EQ(got.usage.tokens_in, 11);
  EXPECT_EQ(got.usage.tokens_out, 22);
  EXPECT_EQ(got.usage.tokens_cache_read, 33);
  EXPECT_EQ(got.usage.tokens_cache_write, 44);
  EXPECT_DOUBLE_EQ(got.usage.cost_usd, 0.75);
  EXPECT_EQ(got.summary, "halfway");
  EXPECT_EQ(reg->state_history("child001").at(0).source, "cli:sling");  // default source

  reg->set_usage("child001", Usage{50, 6, 7, 80, 1.125});
  got = *reg->get_session("child001");
  EXPECT_EQ(got.usage.tokens_in, 50);
  EXPECT_EQ(got.usage.tokens_out, 22);  // running totals never go down
  EXPECT_EQ(got.usage.tokens_cache_write, 80);
  EXPECT_DOUBLE_EQ(got.usage.cost_usd, 1.125);
  // A stopped run's last report that knows less keeps what was recorded while it ran.
  reg->set_usage("child001", Usage{0, 0, 0, 0, 0});
  EXPECT_DOUBLE_EQ(reg->get_session("child001")->usage.cost_usd, 1.125);

  EXPECT_FALSE(reg->get_session("missing"));
  try {
    reg->set_agent_pid("missing", 1);
    FAIL() << "updated a missing session";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitNotFound);
  }
}

TEST_P(RegistrySessions, SecondLiveSessionOfAUnitIsAConflict) {
  Unit u = reg->upsert_unit(sample_unit("issue-7"));
  reg->insert_session(sample_session(u, "aaaa0001", State::kRunning), "cli:sling");
  try {
    reg->insert_session(sample_session(u, "aaaa0002", State::kStarting), "cli:sling");
    FAIL() << "second live session accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitConflict);
    EXPECT_EQ(std::string(e.what()), "unit 'issue-7' already has a live session aaaa0001");
  }
  EXPECT_FALSE(reg->get_session("aaaa0002"));
  EXPECT_TRUE(reg->state_history("aaaa0002").empty());

  // A duplicate session id is an error too, but not a conflict of live sessions.
  Unit other = reg->upsert_unit(sample_unit("issue-8"));
  try {
    reg->insert_session(sample_session(other, "aaaa0001", State::kDone), "cli:sling");
    FAIL() << "duplicate session id accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitError);
    // Each engine's own words for it.
    const char* expected = GetParam() == testing::TestDb::kSqlite
                               ? "UNIQUE constraint failed: sessions.id"
                               : "duplicate key value violates unique constraint \"sessions_pkey\"";
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }

  ASSERT_TRUE(reg->finish("aaaa0001", State::kDone, "cli:test", {}));
  EXPECT_FALSE(reg->live_session_of_unit(u.id));
  reg->insert_session(sample_session(u, "aaaa0002", State::kStarting), "cli:sling");
  EXPECT_EQ(reg->live_session_of_unit(u.id)->id, "aaaa0002");
}

TEST_P(RegistrySessions, TerminalStateIsFinal) {
  Unit u = reg->upsert_unit(sample_unit("issue-9"));
  reg->insert_session(sample_session(u, "bbbb0001"), "cli:sling");
  EXPECT_TRUE(reg->set_state("bbbb0001", State::kRunning, "opencode:session.status", "busy"));
  EXPECT_TRUE(reg->set_state("bbbb0001", State::kRunning, "opencode:session.status", "busy"));
  EXPECT_EQ(reg->state_history("bbbb0001").size(), 2u);  // the repeat was not a change
  EXPECT_EQ(reg->get_session("bbbb0001")->ended_at, 0);

  Outcome out;
  out.error = "agent died";
  out.commit_id = "cafe";
  ASSERT_TRUE(reg->finish("bbbb0001", State::kLost, "supervisor:pid-check", out));
  const Session ended = *reg->get_session("bbbb0001");
  EXPECT_EQ(ended.state, State::kLost);
  EXPECT_GT(ended.ended_at, 0);
  EXPECT_EQ(ended.error, "agent died");
  EXPECT_EQ(ended.commit_id, "cafe");

  const int64_t rows = scalar(*reg, "SELECT COUNT(*) FROM session_states");
  EXPECT_FALSE(reg->set_state("bbbb0001", State::kRunning, "late:writer", "resurrect"));
  EXPECT_FALSE(reg->set_state("bbbb0001", State::kDone, "late:writer"));
  EXPECT_FALSE(reg->finish("bbbb0001", State::kDone, "late:writer", Outcome{"s", "e", "c", "d"}));
  const Session after = *reg->get_session("bbbb0001");
  EXPECT_EQ(after.state, State::kLost);
  EXPECT_EQ(after.ended_at, ended.ended_at);
  EXPECT_EQ(after.error, "agent died");
  EXPECT_EQ(after.summary, "");
  EXPECT_EQ(scalar(*reg, "SELECT COUNT(*) FROM session_states"), rows);

  const auto h = reg->state_history("bbbb0001");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].state, State::kStarting);
  EXPECT_EQ(h[0].source, "cli:sling");
  EXPECT_EQ(h[0].detail, "");
  EXPECT_EQ(h[1].state, State::kRunning);
  EXPECT_EQ(h[1].source, "opencode:session.status");
  EXPECT_EQ(h[1].detail, "busy");
  EXPECT_EQ(h[2].state, State::kLost);
  EXPECT_EQ(h[2].source, "supervisor:pid-check");
  EXPECT_EQ(h[2].detail, "agent died");
  EXPECT_EQ(h[2].at, ended.ended_at);
  EXPECT_LT(h[0].id, h[1].id);

  EXPECT_THROW(reg->finish("bbbb0001", State::kRunning, "x", {}), Error);
  try {
    reg->set_state("nope", State::kRunning, "x");
    FAIL() << "changed a missing session";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitNotFound);
  }
}

TEST_P(RegistrySessions, TransactionsCommitRollBackAndNest) {
  reg->transaction([&] {
    reg->upsert_unit(sample_unit("t1"));
    reg->transaction([&] { reg->upsert_unit(sample_unit("t2")); });
  });
  EXPECT_TRUE(reg->find_unit("/src/repo", "t1"));
  EXPECT_TRUE(reg->find_unit("/src/repo", "t2"));

  EXPECT_THROW(reg->transaction([&] {
    reg->upsert_unit(sample_unit("t3"));
    reg->transaction([&] { reg->upsert_unit(sample_unit("t4")); });
    throw Error("boom");
  }),
               Error);
  EXPECT_FALSE(reg->find_unit("/src/repo", "t3"));
  EXPECT_FALSE(reg->find_unit("/src/repo", "t4"));  // the nested part went with the outer

  reg->transaction([&] {
    reg->upsert_unit(sample_unit("t5"));
    try {
      reg->transaction([&] {
        reg->upsert_unit(sample_unit("t6"));
        throw Error("inner");
      });
    } catch (const Error&) {
    }
  });
  EXPECT_TRUE(reg->find_unit("/src/repo", "t5"));
  EXPECT_FALSE(reg->find_unit("/src/repo", "t6"));  // only the failed nested part is undone
}

TEST_P(RegistrySessions, PagesFollowTheListOrderWithTiesAndNeverPassTheLimit) {
  // Ties on started_at across a page boundary: the pages must still give each session once.
  const int64_t starts[] = {100, 200, 200, 200, 300, 200, 50};
  for (int i = 0; i < 7; ++i) {
    Unit u = reg->upsert_unit(sample_unit("page-" + std::to_string(i)));
    reg->insert_session(sample_session(u, "p" + std::to_string(6 - i), State::kDone, starts[i]),
                        "test");
  }
  std::vector<std::string> whole;
  for (const Session& s : reg->list_sessions()) whole.push_back(s.id);
  ASSERT_EQ(whole.size(), 7u);
  std::vector<std::string> paged;
  SessionFilter f;
  f.limit = 2;
  for (int pages = 0; pages < 10; ++pages) {
    std::vector<Session> page = reg->list_sessions(f);
    ASSERT_LE(page.size(), 2u);
    if (page.empty()) break;
    for (const Session& s : page) paged.push_back(s.id);
    f.after = page.back().id;
  }
  EXPECT_EQ(paged, whole);
  f.after = "no-such-session";
  EXPECT_TRUE(reg->list_sessions(f).empty());
  f.after.clear();
  f.limit = 3;
  EXPECT_EQ(reg->list_session_briefs(f).size(), 3u);
}
// The write lock held by another connection: a brief try gives up (false, nothing run) within
// about its wait, and leaves the connection usable, outside any transaction (on PostgreSQL the
// BEGIN, lock waits and advisory lock are one round trip that stops at the lock's timeout).
TEST_P(RegistrySessions, ABriefTryGivesUpWhileAnotherConnectionWritesAndLeavesNoTransaction) {
  std::unique_ptr<Registry> other = testing::open_location(location_, tmp_.path());
  Unit u = reg_->upsert_unit(sample_unit("alpha", "/r1"));
  bool ran = false;
  int64_t waited = 0;
  bool got = true;
  other->transaction([&] {
    other->insert_session(sample_session(u, "held", State::kRunning, 1000), "t");
    const int64_t t0 = now_ms();
    got = reg_->try_transaction([&] { ran = true; }, 100);
    waited = now_ms() - t0;
  });
  EXPECT_FALSE(got);
  EXPECT_FALSE(ran);
  EXPECT_LT(waited, 5000);
  // Not left in a transaction: the other connection's commit is seen, and a write commits.
  EXPECT_TRUE(reg_->get_session("held").has_value());
  reg_->transaction(
      [&] { reg_->insert_session(sample_session(u, "next", State::kDone, 2000), "t"); });
  EXPECT_TRUE(other->get_session("next").has_value());
  EXPECT_TRUE(reg_->try_transaction([&] { ran = true; }, 100));
  EXPECT_TRUE(ran);
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistrySessions,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
