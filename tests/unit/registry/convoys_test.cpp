// Convoys in the registry: unique names, membership of units, their sessions, the convoy filter.
#include <gtest/gtest.h>

#include "lib/error.h"
#include "lib/registry/convoys.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

class RegistryConvoys : public testing::RegistryOnBoth {
 protected:
  Convoy make(const std::string& name) {
    Convoy c;
    c.name = name;
    c.repo = "/src/repo";
    c.agent = "opencode";
    c.max_sessions = 2;
    c.retries = 1;
    return insert_convoy(*reg_, c);
  }
};

TEST_P(RegistryConvoys, InsertFindListAndUniqueNames) {
  Convoy a = make("alpha");
  EXPECT_GT(a.id, 0);
  EXPECT_GT(a.created_at, 0);
  Convoy b = make("beta");
  auto found = find_convoy(*reg_, "alpha");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->repo, "/src/repo");
  EXPECT_EQ(found->agent, "opencode");
  EXPECT_EQ(found->max_sessions, 2);
  EXPECT_EQ(found->retries, 1);
  EXPECT_EQ(found->stopped_at, 0);
  EXPECT_FALSE(find_convoy(*reg_, "gamma"));
  try {
    make("alpha");
    FAIL() << "a second convoy 'alpha'";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "convoy 'alpha': already exists (pick another name)");
  }
  auto all = list_convoys(*reg_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_EQ(all[1].name, "beta");
  (void)b;
}

TEST_P(RegistryConvoys, AUnitBelongsToOneConvoy) {
  Convoy a = make("a");
  Convoy b = make("b");
  Unit u = reg_->upsert_unit(sample_unit("u1"));
  EXPECT_FALSE(convoy_of_unit(*reg_, u.id));
  set_unit_convoy(*reg_, u.id, a.id);
  set_unit_convoy(*reg_, u.id, a.id);  // again: no-op
  EXPECT_EQ(convoy_of_unit(*reg_, u.id)->name, "a");
  try {
    set_unit_convoy(*reg_, u.id, b.id);
    FAIL() << "moved to another convoy";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unit 'u1': belongs to convoy 'a' already");
  }
  EXPECT_THROW(set_unit_convoy(*reg_, 999, a.id), Error);
  EXPECT_FALSE(delete_convoy_if_empty(*reg_, a.id));
  EXPECT_TRUE(delete_convoy_if_empty(*reg_, b.id));
  EXPECT_FALSE(find_convoy(*reg_, "b"));
  EXPECT_TRUE(find_convoy(*reg_, "a"));
}

TEST_P(RegistryConvoys, SessionsOfAConvoyInCreationOrderWithPoolColumns) {
  Convoy c = make("c");
  Unit u1 = reg_->upsert_unit(sample_unit("u1"));
  Unit u2 = reg_->upsert_unit(sample_unit("u2"));
  Unit other = reg_->upsert_unit(sample_unit("other"));
  set_unit_convoy(*reg_, u1.id, c.id);
  set_unit_convoy(*reg_, u2.id, c.id);
  // Inserted out of started_at order: creation order is what counts.
  reg_->insert_session(sample_session(u2, "zz", State::kFailed, 3000), "t");
  reg_->insert_session(sample_session(u1, "mm", State::kDone, 2000), "t");
  reg_->insert_session(sample_session(u2, "aa", State::kQueued, 1000), "t");
  reg_->insert_session(sample_session(other, "xx", State::kRunning, 1000), "t");
  PoolFields p;
  p.attempt = 2;
  p.max_attempts = 3;
  p.max_sessions = 2;
  set_pool_fields(*reg_, "aa", p);

  auto units = convoy_units(*reg_, c.id);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].name, "u1");
  EXPECT_EQ(units[1].name, "u2");

  auto sessions = convoy_sessions(*reg_, c.id);
  ASSERT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions[0].session.id, "zz");
  EXPECT_EQ(sessions[1].session.id, "mm");
  EXPECT_EQ(sessions[2].session.id, "aa");
  EXPECT_EQ(sessions[2].session.unit_name, "u2");
  EXPECT_EQ(sessions[2].session.state, State::kQueued);
  EXPECT_EQ(sessions[2].pool.attempt, 2);
  EXPECT_EQ(sessions[2].pool.max_attempts, 3);
  EXPECT_EQ(sessions[0].pool.attempt, 1);

  SessionFilter f;
  f.convoy = "c";
  EXPECT_EQ(reg_->list_sessions(f).size(), 3u);
  f.live_only = true;
  ASSERT_EQ(reg_->list_sessions(f).size(), 1u);
  f.convoy = "no-such-convoy";
  EXPECT_TRUE(reg_->list_sessions(f).empty());
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryConvoys,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
