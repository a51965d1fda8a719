#include "orchestrator/mcp/tool_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "lib/error.h"
#include "lib/home.h"
#include "lib/process/unix_socket.h"
#include "lib/registry/registry.h"
#include "orchestrator/mcp/protocol.h"
#include "orchestrator/mcp/socket_name.h"
#include "orchestrator/mcp/stream.h"
#include "orchestrator/mcp/tools.h"

namespace orch::mcp {
namespace {

// At most this many connections at once (the agent's client makes one; more is a runaway).
constexpr std::size_t kMaxConnections = 16;

// Writes all of `line` and a newline to `fd`; false when the peer is gone. MSG_NOSIGNAL: a
// closed peer is an error here, not a SIGPIPE for the supervisor.
bool send_line(int fd, const std::string& line) {
  std::string out = line + '\n';
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Serves one connection as one MCP session, on a thread of its own, with its own registry
// connection opened at the first tool call that needs it.
void serve_connection(const Deps& base, const Binding& binding, int fd,
                      const std::shared_ptr<std::atomic<bool>>& stopping, spdlog::logger& log) {
  std::unique_ptr<registry::Registry> reg;
  Deps deps(
      base.home(),
      [&base, &reg]() -> registry::Registry& {
        if (!reg) reg = registry::Registry::open(base.home().registry());
        return *reg;
      },
      base.self_exe(), base.trust_repo_config());
  try {
    OrchTools tools(deps, binding);
    McpServer server(tools, ORCH_VERSION);
    serve_stream(fd, server, [&stopping, fd](const std::string& line) {
      // A tool that reports progress (wait) learns of the stop here and ends.
      if (*stopping) throw Error("orch's tools", "the session's supervisor is ending");
      return send_line(fd, line);
    });
  } catch (const std::exception& e) {
    log.warn("tools: {}", e.what());
  }
}

}  // namespace

ToolSocket::ToolSocket(const Deps& deps, const std::string& worktree, std::string session_id,
                       std::shared_ptr<spdlog::logger> log)
    : deps_(deps), session_id_(std::move(session_id)), log_(std::move(log)) {
  std::error_code ec;
  worktree_ = std::filesystem::canonical(worktree, ec).string();
  if (ec) throw Error(worktree, "cannot serve orch's tools for it: " + ec.message());
  const std::string dir = socket_dir(deps_.home().root.string());
  create_private_dirs(dir);
  path_ = dir + "/" + socket_name(worktree_);
  listen_fd_ = process::listen_unix(path_);
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  if (::pipe2(wake_fd_, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(listen_fd_);
    throw Error(path_, std::string("cannot serve orch's tools: ") + std::strerror(err));
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

ToolSocket::~ToolSocket() {
  Shared& sh = *shared_;
  sh.stopping = true;
  char b = 1;
  [[maybe_unused]] ssize_t w = ::write(wake_fd_[1], &b, 1);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::unique_lock lock(sh.mu);
    for (int fd : sh.conns) ::shutdown(fd, SHUT_RDWR);  // their reads end
    if (!sh.ended.wait_for(lock, std::chrono::seconds(10), [&sh] { return sh.conns.empty(); })) {
      log_->warn("tools: {} connection(s) still in a tool call 10 s after the session ended",
                 sh.conns.size());
    }
  }
  struct stat st {};
  // A successor in this worktree may have made its own socket at the path meanwhile.
  if (::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
  ::close(listen_fd_);
  ::close(wake_fd_[0]);
  ::close(wake_fd_[1]);
}

void ToolSocket::accept_loop() {
  Shared& sh = *shared_;
  while (!sh.stopping) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN) || sh.stopping) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (process::peer_uid(fd) != static_cast<long>(::geteuid())) {
      log_->warn("tools: refused a connection from another user's process");
      ::close(fd);
      continue;
    }
    std::lock_guard lock(sh.mu);
    if (sh.conns.size() >= kMaxConnections) {
      log_->warn("tools: refused a connection: {} are open", sh.conns.size());
      ::close(fd);
      continue;
    }
    sh.conns.push_back(fd);
    Binding binding;
    binding.cwd = worktree_;
    binding.env_session = session_id_;
    // Detached, with copies of all it uses: one still in a tool call when this object goes
    // (after the 10-s wait) touches nothing of it.
    std::thread([shared = shared_, deps = deps_, binding, fd, log = log_] {
      auto stopping = std::shared_ptr<std::atomic<bool>>(shared, &shared->stopping);
      serve_connection(deps, binding, fd, stopping, *log);
      std::lock_guard done(shared->mu);
      std::erase(shared->conns, fd);
      ::close(fd);
      shared->ended.notify_all();
    }).detach();
  }
}

}  // namespace orch::mcp
