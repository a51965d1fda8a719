// Shared helpers for the lib/process tests: building options, waiting for pids to disappear, and
// guards that make sure no test leaves a process behind.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lib/clock.h"
#include "lib/process/process.h"
#include "tests/support/tmp.h"

namespace orch::process::testing {

/// Options for `argv` with everything else at its default.
inline SpawnOptions opts(std::vector<std::string> argv) {
  SpawnOptions o;
  o.argv = std::move(argv);
  return o;
}

/// Polls until `pid` (started at `start`, 0 = any) is gone or a zombie; false after `timeout_ms`.
inline bool wait_gone(pid_t pid, int64_t start, int timeout_ms = 5000) {
  const int64_t deadline = steady_ms() + timeout_ms;
  while (is_alive(pid, start)) {
    if (steady_ms() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

/// Polls until `path` holds a complete line; returns it without the newline ("" on timeout).
inline std::string wait_for_line(const std::filesystem::path& path, int timeout_ms = 5000) {
  const int64_t deadline = steady_ms() + timeout_ms;
  for (;;) {
    std::string text = orch::test::read_file(path);
    if (auto nl = text.find('\n'); nl != std::string::npos) return text.substr(0, nl);
    if (steady_ms() > deadline) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// SIGKILLs a process that is not our child (a grandchild, a detached process) on scope exit if
/// it is still the same process.
struct PidGuard {
  pid_t pid = -1;
  int64_t start = 0;
  PidGuard() = default;
  explicit PidGuard(pid_t p) : pid(p), start(p > 0 ? start_time(p) : 0) {}
  PidGuard(const PidGuard&) = delete;
  PidGuard& operator=(const PidGuard&) = delete;
  ~PidGuard() {
    if (pid > 0 && start != 0 && is_alive(pid, start)) {
      ::kill(pid, SIGKILL);
      wait_gone(pid, start);
    }
  }
};

/// Kills and reaps a Child on scope exit unless a test already did.
struct ChildGuard {
  Child& child;
  explicit ChildGuard(Child& c) : child(c) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (child.pid() > 0 && !child.exited()) child.terminate(0);
  }
};

/// The state letter and ppid of `pid` from /proc/<pid>/stat (parsed after the last ')').
struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
};
inline ProcStat proc_stat(pid_t pid) {
  ProcStat st;
  std::string text = orch::test::read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 4 > text.size()) return st;
  st.state = text[close + 2];
  st.ppid = static_cast<pid_t>(std::stol(text.substr(close + 4)));
  return st;
}

/// A hex mask line such as "SigBlk:" from /proc/<pid>/status.
inline uint64_t status_mask(pid_t pid, const std::string& key) {
  std::string text = orch::test::read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = text.find("\n" + key);
  if (at == std::string::npos) return ~uint64_t{0};
  return std::stoull(text.substr(at + 1 + key.size()), nullptr, 16);
}

/// True when the calling process has no child left to reap or wait for.
inline bool no_children() {
  int status = 0;
  return waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace orch::process::testing
