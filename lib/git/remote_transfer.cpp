// Network transfers bounded in time (remote_transfer.h), and the bounds (remote.h).
#include "lib/git/remote_transfer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "lib/error.h"
#include "lib/git/remote.h"

namespace orch::git {
namespace {

std::atomic<int64_t> g_stall_ms{RemoteTimeouts{}.stall_ms};
std::atomic<int64_t> g_lock_wait_ms{RemoteTimeouts{}.lock_wait_ms};

int64_t transfer_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void transfer_write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

[[noreturn]] void transfer_child(int out, pid_t parent, const detail::TransferBody& body) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent is already gone
  int64_t last = 0;
  const detail::TransferProgress progress = [&] {
    const int64_t now = transfer_now_ms();
    if (now - last < 100) return;
    last = now;
    transfer_write_all(out, "p");
  };
  std::string why;
  try {
    why = body(progress);
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown error";
  }
  transfer_write_all(out, why.empty() ? std::string("O") : "E" + why);
  ::_exit(0);
}

std::string transfer_status(int status) {
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

void transfer_reap(pid_t pid, int* status) {
  while (::waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

void set_remote_timeouts(const RemoteTimeouts& t) {
  g_stall_ms.store(t.stall_ms > 0 ? t.stall_ms : RemoteTimeouts{}.stall_ms);
  g_lock_wait_ms.store(t.lock_wait_ms >= 0 ? t.lock_wait_ms : RemoteTimeouts{}.lock_wait_ms);
}

RemoteTimeouts remote_timeouts() {
  return RemoteTimeouts{g_stall_ms.load(), g_lock_wait_ms.load()};
}

namespace detail {

std::string run_bounded_transfer(const TransferBody& body, int64_t stall_ms) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error("git transfer", std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error("git transfer", std::string("cannot fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    transfer_child(fds[1], parent, body);
  }
  ::close(fds[1]);
  std::string answer;
  bool answered = false;
  int64_t deadline = transfer_now_ms() + stall_ms;
  while (true) {
    pollfd p{fds[0], POLLIN, 0};
    const int64_t left = deadline - transfer_now_ms();
    int r = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      ::kill(pid, SIGKILL);
      int status = 0;
      transfer_reap(pid, &status);
      ::close(fds[0]);
      return "no answer from the remote for " + std::to_string((stall_ms + 999) / 1000) +
             " s (gave up)";
    }
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child is done
    deadline = transfer_now_ms() + stall_ms;
    for (ssize_t i = 0; i < n; ++i) {
      if (answered) {
        answer += buf[i];
      } else if (buf[i] == 'E' || buf[i] == 'O') {
        answered = true;
        if (buf[i] == 'O') answer.clear();
      }
    }
  }
  ::close(fds[0]);
  int status = 0;
  transfer_reap(pid, &status);
  if (!answered) return "the transfer process died (" + transfer_status(status) + ")";
  return answer;
}

}  // namespace detail
}  // namespace orch::git
