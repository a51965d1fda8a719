// Hosts and workers in the registry (migration 0021): which claimer takes which queued session
// (local units by fill_slots on their host, remote units by `orch worker` with its filters, the
// caps over all hosts), worker registration and heartbeats, lost workers, requests from other
// hosts. On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/registry/convoys.h"
#include "lib/registry/pool.h"
#include "lib/registry/workers.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;
using testing::scalar;

constexpr const char* kRemoteRepo = "https://git.example.com/team/app.git";

class RegistryWorkers : public testing::RegistryOnBoth {
 protected:
  // A unit `name` of `repo` with one session `id` in `state` under `cap`.
  Session add(const std::string& name, const std::string& repo, const std::string& id, State state,
              int cap = 10, const std::string& backend = "opencode") {
    Unit u = reg_->upsert_unit(sample_unit(name, repo));
    Session s = sample_session(u, id, state);
    s.backend = backend;
    reg_->insert_session(s, "test");
    PoolFields p;
    p.max_sessions = cap;
    p.queued_at = static_cast<int64_t>(++order_);
    set_pool_fields(*reg_, id, p);
    return *reg_->get_session(id);
  }
  ClaimScope remote(const std::string& worker = "w1") {
    ClaimScope scope;
    scope.remote = true;
    scope.host = "host-b";
    scope.worker = worker;
    return scope;
  }
  Worker worker(const std::string& id, const std::string& name) {
    Worker w;
    w.id = id;
    w.name = name;
    w.host = "host-" + id;
    w.pid = 1234;
    return w;
  }
  int order_ = 0;
};

TEST_P(RegistryWorkers, TheHostIdIsMadeOnceAndKeptInTheHome) {
  const std::string id = reg_->host();
  EXPECT_TRUE(valid_host_id(id)) << id;
  EXPECT_EQ(host_id(tmp_.path()), id);
  EXPECT_TRUE(std::filesystem::exists(tmp_.path() / kHostIdFile));
  EXPECT_EQ(std::filesystem::status(tmp_.path() / kHostIdFile).permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_P(RegistryWorkers, ALocalUnitsSessionRunsHereARemoteUnitsWaitsForAWorker) {
  EXPECT_EQ(add("loc", "/src/repo", "l1", State::kStarting).host, reg_->host());
  EXPECT_EQ(add("rem", kRemoteRepo, "r1", State::kQueued).host, "");
}

TEST_P(RegistryWorkers, FillSlotsClaimsLocalUnitsAndWorkersRemoteOnes) {
  add("loc", "/src/repo", "l1", State::kQueued);
  add("rem", kRemoteRepo, "r1", State::kQueued);
  EXPECT_TRUE(has_queued(*reg_, ClaimScope{}));
  EXPECT_EQ(claim_queued(*reg_, 100, "pool:cli"), std::vector<std::string>{"l1"});
  EXPECT_FALSE(has_queued(*reg_, ClaimScope{}));
  EXPECT_TRUE(has_queued(*reg_, remote()));
  EXPECT_EQ(claim_queued(*reg_, 100, "worker:b", remote()), std::vector<std::string>{"r1"});
  const Session r1 = *reg_->get_session("r1");
  EXPECT_EQ(r1.state, State::kStarting);
  EXPECT_EQ(r1.host, "host-b");
  EXPECT_EQ(r1.worker, "w1");
  EXPECT_EQ(reg_->get_session("l1")->host, reg_->host());
}

TEST_P(RegistryWorkers, ALocalSessionOfAnotherHostIsNotClaimedHere) {
  add("theirs", "/src/repo", "t1", State::kQueued);
  add("old", "/src/repo", "o1", State::kQueued);
  db::Stmt(reg_->conn(), "UPDATE sessions SET host = 'elsewhere' WHERE id = 't1'").run();
  db::Stmt(reg_->conn(), "UPDATE sessions SET host = NULL WHERE id = 'o1'").run();  // before 0021
  EXPECT_EQ(claim_queued(*reg_, 100, "pool:cli"), std::vector<std::string>{"o1"});
  EXPECT_EQ(reg_->get_session("t1")->state, State::kQueued);
}

TEST_P(RegistryWorkers, AWorkerTakesOnlyItsBackendsItsConvoyAndUpToItsLimit) {
  Convoy c;
  c.name = "wave";
  c.repo = kRemoteRepo;
  c.created_at = 1;
  const int64_t convoy = insert_convoy(*reg_, c).id;
  add("claude-one", kRemoteRepo, "c1", State::kQueued, 10, "claude");
  add("in-convoy", kRemoteRepo, "v1", State::kQueued);
  add("in-convoy-2", kRemoteRepo, "v2", State::kQueued);
  add("other", kRemoteRepo, "x1", State::kQueued);
  set_unit_convoy(*reg_, reg_->get_session("v1")->unit_id, convoy);
  set_unit_convoy(*reg_, reg_->get_session("v2")->unit_id, convoy);

  ClaimScope only_convoy = remote();
  only_convoy.convoy = "wave";
  only_convoy.limit = 1;
  EXPECT_EQ(claim_queued(*reg_, 100, "worker:b", only_convoy), std::vector<std::string>{"v1"});
  only_convoy.limit = 0;
  EXPECT_EQ(claim_queued(*reg_, 100, "worker:b", only_convoy), std::vector<std::string>{"v2"});
  EXPECT_FALSE(has_queued(*reg_, only_convoy));

  ClaimScope only_claude = remote();
  only_claude.backends = {"claude"};
  EXPECT_EQ(claim_queued(*reg_, 100, "worker:b", only_claude), std::vector<std::string>{"c1"});
  EXPECT_EQ(reg_->get_session("x1")->state, State::kQueued);
}

TEST_P(RegistryWorkers, TheCapCountsTheSessionsOfEveryHost) {
  add("loc", "/src/repo", "l1", State::kRunning, 2);
  add("rem-run", kRemoteRepo, "r0", State::kRunning, 2);
  db::Stmt(reg_->conn(), "UPDATE sessions SET host = 'elsewhere' WHERE id = 'r0'").run();
  add("rem", kRemoteRepo, "r1", State::kQueued, 2);
  EXPECT_TRUE(claim_queued(*reg_, 100, "worker:b", remote()).empty());
  reg_->finish("l1", State::kDone, "test", {});
  EXPECT_EQ(claim_queued(*reg_, 100, "worker:b", remote()), std::vector<std::string>{"r1"});
}

TEST_P(RegistryWorkers, TwoLiveWorkersNeverShareANameAStaleOneIsTakenOver) {
  register_worker(*reg_, worker("a1", "ci-1"), 1000);
  try {
    register_worker(*reg_, worker("a2", "ci-1"), 1000 + kWorkerSilentMs);
    FAIL() << "a second live worker of the same name was registered";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitConflict);
    EXPECT_NE(std::string(e.what()).find("another worker of that name is alive"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(heartbeat_worker(*reg_, "a1", 5000));
  // Silent past kWorkerSilentMs: the name is free again, and the silent one is lost.
  register_worker(*reg_, worker("a3", "ci-1"), 5001 + kWorkerSilentMs);
  EXPECT_EQ(get_worker(*reg_, "a1")->state, "lost");
  EXPECT_FALSE(heartbeat_worker(*reg_, "a1", 20000));  // it learns it was judged lost
  EXPECT_EQ(get_worker(*reg_, "a3")->state, "running");
  EXPECT_FALSE(get_worker(*reg_, "a2"));
}

TEST_P(RegistryWorkers, ASilentWorkersSessionsAreFoundForTheLostCheck) {
  register_worker(*reg_, worker("w1", "one"), 1000);
  register_worker(*reg_, worker("w2", "two"), 1000);
  add("a", kRemoteRepo, "a1", State::kQueued);
  add("b", kRemoteRepo, "b1", State::kQueued);
  claim_queued(*reg_, 1000, "worker:one", remote("w1"));  // takes a1 and b1
  db::Stmt(reg_->conn(), "UPDATE sessions SET worker = 'w2' WHERE id = 'b1'").run();
  EXPECT_TRUE(sessions_of_gone_workers(*reg_).empty());
  heartbeat_worker(*reg_, "w2", 9000);
  EXPECT_TRUE(mark_silent_workers(*reg_, 1000 + kWorkerSilentMs).empty());  // not yet
  EXPECT_EQ(mark_silent_workers(*reg_, 1001 + kWorkerSilentMs), std::vector<std::string>{"w1"});
  std::vector<Session> gone = sessions_of_gone_workers(*reg_);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].id, "a1");
  EXPECT_EQ(sessions_of_worker(*reg_, "w2").size(), 1u);
  // A stopped worker's live session is found too.
  EXPECT_TRUE(set_worker_state(*reg_, "w2", "stopped", 9500));
  EXPECT_EQ(sessions_of_gone_workers(*reg_).size(), 2u);
}

TEST_P(RegistryWorkers, ARequestIsTakenOnceByTheSessionsWorker) {
  add("a", kRemoteRepo, "a1", State::kQueued);
  claim_queued(*reg_, 1000, "worker:one", remote("w1"));
  set_remote_request(*reg_, "a1", R"({"kind":"stop"})");
  EXPECT_TRUE(take_remote_requests(*reg_, "w2", "host-c").empty());
  auto got = take_remote_requests(*reg_, "w1", "host-c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "a1");
  EXPECT_EQ(got[0].second, R"({"kind":"stop"})");
  EXPECT_TRUE(take_remote_requests(*reg_, "w1", "host-c").empty());
  // A local sling on the worker's host: its requests go to that host's worker too.
  add("loc", "/src/repo", "l1", State::kRunning);
  set_remote_request(*reg_, "l1", R"({"kind":"stop"})");
  EXPECT_TRUE(take_remote_requests(*reg_, "w1", "host-c").empty());
  EXPECT_EQ(take_remote_requests(*reg_, "w9", reg_->host()).size(), 1u);
  EXPECT_THROW(set_remote_request(*reg_, "nope", "{}"), Error);
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryWorkers,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

TEST_P(RegistryWorkers, AWorkerJudgedLostClaimsNothingUnderItsOldId) {
  register_worker(*reg_, worker("w1", "one"), 1000);
  add("a", kRemoteRepo, "a1", State::kQueued);
  EXPECT_EQ(mark_silent_workers(*reg_, 1001 + kWorkerSilentMs), std::vector<std::string>{"w1"});
  // Back from a cut: its claims would be judged lost again at once and use up the retries.
  EXPECT_TRUE(claim_queued(*reg_, 20000, "worker:one", remote("w1")).empty());
  EXPECT_EQ(reg_->get_session("a1")->state, State::kQueued);
  register_worker(*reg_, worker("w9", "one"), 20000);  // registered again, under a new id
  EXPECT_EQ(claim_queued(*reg_, 20000, "worker:one", remote("w9")), std::vector<std::string>{"a1"});
}

TEST_P(RegistryWorkers, HeartbeatsUseTheRegistrysClockAndAreNotHeldBackByAWriter) {
  const int64_t clock = registry_clock_ms(*reg_);
  EXPECT_LT(std::llabs(clock - now_ms()), 5000);  // the server's clock, here the same machine's
  register_worker(*reg_, worker("w1", "one"), clock);
  if (GetParam() != testing::TestDb::kPostgres) return;  // SQLite: one host, one writer at once
  // Another connection holds the registry's write lock (a long convoy create, say).
  std::unique_ptr<Registry> other = testing::open_location(location_, tmp_.path());
  std::future<bool> beat;
  other->transaction([&] {
    beat = std::async(std::launch::async, [&] { return heartbeat_worker(*reg_, "w1", clock + 1); });
    EXPECT_EQ(beat.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  });
  EXPECT_TRUE(beat.get());
}

}  // namespace
}  // namespace orch::registry
