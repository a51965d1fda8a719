// `opencode serve` as orch runs it: loopback only, an explicit free port, a random password
// (HTTP Basic auth through OPENCODE_SERVER_PASSWORD; a fresh one for every start), healthy
// within a deadline; the password is sent only once the port's listener is the server's own.
// Behaviour from docs/agents/opencode.md §1, §2 and §10 (opencode 1.18.33).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/http/http.h"
#include "lib/process/process.h"

namespace orch::opencode {

struct ServerOptions {
  std::string binary;                      ///< resolved opencode binary
  std::string cwd;                         ///< server's working directory
  std::string log_path;                    ///< server stdout+stderr are appended here
  std::map<std::string, std::string> env;  ///< extra environment (a preset's)
  std::vector<std::string> extra_args;     ///< appended to `opencode serve ...`
  std::vector<std::string> mcp_command;    ///< orch's MCP server (SessionSpec::mcp_command)
  int64_t startup_timeout_ms = 60000;      ///< until GET /global/health answers 200
  bool die_with_parent = true;             ///< PR_SET_PDEATHSIG: never outlive the supervisor
  std::string config_overlay;              ///< JSON object for OPENCODE_CONFIG_CONTENT (profile.h)
};

/// How often orch picks another free port when `opencode serve` exits at once (port taken).
inline constexpr int kServePortAttempts = 3;

/// Whether the process `pid` orch started holds the listener on 127.0.0.1:`port`
/// (process::loopback_listener_owner): "" when it does; else why not, with *foreign (when given)
/// set when another process holds it. Any local user can see the port on orch's command line and
/// bind it first, so orch sends the server's password to a port only after this said "".
std::string verify_listener(pid_t pid, int port, bool* foreign = nullptr);

/// One GET /global/health on `base_url` (timeouts: 500 ms to connect, 2 s in all): "" when it
/// answers 200, with the server's version in *version; else why not (not listening, an HTTP
/// status, an answer without a version). *rejected (when given) is set when the server refused
/// `auth` (HTTP 401), which waiting does not cure. From the OpenCode server's /global/health.
std::string check_health(const std::string& base_url, const http::BasicAuth& auth,
                         std::string* version, bool* rejected = nullptr);

/// The spawn options of `opencode serve --hostname 127.0.0.1 --port <port> <extra_args...>` in
/// `cwd`, with `env` plus OPENCODE_SERVER_USERNAME/PASSWORD from `auth` and autoupdate off; its
/// stdout and stderr go to `log_path`. Unless `env` or orch's environment sets
/// OPENCODE_CONFIG_CONTENT, it writes orch-tool-env.js beside `log_path` and loads it through
/// that variable: a plugin whose shell.env hook blanks the password in the tools' environment
/// (docs/agents/opencode.md §10), with the keys of `config_overlay` (a JSON object, the
/// profile's: docs/lean-sessions.md; "" or not an object = none), and orch's MCP server
/// `mcp_command` when not empty (docs/agents/mcp.md §3). Shared by per-session and shared servers.
process::SpawnOptions serve_spawn_options(const std::string& binary, int port,
                                          const std::vector<std::string>& extra_args,
                                          const std::map<std::string, std::string>& env,
                                          const http::BasicAuth& auth, const std::string& cwd,
                                          const std::string& log_path,
                                          const std::string& config_overlay = "",
                                          const std::vector<std::string>& mcp_command = {});

/// A running `opencode serve`. The destructor shuts it down.
class Server {
 public:
  /// Starts the server and waits for `GET /global/health` → 200, sent only once the server holds
  /// the port (verify_listener). Retries on another port, with a new password, if the chosen one
  /// was taken. Errors: orch::Error "opencode serve: <why>" (exited early with its exit
  /// code, or not healthy within the deadline), naming the log file.
  static std::unique_ptr<Server> start(const ServerOptions& opts);
  ~Server();

  const std::string& base_url() const { return base_url_; }  ///< http://127.0.0.1:<port>
  const http::BasicAuth& auth() const { return auth_; }
  const std::string& version() const { return version_; }  ///< from /global/health
  pid_t pid() const { return child_.pid(); }
  /// False once the server process has exited.
  bool alive();
  /// SIGTERM, up to `grace_ms`, then SIGKILL (process group); idempotent.
  void shutdown(int grace_ms = 3000);

 private:
  Server() = default;
  process::Child child_;
  std::string base_url_;
  http::BasicAuth auth_;
  std::string version_;
  bool down_ = false;
};

}  // namespace orch::opencode
