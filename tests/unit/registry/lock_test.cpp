// Registry::try_transaction and set_lock_wait under a write lock held by another connection.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>

#include "lib/error.h"
#include "lib/registry/registry.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;
using testing::scalar;

class RegistryLock : public ::testing::Test {
 protected:
  void SetUp() override {
    reg_ = Registry::open(tmp_ / "orch.db");
    Unit u = reg_->upsert_unit(sample_unit("u1"));
    reg_->insert_session(sample_session(u, "s1", State::kRunning), "test");
    ASSERT_EQ(sqlite3_open((tmp_ / "orch.db").c_str(), &other_), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(other_); }
  void hold_lock() {
    ASSERT_EQ(sqlite3_exec(other_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void release_lock() { sqlite3_exec(other_, "ROLLBACK", nullptr, nullptr, nullptr); }

  orch::test::TempDir tmp_;
  std::unique_ptr<Registry> reg_;
  sqlite3* other_ = nullptr;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST_F(RegistryLock, TryTransactionGivesUpOnABusyLockAndRunsNothing) {
  hold_lock();
  bool ran = false;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(reg_->try_transaction([&] { ran = true; }, 100));
  EXPECT_LT(seconds_since(start), 2.0);
  EXPECT_FALSE(ran);
  // Reads go on meanwhile (WAL).
  EXPECT_EQ(reg_->list_sessions().size(), 1u);
  release_lock();
  EXPECT_TRUE(
      reg_->try_transaction([&] { ran = reg_->set_state("s1", State::kWaiting, "t"); }, 100));
  EXPECT_TRUE(ran);
  EXPECT_EQ(reg_->get_session("s1")->state, State::kWaiting);
  // The connection's own waits are back to normal afterwards.
  EXPECT_EQ(scalar(reg_->handle(), "PRAGMA busy_timeout"), 30000);
}

TEST_F(RegistryLock, TransactionThrowsAfterTheLockWait) {
  reg_->set_lock_wait(300);
  hold_lock();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(reg_->add_event("s1", "tool", "{}"), Error);
  EXPECT_LT(seconds_since(start), 5.0);
  release_lock();
  reg_->add_event("s1", "tool", "{}", 1234);
  EXPECT_EQ(reg_->get_session("s1")->tool_calls, 1);
  std::vector<Event> events = reg_->events("s1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at, 1234);
}

}  // namespace
}  // namespace orch::registry
