// Building a Launch before fork(): executable lookup, the child's environment, stdio files.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "lib/error.h"
#include "lib/process/internal.h"

extern char** environ;

namespace orch::process::detail {
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string env_name(const std::string& entry) {
  size_t eq = entry.find('=');
  return eq == std::string::npos ? entry : entry.substr(0, eq);
}

// The inherited environment with env_unset removed and env_set applied (in place, else appended).
std::vector<std::string> child_environment(const SpawnOptions& opts) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string name = env_name(entry);
    if (std::find(opts.env_unset.begin(), opts.env_unset.end(), name) != opts.env_unset.end()) {
      continue;
    }
    if (auto it = opts.env_set.find(name); it != opts.env_set.end()) continue;
    env.push_back(std::move(entry));
  }
  for (const auto& [name, value] : opts.env_set) env.push_back(name + "=" + value);
  return env;
}

// The PATH the child will see, which is the one argv[0] is resolved against.
std::string child_path(const SpawnOptions& opts) {
  if (auto it = opts.env_set.find("PATH"); it != opts.env_set.end()) return it->second;
  bool unset =
      std::find(opts.env_unset.begin(), opts.env_unset.end(), "PATH") != opts.env_unset.end();
  const char* p = unset ? nullptr : std::getenv("PATH");
  return p ? std::string(p) : default_path();
}

Fd open_file(const std::string& argv0, const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    throw Error(argv0, "cannot open '" + path + "': " + errno_text(err));
  }
  return above_stdio(Fd(fd));
}

}  // namespace

std::string default_path() {
  size_t n = confstr(_CS_PATH, nullptr, 0);
  if (n == 0) return "/bin:/usr/bin";
  std::string s(n, '\0');
  confstr(_CS_PATH, s.data(), n);
  s.resize(n - 1);
  return s;
}

Fd above_stdio(Fd fd) {
  if (!fd.valid() || fd.get() > 2) return fd;
  int moved = fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) {
    int err = errno;
    throw Error("fcntl", errno_text(err));
  }
  return Fd(moved);
}

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    int err = errno;
    throw Error("pipe", errno_text(err));
  }
  Fd r(fds[0]);
  Fd w(fds[1]);
  return Pipe{above_stdio(std::move(r)), above_stdio(std::move(w))};
}

Launch prepare_launch(const SpawnOptions& opts) {
  if (opts.argv.empty() || opts.argv[0].empty()) throw Error("spawn", "empty argv");
  Launch l;
  l.argv0 = opts.argv[0];
  if (l.argv0.find('/') != std::string::npos) {
    l.path = l.argv0;  // execve() reports what is wrong with it
  } else {
    l.path = find_in_path(l.argv0, child_path(opts));
    if (l.path.empty()) throw Error(l.argv0, "executable not found in PATH");
  }
  l.cwd = opts.cwd;
  l.arg_storage = opts.argv;
  l.env_storage = child_environment(opts);
  for (auto& a : l.arg_storage) l.argv.push_back(a.data());
  l.argv.push_back(nullptr);
  for (auto& e : l.env_storage) l.envp.push_back(e.data());
  l.envp.push_back(nullptr);

  if (!opts.pipe_stdin && !opts.stdin_path.empty()) {
    l.stdio[0] = open_file(l.argv0, opts.stdin_path, O_RDONLY);
  }
  const int out_flags = O_WRONLY | O_CREAT | O_APPEND;
  if (!opts.pipe_stdout && !opts.stdout_path.empty()) {
    l.stdio[1] = open_file(l.argv0, opts.stdout_path, out_flags);
  }
  if (!opts.stderr_path.empty()) {
    if (opts.stderr_path == opts.stdout_path && l.stdio[1].valid()) {
      int fd = fcntl(l.stdio[1].get(), F_DUPFD_CLOEXEC, 3);  // one open file, shared offset
      if (fd < 0) {
        int err = errno;
        throw Error(l.argv0, "cannot open '" + opts.stderr_path + "': " + errno_text(err));
      }
      l.stdio[2] = Fd(fd);
    } else {
      l.stdio[2] = open_file(l.argv0, opts.stderr_path, out_flags);
    }
  }
  l.new_process_group = opts.new_process_group;
  l.die_with_parent = opts.die_with_parent;
  l.parent = getpid();
  return l;
}

void throw_report(const Launch& launch, const Report& r) {
  const std::string why = errno_text(r.err);
  switch (r.stage) {
    case kStageExec:
      throw Error(launch.argv0, why);
    case kStageChdir:
      throw Error(launch.argv0, "cannot change directory to '" + launch.cwd + "': " + why);
    case kStageSetpgid:
      throw Error(launch.argv0, "cannot create a process group: " + why);
    case kStageStdio:
      throw Error(launch.argv0, "cannot set up stdin/stdout/stderr: " + why);
    case kStageSetsid:
      throw Error(launch.argv0, "cannot start a new session: " + why);
    case kStageFork:
      throw Error(launch.argv0, "cannot fork: " + why);
    case kStageDeathSig:
      throw Error(launch.argv0, "cannot set the parent-death signal: " + why);
    case kStageParent:
      throw Error(launch.argv0, "the spawning process exited before the child started");
    default:
      throw Error(launch.argv0, "child reported an unknown failure");
  }
}

}  // namespace orch::process::detail
