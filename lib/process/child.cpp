// Child: pipes to a started process, waiting for it and terminating its process group.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "lib/process/internal.h"

namespace orch::process {
namespace {
void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}
}  // namespace

Child::Child(Child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      stdin_fd_(std::exchange(o.stdin_fd_, -1)),
      stdout_fd_(std::exchange(o.stdout_fd_, -1)),
      buffer_(std::move(o.buffer_)),
      exited_(std::exchange(o.exited_, false)),
      status_(std::exchange(o.status_, 0)),
      own_group_(std::exchange(o.own_group_, false)) {}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    close_fd(stdin_fd_);
    close_fd(stdout_fd_);
    pid_ = std::exchange(o.pid_, -1);
    stdin_fd_ = std::exchange(o.stdin_fd_, -1);
    stdout_fd_ = std::exchange(o.stdout_fd_, -1);
    buffer_ = std::move(o.buffer_);
    o.buffer_.clear();
    exited_ = std::exchange(o.exited_, false);
    status_ = std::exchange(o.status_, 0);
    own_group_ = std::exchange(o.own_group_, false);
  }
  return *this;
}

Child::~Child() {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
}

bool Child::write_stdin(const std::string& data) {
  if (stdin_fd_ < 0) return false;
  detail::ignore_sigpipe_once();  // a closed pipe must give EPIPE, not kill orch
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(stdin_fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EPIPE) close_fd(stdin_fd_);  // the reader is gone for good
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

void Child::close_stdin() {
  close_fd(stdin_fd_);
}

std::optional<std::string> Child::read_line(int timeout_ms, bool* eof) {
  if (eof) *eof = false;
  const int64_t deadline = detail::deadline_after(timeout_ms);
  size_t scanned = 0;  // buffer_[0, scanned) holds no '\n'
  for (;;) {
    if (size_t nl = buffer_.find('\n', scanned); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    scanned = buffer_.size();
    if (stdout_fd_ < 0) {
      if (!buffer_.empty()) return std::exchange(buffer_, std::string());  // last, unterminated
      if (eof) *eof = true;
      return std::nullopt;
    }
    struct pollfd p;
    p.fd = stdout_fd_;
    p.events = POLLIN;
    p.revents = 0;
    const int rc = poll(&p, 1, detail::remaining_ms(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return std::nullopt;  // timed out
    if (rc < 0 || !detail::read_some(stdout_fd_, buffer_)) close_fd(stdout_fd_);
  }
}

std::optional<int> Child::wait(int timeout_ms) {
  if (exited_) return status_;
  if (pid_ <= 0) return -1;
  auto code = detail::wait_exit(pid_, timeout_ms, /*reap=*/false);
  if (!code) return std::nullopt;
  // Whatever it left running in its group is orphaned; kill it while the unreaped child still
  // holds the group id (after reaping, the id could be reused).
  if (own_group_ && *code >= 0) detail::kill_group_and_settle(pid_);
  exited_ = true;
  status_ = detail::wait_exit(pid_, -1, /*reap=*/true).value_or(*code);
  return status_;
}

void Child::send(int sig) {
  // pid_ is unreaped here, so neither it nor the group id pid_ can belong to anyone else.
  bool leader_in_group = false;
  if (own_group_) {
    ::kill(-pid_, sig);
    leader_in_group = getpgid(pid_) == pid_;
  }
  if (!leader_in_group) ::kill(pid_, sig);  // it left its group, or never had one
}

int Child::terminate(int grace_ms) {
  if (exited_) return status_;
  if (pid_ <= 0) return -1;
  if (auto gone = detail::poll_exit(pid_, /*reap=*/false); gone && *gone < 0) {
    exited_ = true;  // something else reaped it: its pid may be someone else's by now
    status_ = -1;
    return status_;
  }
  const int64_t deadline = detail::deadline_after(std::max(grace_ms, 0));
  send(SIGTERM);
  send(SIGCONT);  // a stopped process could not act on SIGTERM within the grace period
  // Wait without reaping: the zombie keeps the group id from being reused while we finish.
  auto code = detail::wait_exit(pid_, detail::remaining_ms(deadline), /*reap=*/false);
  // The rest of the group gets what is left of the grace period.
  if (code && own_group_) detail::wait_group_gone(pid_, deadline);
  send(SIGKILL);
  // SIGKILL takes effect when each member next runs: return once they are gone.
  if (own_group_) detail::wait_group_gone(pid_, detail::deadline_after(detail::kKillSettleMs));
  code = detail::wait_exit(pid_, -1, /*reap=*/true);
  exited_ = true;
  status_ = code.value_or(-1);
  return status_;
}

}  // namespace orch::process
