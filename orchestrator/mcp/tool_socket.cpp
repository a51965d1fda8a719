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
// connection opened at the first tool call that needs it, over its own copy of the home layout
// (a thread left in a tool call may outlive the command's).
void serve_connection(const HomeLayout& home, const std::string& self_exe, bool trust,
                      const Binding& binding, int fd, const std::atomic<bool>& stopping,
                      spdlog::logger& log) {
  std::unique_ptr<registry::Registry> reg;
  Deps deps(
      home,
      [&home, &reg]() -> registry::Registry& {
        if (!reg) reg = registry::Registry::open(home.registry());
        return *reg;
      },
      self_exe, trust);
  try {
    OrchTools tools(deps, binding, &stopping);  // a `wait` ends within a slice of the stop
    McpServer server(tools, ORCH_VERSION);
    serve_stream(
        fd, server,
        [&stopping, fd](const std::string& line) {
          // Nothing more is sent once the supervisor is ending.
          if (stopping) throw Error("orch's tools", "the session's supervisor is ending");
          return send_line(fd, line);
        },
        // A `wait` runs aside, on a thread and a registry connection of its own, so it does not
        // hold up a later send_mail of the same agent.
        [&deps, &binding, &stopping](const std::atomic<bool>& ended) {
          return tools_with_own_registry(deps, binding, &stopping, &ended);
        });
  } catch (const std::exception& e) {
    log.warn("tools: {}", e.what());
  }
}

// Refuses (orch::Error) a socket folder that is not a real folder of this user closed to others:
// create_private_dirs leaves an existing folder as it is.
void check_private_dir(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    throw Error(dir, std::string("cannot serve orch's tools: ") + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    throw Error(dir, "cannot serve orch's tools: not a folder of this user closed to others");
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
  check_private_dir(dir);
  path_ = dir + "/" + socket_name(worktree_);
  listen_fd_ = process::listen_unix(path_);
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    inode_ = st.st_ino;
  }
  try {
    if (::pipe2(wake_fd_, O_CLOEXEC) != 0) {
      throw Error(path_, std::string("cannot serve orch's tools: ") + std::strerror(errno));
    }
    acceptor_ = std::thread([this] { accept_loop(); });
  } catch (const std::exception& e) {
    close_listener();
    for (int fd : wake_fd_) {
      if (fd >= 0) ::close(fd);
    }
    throw Error(path_, std::string("cannot serve orch's tools: ") + e.what());
  }
}

void ToolSocket::close_listener() {
  if (listen_fd_ < 0) return;
  struct stat st {};
  // A successor in this worktree makes its socket at the same path only after this session
  // ended (a handoff queues it after the end is recorded); the check keeps its file regardless.
  if (::stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == inode_) {
    ::unlink(path_.c_str());
  }
  ::close(listen_fd_);  // a bridge connecting now is refused at once, and tries the path again
  listen_fd_ = -1;
}

ToolSocket::~ToolSocket() {
  Shared& sh = *shared_;
  sh.stopping = true;
  char b = 1;
  [[maybe_unused]] ssize_t w = ::write(wake_fd_[1], &b, 1);
  if (acceptor_.joinable()) acceptor_.join();
  close_listener();
  {
    std::unique_lock lock(sh.mu);
    for (int fd : sh.conns) ::shutdown(fd, SHUT_RDWR);  // their reads end
    if (!sh.ended.wait_for(lock, std::chrono::seconds(10), [&sh] { return sh.conns.empty(); })) {
      log_->warn("tools: {} connection(s) still in a tool call 10 s after the session ended",
                 sh.conns.size());
    }
  }
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
    Binding binding;
    binding.cwd = worktree_;
    binding.env_session = session_id_;
    // Detached, with copies of all it uses (the shared state is co-owned): one still in a tool
    // call when this object goes (after the 10-s wait) touches nothing of it.
    try {
      std::thread([shared = shared_, home = deps_.home(), exe = deps_.self_exe(),
                   trust = deps_.trust_repo_config(), binding, fd, log = log_] {
        serve_connection(home, exe, trust, binding, fd, shared->stopping, *log);
        std::lock_guard done(shared->mu);
        std::erase(shared->conns, fd);
        ::close(fd);
        shared->ended.notify_all();
      }).detach();
      sh.conns.push_back(fd);
    } catch (const std::exception& e) {  // no thread to be had (RLIMIT_NPROC)
      log_->warn("tools: refused a connection: {}", e.what());
      ::close(fd);
    }
  }
}

void remove_stale_socket(const std::string& home_root, const std::string& worktree) {
  std::error_code ec;
  std::string canonical = std::filesystem::weakly_canonical(worktree, ec).string();
  if (ec || worktree.empty()) return;
  const std::string path = socket_dir(home_root) + "/" + socket_name(canonical);
  int fd = process::connect_unix(path);
  if (fd >= 0) {
    ::close(fd);  // a live supervisor's (a successor's): keep it
    return;
  }
  if (errno == ECONNREFUSED) ::unlink(path.c_str());
}

}  // namespace orch::mcp
