// orch doctor's storage checks: a registry that cannot be written, a file system without room.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "lib/process/process.h"
#include "orchestrator/maintenance/doctor.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

bool run_ok(const std::vector<std::string>& argv) {
  process::SpawnOptions so;
  so.argv = argv;
  try {
    return process::run(so, 10000).exit_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

TEST(DoctorStorage, AnImmutableRegistryIsAProblem) {
  test::TempDir tmp;
  const auto db = tmp / "orch.db";
  registry::Registry::open(db);  // created, then closed
  ASSERT_TRUE(registry::Registry::open(db) != nullptr);
  {
    auto reg = registry::Registry::open(db);
    Finding ok = check_registry_writable(*reg);
    EXPECT_EQ(ok.severity, Severity::kOk) << ok.message;
  }
  if (!run_ok({"chattr", "+i", db.string()})) GTEST_SKIP() << "chattr +i does not work here";
  Finding f;
  try {
    auto reg = registry::Registry::open(db);
    f = check_registry_writable(*reg);
  } catch (const std::exception& e) {
    f.message = e.what();
  }
  run_ok({"chattr", "-i", db.string()});
  EXPECT_EQ(f.severity, Severity::kProblem) << f.message;
  EXPECT_EQ(f.message.rfind(db.string() + ": ", 0), 0u) << f.message;
  EXPECT_NE(f.fix.find("chattr -i '" + db.string() + "'"), std::string::npos) << f.fix;
}

TEST(DoctorStorage, AFullFileSystemIsAProblemNamingTheCause) {
  test::TempDir tmp;
  const auto home = tmp / "home";
  std::filesystem::create_directories(home);
  if (::mount("tmpfs", home.c_str(), "tmpfs", 0, "size=4m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
  }
  Finding roomy = check_free_space(HomeLayout{home});
  {
    std::ofstream fill(home / "filler", std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (fill.write(block.data(), static_cast<std::streamsize>(block.size())) && fill.flush()) {
    }
  }
  Finding full = check_free_space(HomeLayout{home});
  ::umount2(home.c_str(), MNT_DETACH);
  EXPECT_EQ(roomy.severity, Severity::kWarn) << roomy.message;  // 4 MiB: less than 64 MiB
  EXPECT_EQ(full.check, "storage");
  EXPECT_EQ(full.severity, Severity::kProblem) << full.message;
  EXPECT_EQ(full.message.rfind("no space left on device: 0 KiB free for " + home.string(), 0), 0u)
      << full.message;
  EXPECT_NE(full.fix.find("df -h"), std::string::npos);
}

}  // namespace
}  // namespace orch
