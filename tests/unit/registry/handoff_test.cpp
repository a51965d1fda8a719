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

TEST(RegistryHandoff, NamesTheSuccessorBeforeItExists) {
  orch::test::TempDir tmp;
  auto reg = Registry::open(tmp / "orch.db");
  EXPECT_GE(reg->schema_version(), 4);
  Unit u = reg->upsert_unit(sample_unit("h"));
  reg->insert_session(sample_session(u, "s1", State::kRunning), "t");
  EXPECT_EQ(handoff_to(*reg, "s1"), "");
  set_handoff_to(*reg, "s1", "s2");
  EXPECT_EQ(handoff_to(*reg, "s1"), "s2");
  EXPECT_FALSE(reg->get_session("s2"));
}

TEST(RegistryHandoff, UnknownSessionIsNotFound) {
  orch::test::TempDir tmp;
  auto reg = Registry::open(tmp / "orch.db");
  try {
    set_handoff_to(*reg, "nope", "s2");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitNotFound);
  }
  EXPECT_THROW(handoff_to(*reg, "nope"), Error);
}

}  // namespace
}  // namespace orch::registry
