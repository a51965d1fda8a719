// Rate limit pauses in the registry: rows, and the queued sessions claim_queued holds back.
#include "lib/registry/rate_limits.h"

#include <gtest/gtest.h>

#include "lib/registry/pool.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

class RegistryRateLimits : public testing::RegistryOnBoth {
 protected:
  void queue(const std::string& name, const std::string& backend, const std::string& model) {
    Unit u = reg_->upsert_unit(sample_unit(name));
    Session s = sample_session(u, name + "-s", State::kQueued);
    s.backend = backend;
    s.model = model;
    reg_->insert_session(s, "test");
    PoolFields p;
    p.max_sessions = 10;
    p.queued_at = 1;
    set_pool_fields(*reg_, s.id, p);
  }
};

TEST_P(RegistryRateLimits, APauseHoldsBackItsBackendAndProviderUntilItEnds) {
  queue("oc-fake", "opencode", "fake/fake-model");
  queue("oc-other", "opencode", "other/m");
  queue("oc-default", "opencode", "");
  queue("claude", "claude", "");
  put_pause(*reg_, {"opencode", "fake", 5000, "rate limit", 1, "x", 1000});
  std::vector<std::string> got = claim_queued(*reg_, 2000, "test");
  EXPECT_EQ(got, (std::vector<std::string>{"claude-s", "oc-other-s"}));
  // Shown the same way as claimed: the default-model session is held, the others are not.
  auto pauses = active_pauses(*reg_, 2000);
  ASSERT_EQ(pauses.size(), 1u);
  EXPECT_NE(pause_holding(pauses, *reg_->get_session("oc-default-s")), nullptr);
  EXPECT_NE(pause_holding(pauses, *reg_->get_session("oc-fake-s")), nullptr);
  EXPECT_EQ(pause_holding(pauses, *reg_->get_session("oc-other-s")), nullptr);  // starting now
  // A launch asks the same question before it starts a session.
  EXPECT_NE(pause_covering(pauses, "opencode", ""), nullptr);
  EXPECT_NE(pause_covering(pauses, "opencode", "fake/other-model"), nullptr);
  EXPECT_EQ(pause_covering(pauses, "opencode", "other/m"), nullptr);
  EXPECT_EQ(pause_covering(pauses, "claude", ""), nullptr);
  // Once it ended, the held sessions take their slots.
  got = claim_queued(*reg_, 5000, "test");
  EXPECT_EQ(got.size(), 2u);
  EXPECT_TRUE(active_pauses(*reg_, 5000).empty());
}

TEST_P(RegistryRateLimits, APauseOfAnUnknownProviderHoldsTheWholeBackend) {
  queue("a", "opencode", "fake/fake-model");
  queue("b", "opencode", "other/m");
  put_pause(*reg_, {"opencode", "", 5000, "rate limit", 1, "", 1000});
  EXPECT_TRUE(claim_queued(*reg_, 2000, "test").empty());
}

TEST_P(RegistryRateLimits, RowsAreReplacedAndEndedOnesCleared) {
  put_pause(*reg_, {"opencode", "fake", 5000, "rate limit", 1, "s1", 1000});
  put_pause(*reg_, {"opencode", "fake", 9000, "rate limit", 2, "s2", 2000});
  auto p = get_pause(*reg_, "opencode", "fake");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->until_ms, 9000);
  EXPECT_EQ(p->strikes, 2);
  EXPECT_EQ(p->session_id, "s2");
  EXPECT_EQ(clear_ended_pauses(*reg_, "opencode", 8000), 0);  // still running
  EXPECT_EQ(clear_ended_pauses(*reg_, "opencode", 9000), 1);
  EXPECT_FALSE(get_pause(*reg_, "opencode", "fake"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryRateLimits,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
