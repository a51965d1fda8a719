// orch wait's exit code: the worst outcome among the sessions.
#include "orchestrator/session/wait.h"

#include <gtest/gtest.h>

#include "lib/error.h"

namespace orch {
namespace {

using registry::State;

TEST(WaitExitCode, WorstOutcomeWins) {
  EXPECT_EQ(worst_exit_code({}), kExitOk);
  EXPECT_EQ(worst_exit_code({State::kDone, State::kDone}), kExitOk);
  EXPECT_EQ(worst_exit_code({State::kDone, State::kFailed}), kExitUnitFailed);
  EXPECT_EQ(worst_exit_code({State::kStopped, State::kFailed, State::kDone}), kExitStopped);
  EXPECT_EQ(worst_exit_code({State::kHandedOff, State::kDone}), kExitStopped);
  EXPECT_EQ(worst_exit_code({State::kFailed, State::kLost, State::kStopped}), kExitLost);
  EXPECT_EQ(worst_exit_code({State::kLost, State::kDone}), kExitLost);
}

}  // namespace
}  // namespace orch
