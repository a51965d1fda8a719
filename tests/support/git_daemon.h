// A `git daemon` on 127.0.0.1 serving the repositories under a folder over git://, pushes
// allowed (receive-pack), for tests of repositories by URL. Stopped (process group) on
// destruction.
#pragma once

#include <filesystem>
#include <string>

#include "lib/process/process.h"

namespace orch::test {

class GitDaemon {
 public:
  /// Starts /usr/lib/git-core/git-daemon on a free loopback port, serving `base` (--base-path,
  /// --export-all, --enable=receive-pack); returns once it accepts connections (at most 10 s).
  /// Throws std::runtime_error when it does not start.
  explicit GitDaemon(const std::filesystem::path& base);
  GitDaemon(const GitDaemon&) = delete;
  GitDaemon& operator=(const GitDaemon&) = delete;
  ~GitDaemon();

  /// git://127.0.0.1:<port>/<name>
  std::string url(const std::string& name) const;
  int port() const { return port_; }

 private:
  int port_ = 0;
  process::Child child_;
};

}  // namespace orch::test
