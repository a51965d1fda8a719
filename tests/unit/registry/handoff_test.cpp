// Handoff in the registry: the session named to take over, stored before it exists.
#include <gtest/gtest.h>

#include "lib/error.h"
#include "lib/registry/handoff.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

class RegistryHandoff : public testing::RegistryOnBoth {};

TEST_P(RegistryHandoff, NamesTheSuccessorBeforeItExists) {
  Registry* reg = reg_.get();
  EXPECT_GE(reg->schema_version(), 4);
  Unit u = reg->upsert_unit(sample_unit("h"));
  reg->insert_session(sample_session(u, "s1", State::kRunning), "t");
  EXPECT_EQ(handoff_to(*reg, "s1"), "");
  set_handoff_to(*reg, "s1", "s2");
  EXPECT_EQ(handoff_to(*reg, "s1"), "s2");
  EXPECT_FALSE(reg->get_session("s2"));
}

TEST_P(RegistryHandoff, UnknownSessionIsNotFound) {
  Registry* reg = reg_.get();
  try {
    set_handoff_to(*reg, "nope", "s2");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitNotFound);
  }
  EXPECT_THROW(handoff_to(*reg, "nope"), Error);
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryHandoff,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
