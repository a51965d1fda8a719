#include "tests/support/git_daemon.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace orch::test {

GitDaemon::GitDaemon(const std::filesystem::path& base) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = process::free_loopback_port();
    process::SpawnOptions o;
    o.argv = {"/usr/lib/git-core/git-daemon", "--reuseaddr",
              "--listen=127.0.0.1",           "--port=" + std::to_string(port_),
              "--base-path=" + base.string(), "--export-all",
              "--enable=receive-pack",        base.string()};
    o.stdout_path = (base / "git-daemon.log").string();
    o.stderr_path = o.stdout_path;
    o.die_with_parent = true;
    child_ = process::spawn(o);
    for (int i = 0; i < 200; ++i) {
      if (!process::loopback_port_free(port_)) return;
      if (child_.wait(50)) break;  // exited: the port was taken meanwhile, try another
    }
    child_.terminate(1000);
  }
  throw std::runtime_error("git daemon did not start (see " + (base / "git-daemon.log").string() +
                           ")");
}

GitDaemon::~GitDaemon() {
  child_.terminate(2000);
}

std::string GitDaemon::url(const std::string& name) const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/" + name;
}

}  // namespace orch::test
