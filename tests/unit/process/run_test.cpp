// run(): capture, large outputs on both pipes, timeouts, leftovers in the process group.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/process/process.h"
#include "tests/unit/process/helpers.h"

namespace orch::process {
namespace {
using namespace orch::process::testing;

TEST(Run, CapturesStdoutStderrAndExitCode) {
  RunResult r = run(opts({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(no_children());
}

TEST(Run, LargeOutputsOnBothPipesDoNotDeadlock) {
  // 3 MB to stderr first, then 2 MB to stdout: reading only stdout would block forever.
  RunResult r = run(opts({"/bin/sh", "-c",
                          "head -c 3000000 /dev/zero | tr '\\0' e >&2; "
                          "head -c 2000000 /dev/zero | tr '\\0' o"}),
                    60000);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(r.err.size(), 3000000u);
  ASSERT_EQ(r.out.size(), 2000000u);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), 'e'), 3000000);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), 'o'), 2000000);
}

TEST(Run, TimeoutKillsTheProcess) {
  const int64_t t0 = steady_ms();
  RunResult r = run(opts({"/bin/sh", "-c", "echo started; sleep 100"}), 300);
  const int64_t took = steady_ms() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_EQ(r.out, "started\n");  // output before the timeout is kept
  EXPECT_GE(took, 290);
  EXPECT_LT(took, 5000);
  EXPECT_TRUE(no_children());
}

TEST(Run, TimeoutKillsGrandchildrenHoldingThePipes) {
  const int64_t t0 = steady_ms();
  RunResult r = run(opts({"/bin/sh", "-c", "sleep 100 & echo $!; sleep 100"}), 300);
  EXPECT_LT(steady_ms() - t0, 5000);
  EXPECT_TRUE(r.timed_out);
  ASSERT_FALSE(r.out.empty());
  const pid_t grandchild = static_cast<pid_t>(std::stol(r.out));
  PidGuard g(grandchild);
  EXPECT_TRUE(wait_gone(grandchild, 0, 2000));
}

TEST(Run, LeftoverBackgroundProcessIsKilledAfterExit) {
  const int64_t t0 = steady_ms();
  RunResult r = run(opts({"/bin/sh", "-c", "sleep 100 & echo $!"}));
  EXPECT_LT(steady_ms() - t0, 5000);  // does not wait for the sleeper holding stdout
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_FALSE(r.out.empty());
  const pid_t grandchild = static_cast<pid_t>(std::stol(r.out));
  PidGuard g(grandchild);
  EXPECT_TRUE(wait_gone(grandchild, 0, 2000));
}

TEST(Run, ProcessClosingItsOutputEarlyIsStillWaitedFor) {
  RunResult r = run(opts({"/bin/sh", "-c", "exec >&- 2>&-; sleep 0.3; exit 4"}), 10000);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 4);
}

TEST(Run, MissingExecutableThrows) {
  EXPECT_THROW(run(opts({"orch-no-such-program-xyz"})), orch::Error);
}

}  // namespace
}  // namespace orch::process
