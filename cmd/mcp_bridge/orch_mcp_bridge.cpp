// orch-mcp-bridge SOCKET_DIR: the MCP server command orch gives an agent (docs/agents/mcp.md §3).
// The agent's MCP client starts it in the session's worktree; it relays the client's JSON-RPC
// lines (stdin/stdout, MCP's stdio transport) to the tool socket that the session's supervisor
// serves in SOCKET_DIR, named after the working directory (orchestrator/mcp/socket_name.h).
// It is small on purpose: one per session, where `orch mcp` was the whole orch binary.
//
// Lines go over whole, so when the supervisor changes (a handoff's successor in the same worktree
// takes the socket over) the next line goes to the new one. A request that no supervisor can
// take, or whose supervisor ended before answering it, gets a JSON-RPC error (-32603) naming the
// socket; an answer cut short is dropped. The socket side never blocks the bridge (a large
// request and a large answer at once cannot deadlock). It connects only to a socket of its own
// user (SO_PEERCRED). It exits only when its client closes stdin or stdout (0), or on a usage
// error (2). Diagnostics go to stderr.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
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

// Connects to `name` in the current folder (the socket folder: short paths whatever its depth),
// and only to a server of this user (SO_PEERCRED). Returns a non-blocking descriptor, or -1 with
// errno set.
int connect_socket(const std::string& name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", name.c_str());
  for (int waited = 0;; waited += 100) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != ::getuid()) {
        ::close(fd);
        errno = EPERM;  // another user's socket: never sent a line
        return -1;
      }
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      return fd;
    }
    int err = errno;
    ::close(fd);
    if ((err != ENOENT && err != ECONNREFUSED) || waited >= kConnectWaitMs) {
      errno = err;
      return -1;
    }
    ::usleep(100 * 1000);
  }
}

// The id of request `line` as JSON text ("" for a notification, a response, or not JSON).
std::string request_id(const std::string& line) {
  nlohmann::ordered_json msg =
      nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!msg.is_object() || !msg.contains("id") || !msg.contains("method")) return "";
  return msg["id"].dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The id of response `line` as JSON text ("" when it is not a response).
std::string response_id(const std::string& line) {
  nlohmann::ordered_json msg =
      nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!msg.is_object() || !msg.contains("id") || msg.contains("method")) return "";
  return msg["id"].dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The JSON-RPC error line answering the request with id `id` (JSON text) that no supervisor
// took or answered.
std::string unavailable(const std::string& id, const std::string& why) {
  nlohmann::ordered_json answer = {
      {"jsonrpc", "2.0"},
      {"id", nlohmann::ordered_json::parse(id)},
      {"error", {{"code", -32603}, {"message", "orch's tools are not available: " + why}}}};
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
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0},
                       {sock_, static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0}};
      int n = ::poll(fds, sock_ >= 0 ? 2 : 1, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return 1;
      if (sock_ >= 0 && fds[1].revents) {
        if (!pump_socket(chunk, sizeof chunk, fds[1].revents)) return 0;
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t r = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;  // the client is done
        if (!take(std::string_view(chunk, static_cast<size_t>(r)))) return 0;
      }
    }
  }

 private:
  // Reads and writes what the socket allows; whole answer lines go to stdout. Returns false when
  // stdout is gone.
  bool pump_socket(char* chunk, size_t size, short revents) {
    if ((revents & POLLOUT) && !flush_out()) return disconnect("the connection broke");
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) return true;
    ssize_t r = ::read(sock_, chunk, size);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (r <= 0) return disconnect("its supervisor ended before answering");
    answer_.append(chunk, static_cast<size_t>(r));
    size_t start = 0;
    for (size_t nl; (nl = answer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = answer_.substr(start, nl + 1 - start);
      pending_.erase(response_id(line));
      if (!write_all(STDOUT_FILENO, line)) return false;
    }
    answer_.erase(0, start);
    return true;
  }

  // Sends the whole lines of what arrived; keeps the rest for later. Returns false when stdout
  // is gone.
  bool take(std::string_view data) {
    buf_.append(data);
    size_t start = 0;
    for (size_t nl; (nl = buf_.find('\n', scanned_)) != std::string::npos; start = nl + 1) {
      scanned_ = nl + 1;
      if (!forward(buf_.substr(start, nl + 1 - start), true)) return false;
      mid_line_ = false;
    }
    buf_.erase(0, start);
    scanned_ = buf_.size();
    if (buf_.size() > kMaxBuffered) {  // no newline in sight: stream it to the same connection
      if (!forward(buf_, false)) return false;
      buf_.clear();
      scanned_ = 0;
      mid_line_ = true;
    }
    return true;
  }

  // Queues `text` for the supervisor, connecting first when needed; a request that cannot go
  // is answered with an error. Returns false when stdout is gone.
  bool forward(const std::string& text, bool whole) {
    if (sock_ < 0) {
      if (mid_line_) return true;  // the rest of a line whose start went to a connection now gone
      sock_ = connect_socket(name_);
      if (sock_ < 0) {
        int err = errno;
        std::string id = whole ? request_id(text) : "";
        if (id.empty()) return true;  // a notification: nobody to tell
        std::fprintf(stderr, "orch-mcp-bridge: error: %s: %s\n", path_.c_str(), std::strerror(err));
        return write_all(STDOUT_FILENO, unavailable(id, "no supervisor serves " + path_ + " (" +
                                                            std::strerror(err) + ")"));
      }
    }
    if (whole) {
      if (std::string id = request_id(text); !id.empty()) pending_.insert(id);
    }
    out_.append(text);
    if (!flush_out()) return disconnect("the connection broke");
    return true;
  }

  // Writes what the socket takes now. Returns false when the connection broke.
  bool flush_out() {
    while (!out_.empty()) {
      ssize_t n = ::send(sock_, out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;  // the rest when POLLOUT says so
      if (n <= 0) return false;
      out_.erase(0, static_cast<size_t>(n));
    }
    return true;
  }

  // Drops the connection: an answer cut short is dropped, and every request it had not answered
  // gets an error naming `why`. The next line connects again. Returns false when stdout is gone.
  bool disconnect(const std::string& why) {
    if (sock_ >= 0) ::close(sock_);
    sock_ = -1;
    out_.clear();
    answer_.clear();
    bool ok = true;
    for (const std::string& id : pending_) {
      ok = ok && write_all(STDOUT_FILENO, unavailable(id, why + " (" + path_ + ")"));
    }
    pending_.clear();
    return ok;
  }

  std::string name_;
  std::string path_;
  std::string buf_;                // from stdin, not yet a whole line
  size_t scanned_ = 0;             // buf_ holds no newline before this
  std::string out_;                // to the socket, not yet taken
  std::string answer_;             // from the socket, not yet a whole line
  std::set<std::string> pending_;  // ids (JSON text) of requests sent and not answered
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
  ::signal(SIGPIPE, SIG_IGN);  // a client gone is EPIPE on stdout: exit 0
  const std::string dir = argv[1];
  const std::string name = orch::mcp::socket_name(cwd);
  if (::chdir(dir.c_str()) != 0) {
    std::fprintf(stderr, "orch-mcp-bridge: error: %s: %s\n", dir.c_str(), std::strerror(errno));
    return 2;
  }
  return Bridge(name, dir + "/" + name).run();
}
