// spawn(): a child with optional stdin/stdout pipes.
#include <spdlog/spdlog.h>

#include "lib/process/internal.h"

namespace orch::process {

Child spawn(const SpawnOptions& opts) {
  detail::Launch launch = detail::prepare_launch(opts);
  detail::Pipe in;
  detail::Pipe out;
  if (opts.pipe_stdin) {
    in = detail::make_pipe();
    launch.stdio[0] = std::move(in.read);
  }
  if (opts.pipe_stdout) {
    out = detail::make_pipe();
    launch.stdio[1] = std::move(out.write);
  }
  const pid_t pid = detail::start(launch);
  // The program only: arguments may carry a preset's tokens.
  spdlog::debug("spawned pid {}: {} ({} argument(s))", pid, opts.argv.empty() ? "" : opts.argv[0],
                opts.argv.empty() ? 0 : opts.argv.size() - 1);
  Child child;
  child.pid_ = pid;
  child.stdin_fd_ = in.write.release();
  child.stdout_fd_ = out.read.release();
  child.own_group_ = opts.new_process_group;
  return child;
}

}  // namespace orch::process
