// Migration 0012 on a registry made before it: the `checking` state is accepted on the very
// connection that migrated (the edited CHECK constraint is re-read), counts as live (one live
// session per unit), and check runs are recorded and counted.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "lib/error.h"
#include "lib/registry/checks.h"
#include "lib/registry/migrations.h"
#include "lib/registry/registry.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

// A registry file with migrations 1 to 11 only, as orch made it before checks.
void make_registry_before_checks(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
                         "NOT NULL, applied_at INTEGER NOT NULL)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (const Migration& m : embedded_migrations()) {
    if (m.version >= 12) break;
    ASSERT_EQ(sqlite3_exec(raw, m.sql, nullptr, nullptr, nullptr), SQLITE_OK) << m.name;
    std::string ins = "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", '" +
                      m.name + "', 1)";
    ASSERT_EQ(sqlite3_exec(raw, ins.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }
  sqlite3_close(raw);
}

TEST(RegistryChecksMigration, CheckingIsALiveStateRightAfterTheUpgrade) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  make_registry_before_checks(path);
  auto reg = Registry::open(path);  // applies 0012 on this connection
  Unit u = testing::sample_unit("u");
  u = reg->upsert_unit(u);
  reg->insert_session(testing::sample_session(u, "s1", State::kRunning, 1), "t");
  EXPECT_TRUE(reg->set_state("s1", State::kChecking, "supervisor:checks", "attempt 1"));
  EXPECT_EQ(reg->get_session("s1")->state, State::kChecking);
  EXPECT_TRUE(is_live(State::kChecking));
  // One live session per unit: a checking session is live.
  EXPECT_THROW(reg->insert_session(testing::sample_session(u, "s2", State::kStarting, 2), "t"),
               Error);

  CheckRun run;
  run.session_id = "s1";
  run.name = "tests";
  run.command = "make test";
  run.exit_code = 2;
  run.output_path = "/x/1-1-tests.log";
  run.started_at = 10;
  run.ended_at = 20;
  run.duration_ms = 10;
  insert_check_run(*reg, run);
  run.attempt = 2;
  run.exit_code = 0;
  insert_check_run(*reg, run);
  std::vector<CheckRun> runs = check_runs(*reg, "s1");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_FALSE(runs[0].passed());
  EXPECT_TRUE(runs[1].passed());
  CheckCounts n = check_counts(*reg, {"s1", "s2"})["s1"];
  EXPECT_EQ(n.runs, 2);
  EXPECT_EQ(n.passed, 1);
  EXPECT_EQ(n.failed, 1);
  EXPECT_EQ(check_counts(*reg, {"s2"}).count("s2"), 0u);
}

}  // namespace
}  // namespace orch::registry
