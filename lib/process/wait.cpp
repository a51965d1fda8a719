// Waiting for children (waitid, pidfd) and signalling process groups.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lib/process/internal.h"

namespace orch::process::detail {
Fd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = syscall(SYS_pidfd_open, pid, 0);  // always close-on-exec
  if (fd >= 0) return Fd(static_cast<int>(fd));
#else
  (void)pid;
#endif
  return Fd();
}

std::optional<int> poll_exit(pid_t pid, bool reap) {
  for (;;) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    const int flags = WEXITED | WNOHANG | (reap ? 0 : WNOWAIT);
    if (waitid(P_PID, static_cast<id_t>(pid), &info, flags) != 0) {
      if (errno == EINTR) continue;
      return -1;  // ECHILD: not (or no longer) our child
    }
    if (info.si_pid == 0) return std::nullopt;
    if (info.si_code == CLD_EXITED) return info.si_status;
    return 128 + info.si_status;  // CLD_KILLED / CLD_DUMPED: si_status is the signal
  }
}

std::optional<int> wait_exit(pid_t pid, int timeout_ms, bool reap) {
  if (auto code = poll_exit(pid, reap)) return code;
  if (timeout_ms == 0) return std::nullopt;
  const int64_t deadline = deadline_after(timeout_ms);
  Fd pidfd = open_pidfd(pid);
  int nap = 1;
  for (;;) {
    const int left = remaining_ms(deadline);
    if (pidfd.valid()) {
      struct pollfd p;
      p.fd = pidfd.get();
      p.events = POLLIN;
      p.revents = 0;
      if (poll(&p, 1, left) < 0 && errno != EINTR) pidfd.reset();  // fall back to sleeping
    } else {
      sleep_ms(left < 0 ? nap : std::min(left, nap));
      nap = std::min(nap * 2, 20);
    }
    if (auto code = poll_exit(pid, reap)) return code;
    if (deadline >= 0 && remaining_ms(deadline) == 0) return std::nullopt;
  }
}

bool wait_group_gone(pid_t pgid, int64_t deadline) {
  int nap = 1;
  while (group_has_live_members(pgid)) {
    const int left = remaining_ms(deadline);
    if (left == 0) return false;
    sleep_ms(left < 0 ? nap : std::min(nap, left));
    nap = std::min(nap * 2, 20);
  }
  return true;
}

void kill_group_and_settle(pid_t pgid) {
  ::kill(-pgid, SIGKILL);
  wait_group_gone(pgid, deadline_after(kKillSettleMs));
}

}  // namespace orch::process::detail

namespace orch::process {

void signal_group(pid_t pid, int sig) {
  if (pid <= 0) return;  // kill(0 or -1, ...) would hit far more than `pid`
  const pid_t pgid = getpgid(pid);
  // Never signal our own group (a child spawned without new_process_group shares it).
  if (pgid > 1 && pgid != getpgrp() && kill(-pgid, sig) == 0) return;
  kill(pid, sig);
}

void end_group(pid_t pid, int grace_ms) {
  if (pid <= 0) return;
  const pid_t pgid = getpgid(pid);
  if (pgid <= 1 || pgid == getpgrp()) return;
  ::kill(-pgid, SIGTERM);
  ::kill(-pgid, SIGCONT);  // a stopped member could not act on SIGTERM within the grace period
  if (!detail::wait_group_gone(pgid, detail::deadline_after(std::max(grace_ms, 0)))) {
    detail::kill_group_and_settle(pgid);
  }
}

}  // namespace orch::process
