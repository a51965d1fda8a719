// What keeps an `orch worker --drain` waiting (registry::has_pending): queued or live sessions of
// the worker's scope, but nothing of a stopped convoy, which claim_queued never hands out (a
// drain would otherwise wait for it forever). On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "lib/registry/convoys.h"
#include "lib/registry/pool.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

constexpr const char* kDrainRemoteRepo = "git://127.0.0.1/team/app.git";

class DrainPending : public testing::RegistryOnBoth {
 protected:
  ClaimScope drain_scope() {
    ClaimScope scope;
    scope.remote = true;
    scope.host = "host-d";
    scope.worker = "wd";
    scope.convoy = "wave";
    return scope;
  }
};

TEST_P(DrainPending, AStoppedConvoysQueuedSessionIsNothingToWaitFor) {
  Convoy c;
  c.name = "wave";
  c.repo = kDrainRemoteRepo;
  c.created_at = 1;
  const int64_t convoy = insert_convoy(*reg_, c).id;
  Unit u = reg_->upsert_unit(testing::sample_unit("succ", kDrainRemoteRepo));
  set_unit_convoy(*reg_, u.id, convoy);
  // A handoff's successor queued after the convoy's stop cancelled the queue.
  reg_->insert_session(testing::sample_session(u, "q1", State::kQueued), "cli:handoff");
  EXPECT_TRUE(has_pending(*reg_, drain_scope()));
  ASSERT_TRUE(mark_convoy_stopped(*reg_, convoy, 5));
  EXPECT_EQ(claim_queued(*reg_, 100, "worker:d", drain_scope()), std::vector<std::string>{});
  EXPECT_FALSE(has_pending(*reg_, drain_scope()));
  EXPECT_TRUE(has_queued(*reg_, drain_scope()));  // the row is there, but nobody will take it
}

INSTANTIATE_TEST_SUITE_P(Dialects, DrainPending,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
