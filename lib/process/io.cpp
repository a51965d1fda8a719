// Small I/O and time helpers shared by the lib/process sources.
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <mutex>

#include "lib/clock.h"
#include "lib/process/internal.h"

namespace orch::process::detail {
namespace {
std::atomic<bool> g_sigpipe_ignored{false};
}  // namespace

void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction cur;
    if (sigaction(SIGPIPE, nullptr, &cur) != 0) return;
    if ((cur.sa_flags & SA_SIGINFO) != 0 || cur.sa_handler != SIG_DFL) return;  // not ours
    // Set the flag first: a child forked meanwhile then restores SIGPIPE, which is harmless.
    g_sigpipe_ignored = true;
    struct sigaction ign;
    sigemptyset(&ign.sa_mask);
    ign.sa_flags = 0;
    ign.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &ign, nullptr) != 0) g_sigpipe_ignored = false;
  });
}

bool sigpipe_ignored_by_us() noexcept {
  return g_sigpipe_ignored.load(std::memory_order_relaxed);
}

std::optional<std::string> read_small_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string out;
  for (;;) {
    char buf[4096];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

bool read_some(int fd, std::string& out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

void sleep_ms(int ms) {
  if (ms <= 0) return;
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = static_cast<long>(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int64_t deadline_after(int timeout_ms) {
  return timeout_ms < 0 ? -1 : steady_ms() + timeout_ms;
}

int remaining_ms(int64_t deadline) {
  if (deadline < 0) return -1;
  const int64_t left = deadline - steady_ms();
  if (left <= 0) return 0;
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

}  // namespace orch::process::detail
