// orch-mcp-bridge SOCKET_DIR: the MCP server command orch gives an agent (docs/agents/mcp.md §3).
// The agent's MCP client starts it in the session's worktree; it relays the client's JSON-RPC
// lines (stdin/stdout, MCP's stdio transport) to the tool socket that the session's supervisor
// serves in SOCKET_DIR, named after the working directory (orchestrator/mcp/socket_name.h).
// It is small on purpose: one per session, where `orch mcp` was the whole orch binary.
//
// Lines go over whole, so when the supervisor changes (a handoff's successor in the same worktree
// takes the socket over) the next line goes to the new one. A request that no supervisor can
// take gets a JSON-RPC error (-32603) naming the socket; the bridge itself exits only when its
// client closes stdin (0), or on a usage error (2). Diagnostics go to stderr.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "orchestrator/mcp/socket_name.h"

namespace {

// A line longer than this (bytes) goes to the socket in pieces as it comes (the server refuses
// it: orchestrator/mcp/protocol.h kMaxLineBytes is 32 MiB).
constexpr size_t kMaxBuffered = size_t{33} << 20;
// How long a request waits for a socket to appear (ms): a successor's supervisor may be making it.
constexpr int kConnectWaitMs = 2000;

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = fd == STDOUT_FILENO ? ::write(fd, data.data(), data.size())
                                    : ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Connects to `name` in the current folder (the socket folder: short paths whatever its depth).
int connect_socket(const std::string& name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", name.c_str());
  for (int waited = 0;; waited += 100) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
    int err = errno;
    ::close(fd);
    if ((err != ENOENT && err != ECONNREFUSED) || waited >= kConnectWaitMs) {
      errno = err;
      return -1;
    }
    ::usleep(100 * 1000);
  }
}

// The JSON-RPC error for request `line` when no supervisor takes it; "" for a notification or a
// line that is not JSON (nothing to answer).
std::string unavailable(const std::string& line, const std::string& socket, int err) {
  nlohmann::ordered_json msg =
      nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!msg.is_object() || !msg.contains("id") || !msg.contains("method")) return "";
  nlohmann::ordered_json answer = {
      {"jsonrpc", "2.0"},
      {"id", msg["id"]},
      {"error",
       {{"code", -32603},
        {"message", "orch's tools are not available: no supervisor serves " + socket + " (" +
                        std::strerror(err) + ")"}}}};
  return answer.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

class Bridge {
 public:
  Bridge(std::string socket_name, std::string socket_path)
      : name_(std::move(socket_name)), path_(std::move(socket_path)) {}

  // Relays until stdin ends. Returns the exit code.
  int run() {
    char chunk[1 << 16];
    while (true) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {sock_, POLLIN, 0}};
      int n = ::poll(fds, sock_ >= 0 ? 2 : 1, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return 1;
      if (sock_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t r = ::read(sock_, chunk, sizeof chunk);
        if (r > 0) {
          if (!write_all(STDOUT_FILENO, std::string_view(chunk, static_cast<size_t>(r)))) return 0;
        } else if (r == 0 || errno != EINTR) {
          disconnect();  // the supervisor ended; the next line finds the socket again
        }
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t r = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;  // the client is done
        take(std::string_view(chunk, static_cast<size_t>(r)));
      }
    }
  }

 private:
  // Sends the whole lines of what arrived; keeps the rest for later.
  void take(std::string_view data) {
    buf_.append(data);
    size_t start = 0;
    for (size_t nl; (nl = buf_.find('\n', start)) != std::string::npos; start = nl + 1) {
      forward(buf_.substr(start, nl + 1 - start));
      mid_line_ = false;
    }
    buf_.erase(0, start);
    if (buf_.size() > kMaxBuffered) {  // no newline in sight: stream it to the same connection
      forward(buf_);
      buf_.clear();
      mid_line_ = true;
    }
  }

  void forward(const std::string& text) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (sock_ < 0) {
        if (mid_line_) return;  // the rest of a line whose start went to a connection now gone
        sock_ = connect_socket(name_);
        if (sock_ < 0) {
          int err = errno;
          std::string answer = unavailable(text, path_, err);
          if (answer.empty()) return;  // a notification: nobody to tell
          std::fprintf(stderr, "orch-mcp-bridge: error: %s: %s\n", path_.c_str(),
                       std::strerror(err));
          write_all(STDOUT_FILENO, answer);
          return;
        }
      }
      if (write_all(sock_, text)) return;
      disconnect();
    }
  }

  void disconnect() {
    if (sock_ >= 0) ::close(sock_);
    sock_ = -1;
  }

  std::string name_;
  std::string path_;
  std::string buf_;
  bool mid_line_ = false;
  int sock_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  // orch passes the socket folder; `--session ID` (the shape of `orch mcp`) is not needed: the
  // socket of the worktree belongs to its live session's supervisor.
  if (argc < 2 || argv[1][0] != '/') {
    std::fprintf(stderr,
                 "usage: orch-mcp-bridge SOCKET_DIR (orch starts it; docs/agents/mcp.md)\n");
    return 2;
  }
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) {
    std::fprintf(stderr, "orch-mcp-bridge: error: working directory: %s\n", std::strerror(errno));
    return 2;
  }
  const std::string dir = argv[1];
  const std::string name = orch::mcp::socket_name(cwd);
  if (::chdir(dir.c_str()) != 0) {
    std::fprintf(stderr, "orch-mcp-bridge: error: %s: %s\n", dir.c_str(), std::strerror(errno));
    return 2;
  }
  return Bridge(name, dir + "/" + name).run();
}
