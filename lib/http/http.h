// HTTP client and Server-Sent Events stream over libcurl, for agents' local servers
// (e.g. `opencode serve`). Loopback only; credentials never appear in errors or logs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace orch::http {

/// HTTP Basic credentials (CURLAUTH_BASIC).
struct BasicAuth {
  std::string user;
  std::string password;
};

struct Request {
  std::string method = "GET";  ///< GET, POST, PATCH, DELETE
  std::string url;
  std::string body;            ///< sent as application/json when not empty (or for POST)
  std::map<std::string, std::string> headers;
  BasicAuth auth;              ///< used when auth.password is not empty
  long timeout_ms = 10000;     ///< whole request
  long connect_timeout_ms = 2000;
};

struct Response {
  long status = 0;
  std::string body;
};

/// Performs a request. Errors: orch::Error "<METHOD> <path>: <curl error>" for transport failures
/// (connection refused, timeout); HTTP error statuses are returned, not thrown.
Response request(const Request& req);

/// Percent-encodes a query parameter value (curl_easy_escape).
std::string escape(const std::string& value);

/// A Server-Sent Events stream read on its own thread. Each complete event's `data` (multi-line
/// data joined with '\n') is passed to `on_data`; comments and other fields are ignored
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html).
class SseStream {
 public:
  using OnData = std::function<void(const std::string& data)>;
  /// Called once when the stream ends: `error` is empty on a clean end of stream or stop().
  using OnEnd = std::function<void(const std::string& error)>;

  SseStream(Request req, OnData on_data, OnEnd on_end);
  ~SseStream();  ///< stops and joins
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  /// Asks the reader thread to stop (within about 100 ms) and joins it.
  void stop();
  /// steady_ms() of the last bytes received (including heartbeats); 0 before any.
  int64_t last_activity_ms() const { return last_activity_.load(); }
  /// True once response headers with status 200 have arrived.
  bool connected() const { return connected_.load(); }

 private:
  void run();
  Request req_;
  OnData on_data_;
  OnEnd on_end_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<int64_t> last_activity_{0};
  std::thread thread_;
  std::string buffer_;
  std::string data_;
  friend struct SseAccess;
};

/// Incremental SSE parser, exposed for tests: feed bytes, get complete events' data.
class SseParser {
 public:
  /// Feeds raw bytes; calls `on_data` for each completed event that had data lines.
  void feed(const std::string& bytes, const std::function<void(const std::string&)>& on_data);

 private:
  std::string line_;
  std::string data_;
  bool has_data_ = false;
};

}  // namespace orch::http
