// gtest main for every orch test binary; also runs child bodies (tests/support/child.h).
#include <gtest/gtest.h>

#include "tests/support/child.h"

int main(int argc, char** argv) {
  if (int rc = orch::test::maybe_run_child(argc, argv); rc >= 0) return rc;
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
