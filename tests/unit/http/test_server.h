// A small in-process HTTP/1.1 server on 127.0.0.1 for lib/http's tests: one thread per
// connection, one request per connection (the response closes it), every request recorded.
//
// Debian's cpp-httplib ships its implementation in libcpp-httplib.so, which the test target does
// not link, so the tests carry this server instead. It speaks just enough HTTP for curl: a request
// with an optional Content-Length body; plain or chunked responses; idle streams.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace orch::test {

/// A request as the server received it.
struct HttpRequest {
  std::string method;
  std::string target;  ///< path and query, as sent
  std::string path;
  std::string query;                           ///< without the '?'
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;

  /// The value of header `name` (any case); empty when absent.
  std::string header(std::string name) const {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  /// Whether header `name` (lower case) was sent.
  bool has(const std::string& name) const { return headers.count(name) != 0; }
};

/// The server side of one connection, handed to the handler.
class HttpConn {
 public:
  HttpConn(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}

  /// Writes all of `data`; false when the peer is gone.
  bool send_raw(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  /// Sends a complete response with a Content-Length.
  bool respond(int status, const std::string& body,
               const std::string& content_type = "application/json") {
    return send_raw(status_line(status) + "Content-Type: " + content_type + "\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  }

  /// Sends the headers of a chunked response; follow with chunk() and end_chunked().
  bool begin_chunked(int status, const std::string& content_type = "text/event-stream") {
    return send_raw(status_line(status) + "Content-Type: " + content_type +
                    "\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
                    "Connection: close\r\n\r\n");
  }

  /// Sends one chunk (non-empty).
  bool chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return send_raw(size) && send_raw(data) && send_raw("\r\n");
  }

  /// Sends the terminating zero-length chunk: a clean end of the response.
  bool end_chunked() { return send_raw("0\r\n\r\n"); }

  /// True once the client closed its side of the connection.
  bool peer_closed() {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return true;
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

  /// Waits up to `ms`; returns false early when the server stops or the peer closes.
  bool idle(int ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      if (stopping_.load() || peer_closed()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  /// True when the server is shutting down.
  bool stopping() const { return stopping_.load(); }

 private:
  static std::string status_line(int status) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  }
  static const char* reason(int status) {
    switch (status) {
      case 200:
        return "OK";
      case 201:
        return "Created";
      case 204:
        return "No Content";
      case 401:
        return "Unauthorized";
      case 404:
        return "Not Found";
      case 500:
        return "Internal Server Error";
      default:
        return "Status";
    }
  }
  int fd_;
  const std::atomic<bool>& stopping_;
};

/// The server: listens on 127.0.0.1 on a free port until destroyed.
class HttpServer {
 public:
  /// Handles one request; the connection closes when it returns.
  using Handler = std::function<void(const HttpRequest&, HttpConn&)>;

  explicit HttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~HttpServer() {
    stopping_.store(true);
    acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& worker : workers) worker.join();
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  /// "http://127.0.0.1:<port><path>".
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  /// Every request received so far, in arrival order.
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    while (!stopping_.load()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  /// Reads until `pred(buffer)` holds; false on EOF, error, shutdown or a 5 s stall.
  bool read_until(int fd, std::string& buffer, const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!pred()) {
      if (stopping_.load() || std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }

  void serve(int fd) {
    std::string buffer;
    HttpRequest req;
    if (read_until(fd, buffer, [&] { return buffer.find("\r\n\r\n") != std::string::npos; }) &&
        parse_head(buffer, req)) {
      size_t head_end = buffer.find("\r\n\r\n") + 4;
      size_t length = req.has("content-length") ? std::stoul(req.headers["content-length"]) : 0;
      if (read_until(fd, buffer, [&] { return buffer.size() >= head_end + length; })) {
        req.body = buffer.substr(head_end, length);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          requests_.push_back(req);
        }
        HttpConn conn(fd, stopping_);
        handler_(req, conn);
      }
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  static bool parse_head(const std::string& buffer, HttpRequest& req) {
    size_t line_end = buffer.find("\r\n");
    std::string request_line = buffer.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return false;
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    size_t head_end = buffer.find("\r\n\r\n");
    for (size_t pos = line_end + 2; pos < head_end;) {
      size_t end = buffer.find("\r\n", pos);
      std::string line = buffer.substr(pos, end - pos);
      pos = end + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      size_t value = line.find_first_not_of(' ', colon + 1);
      req.headers[name] = value == std::string::npos ? "" : line.substr(value);
    }
    return true;
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

/// A loopback port with nothing listening on it (bound, then released).
inline int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace orch::test
