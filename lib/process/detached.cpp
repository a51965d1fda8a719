// spawn_detached(): double fork + setsid, so the process outlives orch and its terminal.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "lib/error.h"
#include "lib/process/internal.h"

namespace orch::process {
namespace {

// The middle process is a child of a (possibly multi-threaded) process: its second fork must not
// run pthread_atfork handlers, which need not be async-signal-safe.
pid_t fork_without_handlers() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return _Fork();
#else
  return fork();
#endif
}

}  // namespace

pid_t spawn_detached(const SpawnOptions& opts) {
  SpawnOptions o = opts;
  o.stdin_path = "/dev/null";
  if (o.stdout_path.empty()) o.stdout_path = "/dev/null";  // never the caller's terminal
  if (o.stderr_path.empty()) o.stderr_path = "/dev/null";
  o.pipe_stdin = false;
  o.pipe_stdout = false;
  o.die_with_parent = false;  // it is meant to outlive us
  detail::Launch launch = detail::prepare_launch(o);
  detail::Pipe status = detail::make_pipe();
  const int status_fd = status.write.get();

  pid_t middle = -1;
  int fork_err = 0;
  {
    detail::SignalBlock block;  // the middle process runs with every signal blocked
    middle = fork();
    if (middle == 0) {
      // Middle: leave our session (and terminal), fork the real process, report its pid, exit so
      // that it is re-parented to init (or the nearest subreaper). Async-signal-safe calls only.
      if (setsid() < 0) {
        detail::write_report(status_fd, detail::kStageSetsid, errno);
        _exit(127);
      }
      const pid_t grandchild = fork_without_handlers();
      if (grandchild < 0) {
        detail::write_report(status_fd, detail::kStageFork, errno);
        _exit(127);
      }
      // Not a session leader, so it can never acquire a controlling terminal.
      if (grandchild == 0) detail::exec_in_child(launch, status_fd);
      detail::write_report(status_fd, detail::kStagePid, grandchild);
      _exit(0);
    }
    fork_err = errno;
  }
  status.write.reset();
  for (auto& fd : launch.stdio) fd.reset();
  if (middle < 0) {
    throw Error(launch.argv0, std::string("cannot fork: ") + std::strerror(fork_err));
  }

  // Reports until every writer is gone: the middle process exited and the grandchild exec'd
  // (close-on-exec) or failed.
  pid_t pid = -1;
  std::optional<detail::Report> failure;
  std::string bytes;
  while (detail::read_some(status.read.get(), bytes)) {
  }
  for (size_t at = 0; at + sizeof(detail::Report) <= bytes.size(); at += sizeof(detail::Report)) {
    detail::Report r;
    std::memcpy(&r, bytes.data() + at, sizeof r);
    if (r.stage == detail::kStagePid) {
      pid = r.err;
    } else if (!failure) {
      failure = r;
    }
  }
  detail::wait_exit(middle, -1, /*reap=*/true);
  if (failure) detail::throw_report(launch, *failure);
  if (pid <= 0) throw Error(launch.argv0, "the detached process did not start");
  spdlog::debug("spawned detached pid {}: {} ({} argument(s))", pid, launch.argv0,
                opts.argv.empty() ? 0 : opts.argv.size() - 1);
  return pid;
}

}  // namespace orch::process
