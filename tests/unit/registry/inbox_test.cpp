// The session inbox: messages posted by orch commands, claimed once by the supervisor, settled
// with a result; withdrawn only while nobody took them.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

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

class RegistryInbox : public testing::RegistryOnBoth {
 protected:
  void SetUp() override {
    RegistryOnBoth::SetUp();
    if (IsSkipped()) return;
    Unit u = reg_->upsert_unit(sample_unit("inbox"));
    reg_->insert_session(sample_session(u, "s1", State::kRunning), "t");
    Unit v = reg_->upsert_unit(sample_unit("other"));
    reg_->insert_session(sample_session(v, "s2", State::kRunning), "t");
  }
  std::unique_ptr<Registry> open_own() { return testing::open_location(location_, tmp_.path()); }
};

TEST_P(RegistryInbox, MigrationCreatesTheTable) {
  EXPECT_GE(reg_->schema_version(), 2);
  EXPECT_EQ(scalar(*reg_, reg_->is_postgres() ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = "
                                                 "'session_inbox_waiting'"
                                               : "SELECT COUNT(*) FROM sqlite_master WHERE name = "
                                                 "'session_inbox_waiting'"),
            1);
}

TEST_P(RegistryInbox, PostedMessageIsWaitingUntilTaken) {
  int64_t before = now_ms();
  int64_t id = reg_->post_message("s1", "nudge", "look at the tests \"too\"\nplease");
  auto m = reg_->get_message(id);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->session_id, "s1");
  EXPECT_EQ(m->kind, "nudge");
  EXPECT_EQ(m->text, "look at the tests \"too\"\nplease");
  EXPECT_GE(m->at, before);
  EXPECT_EQ(m->delivered_at, 0);
  EXPECT_EQ(m->result, "");
}

TEST_P(RegistryInbox, TakeClaimsOnlyThisSessionsWaitingMessagesOldestFirst) {
  int64_t a = reg_->post_message("s1", "nudge", "first");
  int64_t other = reg_->post_message("s2", "nudge", "not yours");
  int64_t b = reg_->post_message("s1", "nudge", "second");

  std::vector<InboxMessage> taken = reg_->take_undelivered_messages("s1");
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].id, a);
  EXPECT_EQ(taken[0].text, "first");
  EXPECT_EQ(taken[1].id, b);
  EXPECT_EQ(taken[1].result, kMessageTaken);
  EXPECT_EQ(reg_->get_message(a)->result, kMessageTaken);
  EXPECT_EQ(reg_->get_message(a)->delivered_at, 0);
  // Taken messages are not handed out twice; the other session's message is untouched.
  EXPECT_TRUE(reg_->take_undelivered_messages("s1").empty());
  EXPECT_EQ(reg_->get_message(other)->result, "");
  EXPECT_EQ(reg_->take_undelivered_messages("s2").size(), 1u);
}

TEST_P(RegistryInbox, MarkSettlesOnce) {
  int64_t id = reg_->post_message("s1", "nudge", "go");
  reg_->take_undelivered_messages("s1");
  int64_t before = now_ms();
  EXPECT_TRUE(reg_->mark_message(id, "delivered"));
  auto m = reg_->get_message(id);
  EXPECT_EQ(m->result, "delivered");
  EXPECT_GE(m->delivered_at, before);
  EXPECT_FALSE(reg_->mark_message(id, "not delivered: late"));
  EXPECT_EQ(reg_->get_message(id)->result, "delivered");
  EXPECT_FALSE(reg_->mark_message(id + 100, "delivered"));
}

TEST_P(RegistryInbox, CancelWithdrawsOnlyMessagesNobodyTook) {
  int64_t waiting = reg_->post_message("s1", "nudge", "a");
  EXPECT_TRUE(reg_->cancel_message(waiting, "withdrawn: timeout"));
  EXPECT_EQ(reg_->get_message(waiting)->result, "withdrawn: timeout");
  EXPECT_GT(reg_->get_message(waiting)->delivered_at, 0);
  EXPECT_TRUE(reg_->take_undelivered_messages("s1").empty());

  int64_t taken = reg_->post_message("s1", "nudge", "b");
  ASSERT_EQ(reg_->take_undelivered_messages("s1").size(), 1u);
  EXPECT_FALSE(reg_->cancel_message(taken, "withdrawn: timeout"));
  EXPECT_EQ(reg_->get_message(taken)->result, kMessageTaken);
  EXPECT_TRUE(reg_->mark_message(taken, "delivered"));
}

TEST_P(RegistryInbox, UnknownSessionOrMessage) {
  try {
    reg_->post_message("nope", "nudge", "x");
    ADD_FAILURE() << "posting to an unknown session succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitNotFound) << e.what();
  }
  EXPECT_FALSE(reg_->get_message(12345));
  EXPECT_TRUE(reg_->take_undelivered_messages("nope").empty());
}

TEST_P(RegistryInbox, ConcurrentReadersTakeEachMessageExactlyOnce) {
  constexpr int kMessages = 200;
  std::vector<int64_t> posted;
  std::thread poster([&] {
    auto own = open_own();
    for (int i = 0; i < kMessages; ++i) posted.push_back(own->post_message("s1", "nudge", "m"));
  });
  std::vector<std::vector<int64_t>> got(3);
  std::vector<std::thread> readers;
  for (auto& out : got) {
    readers.emplace_back([&] {
      auto own = open_own();
      int64_t deadline = steady_ms() + 20000;
      while (steady_ms() < deadline) {
        for (const InboxMessage& m : own->take_undelivered_messages("s1")) out.push_back(m.id);
        if (scalar(*own, "SELECT COUNT(*) FROM session_inbox WHERE result IS NULL") == 0 &&
            scalar(*own, "SELECT COUNT(*) FROM session_inbox") == kMessages) {
          return;
        }
      }
    });
  }
  poster.join();
  for (auto& t : readers) t.join();
  std::multiset<int64_t> all;
  for (const auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(std::set<int64_t>(posted.begin(), posted.end()),
            std::set<int64_t>(all.begin(), all.end()));
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryInbox,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
