// orch doctor's registry and shared-server checks, on a real registry file and real processes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "lib/process/process.h"
#include "lib/registry/servers.h"
#include "orchestrator/maintenance/doctor.h"
#include "tests/support/test_home.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch {
namespace {

namespace fs = std::filesystem;
using registry::testing::sample_session;
using registry::testing::sample_unit;

const registry::AliveFn kAlive = [](int64_t, int64_t) { return true; };

// A `sleep` running in `cwd`, as a stand-in for a server process.
process::Child sleeper(const fs::path& cwd) {
  fs::create_directories(cwd);
  process::SpawnOptions so;
  so.argv = {"sleep", "60"};
  so.cwd = cwd.string();
  return process::spawn(so);
}

// A pid and start time of a process that has exited.
std::pair<int64_t, int64_t> dead_process() {
  process::SpawnOptions so;
  so.argv = {"true"};
  process::Child c = process::spawn(so);
  int64_t start = process::start_time(c.pid());
  pid_t pid = c.pid();
  c.wait(10000);
  return {pid, start};
}

const Finding* find(const std::vector<Finding>& all, const std::string& needle) {
  for (const Finding& f : all) {
    if (f.message.find(needle) != std::string::npos) return &f;
  }
  return nullptr;
}

class DoctorServers : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::make_unique<test::TestHome>((tmp_ / "home").string());
    reg_ = &home_->registry();
  }
  void add_session(const std::string& id) {
    registry::Unit u = reg_->upsert_unit(sample_unit("unit-" + id));
    reg_->insert_session(sample_session(u, id), "test");
  }
  registry::ServerRequest req(const std::string& session, const std::string& server,
                              const std::string& key, int64_t owner_pid, int64_t owner_start) {
    registry::ServerRequest r;
    r.session_id = session;
    r.backend = "opencode";
    r.key = key;
    r.capacity = 4;
    r.new_id = server;
    r.owner_pid = owner_pid;
    r.owner_start = owner_start;
    return r;
  }

  test::TempDir tmp_;
  std::unique_ptr<test::TestHome> home_;
  registry::Registry* reg_ = nullptr;
};

TEST_F(DoctorServers, NoServersIsOneOkLine) {
  std::vector<Finding> found = check_servers(*home_);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::kOk);
  EXPECT_EQ(found[0].message, "no shared agent servers");
}

// A running server with a user is fine; one whose process died, one whose starter died and a
// process in $ORCH_HOME/servers/ that no row names are reported, each with its fix.
TEST_F(DoctorServers, ChecksEachOpenServerAgainstItsProcessAndFindsStaleOnes) {
  fs::path servers = home_->home().servers();
  process::Child live = sleeper(servers / "srv-live");
  process::Child stray = sleeper(servers / "srv-stray");
  auto [dead_pid, dead_start] = dead_process();
  for (const char* id : {"a", "b", "c"}) add_session(id);

  ASSERT_EQ(registry::claim_server(*reg_, req("a", "srv-live", "k1", 1, 1), kAlive).role,
            registry::ServerRole::kStart);
  ASSERT_TRUE(registry::server_ready(*reg_, "srv-live", 1, live.pid(),
                                     process::start_time(live.pid()), 4100));
  registry::claim_server(*reg_, req("b", "srv-dead", "k2", 1, 1), kAlive);
  ASSERT_TRUE(registry::server_ready(*reg_, "srv-dead", 1, dead_pid, dead_start, 4200));
  registry::claim_server(*reg_, req("c", "srv-orphan", "k3", dead_pid, dead_start), kAlive);

  std::vector<Finding> found = check_servers(*home_);
  const Finding* ok = find(found, "server srv-live (pid " + std::to_string(live.pid()) +
                                      ", 127.0.0.1:4100): 1 session(s)");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->severity, Severity::kOk);

  const Finding* gone =
      find(found, "server srv-dead (pid " + std::to_string(dead_pid) + ") is gone");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->severity, Severity::kWarn);
  EXPECT_EQ(gone->fix, "orch agents");

  const Finding* orphan = find(found, "server srv-orphan was being started by a process that is");
  ASSERT_NE(orphan, nullptr);
  EXPECT_EQ(orphan->severity, Severity::kWarn);
  EXPECT_EQ(orphan->fix, "orch agents");

  const Finding* stale = find(found, "stale shared server process " + std::to_string(stray.pid()));
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->severity, Severity::kProblem);
  EXPECT_EQ(stale->fix, "kill " + std::to_string(stray.pid()));
  // The live server's own process is not stale.
  EXPECT_EQ(find(found, "stale shared server process " + std::to_string(live.pid()) + " "),
            nullptr);
  EXPECT_FALSE(healthy(found));
  live.terminate(1000);
  stray.terminate(1000);
}

TEST(DoctorRegistry, AFreshRegistryIsIntactAtThisSchemaVersion) {
  test::TempDir tmp;
  test::TestHome f((tmp / "home").string());
  std::vector<Finding> found = check_registry(f);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].severity, Severity::kOk);
  EXPECT_EQ(found[0].message, f.home().registry().string() + ": integrity ok");
  EXPECT_EQ(found[1].severity, Severity::kOk);
  EXPECT_EQ(found[1].message.rfind("schema version ", 0), 0u);
  EXPECT_TRUE(healthy(found));
}

// A registry written by a newer orch is refused (and left as it is): the fix is a newer orch,
// not a recovery.
TEST(DoctorRegistry, ANewerSchemaAsksForANewerOrch) {
  test::TempDir tmp;
  fs::path db = tmp / "home" / "orch.db";
  { test::TestHome((tmp / "home").string()).registry(); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "INSERT INTO schema_migrations (version, name, applied_at) "
                         "VALUES (9999, '9999_future', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  test::TestHome f((tmp / "home").string());
  std::vector<Finding> found = check_registry(f);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::kProblem);
  EXPECT_NE(found[0].message.find("registry schema version 9999 is newer than this orch"),
            std::string::npos)
      << found[0].message;
  EXPECT_EQ(found[0].fix, "use the orch version that wrote it, or a newer one");
}

}  // namespace
}  // namespace orch
