// Shared agent servers in the registry: one start per need, capacity, dead servers, one
// restarter, the last user stops it, idle reaping, and many claimers at once.
#include "lib/registry/servers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "lib/clock.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

const AliveFn kAlive = [](int64_t, int64_t) { return true; };

class RegistryServers : public testing::RegistryOnBoth {
 protected:
  void add(const std::string& id, State state = State::kStarting) {
    Unit u = reg_->upsert_unit(sample_unit("unit-" + id));
    reg_->insert_session(sample_session(u, id, state), "test");
  }
  ServerRequest req(const std::string& session, const std::string& new_id, int capacity = 2,
                    const std::string& key = "k1") {
    ServerRequest r;
    r.session_id = session;
    r.backend = "opencode";
    r.key = key;
    r.capacity = capacity;
    r.new_id = new_id;
    r.owner_pid = 42;
    r.owner_start = 7;
    return r;
  }
  std::string server_id(const std::string& session) {
    db::Stmt st(reg_->conn(), "SELECT COALESCE(server_id,'') FROM sessions WHERE id=?1");
    st.bind_text(1, session);
    return st.step() ? st.col_text(0) : std::string();
  }
};

TEST_P(RegistryServers, OneStartThenWaitersThenUsersUpToCapacity) {
  for (const char* id : {"a", "b", "c", "d"}) add(id);
  ServerClaim first = claim_server(*reg_, req("a", "srv1"), kAlive);
  EXPECT_EQ(first.role, ServerRole::kStart);
  EXPECT_EQ(first.server.state, "starting");
  EXPECT_EQ(server_id("a"), "srv1");

  ServerClaim second = claim_server(*reg_, req("b", "srv2"), kAlive);
  EXPECT_EQ(second.role, ServerRole::kWait);  // srv1 is starting and has room
  EXPECT_EQ(second.server.id, "srv1");
  EXPECT_TRUE(server_ready(*reg_, "srv1", 1, 1234, 99, 4100));
  EXPECT_FALSE(server_ready(*reg_, "srv1", 1, 1234, 99, 4100));  // not starting any more
  auto row = get_server(*reg_, "srv1");
  EXPECT_EQ(row->state, "ready");
  EXPECT_EQ(row->users, 2);
  EXPECT_EQ(row->served, 2);
  EXPECT_EQ(row->port, 4100);

  ServerClaim third = claim_server(*reg_, req("c", "srv3"), kAlive);  // full: capacity 2
  EXPECT_EQ(third.role, ServerRole::kStart);
  EXPECT_EQ(third.server.id, "srv3");
  add("e");
  ServerClaim other_key = claim_server(*reg_, req("e", "srv4", 2, "k2"), kAlive);
  EXPECT_EQ(other_key.role, ServerRole::kStart);  // another environment: its own server
  EXPECT_EQ(list_servers(*reg_, true).size(), 3u);
}

TEST_P(RegistryServers, DeadServersAndDeadStartersAreSkipped) {
  add("a");
  add("b");
  claim_server(*reg_, req("a", "srv1"), kAlive);
  server_ready(*reg_, "srv1", 1, 1234, 99, 4100);
  AliveFn dead = [](int64_t pid, int64_t) { return pid != 1234; };
  ServerClaim c = claim_server(*reg_, req("b", "srv2"), dead);
  EXPECT_EQ(c.role, ServerRole::kStart);
  EXPECT_EQ(get_server(*reg_, "srv1")->state, "dead");
  add("c");
  AliveFn starter_gone = [](int64_t pid, int64_t) { return pid != 42; };
  EXPECT_EQ(claim_server(*reg_, req("c", "srv3"), starter_gone).role, ServerRole::kStart);
  EXPECT_EQ(get_server(*reg_, "srv2")->state, "dead");
}

TEST_P(RegistryServers, OneRestarterTheOthersWait) {
  add("a");
  add("b");
  claim_server(*reg_, req("a", "srv1"), kAlive);
  claim_server(*reg_, req("b", "x"), kAlive);
  server_ready(*reg_, "srv1", 1, 1234, 99, 4100);
  auto first = restart_server(*reg_, "srv1", 1, 50, 5);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->role, ServerRole::kStart);
  EXPECT_EQ(first->server.generation, 2);
  auto second = restart_server(*reg_, "srv1", 1, 51, 5);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->role, ServerRole::kWait);
  EXPECT_FALSE(server_ready(*reg_, "srv1", 1, 1, 1, 1));  // a stale generation
  EXPECT_TRUE(server_ready(*reg_, "srv1", 2, 2000, 98, 4200));
  auto late = restart_server(*reg_, "srv1", 1, 52, 5);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->role, ServerRole::kUse);
  EXPECT_EQ(late->server.port, 4200);
  EXPECT_TRUE(server_ended(*reg_, "srv1", 2, "dead", "its process is gone"));
  auto again = restart_server(*reg_, "srv1", 2, 53, 5);  // marked dead by a claimer: restart
  ASSERT_TRUE(again);
  EXPECT_EQ(again->role, ServerRole::kStart);
  EXPECT_TRUE(server_ended(*reg_, "srv1", 3, "stopped", "its last session ended"));
  EXPECT_FALSE(restart_server(*reg_, "srv1", 3, 54, 5));
}

TEST_P(RegistryServers, TheLastUserStopsItUnlessASessionMayStillAttach) {
  add("a", State::kRunning);
  add("b", State::kRunning);
  claim_server(*reg_, req("a", "srv1"), kAlive);
  claim_server(*reg_, req("b", "x"), kAlive);
  server_ready(*reg_, "srv1", 1, 1234, 99, 4100);
  EXPECT_FALSE(release_server(*reg_, "a"));  // b still uses it
  EXPECT_EQ(server_id("a"), "");
  add("q", State::kQueued);  // an opencode session that may attach soon
  EXPECT_FALSE(release_server(*reg_, "b"));
  EXPECT_EQ(get_server(*reg_, "srv1")->state, "ready");
  EXPECT_FALSE(release_server(*reg_, "b"));  // idempotent

  // Idle reaping: not before idle_ms, and not while q may attach.
  EXPECT_TRUE(reap_servers(*reg_, now_ms(), 0, kAlive).empty());
  reg_->finish("q", State::kStopped, "test", {});
  EXPECT_TRUE(reap_servers(*reg_, now_ms(), 60000, kAlive).empty());
  auto stopped = reap_servers(*reg_, now_ms() + 60000, 60000, kAlive);
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_EQ(stopped[0].pid, 1234);
  EXPECT_EQ(get_server(*reg_, "srv1")->state, "stopped");

  add("c", State::kRunning);
  claim_server(*reg_, req("c", "srv2"), kAlive);
  server_ready(*reg_, "srv2", 1, 777, 1, 4300);
  auto last = release_server(*reg_, "c");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->pid, 777);
  EXPECT_EQ(get_server(*reg_, "srv2")->state, "stopped");
}

TEST_P(RegistryServers, AServerThatServedItsLimitTakesNobodyAndStopsWhenEmpty) {
  for (const char* id : {"a", "b"}) add(id, State::kRunning);
  add("c");
  ServerRequest r = req("a", "srv1");
  r.serve_limit = 2;
  claim_server(*reg_, r, kAlive);
  claim_server(*reg_, req("b", "x"), kAlive);
  server_ready(*reg_, "srv1", 1, 1234, 99, 4100);
  EXPECT_FALSE(release_server(*reg_, "a"));
  // One user left and room for another, but it served 2: c gets a new server.
  ServerClaim c = claim_server(*reg_, req("c", "srv2"), kAlive);
  EXPECT_EQ(c.role, ServerRole::kStart);
  add("q", State::kQueued);  // waiting for a server does not keep a retired one
  auto last = release_server(*reg_, "b");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->id, "srv1");
}

TEST_P(RegistryServers, AServerWhoseStarterWentAwayIsStoppedOnceSpawned) {
  add("a", State::kRunning);
  add("b");
  claim_server(*reg_, req("a", "srv1"), kAlive);
  EXPECT_TRUE(server_spawned(*reg_, "srv1", 1, 555, 9));
  // a's supervisor was killed while starting srv1; the command that killed it releases a.
  auto orphan = release_server(*reg_, "a");
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->pid, 555);
  EXPECT_EQ(get_server(*reg_, "srv1")->state, "dead");

  // The same found by a claimer (the starter's process is gone) or by reaping.
  claim_server(*reg_, req("b", "srv2"), kAlive);
  server_spawned(*reg_, "srv2", 1, 556, 9);
  add("c");
  AliveFn starter_gone = [](int64_t pid, int64_t) { return pid != 42; };
  ServerClaim c = claim_server(*reg_, req("c", "srv3"), starter_gone);
  ASSERT_EQ(c.to_stop.size(), 1u);
  EXPECT_EQ(c.to_stop[0].pid, 556);
  server_spawned(*reg_, "srv3", 1, 557, 9);
  auto reaped = reap_servers(*reg_, now_ms(), 60000, starter_gone);
  ASSERT_EQ(reaped.size(), 1u);  // srv3, whose starter (pid 42 too) is gone
  EXPECT_EQ(reaped[0].id, "srv3");
  EXPECT_EQ(get_server(*reg_, "srv3")->state, "dead");
}

TEST_P(RegistryServers, ReapingMarksDeadProcesses) {
  add("a", State::kRunning);
  claim_server(*reg_, req("a", "srv1"), kAlive);
  server_ready(*reg_, "srv1", 1, 1234, 99, 4100);
  AliveFn dead = [](int64_t, int64_t) { return false; };
  EXPECT_TRUE(reap_servers(*reg_, now_ms(), 0, dead).empty());
  EXPECT_EQ(get_server(*reg_, "srv1")->state, "dead");
}

TEST_P(RegistryServers, StoppedServersWhoseProcessStillRunsAreFoundOnceTheirGraceIsOver) {
  add("a", State::kRunning);
  add("b", State::kRunning);
  claim_server(*reg_, req("a", "srv1"), kAlive);
  server_ready(*reg_, "srv1", 1, 1234, 99, 4100);
  claim_server(*reg_, req("b", "srv2", 2, "k2"), kAlive);  // another key: b starts srv2
  server_ready(*reg_, "srv2", 1, 5678, 98, 4200);
  // A releaser marked srv1 stopped and died before its process was gone (or it survived its
  // SIGTERM); srv2 is still in use.
  ASSERT_TRUE(release_server(*reg_, "a"));
  const int64_t now = now_ms();
  EXPECT_TRUE(lingering_servers(*reg_, now, 10000, kAlive).empty());  // its releaser's grace
  auto left = lingering_servers(*reg_, now + 10000, 10000, kAlive);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, "srv1");
  EXPECT_EQ(left[0].pid, 1234);
  EXPECT_EQ(left[0].start_time, 99);
  // Gone (or its pid reused by another process: alive() checks the start time): nothing to do.
  AliveFn gone = [](int64_t pid, int64_t) { return pid != 1234; };
  EXPECT_TRUE(lingering_servers(*reg_, now + 10000, 10000, gone).empty());
  // A dead row (its starter went away) whose process runs is found too.
  server_ended(*reg_, "srv2", 1, "dead", "test");
  // Its grace counts from that change, later than `now` when the clock ticked meanwhile.
  EXPECT_EQ(lingering_servers(*reg_, now_ms() + 10000, 10000, kAlive).size(), 2u);
}

TEST_P(RegistryServers, ManyClaimersAtOnceStartOneServer) {
  constexpr int kClaimers = 8;
  for (int i = 0; i < kClaimers; ++i) add("s" + std::to_string(i));
  std::atomic<int> starts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaimers; ++i) {
    threads.emplace_back([&, i] {
      auto reg = testing::open_location(location_, tmp_.path());  // one connection per thread
      ServerRequest r = req("s" + std::to_string(i), "srv" + std::to_string(i), 20);
      if (claim_server(*reg, r, kAlive).role == ServerRole::kStart) ++starts;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(starts.load(), 1);
  auto open = list_servers(*reg_, true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].users, kClaimers);
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryServers,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
