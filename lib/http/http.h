// HTTP client and Server-Sent Events stream over libcurl, for agents' local servers
// (e.g. `opencode serve`). Loopback only; credentials never appear in errors or logs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace orch::http {

/// HTTP Basic credentials (CURLAUTH_BASIC).
struct BasicAuth {
  std::string user;
  std::string password;
};

/// One HTTP request; the URL may carry credentials (userinfo, auth_token query) that orch never
/// prints: error messages show the URL without userinfo and query string.
struct Request {
  std::string method = "GET";  ///< GET, POST, PATCH, DELETE
  std::string url;
  std::string body;  ///< sent as application/json when not empty (or for POST)
  std::map<std::string, std::string> headers;
  BasicAuth auth;           ///< used when auth.password is not empty
  long timeout_ms = 10000;  ///< whole request
  long connect_timeout_ms = 2000;
};

/// A completed HTTP exchange: any status, including 4xx/5xx.
struct Response {
  long status = 0;
  std::string body;
};

/// Performs a request on the calling thread (one curl handle per call, so any thread may call it).
/// Errors: orch::Error "<METHOD> <url without userinfo and query>: <curl error> (<detail>)" for
/// transport failures (connection refused, timeout); HTTP error statuses are returned, not thrown.
Response request(const Request& req);

/// Percent-encodes a query parameter value or a path segment (curl_easy_escape: everything but
/// unreserved characters).
std::string escape(const std::string& value);

/// A Server-Sent Events stream read on its own thread. Each complete event's `data` (multi-line
/// data joined with '\n') is passed to `on_data`; comments and other fields are ignored
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html).
///
/// The request is sent with "Accept: text/event-stream"; `req.timeout_ms` is ignored (streams stay
/// open and may be quiet for long), `req.connect_timeout_ms` applies. Both callbacks run on the
/// reader thread, never concurrently with each other, and must not destroy the SseStream. An
/// exception from on_data ends the stream with on_end("SSE on_data: <what>"); one from on_end is
/// swallowed.
class SseStream {
 public:
  using OnData = std::function<void(const std::string& data)>;
  /// Called exactly once when the stream ends, on the reader thread: `error` is empty on a clean
  /// end of stream or stop(); otherwise it is "HTTP <status>" for a non-200 response or
  /// "<METHOD> <url>: <curl error>" for a transport failure (never containing credentials).
  using OnEnd = std::function<void(const std::string& error)>;

  /// Starts the reader thread, which connects and reads until the stream ends or stop().
  SseStream(Request req, OnData on_data, OnEnd on_end);
  ~SseStream();  ///< stops and joins
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  /// Asks the reader thread to stop (within about 100 ms) and joins it; on_end("") follows unless
  /// the stream had already ended. Idempotent and callable from any thread; from a callback (the
  /// reader thread itself) it only requests the stop and returns, and the destructor joins.
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
  void* multi_ = nullptr;  ///< CURLM*, made before the thread starts so stop() can wake its poll
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<int64_t> last_activity_{0};
  std::mutex join_mutex_;
  std::thread thread_;  ///< last: started once every other member is ready
  friend struct SseAccess;
};

/// Incremental SSE parser, exposed for tests: feed bytes, get complete events' data.
/// Lines end with "\n", "\r\n" or "\r" (a "\r\n" may be split across feeds); only `data`
/// fields are kept; an event without a terminating blank line is never dispatched.
class SseParser {
 public:
  /// Feeds raw bytes; calls `on_data` for each completed event that had data lines.
  void feed(const std::string& bytes, const std::function<void(const std::string&)>& on_data);

 private:
  void line(const std::function<void(const std::string&)>& on_data);
  std::string line_;        ///< the current, not yet terminated line
  std::string data_;        ///< data buffer: each data line followed by '\n'
  bool skip_lf_ = false;    ///< the previous line ended with '\r': drop a following '\n'
  bool first_line_ = true;  ///< a UTF-8 BOM may start the first line
};

}  // namespace orch::http
