// run(): a process to completion, stdout and stderr captured concurrently.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "lib/clock.h"
#include "lib/process/internal.h"

namespace orch::process {
namespace {

constexpr int kQuietMs = 200;      // after exit: stop draining when the pipes stay silent this long
constexpr int kMaxDrainMs = 2000;  // after exit: stop draining after this long in any case
constexpr int kPollStepMs = 10;    // exit checks when there is no pidfd

struct Stream {
  detail::Fd fd;
  std::string* out;
};

// Polls the open streams (and the pidfd, if any) for up to `timeout_ms`; reads what is ready.
// Returns true if any bytes arrived.
bool pump(Stream (&streams)[2], const detail::Fd& pidfd, int timeout_ms) {
  struct pollfd fds[3];
  Stream* owners[3] = {nullptr, nullptr, nullptr};
  nfds_t n = 0;
  for (auto& s : streams) {
    if (!s.fd.valid()) continue;
    fds[n].fd = s.fd.get();
    fds[n].events = POLLIN;
    fds[n].revents = 0;
    owners[n++] = &s;
  }
  if (pidfd.valid()) {
    fds[n].fd = pidfd.get();
    fds[n].events = POLLIN;
    fds[n].revents = 0;
    ++n;
  }
  if (poll(fds, n, timeout_ms) <= 0) return false;
  bool got = false;
  for (nfds_t i = 0; i < n; ++i) {
    if (!owners[i] || fds[i].revents == 0) continue;
    const size_t before = owners[i]->out->size();
    if (!detail::read_some(owners[i]->fd.get(), *owners[i]->out)) owners[i]->fd.reset();
    got = got || owners[i]->out->size() > before;
  }
  return got;
}

}  // namespace

RunResult run(const SpawnOptions& opts, int timeout_ms) {
  SpawnOptions o = opts;
  o.pipe_stdin = false;
  o.pipe_stdout = false;
  o.stdout_path.clear();
  o.stderr_path.clear();
  detail::Launch launch = detail::prepare_launch(o);
  detail::Pipe out = detail::make_pipe();
  detail::Pipe err = detail::make_pipe();
  launch.stdio[1] = std::move(out.write);
  launch.stdio[2] = std::move(err.write);
  const pid_t pid = detail::start(launch);

  RunResult result;
  Stream streams[2] = {{std::move(out.read), &result.out}, {std::move(err.read), &result.err}};
  auto kill_all = [&](int sig) {
    if (o.new_process_group) ::kill(-pid, sig);
    ::kill(pid, sig);
  };
  // Until it exits (not reaped, so its pid and group id stay ours) or the deadline passes.
  const int64_t deadline = detail::deadline_after(timeout_ms);
  detail::Fd pidfd = detail::open_pidfd(pid);
  std::optional<int> code;
  while (!(code = detail::poll_exit(pid, /*reap=*/false))) {
    const int left = detail::remaining_ms(deadline);
    if (left == 0) {
      kill_all(SIGKILL);
      result.timed_out = true;
      code = detail::wait_exit(pid, -1, /*reap=*/false);
      break;
    }
    const int step = left < 0 ? kPollStepMs : std::min(left, kPollStepMs);
    pump(streams, pidfd, pidfd.valid() ? left : step);
  }
  // Whatever it left running in its group would hold the pipes open forever: kill it, then
  // read what is still buffered.
  // (code < 0: something else reaped it, so the group id is no longer known to be its.)
  if (o.new_process_group && *code >= 0) ::kill(-pid, SIGKILL);
  const detail::Fd none;
  const int64_t drain_end = steady_ms() + kMaxDrainMs;
  int64_t quiet_since = steady_ms();
  while ((streams[0].fd.valid() || streams[1].fd.valid()) && steady_ms() < drain_end &&
         steady_ms() - quiet_since < kQuietMs) {
    if (pump(streams, none, kQuietMs)) quiet_since = steady_ms();
  }
  result.exit_code = detail::wait_exit(pid, -1, /*reap=*/true).value_or(*code);
  return result;
}

}  // namespace orch::process
