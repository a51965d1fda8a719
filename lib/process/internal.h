// Private helpers shared by the lib/process sources; not part of the public contract.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/process/process.h"

namespace orch::process::detail {

/// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership and returns the descriptor.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// Closes the current descriptor (if any) and takes `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Both ends of a close-on-exec pipe.
struct Pipe {
  Fd read;
  Fd write;
};

/// A close-on-exec pipe whose descriptors are >= 3. Throws orch::Error.
Pipe make_pipe();

/// Moves `fd` to a descriptor >= 3 (close-on-exec) if it is 0, 1 or 2, so that setting up the
/// child's stdio with dup2 can never clobber another source descriptor.
Fd above_stdio(Fd fd);

/// Where `name` is found in `path_list` (a $PATH value; empty components mean the current
/// directory) as an executable regular file, or `name` itself if it contains '/' and is one;
/// empty if not found.
std::string find_in_path(const std::string& name, const std::string& path_list);

/// The search path used when PATH is unset (confstr(_CS_PATH), as execvp() does).
std::string default_path();

/// Everything the forked child needs, built before fork() so the child only makes
/// async-signal-safe calls.
struct Launch {
  std::string argv0;  ///< as given, for error messages
  std::string path;   ///< what execve() gets
  std::string cwd;
  std::vector<std::string> arg_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;  ///< null-terminated, points into arg_storage
  std::vector<char*> envp;  ///< null-terminated, points into env_storage
  Fd stdio[3];              ///< what becomes fd 0, 1, 2 in the child; invalid = inherit
  bool new_process_group = true;
  bool die_with_parent = false;
  pid_t parent = -1;  ///< getpid() of the spawner, for the PR_SET_PDEATHSIG race check
};

/// Resolves argv[0] against the child's PATH, builds the child's environment and opens
/// stdin_path / stdout_path / stderr_path (the paths that pipe_stdin / pipe_stdout do not
/// replace). Throws orch::Error naming argv[0] or the file.
Launch prepare_launch(const SpawnOptions& opts);

/// What a child reports through the close-on-exec status pipe (nothing at all on success).
struct Report {
  int32_t stage = 0;  ///< a Stage
  int32_t err = 0;    ///< errno, or the pid for kStagePid
};

enum Stage : int32_t {
  kStagePid = 1,       ///< spawn_detached: the grandchild's pid
  kStageSetsid = 2,    ///< spawn_detached: setsid() failed
  kStageFork = 3,      ///< spawn_detached: the second fork() failed
  kStageSetpgid = 4,   ///< setpgid(0, 0) failed
  kStageStdio = 5,     ///< dup2 onto 0/1/2 failed
  kStageChdir = 6,     ///< chdir(cwd) failed
  kStageExec = 7,      ///< execve() failed
  kStageParent = 8,    ///< die_with_parent: the parent was already gone
  kStageDeathSig = 9,  ///< die_with_parent: prctl(PR_SET_PDEATHSIG) failed
};

/// Turns a failure report into the orch::Error spawn() throws.
[[noreturn]] void throw_report(const Launch& launch, const Report& report);

/// In the forked child: signal dispositions, death signal, process group, stdio, descriptors,
/// cwd, then execve(). Only async-signal-safe calls. On failure writes a Report to `status_fd`
/// and _exit(127)s.
[[noreturn]] void exec_in_child(const Launch& launch, int status_fd) noexcept;

/// Writes a Report to `fd` (async-signal-safe).
void write_report(int fd, int32_t stage, int32_t err) noexcept;

/// Blocks every signal in the calling thread for the lifetime of the object (around fork(), so
/// that no parent handler runs in the child before exec).
class SignalBlock {
 public:
  SignalBlock();
  ~SignalBlock();
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;

 private:
  sigset_t saved_;
};

/// fork()s and execs `launch` with its stdio; closes the child's ends of the stdio descriptors
/// in the parent; returns the pid once the child has exec'd. Throws orch::Error (having reaped
/// the child) if the child could not be set up or exec'd.
pid_t start(Launch& launch);

/// Ignores SIGPIPE process-wide, once, unless the process already handles or ignores it; the
/// children orch starts get the default disposition back.
void ignore_sigpipe_once();
/// True when ignore_sigpipe_once() changed SIGPIPE to SIG_IGN (read in forked children).
bool sigpipe_ignored_by_us() noexcept;

/// Checks once (WNOHANG) whether child `pid` has exited; reaps it when `reap`. Returns the exit
/// code (128+signal when killed; -1 if it is not our child any more) or std::nullopt.
std::optional<int> poll_exit(pid_t pid, bool reap);

/// Waits up to `timeout_ms` (-1 = forever) for child `pid` to exit (pidfd + poll, or short sleeps
/// where pidfd_open is unavailable); reaps it when `reap`. Returns as poll_exit().
std::optional<int> wait_exit(pid_t pid, int timeout_ms, bool reap);

/// A pidfd for `pid` (readable once it exits), or an invalid Fd when the kernel lacks pidfd_open.
Fd open_pidfd(pid_t pid);

/// The live processes of process group `pgid`, the caller included when it is a member (scans
/// /proc).
std::vector<pid_t> group_members(pid_t pgid);

/// The parent pid of `pid` (field 4 of /proc/<pid>/stat); 0 when unknown.
pid_t parent_of(pid_t pid);

/// True when a process other than a zombie is in process group `pgid` (scans /proc).
bool group_has_live_members(pid_t pgid);

/// Waits (short sleeps) until process group `pgid` has no live member or `deadline` (a
/// steady_ms() value; -1 = none) passes. Returns true when the group has no live member.
bool wait_group_gone(pid_t pgid, int64_t deadline);

/// SIGKILLs process group `pgid` and waits up to kKillSettleMs until none of its members is
/// still running. SIGKILL takes effect when the kernel next schedules each process, which on a
/// loaded machine can be a while after kill(); callers take "killed" to mean "gone".
void kill_group_and_settle(pid_t pgid);
constexpr int kKillSettleMs = 2000;

/// Whole contents of a small file (e.g. under /proc), or std::nullopt when it cannot be read.
std::optional<std::string> read_small_file(const std::string& path);

/// Reads up to 64 KiB from `fd` into `out`. Returns false at end of file or on a read error
/// (other than EINTR / EAGAIN).
bool read_some(int fd, std::string& out);

/// Milliseconds left until `deadline` (a steady_ms() value), clamped to [0, INT_MAX];
/// -1 when `deadline` is -1 (no deadline).
int remaining_ms(int64_t deadline);

/// Sleeps `ms` milliseconds (resuming after signals).
void sleep_ms(int ms);

/// The steady_ms() deadline `timeout_ms` from now, or -1 when `timeout_ms` is negative.
int64_t deadline_after(int timeout_ms);

}  // namespace orch::process::detail
