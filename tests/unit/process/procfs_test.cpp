// start_time / is_alive (pid reuse, zombies, odd comm), rss_bytes, random_hex,
// free_loopback_port, find_executable.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "lib/process/process.h"
#include "tests/support/tmp.h"
#include "tests/unit/process/helpers.h"

namespace orch::process {
namespace {
using namespace orch::process::testing;
using orch::test::TempDir;
namespace fs = std::filesystem;

constexpr pid_t kNoSuchPid = 0x7ffffff0;  // above any pid_max

TEST(StartTime, OfThisProcessAndChildren) {
  const int64_t self = start_time(getpid());
  EXPECT_GT(self, 0);
  EXPECT_EQ(start_time(getpid()), self);
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  EXPECT_GE(start_time(c.pid()), self);
  EXPECT_EQ(start_time(kNoSuchPid), 0);
  EXPECT_EQ(start_time(0), 0);
  EXPECT_EQ(start_time(-5), 0);
}

TEST(StartTime, CommWithSpacesAndParentheses) {
  char saved[32] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, saved), 0);
  const int64_t before = start_time(getpid());
  ASSERT_EQ(prctl(PR_SET_NAME, "a) b (c) 1 2 3"), 0);
  const int64_t renamed = start_time(getpid());
  const bool alive = is_alive(getpid(), before);
  prctl(PR_SET_NAME, saved);
  EXPECT_EQ(renamed, before);
  EXPECT_TRUE(alive);
}

TEST(StartTime, ChildWhoseCommHasParentheses) {
  TempDir dir;
  const fs::path link = dir / "x) Z (y";
  fs::create_symlink("/bin/sleep", link);
  Child c = spawn(opts({link.string(), "100"}));
  ChildGuard guard(c);
  ASSERT_EQ(orch::test::read_file("/proc/" + std::to_string(c.pid()) + "/comm"), "x) Z (y\n");
  const int64_t st = start_time(c.pid());
  EXPECT_GE(st, start_time(getpid()));
  EXPECT_TRUE(is_alive(c.pid(), st));  // a parser fooled by the comm would read 'Z' as the state
}

TEST(IsAlive, PidReuseIsDetectedByStartTime) {
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  const int64_t st = start_time(c.pid());
  ASSERT_GT(st, 0);
  EXPECT_TRUE(is_alive(c.pid(), 0));
  EXPECT_TRUE(is_alive(c.pid(), st));
  EXPECT_FALSE(is_alive(c.pid(), st + 1));
  EXPECT_FALSE(is_alive(c.pid(), st - 1));
  c.terminate(1000);
  EXPECT_FALSE(is_alive(c.pid(), st));
  EXPECT_TRUE(is_alive(getpid(), 0));
  EXPECT_FALSE(is_alive(kNoSuchPid, 0));
  EXPECT_FALSE(is_alive(0, 0));
  EXPECT_FALSE(is_alive(-1, 0));
}

TEST(IsAlive, ZombieIsNotAlive) {
  Child c = spawn(opts({"/bin/true"}));
  ChildGuard guard(c);
  const int64_t until = steady_ms() + 5000;
  while (proc_stat(c.pid()).state != 'Z') {
    ASSERT_LT(steady_ms(), until);
    usleep(2000);
  }
  EXPECT_EQ(::kill(c.pid(), 0), 0);    // the pid still exists...
  EXPECT_FALSE(is_alive(c.pid(), 0));  // ...but it is not alive
  EXPECT_GT(start_time(c.pid()), 0);
  EXPECT_EQ(c.wait(0), 0);
  EXPECT_EQ(start_time(c.pid()), 0);
}

TEST(RssBytes, OfThisProcess) {
  const int64_t rss = rss_bytes(getpid());
  EXPECT_GT(rss, 1024 * 1024);
  EXPECT_EQ(rss % 1024, 0);
  EXPECT_EQ(rss_bytes(kNoSuchPid), 0);
}

// The pid a child's shell wrote to `path` (waits up to 2 s for it), 0 if none came.
pid_t wait_for_pid_file(const fs::path& path) {
  pid_t pid = 0;
  for (int i = 0; i < 100 && pid == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pid = static_cast<pid_t>(std::atoi(orch::test::read_file(path).c_str()));
  }
  return pid;
}

// What a group leader leaves behind: its group's members still working in a folder, found after
// the leader is gone; a process elsewhere or in another group is not.
TEST(GroupMembersIn, FindsWhatALeaderLeftInItsFolder) {
  TempDir tmp;
  fs::create_directories(tmp / "wt" / "sub");
  fs::path pidfile = tmp / "left.pid";
  SpawnOptions o =
      opts({"/bin/sh", "-c",
            "cd sub && { sleep 100 & echo $! > '" + pidfile.string() + "'; } && exec sleep 100"});
  o.cwd = (tmp / "wt").string();
  Child leader = spawn(o);  // its own process group
  ChildGuard guard(leader);
  Child elsewhere = spawn(opts({"/bin/sleep", "100"}));  // the test's cwd, another group
  ChildGuard guard2(elsewhere);
  const pid_t left = wait_for_pid_file(pidfile);
  ASSERT_GT(left, 0);
  std::vector<pid_t> found = group_members_in(leader.pid(), (tmp / "wt").string());
  EXPECT_EQ(std::set<pid_t>(found.begin(), found.end()), (std::set<pid_t>{leader.pid(), left}));
  EXPECT_TRUE(group_members_in(leader.pid(), (tmp / "other").string()).empty());
  EXPECT_TRUE(group_members_in(elsewhere.pid(), (tmp / "wt").string()).empty());

  // The leader dies (a zombie until reaped: Child::wait would kill its group as it reaps).
  kill(leader.pid(), SIGKILL);
  ASSERT_TRUE(wait_gone(leader.pid(), 0, 5000));
  EXPECT_EQ(group_members_in(leader.pid(), (tmp / "wt").string()), std::vector<pid_t>{left});
  kill(left, SIGKILL);
  EXPECT_TRUE(wait_gone(left, 0, 5000));
}

pid_t read_pgrp(pid_t pid) {
  std::string stat = orch::test::read_file("/proc/" + std::to_string(pid) + "/stat");
  int pgrp = 0, ppid = 0;
  char state = 0;
  std::sscanf(stat.c_str() + stat.rfind(')') + 1, " %c %d %d", &state, &ppid, &pgrp);
  return pgrp;
}

// A marker variable is inherited by a child that left its parent's process group and session
// (setsid): found by its exact name=value, and a value that is only a prefix does not match.
TEST(ProcessesWithEnv, FindsMarkedDescendantsOutsideTheGroup) {
  TempDir tmp;
  fs::path pidfile = tmp / "left.pid";
  const std::string mark = "m-" + random_hex(6);
  SpawnOptions o = opts(
      {"/bin/sh", "-c", "setsid sleep 100 & echo $! > '" + pidfile.string() + "'; exec sleep 100"});
  o.env_set = {{"ORCH_TEST_MARK", mark}};
  Child leader = spawn(o);
  ChildGuard guard(leader);
  SpawnOptions other = opts({"/bin/sleep", "100"});
  other.env_set = {{"ORCH_TEST_MARK", mark + "x"}};
  Child unmarked = spawn(other);
  ChildGuard guard2(unmarked);
  const pid_t left = wait_for_pid_file(pidfile);
  ASSERT_GT(left, 0);
  for (int i = 0; i < 100 && read_pgrp(left) == read_pgrp(leader.pid()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // until setsid(1) has run
  }
  ASSERT_NE(read_pgrp(left), read_pgrp(leader.pid()));
  std::vector<pid_t> found = processes_with_env("ORCH_TEST_MARK", mark);
  EXPECT_EQ(std::set<pid_t>(found.begin(), found.end()), (std::set<pid_t>{leader.pid(), left}));
  EXPECT_TRUE(processes_with_env("ORCH_TEST_MARK", mark.substr(0, 4)).empty());
  EXPECT_TRUE(processes_with_env("", "").empty());
  kill(left, SIGKILL);
  EXPECT_TRUE(wait_gone(left, 0, 5000));
}

TEST(ProcessesWorkingIn, FindsAnyProcessInTheFolderWhateverItsGroupOrCommand) {
  TempDir dir;
  fs::create_directories(dir / "wt" / "sub");
  fs::create_directories(dir / "wt-other");
  // Detached (setsid: no terminal, its own session and group), as a server's tool child is once
  // its server is gone; a command line naming no agent.
  SpawnOptions so = opts({"sleep", "30"});
  so.cwd = (dir / "wt" / "sub").string();
  pid_t inside = spawn_detached(so);
  so.cwd = (dir / "wt-other").string();
  pid_t beside = spawn_detached(so);
  const int64_t inside_start = start_time(inside);
  const int64_t beside_start = start_time(beside);

  for (bool detached_only : {true, false}) {
    std::vector<pid_t> found = processes_working_in((dir / "wt").string(), detached_only);
    EXPECT_EQ(std::count(found.begin(), found.end(), inside), 1) << detached_only;
    EXPECT_EQ(std::count(found.begin(), found.end(), beside), 0) << detached_only;  // a prefix only
    EXPECT_EQ(std::count(found.begin(), found.end(), getpid()), 0);
  }
  EXPECT_TRUE(processes_working_in((dir / "nothing-here").string(), false).empty());
  EXPECT_TRUE(processes_working_in("", false).empty());
  EXPECT_TRUE(processes_working_in("/", false).empty());  // never everything

  kill(inside, SIGKILL);
  kill(beside, SIGKILL);
  EXPECT_TRUE(wait_gone(inside, inside_start));
  EXPECT_TRUE(wait_gone(beside, beside_start));
}

TEST(ProcessesWorkingIn, LeavesOutTheCallerAndItsAncestors) {
  TempDir dir;
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());  // this test process works there now
  std::vector<pid_t> found = processes_working_in(dir.path().string(), false);
  fs::current_path(before);
  EXPECT_EQ(std::count(found.begin(), found.end(), getpid()), 0);
}

TEST(RandomHex, LengthAlphabetAndDistinctness) {
  EXPECT_EQ(random_hex(0), "");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string h = random_hex(16);
    ASSERT_EQ(h.size(), 32u);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 100u);
  const std::string big = random_hex(100000);  // larger than one getrandom() call may return
  EXPECT_EQ(big.size(), 200000u);
  EXPECT_NE(big.find_first_not_of('0'), std::string::npos);
}

TEST(FreeLoopbackPort, IsBindable) {
  const int port = free_loopback_port();
  ASSERT_GT(port, 0);
  ASSERT_LT(port, 65536);
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(s, 0);
  struct sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(::bind(s, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  EXPECT_EQ(::listen(s, 1), 0);
  ::close(s);
}

TEST(FindExecutable, LooksInPath) {
  const std::string sh = find_executable("sh");
  ASSERT_FALSE(sh.empty());
  EXPECT_EQ(sh.front(), '/');
  EXPECT_EQ(fs::path(sh).filename(), "sh");
  EXPECT_EQ(find_executable("/bin/sh"), "/bin/sh");
  EXPECT_EQ(find_executable("orch-no-such-program-xyz"), "");
  EXPECT_EQ(find_executable(""), "");
  EXPECT_EQ(find_executable("/tmp"), "");  // a directory is not an executable
  TempDir dir;
  orch::test::write_file(dir / "data", "x");
  ::chmod((dir / "data").c_str(), 0644);
  EXPECT_EQ(find_executable((dir / "data").string()), "");
}

}  // namespace
}  // namespace orch::process
