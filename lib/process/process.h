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

/// How to start a process. The child gets exactly fds 0, 1 and 2 and an empty signal mask;
/// signals orch ignores stay ignored, except SIGPIPE when write_stdin() was what ignored it.
struct SpawnOptions {
  /// argv[0] is looked up in the child's PATH (after env_set / env_unset) when it has no '/'.
  std::vector<std::string> argv;
  std::string cwd;                             ///< empty = inherit
  std::map<std::string, std::string> env_set;  ///< added to / overriding the inherited environment
  std::vector<std::string> env_unset;          ///< removed from the inherited environment
  std::string stdin_path = "/dev/null";        ///< empty = inherit; ignored when pipe_stdin
  std::string stdout_path;        ///< append here; empty = inherit (ignored when pipe_stdout)
  std::string stderr_path;        ///< append here; empty = inherit; may equal stdout_path
  bool pipe_stdin = false;        ///< Child::write_stdin / close_stdin
  bool pipe_stdout = false;       ///< Child::read_line
  bool new_process_group = true;  ///< setpgid(0,0): terminate() signals the whole group
  bool die_with_parent = false;   ///< PR_SET_PDEATHSIG(SIGKILL) when the spawning thread dies
};

/// A started child process. The destructor does not kill or reap it (call terminate()/wait()).
class Child {
 public:
  Child() = default;
  Child(Child&&) noexcept;
  Child& operator=(Child&&) noexcept;
  ~Child();

  /// The child's pid (-1 for a default-constructed Child).
  pid_t pid() const { return pid_; }
  /// Writes all of `data` to the child's stdin pipe. Returns false if the pipe is closed (EPIPE
  /// does not kill orch: SIGPIPE is ignored process-wide on first use).
  bool write_stdin(const std::string& data);
  /// Closes the stdin pipe so the child sees end of file.
  void close_stdin();
  /// Reads one line (without '\n') from the stdout pipe, waiting at most `timeout_ms`
  /// (-1 = forever). Returns std::nullopt on timeout; sets *eof (if given) when the pipe closed
  /// and every buffered line, including a last one without '\n', has been returned.
  std::optional<std::string> read_line(int timeout_ms, bool* eof);
  /// Waits up to `timeout_ms` (-1 = forever) for exit. Returns the exit code (128+signal when
  /// killed by a signal), or std::nullopt on timeout. Once the child has exited, SIGKILLs what it
  /// left running in its own process group (orphans) and waits up to 2 s for them to be gone,
  /// then reaps it. -1 for an empty Child or one that something else already reaped.
  std::optional<int> wait(int timeout_ms);
  /// SIGTERM to the process group, up to `grace_ms` for the child and the rest of its group to
  /// exit, then SIGKILL to the group and up to 2 s for its members to be gone; reaps. Returns
  /// the exit status as wait() does (at once if the child was already reaped).
  int terminate(int grace_ms);
  /// True once wait() or terminate() has reaped the child.
  bool exited() const { return exited_; }

 private:
  friend Child spawn(const SpawnOptions&);
  /// Sends `sig` to the child's process group (when it has its own) and to the child.
  void send(int sig);
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool exited_ = false;
  int status_ = 0;          ///< exit code as wait() returns it, once exited_
  bool own_group_ = false;  ///< spawned with new_process_group: its pgid is pid_
};

/// Starts a child; returns once it has exec'd. Errors: orch::Error naming argv[0] when it cannot
/// be found (checked before forking), a stdio file cannot be opened, or exec fails.
Child spawn(const SpawnOptions& opts);

/// Starts a process that outlives the caller and its terminal: double fork, setsid, stdio per
/// `opts` (stdin /dev/null, empty stdout/stderr paths mean /dev/null too; the pipe options and
/// die_with_parent are ignored). Returns the
/// grandchild's pid once it has exec'd (or throws orch::Error if exec failed).
pid_t spawn_detached(const SpawnOptions& opts);

/// Result of run().
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// Runs argv to completion, capturing stdout and stderr (stdin from opts.stdin_path; the pipe and
/// stdout/stderr path options are ignored); kills its process group after `timeout_ms` (-1 =
/// none). Once argv exits, whatever it left running in its own process group is killed.
RunResult run(const SpawnOptions& opts, int timeout_ms = -1);

/// Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); 0 if no such
/// process. Used with the pid to tell a process from a later one that reused its pid.
int64_t start_time(pid_t pid);

/// True when `pid` exists, is not a zombie, and (if `start` != 0) started at `start`.
bool is_alive(pid_t pid, int64_t start);

/// Sends `sig` to the process group of `pid` (falls back to the pid alone, and never signals the
/// caller's own group). Does nothing for pid <= 0.
void signal_group(pid_t pid, int sig);

/// Ends the process group of `pid` (a process that is not our Child, e.g. a detached server;
/// the caller checked that `pid` is still the process it means): SIGTERM and SIGCONT to the
/// group, up to `grace_ms` for every member to exit, then SIGKILL and up to 2 s for the rest to
/// be gone. Does nothing for pid <= 0, a pid without a group, or the caller's own group.
void end_group(pid_t pid, int grace_ms);

/// Full path of `name` found in $PATH as an executable regular file (relative PATH entries are
/// made absolute), or `name` itself if it contains '/' and is one; empty if not found.
std::string find_executable(const std::string& name);

/// A free TCP port on 127.0.0.1 (bind to port 0, read it back, close).
int free_loopback_port();

/// True when TCP sockets can bind 127.0.0.1:`port` and [::1]:`port` now (nothing listens there,
/// nor on either wildcard address; the sockets are closed again at once; a host without IPv6
/// needs the first only). Never throws: false when in doubt.
bool loopback_port_free(int port);

/// Who holds the TCP sockets listening on a loopback port (see loopback_listener_owner).
enum class ListenerOwner {
  kNone,     ///< nothing listens there (yet)
  kOurs,     ///< every listener a connection to 127.0.0.1:port can reach is held by the process
  kForeign,  ///< some such listener is held by another process (another user's, say)
};

/// Whether the server process `pid` (and, when it leads its own process group, the members of
/// that group) holds every TCP socket listening on `port` that a connection to 127.0.0.1:`port`
/// could reach (local address 127.0.0.1, 0.0.0.0, ::, ::ffff:127.0.0.1 or ::ffff:0.0.0.0),
/// from /proc/net/tcp{,6} and the socket inodes in /proc/<pid>/fd. Call it before sending a
/// credential to a server orch started on a port others can see: any local process may bind a
/// free port first. Never throws.
ListenerOwner loopback_listener_owner(pid_t pid, int port);

/// Why a server on `port` cannot be trusted yet, for messages: "" for kOurs.
std::string describe(ListenerOwner owner, int port);

/// Live processes whose working directory is `dir` or a folder below it, whatever their
/// command line (from /proc; the caller and its ancestors excluded; processes of other users
/// are not readable and never listed). `detached_only` keeps only those without a controlling
/// terminal: what an agent's tools leave behind, not a person's shell that changed into `dir`.
std::vector<pid_t> processes_working_in(const std::string& dir, bool detached_only);

/// `nbytes` random bytes from getrandom(2), hex-encoded (2*nbytes characters).
std::string random_hex(size_t nbytes);

/// Live processes of process group `pgid` whose working directory is `dir` or a folder below it
/// (from /proc; the caller excluded). Both together identify what an agent left running after its
/// group leader died, when the leader's pid alone could already name another process.
std::vector<pid_t> group_members_in(pid_t pgid, const std::string& dir);

/// Live processes whose environment (/proc/<pid>/environ, as it was at their exec) holds exactly
/// `name=value`, the caller excluded; processes of other users are not readable and never listed.
/// An agent's descendants inherit a marker variable even when they leave its process group and
/// session (setsid), so this finds what it left running anywhere.
std::vector<pid_t> processes_with_env(const std::string& name, const std::string& value);

/// Resident set size of `pid` in bytes (VmRSS from /proc/<pid>/status); 0 if unknown.
int64_t rss_bytes(pid_t pid);

}  // namespace orch::process
