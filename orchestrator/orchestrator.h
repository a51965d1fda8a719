// The one interface every agent backend implements (OpenCode, Claude Code, ...), and the types the
// supervisor and the backends exchange. Backends depend on this header only; the supervisor
// (orchestrator/supervisor.*) drives them and writes what they report to the registry.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/config/checks.h"
#include "lib/json.h"
#include "lib/registry/servers.h"
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
  /// A re-sling of a unit continues the conversation of its last ended session on this backend
  /// (Claude Code: --resume + --fork-session); otherwise it starts a fresh one.
  bool resumes_on_resling = false;
  /// Sessions may run on an agent server shared with other sessions (SessionSpec::shared_servers):
  /// the agent pid such a session records is the server's, whose process group is not the
  /// session's to kill. The [backends.<name>] server settings apply to it.
  bool shares_servers = false;
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
/// Set, besides kSessionEnvVar, in the environment of a session's hook commands (and so of what
/// they start), to the session id: the hook courier ends them (orchestrator/hooks/), not the
/// clean-up of the session's agent (kill_marked_processes leaves them alone).
inline constexpr const char* kHookEnvVar = "ORCH_HOOK";

/// The shared agent servers' table (lib/registry/servers.h), handed by the orchestrator to a
/// backend that runs sessions on servers shared by many sessions and orch processes: the backend
/// never opens the registry. Each call is the registry function of the same meaning, one
/// BEGIN IMMEDIATE transaction, so that however many supervisors race, one server is started per
/// need, one supervisor restarts a dead one and a server marked for stopping gets no new user.
/// Errors: orch::Error from the registry.
class SharedServerStore {
 public:
  virtual ~SharedServerStore() = default;
  /// registry::claim_server: attaches the session to a server, or makes the caller its starter.
  virtual registry::ServerClaim claim(const registry::ServerRequest& req,
                                      const registry::AliveFn& alive) = 0;
  /// registry::server_spawned: the starter spawned the process (not healthy yet).
  virtual bool spawned(const std::string& id, int64_t generation, int64_t pid,
                       int64_t start_time) = 0;
  /// registry::server_ready: the start went well.
  virtual bool ready(const std::string& id, int64_t generation, int64_t pid, int64_t start_time,
                     int port) = 0;
  /// registry::server_ended: the row ends `dead` or `stopped` with `detail`.
  virtual bool ended(const std::string& id, int64_t generation, const std::string& state,
                     const std::string& detail) = 0;
  /// registry::restart_server: after the process died, who restarts it.
  virtual std::optional<registry::ServerClaim> restart(const std::string& id, int64_t generation,
                                                       int64_t owner_pid, int64_t owner_start) = 0;
  /// registry::release_server: detaches the session; a row returned is the caller's to stop.
  virtual std::optional<registry::ServerRow> release(const std::string& session_id) = 0;
  /// registry::get_server: the server with this id.
  virtual std::optional<registry::ServerRow> get(const std::string& id) = 0;
  /// registry::server_of: the server the session is attached to.
  virtual std::optional<registry::ServerRow> of_session(const std::string& session_id) = 0;
};

/// What a session may spend before the supervisor stops it (--max-cost, --max-tokens,
/// --max-duration, a convoy line's keys, [defaults]): orchestrator/session/budget.h. 0 = no limit.
struct SpendLimits {
  double max_cost_usd = 0;      ///< US dollars, as the agent reports its cost
  int64_t max_tokens = 0;       ///< input + output tokens (cache reads and writes not counted)
  int64_t max_duration_ms = 0;  ///< the agent's run, from its start
  bool any() const { return max_cost_usd > 0 || max_tokens > 0 || max_duration_ms > 0; }
  bool operator==(const SpendLimits&) const = default;
};

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
  /// Run after each turn the agent ended well; a failure goes back to the agent while fix
  /// attempts remain (orchestrator/session/checks.h). Empty: the agent's word decides `done`.
  std::vector<config::CheckSpec> checks;
  int fix_attempts = 2;  ///< times the agent gets a failing check's output (kDefaultFixAttempts)
  /// A `done` whose branch has no change against its base fails instead (--require-changes,
  /// [defaults] require_changes): orchestrator/session/end_state.h, fail_for_no_changes.
  bool require_changes = false;
  /// The session has hooks ([[hooks]] or --notify; orchestrator/hooks/): its state changes go to
  /// the hook outbox (migrations/0015_hooks.sql) and a hook courier delivers them.
  bool hooks = false;
  bool notify = false;  ///< --notify: a desktop notification (notify-send) on its events
  SpendLimits limits;   ///< crossing one fails the session (supervisor:budget), its work kept
  /// The preset's profile: "lean" or "full" (docs/lean-sessions.md). Sessions recorded before
  /// the key existed read as "full", as they ran.
  std::string profile = "lean";
  /// The agent gets orch's own tools through `orch mcp` (preset key `tools`, `--no-tools`;
  /// docs/agents/mcp.md). Stored only when false.
  bool tools = true;
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
  /// Shared agent servers (opencode): the `servers` table (set by the supervisor, which owns it),
  /// and $ORCH_HOME/servers for their passwords and logs. Null means one server per session,
  /// owned by the supervisor.
  SharedServerStore* shared_servers = nullptr;
  std::string servers_dir;
  /// The command of orch's MCP server for this session, empty when the session has no tools:
  /// `orch-mcp-bridge <home>/mcp`, which relays to the tools the supervisor serves, else
  /// `orch --home H mcp` (orchestrator/mcp/attach.h). The backend attaches it to the agent
  /// (docs/agents/mcp.md §3): OpenCode runs it in the session's worktree, by which it knows its
  /// session; `--session ID` is appended where the command serves one session only (the bridge
  /// takes it and goes by the worktree).
  std::vector<std::string> mcp_command;
};

struct RunResult;

/// Receives what a backend observes; implemented by the supervisor (writes the registry and the
/// session log, and keeps its timers: orchestrator/session/run_watch.h). Calls may come from any
/// backend thread but never concurrently.
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
  /// The agent showed a sign of life (an output line, an event of its session): the supervisor's
  /// inactivity timer starts again. Default: nothing (a sink that keeps no timer).
  virtual void activity() {}
  /// The agent's process runs but has not shown yet that it started; `sign` names what shows it
  /// (Claude Code: "init line"). Until the backend calls accepted(), the supervisor allows
  /// SessionSpec::startup_timeout_ms from this call, not the (longer) inactivity timeout. A backend
  /// that bounds its start itself (OpenCode: health checks) does not call it. Default: nothing.
  virtual void awaiting_start(const std::string& sign) { (void)sign; }
  /// The session's spend so far as the agent reports it (tokens and cost of this run, summed over
  /// its messages), whenever it changes, while the run goes on: the supervisor records it and
  /// holds it against the session's limits (orchestrator/session/budget.h). Default: nothing.
  virtual void usage(const registry::Usage& so_far) { (void)so_far; }
  /// The agent ended a turn well (`r`: state done, its summary and usage so far). The
  /// supervisor may run the session's checks now (orchestrator/session/checks.h); it returns a
  /// follow-up prompt, which the backend delivers in the same conversation and then waits for the
  /// end of the next turn (calling this again), or nullopt: the run ends with `r`. Blocks while
  /// checks run. A backend that cannot deliver the follow-up ends the run failed, saying so.
  /// Default: nullopt (no checks).
  virtual std::optional<std::string> turn_ended(const RunResult& r) {
    (void)r;
    return std::nullopt;
  }
};

/// How a run ended.
/// The provider refused the run for rate or usage limits, as the agent reported it
/// (docs/agents/rate-limits.md §1, §2). The supervisor pauses the backend and provider and queues
/// the session again without using up a retry (orchestrator/pool/rate_limit.h).
struct RateLimitHit {
  std::string provider;  ///< as the agent named it (OpenCode's providerID); "" when unknown
  /// The refusal's reply headers, when the agent passes them on (OpenCode's APIError
  /// responseHeaders): the reset time is read from them (lib/http/rate_limit.h).
  std::vector<std::pair<std::string, std::string>> headers;
  /// The wait the agent announced before its own next try after a refusal for limits (Claude
  /// Code's api_retry retry_delay_ms, which follows the provider's retry-after), and when (epoch
  /// ms); -1 when none was announced.
  int64_t retry_delay_ms = -1;
  int64_t retry_announced_at = 0;
};

struct RunResult {
  State state = State::kFailed;  ///< done, failed or stopped
  std::string source;            ///< what decided it, e.g. "opencode:session.idle"
  std::string error;             ///< why, when not done
  std::string summary;           ///< the agent's final text
  registry::Usage usage;         ///< tokens and cost of the run
  /// The run ended because Orchestrator::cancel() asked it to: the supervisor's decision sets
  /// state, source and error; summary and usage are what the backend knew.
  bool cancelled = false;
  /// A failed run whose work is committed all the same (its checks failed after the agent's last
  /// attempt: nothing is lost).
  bool keep_work = false;
  /// Set when the run failed because the provider refused for rate or usage limits.
  std::optional<RateLimitHit> rate_limit;
};

/// A RunResult that ended in `s`, decided by `source`, with `error` (summary and usage empty).
inline RunResult run_result(State s, std::string source, std::string error) {
  RunResult r;
  r.state = s;
  r.source = std::move(source);
  r.error = std::move(error);
  return r;
}

/// How a run the supervisor decided to end is ended (Orchestrator::cancel).
enum class EndMode {
  kWindDown,  ///< a stop: the agent may end its turn (an interrupt, end of input) within a grace
  kAtOnce,    ///< a failure (no activity, no start): the agent is stuck and is ended now
};

/// A coding-agent backend. One instance drives one session: run() starts the agent in the
/// worktree, delivers the work, reports events to the sink and returns when the session ends.
/// send() and cancel() may be called from another thread while run() is in progress. The policy
/// (when to stop, time-outs) is the supervisor's, the same for every backend.
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
  /// Asks run() to end the agent and return a RunResult with `cancelled` set, at the supervisor's
  /// decision (a stop, an inactivity or start-up timeout: orchestrator/session/run_watch.h).
  /// Ignored once the agent's outcome is known (run() returns that outcome). Thread-safe, returns
  /// at once; may come before run() started.
  virtual void cancel(EndMode how) = 0;
  /// What the agent said about a failure and where to read more, appended to the start-up
  /// failure the supervisor reports (e.g. ": <last stderr line> (see <log>)"). Call after run().
  virtual std::string failure_detail() const { return ""; }
  /// After the supervisor of session `s` was killed or died (orch stop --force, lost): ends what
  /// the agent may still do for a session nobody follows beyond the processes orch kills itself
  /// (OpenCode: its turn on a shared server, which serves others too). `servers`: the shared
  /// servers' table; `servers_dir`: $ORCH_HOME/servers. Called before the session is released from
  /// its server. Returns what it did, for the debug log ("" for nothing). Never throws.
  virtual std::string clean_up_abandoned(const registry::Session& s, SharedServerStore& servers,
                                         const std::string& servers_dir) const {
    (void)s, (void)servers, (void)servers_dir;
    return "";
  }
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

/// What the built-in backend `name` can do (its describe() before any run: no version). Throws as
/// make_backend for an unknown name.
BackendInfo backend_info(const std::string& name);

}  // namespace orch
