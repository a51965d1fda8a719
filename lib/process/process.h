// Processes as orch runs them: always an argv array (never a shell string), optional pipes,
// process groups, death-with-parent, and identity checks by pid plus start time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orch::process {

/// How to start a process.
struct SpawnOptions {
  std::vector<std::string> argv;        ///< argv[0] is looked up in PATH when it has no '/'
  std::string cwd;                      ///< empty = inherit
  std::map<std::string, std::string> env_set;  ///< added to / overriding the inherited environment
  std::vector<std::string> env_unset;   ///< removed from the inherited environment
  std::string stdin_path = "/dev/null"; ///< ignored when pipe_stdin
  std::string stdout_path;              ///< append here; empty = inherit (ignored when pipe_stdout)
  std::string stderr_path;              ///< append here; empty = inherit; may equal stdout_path
  bool pipe_stdin = false;              ///< Child::write_stdin / close_stdin
  bool pipe_stdout = false;             ///< Child::read_line
  bool new_process_group = true;        ///< setpgid(0,0): terminate() signals the whole group
  bool die_with_parent = false;         ///< PR_SET_PDEATHSIG(SIGKILL) when the spawning thread dies
};

/// A started child process. The destructor does not kill or reap it (call terminate()/wait()).
class Child {
 public:
  Child() = default;
  Child(Child&&) noexcept;
  Child& operator=(Child&&) noexcept;
  ~Child();

  pid_t pid() const { return pid_; }
  /// Writes all of `data` to the child's stdin pipe. Returns false if the pipe is closed.
  bool write_stdin(const std::string& data);
  void close_stdin();
  /// Reads one line (without '\n') from the stdout pipe, waiting at most `timeout_ms`
  /// (-1 = forever). Returns std::nullopt on timeout; sets *eof when the pipe closed.
  std::optional<std::string> read_line(int timeout_ms, bool* eof);
  /// Waits up to `timeout_ms` (-1 = forever) for exit. Returns the exit code (128+signal when
  /// killed by a signal), or std::nullopt on timeout.
  std::optional<int> wait(int timeout_ms);
  /// SIGTERM to the process group, up to `grace_ms` to exit, then SIGKILL; reaps. Returns the
  /// exit status as wait() does.
  int terminate(int grace_ms);
  bool exited() const { return exited_; }

 private:
  friend Child spawn(const SpawnOptions&);
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool exited_ = false;
  int status_ = 0;
};

/// Starts a child. Errors: orch::Error naming argv[0] when it cannot be found or started.
Child spawn(const SpawnOptions& opts);

/// Starts a process that outlives the caller and its terminal: double fork, setsid, stdio per
/// `opts` (stdin /dev/null). Returns the grandchild's pid once it has exec'd (or throws orch::Error
/// if exec failed).
pid_t spawn_detached(const SpawnOptions& opts);

/// Result of run().
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// Runs argv to completion, capturing stdout and stderr; kills it after `timeout_ms` (-1 = none).
RunResult run(const SpawnOptions& opts, int timeout_ms = -1);

/// Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); 0 if no such
/// process. Used with the pid to tell a process from a later one that reused its pid.
int64_t start_time(pid_t pid);

/// True when `pid` exists, is not a zombie, and (if `start` != 0) started at `start`.
bool is_alive(pid_t pid, int64_t start);

/// Sends `sig` to the process group of `pid` (falls back to the pid alone).
void signal_group(pid_t pid, int sig);

/// Full path of `name` found in $PATH (or `name` itself if it contains '/' and is executable);
/// empty if not found.
std::string find_executable(const std::string& name);

/// A free TCP port on 127.0.0.1 (bind to port 0, read it back, close).
int free_loopback_port();

/// `nbytes` random bytes from getrandom(2), hex-encoded (2*nbytes characters).
std::string random_hex(size_t nbytes);

/// Resident set size of `pid` in bytes (VmRSS from /proc/<pid>/status); 0 if unknown.
int64_t rss_bytes(pid_t pid);

}  // namespace orch::process
