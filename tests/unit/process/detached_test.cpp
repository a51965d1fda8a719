// spawn_detached(): survives its spawner, own session, stdio files, exec errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lib/error.h"
#include "lib/process/process.h"
#include "tests/support/child.h"
#include "tests/support/tmp.h"
#include "tests/unit/process/helpers.h"

namespace orch::process {
namespace {
using namespace orch::process::testing;
using orch::test::read_file;
using orch::test::TempDir;

// Middle process: detaches a sleeper, publishes its pid, exits.
ORCH_TEST_CHILD(process_detach_middle) {
  SpawnOptions o;
  o.argv = {"/bin/sleep", "100"};
  const pid_t pid = spawn_detached(o);
  {
    std::ofstream f(args.at(0) + ".tmp");
    f << pid << "\n";
  }
  std::rename((args.at(0) + ".tmp").c_str(), args.at(0).c_str());
  return 0;
}

TEST(Detached, SurvivesItsSpawnerInItsOwnSession) {
  TempDir dir;
  const std::string file = (dir / "pid").string();
  const pid_t middle = orch::test::spawn_child("process_detach_middle", {file});
  ASSERT_EQ(orch::test::wait_child(middle), 0);  // the spawner is gone
  const std::string line = wait_for_line(file);
  ASSERT_FALSE(line.empty());
  const pid_t pid = static_cast<pid_t>(std::stol(line));
  PidGuard g(pid);
  ASSERT_TRUE(is_alive(pid, g.start));
  usleep(200 * 1000);
  EXPECT_TRUE(is_alive(pid, g.start));  // still running well after its spawner exited
  const pid_t ppid = proc_stat(pid).ppid;
  EXPECT_NE(ppid, middle);
  EXPECT_NE(ppid, getpid());
  EXPECT_NE(getsid(pid), getsid(0));
  EXPECT_NE(getsid(pid), pid);   // not a session leader: it can never get a controlling terminal
  EXPECT_EQ(getpgid(pid), pid);  // its own process group (new_process_group)
  EXPECT_EQ(read_file("/proc/" + std::to_string(pid) + "/comm"), "sleep\n");
}

TEST(Detached, IsReparentedWhenSpawnedDirectly) {
  ASSERT_TRUE(no_children());
  const pid_t pid = spawn_detached(opts({"/bin/sleep", "100"}));
  PidGuard g(pid);
  EXPECT_TRUE(no_children());  // the intermediate process was reaped; the sleeper is not ours
  EXPECT_TRUE(is_alive(pid, g.start));
  EXPECT_NE(proc_stat(pid).ppid, getpid());
  EXPECT_NE(getsid(pid), getsid(0));
  // Without paths its stdio is /dev/null, never our terminal or pipes.
  for (int fd = 0; fd < 3; ++fd) {
    const std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
    EXPECT_EQ(std::filesystem::read_symlink(link), "/dev/null") << fd;
  }
  signal_group(pid, SIGKILL);
  EXPECT_TRUE(wait_gone(pid, g.start));
}

TEST(Detached, StdioGoesToFilesAndStdinIsDevNull) {
  TempDir dir;
  auto o = opts({"/bin/sh", "-c", "echo out; echo err >&2; cat; echo done"});
  o.stdout_path = (dir / "out.log").string();
  o.stderr_path = (dir / "err.log").string();
  o.cwd = dir.path().string();
  o.env_set = {{"ORCH_T_DETACHED", "1"}};
  const pid_t pid = spawn_detached(o);
  PidGuard g(pid);
  const int64_t until = steady_ms() + 5000;
  while (read_file(dir / "out.log") != "out\ndone\n" && steady_ms() < until) usleep(5000);
  EXPECT_EQ(read_file(dir / "out.log"), "out\ndone\n");  // cat got EOF from /dev/null
  EXPECT_EQ(read_file(dir / "err.log"), "err\n");
  struct stat st;
  ASSERT_EQ(::stat((dir / "out.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(wait_gone(pid, g.start));
}

TEST(Detached, ExecFailureThrows) {
  try {
    spawn_detached(opts({"/nonexistent/orch/daemon"}));
    FAIL() << "spawn_detached did not throw";
  } catch (const orch::Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/orch/daemon: No such file or directory");
  }
  EXPECT_THROW(spawn_detached(opts({"orch-no-such-daemon-xyz"})), orch::Error);
  EXPECT_TRUE(no_children());
}

}  // namespace
}  // namespace orch::process
