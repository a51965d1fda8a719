// The one interface every agent backend implements (OpenCode, Claude Code, ...), and the types the
// supervisor and the backends exchange. Backends depend on this header only; the supervisor
// (orchestrator/supervisor.*) drives them and writes what they report to the registry.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/types.h"

namespace orch {

using registry::State;

/// What a backend can do; shown by `orch doctor` and used to pick features.
struct BackendInfo {
  std::string name;            ///< "opencode", "claude"
  std::string binary;          ///< resolved path of the agent binary
  std::string version;         ///< as the binary reports it; may be empty before start()
  std::string tested_version;  ///< the version orch's tests run against
  bool can_send_followup = false;
  bool can_resume = false;
};

/// How an unattended session answers an agent that asks for permission or a question.
enum class PermissionPolicy {
  kDeny,   ///< reject every ask; the agent carries on without that tool call (default)
  kAllow,  ///< approve every ask once
};

/// The environment variable, set to orch's session id, that marks an agent process of its own
/// (claude, a per-session opencode serve) and everything it starts, so that what a session left
/// running is found after it ended (process::processes_with_env), even outside its process group.
/// A shared opencode server serves many sessions and carries none.
inline constexpr const char* kSessionEnvVar = "ORCH_SESSION";

/// The settings of one session that orch records with it (sessions.options, as JSON:
/// orchestrator/session/options.h) and hands to its backend as part of its SessionSpec. Never
/// holds secrets: a preset's environment and extra arguments (either may carry a token) are not
/// stored; the supervisor re-reads them from the preset by name.
struct SessionOptions {
  std::string binary;                      ///< resolved agent binary
  int64_t startup_timeout_ms = 60000;      ///< agent start (opencode serve health, claude init)
  int64_t inactivity_timeout_ms = 600000;  ///< no agent activity for this long = failed
  PermissionPolicy policy = PermissionPolicy::kDeny;
  int max_turns = 0;                 ///< 0 = the agent's default
  std::string resume_agent_session;  ///< continue this agent session (re-sling, handoff)
  bool shared_server = true;         ///< opencode: use a shared server ([backends.opencode])
  int sessions_per_server = 20;      ///< opencode: sessions one shared server serves at once
  /// SHA-256 of the repository's .orch.toml as accepted at launch ("" = none): the supervisor
  /// re-reads the file and applies its keys that run something only when they are still this
  /// content or trusted (orchestrator/config/presets.h, RepoTrust).
  std::string repo_config_sha256;
};

/// Everything a backend needs to run one session: its recorded options and what the supervisor
/// adds to them (session_spec, orchestrator/session/options.h).
struct SessionSpec : SessionOptions {
  std::string session_id;               ///< orch's session id
  std::string unit;                     ///< work unit name
  std::string worktree;                 ///< absolute path; the agent's working directory
  std::string prompt;                   ///< the work
  std::string model;                    ///< "provider/model", or empty for the agent's own default
  std::vector<std::string> extra_args;  ///< preset's extra arguments
  std::map<std::string, std::string> env;  ///< preset's extra environment
  std::string log_dir;                     ///< $ORCH_HOME/sessions/<id>/ for agent output
  /// Shared agent servers (opencode): the registry holding the `servers` table, and
  /// $ORCH_HOME/servers for their passwords and logs. An empty servers_dir means one server per
  /// session, owned by the supervisor.
  std::string registry_path;
  std::string servers_dir;
};

/// Receives what a backend observes; implemented by the supervisor (writes the registry and the
/// session log). Calls may come from any backend thread but never concurrently.
class SessionSink {
 public:
  virtual ~SessionSink() = default;
  /// A state change decided by `source` (e.g. "opencode:session.status").
  virtual void state(State s, const std::string& source, const std::string& detail = "") = 0;
  /// A normalized event: kind text | tool | permission | error | retry | info | nudge.
  virtual void event(const std::string& kind, const json::Json& data) = 0;
  /// The agent accepted the work: its own session id is known.
  virtual void accepted(const std::string& agent_session_id) = 0;
  virtual void agent_pid(pid_t pid) = 0;
};

/// How a run ended.
struct RunResult {
  State state = State::kFailed;  ///< done, failed or stopped
  std::string source;            ///< what decided it, e.g. "opencode:session.idle"
  std::string error;             ///< why, when not done
  std::string summary;           ///< the agent's final text
  registry::Usage usage;         ///< tokens and cost of the run
};

/// A RunResult that ended in `s`, decided by `source`, with `error` (summary and usage empty).
inline RunResult run_result(State s, std::string source, std::string error) {
  RunResult r;
  r.state = s;
  r.source = std::move(source);
  r.error = std::move(error);
  return r;
}

/// A coding-agent backend. One instance drives one session: run() starts the agent in the
/// worktree, delivers the work, reports events to the sink and returns when the session ends.
/// send() and stop() may be called from another thread while run() is in progress.
class Orchestrator {
 public:
  virtual ~Orchestrator() = default;
  /// Name, binary, version and capabilities. Must not start the agent.
  virtual BackendInfo describe() const = 0;
  /// Runs the session to its end. Throws orch::Error only for failures before the agent accepted
  /// the work; later failures come back as RunResult{kFailed, ...}. Always cleans up the agent
  /// processes it started before returning.
  virtual RunResult run(const SessionSpec& spec, SessionSink& sink) = 0;
  /// Sends a follow-up message into the running session. Returns false if not possible now.
  virtual bool send(const std::string& text) = 0;
  /// Asks run() to stop the agent gracefully and return kStopped with `reason`.
  virtual void stop(const std::string& reason) = 0;
  /// orch's own credentials the agent's tools could have seen (e.g. the password of the
  /// `opencode serve` it ran on, which tools inherit): the supervisor never commits a file that
  /// holds one. Call after run(). Never logged or stored.
  virtual std::vector<std::string> secrets() const { return {}; }
};

/// The backends built into orch, by name ("opencode", "claude"). Throws orch::Error (exit 2)
/// naming the known backends when `name` is unknown.
std::unique_ptr<Orchestrator> make_backend(const std::string& name, const std::string& binary);

/// Names of the built-in backends.
std::vector<std::string> backend_names();

}  // namespace orch
