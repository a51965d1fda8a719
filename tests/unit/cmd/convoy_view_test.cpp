// orch convoy wait's progress: the bar and the plain line.
#include "cmd/convoy_view.h"

#include <gtest/gtest.h>

namespace orch::cmd {
namespace {

TEST(ConvoyView, ProgressBarAndLineShowTheCountsThatAreNotZero) {
  ConvoyCounts c;
  c.total = 6;
  c.done = 2;
  c.failed = 1;
  c.running = 2;
  c.queued = 1;
  EXPECT_EQ(progress_bar(c, 10, 12000),
            "[#####.....] 3/6 50%  done 2, failed 1, running 2, queued 1  12s");
  EXPECT_EQ(progress_line("c6", c), "c6: 3/6 ended (done 2, failed 1); running 2, queued 1");
  ConvoyCounts empty;
  EXPECT_EQ(progress_bar(empty, 4, 0), "[####] 0/0 100%  0s");
  EXPECT_EQ(progress_line("e", empty), "e: 0/0 ended");
}

}  // namespace
}  // namespace orch::cmd
