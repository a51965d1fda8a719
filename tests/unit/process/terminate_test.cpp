// wait() timeouts, terminate() of processes and process groups, end_group(), die_with_parent,
// signal_group().
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lib/clock.h"
#include "lib/process/process.h"
#include "tests/support/child.h"
#include "tests/support/tmp.h"
#include "tests/unit/process/helpers.h"

namespace orch::process {
namespace {
using namespace orch::process::testing;
using orch::test::TempDir;

// Writes "<text>\n" to `path` atomically (tmp file + rename), for wait_for_line().
void publish(const std::string& path, const std::string& text) {
  {
    std::ofstream f(path + ".tmp");
    f << text << "\n";
  }
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// Middle process: starts a sleeper (with or without die_with_parent), publishes its pid, then
// waits to be killed.
ORCH_TEST_CHILD(process_sleeper_middle) {
  SpawnOptions o;
  o.argv = {"/bin/sleep", "100"};
  o.die_with_parent = args.at(1) == "die";
  Child c = spawn(o);
  publish(args.at(0), std::to_string(c.pid()));
  for (;;) pause();
}

// Reads the first line of a child's stdout as a pid.
pid_t read_pid(Child& c) {
  bool eof = false;
  auto line = c.read_line(5000, &eof);
  return line ? static_cast<pid_t>(std::stol(*line)) : -1;
}

SpawnOptions with_stdout_pipe(std::vector<std::string> argv) {
  auto o = opts(std::move(argv));
  o.pipe_stdout = true;
  return o;
}

TEST(Wait, TimesOutWhileRunning) {
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  const int64_t t0 = steady_ms();
  EXPECT_EQ(c.wait(150), std::nullopt);
  const int64_t took = steady_ms() - t0;
  EXPECT_GE(took, 140);
  EXPECT_LT(took, 3000);
  EXPECT_EQ(c.wait(0), std::nullopt);
  EXPECT_FALSE(c.exited());
  EXPECT_TRUE(is_alive(c.pid(), 0));
  EXPECT_EQ(c.terminate(2000), 128 + SIGTERM);
}

TEST(Wait, ReturnsSoonAfterExit) {
  Child c = spawn(opts({"/bin/sleep", "0.2"}));
  ChildGuard guard(c);
  const int64_t t0 = steady_ms();
  EXPECT_EQ(c.wait(10000), 0);
  EXPECT_LT(steady_ms() - t0, 2000);
}

TEST(Wait, KillsWhatTheChildLeftInItsGroup) {
  Child c = spawn(with_stdout_pipe({"/bin/sh", "-c", "sleep 100 & echo $!"}));
  ChildGuard guard(c);
  const pid_t grandchild = read_pid(c);
  ASSERT_GT(grandchild, 0);
  PidGuard g(grandchild);
  EXPECT_EQ(c.wait(5000), 0);
  EXPECT_TRUE(wait_gone(grandchild, g.start, 2000));
}

TEST(Wait, LeavesOtherProcessGroupsAlone) {
  // The grandchild moves to a group of its own: not an orphan of the child's group.
  Child c = spawn(with_stdout_pipe({"/bin/sh", "-c", "setsid sleep 100 & echo $!"}));
  ChildGuard guard(c);
  const pid_t grandchild = read_pid(c);
  ASSERT_GT(grandchild, 0);
  PidGuard g(grandchild);
  const int64_t until = steady_ms() + 5000;
  while (getsid(grandchild) != grandchild) {
    ASSERT_LT(steady_ms(), until);
    usleep(2000);
  }
  EXPECT_EQ(c.wait(5000), 0);
  usleep(100 * 1000);
  EXPECT_TRUE(is_alive(grandchild, g.start));
}

TEST(Terminate, PlainProcessGetsSigterm) {
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  const pid_t pid = c.pid();
  const int64_t start = start_time(pid);
  const int64_t t0 = steady_ms();
  EXPECT_EQ(c.terminate(5000), 128 + SIGTERM);
  EXPECT_LT(steady_ms() - t0, 2000);  // did not sit out the grace period
  EXPECT_TRUE(c.exited());
  EXPECT_FALSE(is_alive(pid, start));
  EXPECT_EQ(start_time(pid), 0);  // reaped, not a zombie
}

TEST(Terminate, StoppedProcessIsContinuedToHandleSigterm) {
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  ::kill(c.pid(), SIGSTOP);
  const int64_t until = steady_ms() + 5000;
  while (proc_stat(c.pid()).state != 'T') {
    ASSERT_LT(steady_ms(), until);
    usleep(2000);
  }
  const int64_t t0 = steady_ms();
  EXPECT_EQ(c.terminate(5000), 128 + SIGTERM);
  EXPECT_LT(steady_ms() - t0, 2000);
}

TEST(Terminate, KillsTheWholeGroupIncludingGrandchildren) {
  Child c = spawn(with_stdout_pipe({"/bin/sh", "-c", "sleep 100 & echo $!; sleep 100 & wait"}));
  ChildGuard guard(c);
  const pid_t grandchild = read_pid(c);
  ASSERT_GT(grandchild, 0);
  PidGuard g(grandchild);
  ASSERT_EQ(getpgid(grandchild), c.pid());
  EXPECT_EQ(c.terminate(2000), 128 + SIGTERM);
  EXPECT_TRUE(wait_gone(grandchild, g.start));
}

TEST(Terminate, SigkillAfterGraceWhenSigtermIsTrapped) {
  Child c = spawn(with_stdout_pipe(
      {"/bin/sh", "-c", "trap 'echo got-term' TERM; echo ready; while :; do sleep 0.05; done"}));
  ChildGuard guard(c);
  bool eof = false;
  ASSERT_EQ(c.read_line(5000, &eof), "ready");
  const int64_t t0 = steady_ms();
  EXPECT_EQ(c.terminate(300), 128 + SIGKILL);
  const int64_t took = steady_ms() - t0;
  EXPECT_GE(took, 290);
  EXPECT_LT(took, 3000);
  EXPECT_EQ(c.read_line(1000, &eof), "got-term");  // it did see SIGTERM first
}

TEST(Terminate, GrandchildIgnoringSigtermIsKilledAfterGrace) {
  // The leader dies on SIGTERM at once; the grandchild ignores it and must still go.
  Child c =
      spawn(with_stdout_pipe({"/bin/sh", "-c", "(trap '' TERM; exec sleep 100) & echo $!; wait"}));
  ChildGuard guard(c);
  const pid_t grandchild = read_pid(c);
  ASSERT_GT(grandchild, 0);
  PidGuard g(grandchild);
  // Wait until the subshell has exec'd sleep with SIGTERM ignored.
  const int64_t until = steady_ms() + 5000;
  while ((status_mask(grandchild, "SigIgn:") & (uint64_t{1} << (SIGTERM - 1))) == 0 ||
         orch::test::read_file("/proc/" + std::to_string(grandchild) + "/comm") != "sleep\n") {
    ASSERT_LT(steady_ms(), until);
    usleep(5000);
  }
  const int64_t t0 = steady_ms();
  EXPECT_EQ(c.terminate(400), 128 + SIGTERM);
  const int64_t took = steady_ms() - t0;
  EXPECT_GE(took, 390);  // the group got its grace period
  EXPECT_TRUE(wait_gone(grandchild, g.start, 2000));
}

TEST(Terminate, GroupThatExitsQuicklyDoesNotWaitOutTheGrace) {
  Child c = spawn(with_stdout_pipe({"/bin/sh", "-c", "sleep 100 & echo $!; wait"}));
  ChildGuard guard(c);
  const pid_t grandchild = read_pid(c);
  PidGuard g(grandchild);
  const int64_t t0 = steady_ms();
  c.terminate(10000);
  EXPECT_LT(steady_ms() - t0, 5000);
  EXPECT_TRUE(wait_gone(grandchild, g.start, 1000));
}

// Reads pids, one a line, until "end". SIGKILL takes effect when the kernel next runs each
// process, so without waiting, some of many killed members still show as running right after
// kill(); terminate() and wait() must not return before they are gone.
std::vector<pid_t> read_pids_until_end(Child& c) {
  std::vector<pid_t> pids;
  bool eof = false;
  while (auto line = c.read_line(5000, &eof)) {
    if (*line == "end") break;
    pids.push_back(static_cast<pid_t>(std::stol(*line)));
  }
  return pids;
}

constexpr const char* kFortySleepers = "for i in $(seq 40); do sleep 100 & echo $!; done; echo end";

TEST(Terminate, ReturnsOnlyOnceEveryGroupMemberIsGone) {
  Child c = spawn(with_stdout_pipe(
      {"/bin/sh", "-c", std::string("trap '' TERM; ") + kFortySleepers + "; wait"}));
  ChildGuard guard(c);
  const std::vector<pid_t> pids = read_pids_until_end(c);
  ASSERT_EQ(pids.size(), 40u);
  EXPECT_EQ(c.terminate(100), 128 + SIGKILL);
  for (pid_t pid : pids) EXPECT_FALSE(is_alive(pid, 0)) << pid;
}

TEST(Wait, ReturnsOnlyOnceTheOrphansLeftInTheGroupAreGone) {
  Child c = spawn(with_stdout_pipe({"/bin/sh", "-c", kFortySleepers}));
  ChildGuard guard(c);
  const std::vector<pid_t> pids = read_pids_until_end(c);
  ASSERT_EQ(pids.size(), 40u);
  EXPECT_EQ(c.wait(5000), 0);
  for (pid_t pid : pids) EXPECT_FALSE(is_alive(pid, 0)) << pid;
}

TEST(EndGroup, KillsMembersThatOutliveTheLeaderAfterTheGrace) {
  // The leader exits on SIGTERM; its children ignore it, as a server's helpers might.
  Child c = spawn(with_stdout_pipe(
      {"/bin/sh", "-c",
       "for i in $(seq 40); do (trap '' TERM; exec sleep 100) & echo $!; done; echo end; wait"}));
  ChildGuard guard(c);
  const std::vector<pid_t> pids = read_pids_until_end(c);
  ASSERT_EQ(pids.size(), 40u);
  const int64_t until = steady_ms() + 5000;  // every subshell has exec'd sleep
  for (pid_t pid : pids) {
    while (orch::test::read_file("/proc/" + std::to_string(pid) + "/comm") != "sleep\n") {
      ASSERT_LT(steady_ms(), until);
      usleep(2000);
    }
  }
  const int64_t t0 = steady_ms();
  end_group(c.pid(), 300);
  EXPECT_GE(steady_ms() - t0, 290);  // the members got their grace period
  for (pid_t pid : pids) EXPECT_FALSE(is_alive(pid, 0)) << pid;
  EXPECT_EQ(c.wait(1000), 128 + SIGTERM);
}

TEST(EndGroup, ReturnsAsSoonAsTheGroupIsGone) {
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  const int64_t t0 = steady_ms();
  end_group(c.pid(), 10000);
  EXPECT_LT(steady_ms() - t0, 5000);
  EXPECT_EQ(c.wait(1000), 128 + SIGTERM);
}

TEST(DieWithParent, SleeperDiesWhenItsParentIsKilled) {
  TempDir dir;
  const std::string file = (dir / "pid").string();
  const pid_t middle = orch::test::spawn_child("process_sleeper_middle", {file, "die"});
  const std::string line = wait_for_line(file);
  ASSERT_FALSE(line.empty());
  const pid_t sleeper = static_cast<pid_t>(std::stol(line));
  PidGuard g(sleeper);
  ASSERT_TRUE(is_alive(sleeper, g.start));
  EXPECT_EQ(proc_stat(sleeper).ppid, middle);
  ::kill(middle, SIGKILL);
  EXPECT_EQ(orch::test::wait_child(middle), 128 + SIGKILL);
  EXPECT_TRUE(wait_gone(sleeper, g.start));
}

TEST(DieWithParent, WithoutItTheSleeperSurvives) {
  TempDir dir;
  const std::string file = (dir / "pid").string();
  const pid_t middle = orch::test::spawn_child("process_sleeper_middle", {file, "live"});
  const std::string line = wait_for_line(file);
  ASSERT_FALSE(line.empty());
  const pid_t sleeper = static_cast<pid_t>(std::stol(line));
  PidGuard g(sleeper);
  ::kill(middle, SIGKILL);
  EXPECT_EQ(orch::test::wait_child(middle), 128 + SIGKILL);
  usleep(300 * 1000);
  EXPECT_TRUE(is_alive(sleeper, g.start));  // the control: only die_with_parent kills it
}

TEST(SignalGroup, SignalsTheChildsGroup) {
  Child c = spawn(with_stdout_pipe({"/bin/sh", "-c", "sleep 100 & echo $!; wait"}));
  ChildGuard guard(c);
  const pid_t grandchild = read_pid(c);
  PidGuard g(grandchild);
  signal_group(c.pid(), SIGKILL);
  EXPECT_EQ(c.wait(5000), 128 + SIGKILL);
  EXPECT_TRUE(wait_gone(grandchild, g.start));
}

TEST(SignalGroup, FallsBackToThePidInOurOwnGroup) {
  auto o = opts({"/bin/sleep", "100"});
  o.new_process_group = false;
  Child c = spawn(o);
  ChildGuard guard(c);
  signal_group(c.pid(), SIGTERM);  // must not reach this test process
  EXPECT_EQ(c.wait(5000), 128 + SIGTERM);
}

}  // namespace
}  // namespace orch::process
