// spawn(): exit codes, lookup and exec errors, environment, cwd, stdio files, descriptors, signals.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "lib/error.h"
#include "lib/process/process.h"
#include "tests/support/tmp.h"
#include "tests/unit/process/helpers.h"

namespace orch::process {
namespace {
using namespace orch::process::testing;
using orch::test::read_file;
using orch::test::TempDir;
using orch::test::write_file;
namespace fs = std::filesystem;

int exit_code_of(std::vector<std::string> argv) {
  Child c = spawn(opts(std::move(argv)));
  ChildGuard guard(c);
  auto code = c.wait(10000);
  EXPECT_TRUE(code.has_value());
  return code.value_or(-999);
}

TEST(Spawn, ExitCodes) {
  EXPECT_EQ(exit_code_of({"/bin/true"}), 0);
  EXPECT_EQ(exit_code_of({"/bin/false"}), 1);
  EXPECT_EQ(exit_code_of({"/bin/sh", "-c", "exit 42"}), 42);
  EXPECT_EQ(exit_code_of({"/bin/sh", "-c", "kill -9 $$"}), 128 + SIGKILL);
  EXPECT_EQ(exit_code_of({"/bin/sh", "-c", "kill -TERM $$"}), 128 + SIGTERM);
}

TEST(Spawn, ResolvesBareNamesInPath) {
  EXPECT_EQ(exit_code_of({"true"}), 0);
}

TEST(Spawn, WaitIsIdempotentAndExitedIsSet) {
  Child c = spawn(opts({"/bin/sh", "-c", "exit 7"}));
  EXPECT_FALSE(c.exited());
  EXPECT_EQ(c.wait(-1), 7);
  EXPECT_TRUE(c.exited());
  EXPECT_EQ(c.wait(0), 7);
  EXPECT_EQ(c.terminate(100), 7);
}

TEST(Spawn, MissingExecutableThrowsBeforeForking) {
  ASSERT_TRUE(no_children());
  try {
    spawn(opts({"orch-no-such-program-xyz"}));
    FAIL() << "spawn did not throw";
  } catch (const orch::Error& e) {
    EXPECT_STREQ(e.what(), "orch-no-such-program-xyz: executable not found in PATH");
  }
  EXPECT_TRUE(no_children());
}

TEST(Spawn, EmptyArgvThrows) {
  EXPECT_THROW(spawn(opts({})), orch::Error);
}

TEST(Spawn, ExecFailureIsReportedAndTheChildReaped) {
  TempDir dir;
  write_file(dir / "not-executable", "#!/bin/sh\necho hi\n");
  ::chmod((dir / "not-executable").c_str(), 0644);
  ASSERT_TRUE(no_children());
  try {
    spawn(opts({"/nonexistent/orch/bin"}));
    FAIL() << "spawn did not throw";
  } catch (const orch::Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/orch/bin: No such file or directory");
  }
  const std::string path = (dir / "not-executable").string();
  try {
    spawn(opts({path}));
    FAIL() << "spawn did not throw";
  } catch (const orch::Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": Permission denied");
  }
  EXPECT_TRUE(no_children());
}

TEST(Spawn, BadCwdThrowsNamingTheDirectory) {
  auto o = opts({"/bin/true"});
  o.cwd = "/nonexistent/orch-dir";
  try {
    spawn(o);
    FAIL() << "spawn did not throw";
  } catch (const orch::Error& e) {
    EXPECT_STREQ(e.what(),
                 "/bin/true: cannot change directory to '/nonexistent/orch-dir': No such file or "
                 "directory");
  }
  EXPECT_TRUE(no_children());
}

TEST(Spawn, UnopenableStdoutPathThrows) {
  auto o = opts({"/bin/true"});
  o.stdout_path = "/nonexistent/dir/out.log";
  EXPECT_THROW(spawn(o), orch::Error);
  EXPECT_TRUE(no_children());
}

TEST(Spawn, EnvSetUnsetAndOverride) {
  ::setenv("ORCH_T_GONE", "still-here", 1);
  ::setenv("ORCH_T_OVR", "old", 1);
  auto o = opts({"/bin/sh", "-c",
                 "printf '%s|%s|%s' \"$ORCH_T_FOO\" \"${ORCH_T_GONE-unset}\" "
                 "\"$ORCH_T_OVR\""});
  o.env_set = {{"ORCH_T_FOO", "bar baz"}, {"ORCH_T_OVR", "new"}};
  o.env_unset = {"ORCH_T_GONE"};
  RunResult r = run(o, 10000);
  EXPECT_EQ(r.out, "bar baz|unset|new");

  auto env = opts({"/usr/bin/env"});
  env.env_set = {{"ORCH_T_OVR", "new"}};
  RunResult e = run(env, 10000);
  size_t count = 0;
  for (size_t at = e.out.find("ORCH_T_OVR="); at != std::string::npos;
       at = e.out.find("ORCH_T_OVR=", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1u) << e.out;
  EXPECT_NE(e.out.find("ORCH_T_GONE=still-here"), std::string::npos);  // inherited by default
  ::unsetenv("ORCH_T_GONE");
  ::unsetenv("ORCH_T_OVR");
}

TEST(Spawn, BareNameIsResolvedInTheChildsPath) {
  TempDir dir;
  write_file(dir / "orch-test-tool", "#!/bin/sh\necho tool-ran\n");
  ::chmod((dir / "orch-test-tool").c_str(), 0755);
  EXPECT_EQ(find_executable("orch-test-tool"), "");
  auto o = opts({"orch-test-tool"});
  o.env_set = {{"PATH", dir.path().string() + ":/usr/bin:/bin"}};
  RunResult r = run(o, 10000);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "tool-ran\n");
}

TEST(Spawn, Cwd) {
  TempDir dir;
  auto o = opts({"/bin/pwd"});
  o.cwd = dir.path().string();
  RunResult r = run(o, 10000);
  EXPECT_EQ(r.out, dir.path().string() + "\n");
}

TEST(Spawn, StdoutAndStderrToFilesAppendWithMode0600) {
  TempDir dir;
  write_file(dir / "out.log", "old\n");
  auto o = opts({"/bin/sh", "-c", "echo out; echo err >&2"});
  o.stdout_path = (dir / "out.log").string();
  o.stderr_path = (dir / "err.log").string();
  Child c = spawn(o);
  ChildGuard guard(c);
  ASSERT_EQ(c.wait(10000), 0);
  EXPECT_EQ(read_file(dir / "out.log"), "old\nout\n");
  EXPECT_EQ(read_file(dir / "err.log"), "err\n");
  struct stat st;
  ASSERT_EQ(::stat((dir / "err.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Spawn, StdoutAndStderrToTheSameFile) {
  TempDir dir;
  auto o = opts({"/bin/sh", "-c", "echo one; echo two >&2; echo three"});
  o.stdout_path = (dir / "all.log").string();
  o.stderr_path = o.stdout_path;
  Child c = spawn(o);
  ChildGuard guard(c);
  ASSERT_EQ(c.wait(10000), 0);
  EXPECT_EQ(read_file(dir / "all.log"), "one\ntwo\nthree\n");
}

TEST(Spawn, StdinFromPathAndDevNullByDefault) {
  TempDir dir;
  write_file(dir / "in.txt", "from file\n");
  auto o = opts({"/bin/cat"});
  o.stdin_path = (dir / "in.txt").string();
  EXPECT_EQ(run(o, 10000).out, "from file\n");
  RunResult r = run(opts({"/bin/cat"}), 10000);  // /dev/null: EOF at once, no hang
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.timed_out);
}

std::set<std::string> open_fds(pid_t pid) {
  std::set<std::string> fds;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    fds.insert(e.path().filename().string());
  }
  return fds;
}

// The child's open descriptors once they equal `want`, or what is open after 2 s.
std::set<std::string> settled_fds(pid_t pid, const std::set<std::string>& want) {
  std::set<std::string> fds = open_fds(pid);
  for (int i = 0; i < 200 && fds != want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    fds = open_fds(pid);
  }
  return fds;
}

TEST(Spawn, ChildGetsOnlyStdioEvenWithLeakyDescriptors) {
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 3);
  auto first = opts({"/bin/cat"});
  first.pipe_stdin = true;
  first.pipe_stdout = true;
  Child a = spawn(first);
  ChildGuard guard_a(a);
  auto second = opts({"/bin/sleep", "100"});
  second.pipe_stdin = true;
  second.pipe_stdout = true;
  Child b = spawn(second);
  ChildGuard guard_b(b);
  ::close(leaky);

  // The status pipe reaches EOF while execve() is still closing the other close-on-exec
  // descriptors in fd order, so give the kernel a moment to finish before comparing.
  const std::set<std::string> stdio = {"0", "1", "2"};
  EXPECT_EQ(settled_fds(a.pid(), stdio), stdio);
  EXPECT_EQ(settled_fds(b.pid(), stdio), stdio);
  // b did not inherit a's stdin write end: closing ours gives a EOF.
  a.close_stdin();
  EXPECT_EQ(a.wait(5000), 0);
  EXPECT_EQ(b.terminate(1000), 128 + SIGTERM);
}

TEST(Spawn, ChildGetsEmptySignalMaskAndDefaultSigpipe) {
  // Make sure orch has ignored SIGPIPE (write_stdin does that on first use).
  auto cat = opts({"/bin/cat"});
  cat.pipe_stdin = true;
  cat.stdout_path = "/dev/null";
  Child c = spawn(cat);
  ChildGuard guard_c(c);
  ASSERT_TRUE(c.write_stdin("x"));
  c.close_stdin();
  ASSERT_EQ(c.wait(5000), 0);
  const uint64_t sigpipe_bit = uint64_t{1} << (SIGPIPE - 1);
  ASSERT_NE(status_mask(getpid(), "SigIgn:") & sigpipe_bit, 0u);

  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  Child s = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard_s(s);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(status_mask(s.pid(), "SigBlk:"), 0u);
  EXPECT_EQ(status_mask(s.pid(), "SigIgn:") & sigpipe_bit, 0u);
  EXPECT_EQ(s.terminate(1000), 128 + SIGTERM);  // SIGTERM was not left blocked
}

TEST(Spawn, NewProcessGroupByDefault) {
  Child c = spawn(opts({"/bin/sleep", "100"}));
  ChildGuard guard(c);
  EXPECT_EQ(getpgid(c.pid()), c.pid());
  c.terminate(1000);

  auto same = opts({"/bin/sleep", "100"});
  same.new_process_group = false;
  Child d = spawn(same);
  ChildGuard guard_d(d);
  EXPECT_EQ(getpgid(d.pid()), getpgrp());
  EXPECT_EQ(d.terminate(1000), 128 + SIGTERM);  // and terminate() did not signal our group
}

TEST(Spawn, MovedChildKeepsTheProcess) {
  Child a = spawn(opts({"/bin/sh", "-c", "exit 5"}));
  const pid_t pid = a.pid();
  Child b(std::move(a));
  EXPECT_EQ(a.pid(), -1);
  EXPECT_EQ(b.pid(), pid);
  Child c;
  c = std::move(b);
  EXPECT_EQ(c.pid(), pid);
  EXPECT_EQ(c.wait(5000), 5);
  EXPECT_EQ(Child().wait(0), -1);
}

}  // namespace
}  // namespace orch::process
