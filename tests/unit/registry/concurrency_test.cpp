// Many processes writing one registry at once; waiting out a held write lock.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/migrations.h"
#include "lib/registry/registry.h"
#include "tests/support/child.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;
using testing::scalar;

constexpr int kWriters = 32;
constexpr int kEvents = 50;        // per writer: even i are "tool", i % 10 == 1 denied permissions
constexpr int kStateChanges = 20;  // per writer, alternating running / waiting, then finish()

// One writer process: args = registry path, writer index, go-file path.
ORCH_TEST_CHILD(registry_writer) {
  const std::string path = args.at(0), idx = args.at(1), go = args.at(2);
  // Start together: every writer is spawned before any of them opens the (fresh) registry.
  const int64_t deadline = steady_ms() + 60000;
  while (!std::filesystem::exists(go)) {
    if (steady_ms() > deadline) return 10;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  try {
    auto reg = Registry::open(path);
    const Unit u = reg->upsert_unit(sample_unit("unit-" + idx));
    const std::string id = "sess" + idx;
    reg->insert_session(sample_session(u, id), "test:writer");
    int changes = 0;
    for (int i = 0; i < kEvents; ++i) {
      if (i % 2 == 0) {
        reg->add_event(id, "tool", R"({"tool":"bash","i":)" + std::to_string(i) + "}");
      } else if (i % 10 == 1) {
        reg->add_event(id, "permission", R"({"permission":"bash","denied":true})");
      } else {
        reg->add_event(id, "text", R"({"text":"hello"})");
      }
      if (i % 2 == 1 && changes < kStateChanges) {
        const State next = changes % 2 == 0 ? State::kRunning : State::kWaiting;
        if (!reg->set_state(id, next, "test:writer", "change " + std::to_string(changes))) {
          return 11;
        }
        ++changes;
      }
    }
    if (!reg->finish(id, State::kDone, "test:writer", Outcome{"all done", "", "", ""})) return 12;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %s: %s\n", idx.c_str(), e.what());
    return std::string(e.what()).find("locked") != std::string::npos ? 3 : 1;
  }
}

TEST(RegistryConcurrency, ConcurrentWriterProcessesLoseNothing) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";  // fresh: the writers also race on the migrations
  const auto go = tmp / "go";
  std::vector<pid_t> pids;
  for (int i = 0; i < kWriters; ++i) {
    pids.push_back(orch::test::spawn_child("registry_writer",
                                           {path.string(), std::to_string(i), go.string()}));
  }
  const int64_t t0 = steady_ms();
  orch::test::write_file(go, "go");
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_EQ(orch::test::wait_child(pids[static_cast<size_t>(i)]), 0) << "writer " << i;
  }
  const int64_t elapsed = steady_ms() - t0;
  std::printf("[          ] %d writer processes finished in %lld ms\n", kWriters,
              static_cast<long long>(elapsed));
  RecordProperty("writers_ms", static_cast<int>(elapsed));

  auto reg = Registry::open(path);
  sqlite3* db = reg->handle();
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(embedded_migrations().size()));
  EXPECT_EQ(scalar(db, "SELECT COUNT(DISTINCT version) FROM schema_migrations"),
            static_cast<int64_t>(embedded_migrations().size()));
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM units"), kWriters);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM sessions"), kWriters);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM sessions WHERE state = 'done'"), kWriters);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM session_events"), kWriters * kEvents);
  // insert + the changes + finish, per writer
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM session_states"), kWriters * (1 + kStateChanges + 1));
  EXPECT_EQ(scalar(db, "SELECT SUM(tool_calls) FROM sessions"), kWriters * (kEvents / 2));
  EXPECT_EQ(scalar(db, "SELECT SUM(denials) FROM sessions"), kWriters * 5);
  EXPECT_EQ(scalar(db,
                   "SELECT COUNT(*) FROM sessions WHERE tool_calls = 25 AND denials = 5 "
                   "AND ended_at IS NOT NULL AND last_event_at IS NOT NULL"),
            kWriters);
  EXPECT_EQ(
      scalar(db, "SELECT COUNT(*) FROM pragma_integrity_check() WHERE integrity_check != 'ok'"), 0);
}

TEST(RegistryConcurrency, WaitsOutAWriteLockHeldPastTheBusyTimeout) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  auto reg = Registry::open(path);
  const Unit u = reg->upsert_unit(sample_unit("held"));
  reg->insert_session(sample_session(u, "held1"), "test");

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  // SQLite's own wait gives up after 1 ms, so only the registry's retry loop can succeed here.
  sqlite3_busy_timeout(reg->handle(), 1);
  std::thread holder([other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  const int64_t t0 = steady_ms();
  EXPECT_NO_THROW(reg->set_summary("held1", "written after the lock was released"));
  const int64_t waited = steady_ms() - t0;
  holder.join();
  sqlite3_close(other);
  EXPECT_GE(waited, 250);
  EXPECT_EQ(reg->get_session("held1")->summary, "written after the lock was released");
}

}  // namespace
}  // namespace orch::registry
