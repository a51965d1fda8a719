// lib/home.h: orch's state is private whatever the umask.
#include "lib/home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st;
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class Home : public ::testing::Test {
 protected:
  void SetUp() override { old_ = umask(022); }
  void TearDown() override { umask(old_); }
  mode_t old_ = 0;
  test::TempDir tmp_;
};

TEST_F(Home, PrivateDirsAreCreated0700AndExistingOnesLeftAlone) {
  fs::create_directories(tmp_ / "shared");
  ASSERT_EQ(chmod((tmp_ / "shared").c_str(), 0755), 0);
  create_private_dirs(tmp_ / "shared" / "a" / "b");
  EXPECT_EQ(mode_of(tmp_ / "shared"), 0755u);
  EXPECT_EQ(mode_of(tmp_ / "shared" / "a"), 0700u);
  EXPECT_EQ(mode_of(tmp_ / "shared" / "a" / "b"), 0700u);
  create_private_dirs(tmp_ / "shared" / "a" / "b");  // exists: fine
}

TEST_F(Home, PrivateFilesAreCreatedOrTightenedTo0600AndKeepTheirContent) {
  create_private_file(tmp_ / "new.log");
  EXPECT_EQ(mode_of(tmp_ / "new.log"), 0600u);
  test::write_file(tmp_ / "old.log", "kept\n");
  ASSERT_EQ(chmod((tmp_ / "old.log").c_str(), 0644), 0);
  create_private_file(tmp_ / "old.log");
  EXPECT_EQ(mode_of(tmp_ / "old.log"), 0600u);
  EXPECT_EQ(test::read_file(tmp_ / "old.log"), "kept\n");
}

TEST_F(Home, AnOpenOrchHomeIsClosedButAnotherFolderIsNot) {
  prepare_home(tmp_ / "state" / "orch");
  EXPECT_EQ(mode_of(tmp_ / "state" / "orch"), 0700u);
  fs::path old = tmp_ / "old-home";
  test::write_file(old / "orch.db", "");
  ASSERT_EQ(chmod(old.c_str(), 0755), 0);
  prepare_home(old);
  EXPECT_EQ(mode_of(old), 0700u);
  fs::path other = tmp_ / "projects";  // --home pointed at a folder with other things in it
  test::write_file(other / "notes.txt", "x");
  ASSERT_EQ(chmod(other.c_str(), 0755), 0);
  prepare_home(other);
  EXPECT_EQ(mode_of(other), 0755u);
}

}  // namespace
}  // namespace orch
