// orch's tools served by a session's supervisor (docs/agents/mcp.md §3): a Unix socket in
// $ORCH_HOME/mcp/ named after the session's worktree (socket_name.h), to which the agent's MCP
// client connects through `orch-mcp-bridge` (cmd/mcp_bridge/), a small relay started in the
// worktree. It replaces one `orch mcp` process (the whole orch binary) per session: the tools run
// on a thread of the supervisor, which is there anyway.
#pragma once

#include <spdlog/logger.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/deps.h"

namespace orch::mcp {

/// The tool socket of one session. Each connection is one MCP session (stream.h) on its own
/// thread with its own registry connection (a `wait` runs aside with one more), acting for the
/// live session whose worktree this is
/// (a handoff's successor in the same worktree takes the socket over), else for `session_id`.
/// Only the user's own processes are served (SO_PEERCRED; the folder is 0700 besides).
class ToolSocket {
 public:
  /// Listens on socket_dir(home)/socket_name(canonical `worktree`), creating the folder (0700).
  /// The home `deps` refers to must outlive this object. Errors: orch::Error naming the socket when
  /// it cannot be made (the caller then gives the agent `orch mcp` instead).
  ToolSocket(const Deps& deps, const std::string& worktree, std::string session_id,
             std::shared_ptr<spdlog::logger> log);
  /// Stops accepting, ends every connection (a running `wait` ends at its next 5-s slice) and
  /// waits up to 10 s for their threads (one still in a tool call after that is left to the
  /// process's exit, logged), and removes the socket file unless another supervisor has replaced
  /// it.
  ~ToolSocket();
  ToolSocket(const ToolSocket&) = delete;
  ToolSocket& operator=(const ToolSocket&) = delete;

  /// The socket's path.
  const std::string& path() const { return path_; }

 private:
  /// What the connection threads share with this object; theirs to keep should one outlive it.
  struct Shared {
    std::atomic<bool> stopping{false};
    std::mutex mu;
    std::condition_variable ended;  // a connection thread ended
    std::vector<int> conns;         // open connections, shut down on stop
  };

  void accept_loop();
  /// Closes the listener and removes the socket file if it is still ours.
  void close_listener();

  Deps deps_;  // a copy: a connection thread copies it again, with its own registry
  std::string worktree_;
  std::string session_id_;
  std::shared_ptr<spdlog::logger> log_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_fd_[2] = {-1, -1};  // written to stop the accept loop
  dev_t dev_ = 0;              // of the socket file we made
  ino_t inode_ = 0;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::thread acceptor_;
};

/// Removes the tool socket of `worktree` under the home `home_root` when nothing listens on it
/// any more (connect refused: its supervisor was killed), so no file is left behind. A socket
/// that answers (a successor's) is kept. Never throws.
void remove_stale_socket(const std::string& home_root, const std::string& worktree);

}  // namespace orch::mcp
