// Registry::listen / wait_for_notify / notify on both dialects (PostgreSQL: LISTEN/NOTIFY from
// migration 0022's triggers; SQLite: PRAGMA data_version polled), and reconnecting after the
// PostgreSQL server restarted (docs/registry-postgresql.md).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

class RegistryWakeup : public testing::RegistryOnBoth {
 protected:
  std::unique_ptr<Registry> other() { return testing::open_location(location_, tmp_.path()); }
};

// Runs `fn` on another thread after `delay_ms`; joined by the destructor.
class WakeupLater {
 public:
  WakeupLater(int64_t delay_ms, std::function<void()> fn)
      : t_([delay_ms, fn = std::move(fn)] {
          std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
          fn();
        }) {}
  ~WakeupLater() { t_.join(); }
  WakeupLater(const WakeupLater&) = delete;
  WakeupLater& operator=(const WakeupLater&) = delete;

 private:
  std::thread t_;
};

TEST_P(RegistryWakeup, QueueingASessionOnAnotherConnectionWakesAWaiterAtOnce) {
  std::unique_ptr<Registry> writer = other();
  Unit u = writer->upsert_unit(sample_unit("u1"));
  reg_->listen(kQueueChannel);
  int64_t committed_at = 0;
  const int64_t t0 = steady_ms();
  {
    WakeupLater later(300, [&] {
      writer->insert_session(sample_session(u, "s1", State::kQueued), "test");
      committed_at = steady_ms();
    });
    EXPECT_TRUE(reg_->wait_for_notify(10000));
  }
  const int64_t woke_at = steady_ms();
  EXPECT_GE(woke_at - t0, 250);  // not before the commit
  EXPECT_LT(woke_at - committed_at, 1000) << "woken " << (woke_at - committed_at) << " ms late";
  EXPECT_TRUE(reg_->get_session("s1"));
}

TEST_P(RegistryWakeup, ASessionEndingWakesAWaiter) {
  std::unique_ptr<Registry> writer = other();
  Unit u = writer->upsert_unit(sample_unit("u1"));
  writer->insert_session(sample_session(u, "s1", State::kRunning), "test");
  reg_->listen(kQueueChannel);
  WakeupLater later(100, [&] { writer->set_state("s1", State::kDone, "test"); });
  EXPECT_TRUE(reg_->wait_for_notify(10000));
}

TEST_P(RegistryWakeup, WithoutACommitTheWaitTimesOut) {
  std::unique_ptr<Registry> writer = other();
  Unit u = writer->upsert_unit(sample_unit("u1"));
  reg_->listen(kQueueChannel);
  // A transaction rolled back notifies nobody.
  EXPECT_THROW(writer->transaction([&] {
    writer->insert_session(sample_session(u, "s1", State::kQueued), "test");
    throw Error("test", "roll back");
  }),
               Error);
  const int64_t t0 = steady_ms();
  EXPECT_FALSE(reg_->wait_for_notify(300));
  const int64_t waited = steady_ms() - t0;
  EXPECT_GE(waited, 290);
  EXPECT_LT(waited, 2000);
  EXPECT_FALSE(reg_->get_session("s1"));
}

TEST_P(RegistryWakeup, APostToTheInboxAndAnExplicitNotifyWake) {
  std::unique_ptr<Registry> writer = other();
  Unit u = writer->upsert_unit(sample_unit("u1"));
  writer->insert_session(sample_session(u, "s1", State::kRunning), "test");
  reg_->listen(kInboxChannel);
  reg_->listen("orch_custom");
  EXPECT_FALSE(reg_->wait_for_notify(0));
  {
    WakeupLater later(100, [&] { writer->post_message("s1", "nudge", "hi"); });
    EXPECT_TRUE(reg_->wait_for_notify(10000));
  }
  EXPECT_FALSE(reg_->wait_for_notify(0));  // each wake-up is taken once
  writer->transaction([&] {
    writer->add_event("s1", "info", "{}");
    writer->notify("orch_custom", "x");
  });
  EXPECT_TRUE(reg_->wait_for_notify(10000));
}

TEST_P(RegistryWakeup, OnPostgresOnlyTheListenedChannelWakes) {
  if (GetParam() == testing::TestDb::kSqlite) {
    GTEST_SKIP() << "SQLite wakes on any commit, whatever the channel";
  }
  std::unique_ptr<Registry> writer = other();
  Unit u = writer->upsert_unit(sample_unit("u1"));
  writer->insert_session(sample_session(u, "s1", State::kStarting), "test");
  reg_->listen(kQueueChannel);
  writer->set_state("s1", State::kRunning, "test");  // holds its slot: no wake-up
  writer->post_message("s1", "nudge", "hi");         // another channel
  EXPECT_FALSE(reg_->wait_for_notify(200));
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryWakeup,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
