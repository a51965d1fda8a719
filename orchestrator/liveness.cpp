#include "orchestrator/liveness.h"

#include <signal.h>

#include <spdlog/spdlog.h>

#include <filesystem>

#include "backends/opencode/shared_server.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/registry/servers.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/session_options.h"

namespace orch {

using registry::State;

bool supervisor_gone(const registry::Session& s) {
  if (!registry::is_live(s.state) || s.state == State::kQueued) return false;
  if (s.supervisor_pid <= 0) return now_ms() - s.started_at > kSupervisorStartGraceMs;
  return !process::is_alive(static_cast<pid_t>(s.supervisor_pid), s.supervisor_start_time);
}

int reap_lost(registry::Registry& reg) {
  registry::SessionFilter live;
  live.active_only = true;  // a queued session has no supervisor yet (supervisor_gone)
  int marked = 0;
  for (const registry::Session& s : reg.list_sessions(live)) {
    if (!supervisor_gone(s)) continue;
    registry::Outcome o;
    o.error = s.supervisor_pid > 0
                  ? "supervisor (pid " + std::to_string(s.supervisor_pid) + ") is gone"
                  : "supervisor never started";
    spdlog::debug("session {}: {}; marking it lost", s.id, o.error);
    if (reg.finish(s.id, State::kLost, "orch:pid-check", o)) ++marked;
    clean_up_after_supervisor(reg, s);
  }
  return marked;
}

void clean_up_after_supervisor(registry::Registry& reg, const registry::Session& s) {
  kill_agent_leftovers(s);
  abort_abandoned_turn(reg, s);  // before the release, which may stop the server
  release_agent_server(reg, s.id);
}

void release_agent_server(registry::Registry& reg, const std::string& session_id) {
  try {
    auto server = registry::release_server(reg, session_id);
    if (server && process::is_alive(static_cast<pid_t>(server->pid), server->start_time)) {
      process::signal_group(static_cast<pid_t>(server->pid), SIGTERM);
    }
  } catch (const Error&) {
    // The idle reaping in fill_slots stops it later.
  }
}

void abort_abandoned_turn(registry::Registry& reg, const registry::Session& s) {
  if (s.backend != "opencode") return;
  try {
    auto server = registry::server_of(reg, s.id);
    if (!server) return;
    HomeLayout home{reg.file().parent_path()};
    bool sent = opencode::abort_abandoned_session(*server, home.servers().string(),
                                                  s.agent_session_id, s.worktree);
    spdlog::debug("session {}: {} its turn on shared server {}", s.id,
                  sent ? "aborted" : "could not abort", server->id);
  } catch (const std::exception&) {
    // Best effort: the turn ends by itself; the session is recorded as ended either way.
  }
}

void kill_agent_leftovers(const registry::Session& s) {
  kill_marked_processes(s.id);
  if (s.agent_pid <= 0 || s.worktree.empty()) return;
  try {
    if (s.backend == "opencode" && session_options_from_json(s.options).shared_server) return;
    for (pid_t pid : process::group_members_in(static_cast<pid_t>(s.agent_pid), s.worktree)) {
      spdlog::debug("session {}: killing pid {}, left by its agent", s.id, pid);
      kill(pid, SIGKILL);
    }
  } catch (const std::exception&) {
    // Best effort: orch doctor lists stale agent processes.
  }
}

int kill_marked_processes(const std::string& session_id) {
  int killed = 0;
  try {
    for (pid_t pid : process::processes_with_env(kSessionEnvVar, session_id)) {
      spdlog::debug("session {}: killing pid {}, started by its agent", session_id, pid);
      if (kill(pid, SIGKILL) == 0) ++killed;
    }
  } catch (const std::exception&) {
    // Best effort, as above.
  }
  return killed;
}

int exit_code_for(State s) {
  switch (s) {
    case State::kDone:
      return kExitOk;
    case State::kFailed:
      return kExitUnitFailed;
    case State::kStopped:
    case State::kHandedOff:
      return kExitStopped;
    case State::kLost:
      return kExitLost;
    default:
      return kExitError;
  }
}

}  // namespace orch
