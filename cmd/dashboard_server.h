// The HTTP server of `orch dashboard` (cpp-httplib): the page (cmd/dashboard_page.h), the JSON API
// (cmd/dashboard_api.h) and the server-sent events that tell the page the registry changed.
// Bound to 127.0.0.1 only; every request needs the token; see DashboardServer.
#pragma once

#include <memory>
#include <string>

#include "cmd/factory.h"

namespace orch::cmd {

/// What the guard decided about a request: 0 to serve it, else the HTTP status to refuse it with.
/// - 403 when `host` (the Host header) is not exactly "127.0.0.1:<port>" (DNS rebinding: a page of
///   another site whose name resolves to 127.0.0.1 sends its own name);
/// - 401 when the token is missing or wrong: for GET and HEAD, the `token` query parameter or the
///   X-Orch-Token header; for POST, the header only (no link or form can carry it);
/// - 405 for a method other than GET, HEAD or POST, an action (/api/sessions/ID/stop|nudge|
///   handoff) asked with anything but POST, or a POST to anything else;
/// - 403 for an action when `read_only`.
/// Tokens are compared in constant time. Pure.
int dashboard_guard(const std::string& method, const std::string& path, const std::string& host,
                    const std::string& header_token, const std::string& query_token,
                    const std::string& token, int port, bool read_only);

/// A new token: 32 bytes from the kernel's CSPRNG (getrandom(2)), as 64 hex digits.
/// Errors: orch::Error when the kernel gives none.
std::string dashboard_token();

/// The dashboard server. Reads go through `f`'s registry, one request at a time; actions open
/// their own registry connection (a Factory on the same home), so a stop's grace period does not
/// hold up the page. The token appears in no log (nothing is logged).
class DashboardServer {
 public:
  DashboardServer(Factory& f, std::string token, bool read_only);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  /// Binds 127.0.0.1:`port` (0: a free port) and returns the port. Errors: orch::Error
  /// "dashboard: cannot listen on 127.0.0.1:PORT: ..." (exit 1).
  int bind(int port);
  /// Serves until stop() or SIGINT, SIGTERM or SIGHUP. Watches the registry (PRAGMA data_version
  /// every 50 ms) and pushes an SSE "change" event on /api/events when it changed.
  void run();
  /// Ends run() (from any thread).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::cmd
