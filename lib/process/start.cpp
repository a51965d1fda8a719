// fork() + execve() of a prepared Launch, with exec failures reported through a close-on-exec
// pipe. Everything between fork() and execve() is async-signal-safe.
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/error.h"
#include "lib/process/internal.h"

namespace orch::process::detail {
namespace {

[[noreturn]] void fail(int status_fd, Stage stage, int err) noexcept {
  write_report(status_fd, stage, err);
  _exit(127);
}

// Handlers inherited from the parent must not run in the child between the unblock and execve();
// SIGPIPE goes back to default if orch ignored it (other ignored signals stay ignored, as with
// posix_spawn).
void reset_signals() noexcept {
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  const bool reset_pipe = sigpipe_ignored_by_us();
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction cur;
    if (sigaction(sig, nullptr, &cur) != 0) continue;  // e.g. glibc-internal signals
    const bool is_default = cur.sa_handler == SIG_DFL;
    const bool is_ignored = cur.sa_handler == SIG_IGN && (cur.sa_flags & SA_SIGINFO) == 0;
    if (is_default || (is_ignored && !(sig == SIGPIPE && reset_pipe))) continue;
    sigaction(sig, &dfl, nullptr);
  }
}

// Stdio per the Launch; an inherited descriptor that is closed in the parent becomes /dev/null.
void setup_stdio(const Launch& l, int status_fd) noexcept {
  for (int i = 0; i < 3; ++i) {
    const int src = l.stdio[i].get();  // always >= 3 (above_stdio)
    if (src >= 0) {
      if (dup2(src, i) < 0) fail(status_fd, kStageStdio, errno);
      continue;
    }
    const int flags = fcntl(i, F_GETFD);
    if (flags >= 0) {
      if (flags & FD_CLOEXEC) fcntl(i, F_SETFD, flags & ~FD_CLOEXEC);
      continue;
    }
    const int fd = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
    if (fd < 0) fail(status_fd, kStageStdio, errno);
    if (fd != i) {
      if (dup2(fd, i) < 0) fail(status_fd, kStageStdio, errno);
      close(fd);
    }
  }
}

// Everything above 2 gets close-on-exec, including descriptors some library opened without it.
// The status pipe is already close-on-exec, so it stays usable until execve().
void cloexec_above_stdio() noexcept {
#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  int max_fd = 65536;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      rl.rlim_cur < static_cast<rlim_t>(max_fd)) {
    max_fd = static_cast<int>(rl.rlim_cur);
  }
  for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

}  // namespace

void write_report(int fd, int32_t stage, int32_t err) noexcept {
  Report r;
  r.stage = stage;
  r.err = err;
  const char* p = reinterpret_cast<const char*>(&r);
  size_t left = sizeof r;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void exec_in_child(const Launch& l, int status_fd) noexcept {
  reset_signals();
  if (l.die_with_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(status_fd, kStageDeathSig, errno);
    if (getppid() != l.parent) fail(status_fd, kStageParent, 0);  // it died before prctl
  }
  if (l.new_process_group && setpgid(0, 0) != 0) fail(status_fd, kStageSetpgid, errno);
  setup_stdio(l, status_fd);
  cloexec_above_stdio();
  if (!l.cwd.empty() && chdir(l.cwd.c_str()) != 0) fail(status_fd, kStageChdir, errno);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(l.path.c_str(), l.argv.data(), l.envp.data());
  fail(status_fd, kStageExec, errno);
}

SignalBlock::SignalBlock() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved_);
}

SignalBlock::~SignalBlock() {
  pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

pid_t start(Launch& launch) {
  Pipe status = make_pipe();
  pid_t pid = -1;
  int fork_err = 0;
  {
    SignalBlock block;
    pid = fork();
    if (pid == 0) exec_in_child(launch, status.write.get());
    fork_err = errno;
  }
  status.write.reset();
  for (auto& fd : launch.stdio) fd.reset();  // the child's ends
  if (pid < 0) throw Error(launch.argv0, std::string("cannot fork: ") + std::strerror(fork_err));

  Report r;
  char* p = reinterpret_cast<char*>(&r);
  size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = read(status.read.get(), p + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == 0) return pid;  // the pipe closed on execve()
  wait_exit(pid, -1, true);
  if (got < sizeof r) throw Error(launch.argv0, "child failed before exec");
  throw_report(launch, r);
}

}  // namespace orch::process::detail
