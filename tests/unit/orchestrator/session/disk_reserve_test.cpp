// The disk reserve a supervisor keeps to record its session's end on a full disk.
#include "orchestrator/session/disk_reserve.h"

#include <gtest/gtest.h>

#include "tests/support/tmp.h"

namespace orch {
namespace {

TEST(DiskReserve, IsMadeUsedOnceWithItsNoteAndDropped) {
  test::TempDir tmp;
  ASSERT_TRUE(make_reserve(tmp.path()));
  EXPECT_EQ(std::filesystem::file_size(reserve_path(tmp.path())), kDiskReserveBytes);
  EXPECT_EQ(reserve_note(tmp.path()), "");
  EXPECT_TRUE(use_reserve(tmp.path(), "no space left on device: registry x: database or\ndisk"));
  EXPECT_LT(std::filesystem::file_size(reserve_path(tmp.path())), 200u);  // the rest is freed
  EXPECT_EQ(reserve_note(tmp.path()), "no space left on device: registry x: database or disk");
  EXPECT_FALSE(use_reserve(tmp.path(), "again"));  // used already
  drop_reserve(tmp.path());
  EXPECT_FALSE(std::filesystem::exists(reserve_path(tmp.path())));
  EXPECT_EQ(reserve_note(tmp.path()), "");
  EXPECT_FALSE(use_reserve(tmp.path(), "none"));
}

TEST(DiskReserve, TellsAFullDisk) {
  EXPECT_TRUE(is_disk_full("registry /h/orch.db: database or disk is full"));
  EXPECT_TRUE(is_disk_full("git: cannot write object: No space left on device"));
  EXPECT_FALSE(is_disk_full("registry /h/orch.db: database is locked"));
  EXPECT_FALSE(is_disk_full(""));
}

}  // namespace
}  // namespace orch
