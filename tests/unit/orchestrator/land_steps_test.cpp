// `orch land`'s check runner (orchestrator/fanin/land_steps.h): a check's timeout in ms.
#include "orchestrator/fanin/land_steps.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/tmp.h"

namespace orch {
namespace {

// A timeout past what an int holds in ms (4294968 s = 2^32 ms + 1000 ms) once wrapped around to
// 1 s and failed a check that runs 2 s.
TEST(LandSteps, ATimeoutPastAnIntOfMillisecondsDoesNotWrapAround) {
  test::TempDir dir;
  const int64_t wraps_to_one_second = (int64_t{1} << 32) + 1000;
  fanin::ChecksResult r = fanin::run_checks({"sleep 2"}, dir.path().string(), wraps_to_one_second,
                                            (dir / "logs").string(), "t");
  EXPECT_TRUE(r.passed) << r.reason;
}

TEST(LandSteps, AShortTimeoutStillKillsTheCheck) {
  test::TempDir dir;
  fanin::ChecksResult r =
      fanin::run_checks({"sleep 30"}, dir.path().string(), 300, (dir / "logs").string(), "t");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("ran past its timeout"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace orch
