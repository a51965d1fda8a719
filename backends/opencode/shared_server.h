// A shared `opencode serve`: one process serves many sessions, each through its own
// `?directory=<worktree>` (docs/agents/opencode.md §5; §4: one server per directory costs
// ≈320 MB, each further directory on a shared one ≈65 MB). The server outlives any single
// supervisor: it is started detached (setsid, no PDEATHSIG) and recorded in the registry's
// `servers` table (lib/registry/servers.h), its password in a 0600 file (a fresh one for every
// start; it is sent only after the port's listener was found to be the server's own). The
// supervisor of the session that leaves it without users stops it; a server that dies is restarted
// by one of its users (the registry decides which) while the others wait for it. The table is the
// orchestrator's SharedServerStore (orchestrator/orchestrator.h): this backend never opens the
// registry.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/http/http.h"
#include "lib/registry/servers.h"
#include "orchestrator/orchestrator.h"

namespace orch::opencode {

/// Ends the turn of an opencode session whose supervisor was killed (orch stop --force, lost):
/// POST /session/{agent_session_id}/abort?directory=<worktree> on the shared server `server`
/// (ready, its password in <servers_dir>/<id>/password), so the agent stops working for a session
/// nobody follows. Best effort: never throws; false when it could not be sent.
bool abort_abandoned_session(const registry::ServerRow& server, const std::string& servers_dir,
                             const std::string& agent_session_id, const std::string& worktree);

/// What a session needs from a shared server.
struct SharedServerOptions {
  SharedServerStore* store = nullptr;      ///< the servers table (outlives the SharedServer)
  std::string servers_dir;                 ///< $ORCH_HOME/servers: <id>/password, <id>/opencode.log
  std::string session_id;                  ///< orch's session (its sessions.server_id is set)
  std::string binary;                      ///< resolved opencode binary
  std::vector<std::string> extra_args;     ///< appended to `opencode serve ...`
  std::map<std::string, std::string> env;  ///< the preset's environment (server-wide)
  /// orch's MCP server (SessionSpec::mcp_command; part of the server's key: sessions without
  /// tools never share a server with sessions that have them).
  std::vector<std::string> mcp_command;
  int capacity = 20;                   ///< sessions one server serves at once
  int64_t startup_timeout_ms = 60000;  ///< until GET /global/health answers 200
  std::string config_overlay;  ///< JSON object for OPENCODE_CONFIG_CONTENT (profile.h); in the key
};

/// A session's use of a shared server. The destructor releases it (release()).
class SharedServer {
 public:
  /// Attaches the session to a ready server with room and the same binary, arguments and
  /// environment, waits for one another process is starting, or starts a new one. `info` gets
  /// one line for the session log. Errors: orch::Error "opencode serve: <why>" (it exited early or
  /// was not healthy in time, naming its log) or from the store.
  static std::unique_ptr<SharedServer> acquire(const SharedServerOptions& opts,
                                               const std::function<void(std::string)>& info);
  ~SharedServer();

  const std::string& id() const { return row_.id; }
  const std::string& base_url() const { return base_url_; }  ///< http://127.0.0.1:<port>
  const http::BasicAuth& auth() const { return auth_; }
  const std::string& version() const { return version_; }  ///< from /global/health
  int64_t pid() const { return row_.pid; }
  const std::string& log_path() const { return log_path_; }
  /// Every password of this server that the session knew (one per start): what must never
  /// reach a branch.
  const std::vector<std::string>& secrets() const { return secrets_; }
  /// True while the server process (pid and start time) runs.
  bool alive() const;
  /// After the process died: one user restarts it, the others wait for that. Returns true with
  /// base_url() etc. updated once a server answers again; false with `*why` when it could not be
  /// restarted (or was stopped meanwhile).
  bool recover(std::string* why);
  /// Detaches the session; if it was the last user, stops the process (SIGTERM, then SIGKILL
  /// after 3 s). Idempotent; never throws.
  void release();

 private:
  SharedServer() = default;
  /// Acts on a claim until the server is ready: starts it (kStart), polls the registry (kWait).
  void settle(registry::ServerClaim claim, int64_t deadline);
  /// Spawns `opencode serve` for row_ (kStart) and records it ready, or records it dead and throws.
  void start_process(int64_t deadline);
  /// Waits until the spawned server (pid, start) holds `port` and answers; records it ready.
  /// False with *why (and *retry when another port may help) otherwise.
  bool wait_ready(pid_t pid, int64_t start, int port, int64_t deadline, std::string* why,
                  bool* retry);
  /// Reads the password, checks that the row's process holds its port, then its health.
  void connect(int64_t deadline);

  SharedServerOptions opts_;
  std::string key_;
  SharedServerStore* store_ = nullptr;
  registry::ServerRow row_;
  std::string base_url_;
  std::string log_path_;
  http::BasicAuth auth_;
  std::string version_;
  std::vector<std::string> secrets_;  ///< every password this session used (never stored)
  bool released_ = false;
};

/// The key two sessions must share to use one server: a salted 64-bit FNV-1a digest of the
/// binary, the arguments, the preset's environment and the inherited OPENCODE_*, XDG_*, HOME and
/// PATH variables (server-wide settings). The salt is a random 0600 file in `servers_dir`, so the
/// digest reveals nothing of the environment's values.
std::string server_key(const std::string& servers_dir, const std::string& binary,
                       const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env);

/// server_key of a session's options: its binary, arguments, environment and config overlay
/// (the profile's OPENCODE_CONFIG_CONTENT keys are server-wide as well).
std::string server_key(const SharedServerOptions& opts);

/// Stops a server process given by pid and start time, and whatever else runs in its process
/// group (process::end_group: SIGTERM, up to `grace_ms`, then SIGKILL). Does nothing when it
/// is not running.
void stop_server_process(int64_t pid, int64_t start_time, int grace_ms = 3000);

}  // namespace orch::opencode
