#include "orchestrator/session/liveness.h"

#include <signal.h>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "backends/opencode/shared_server.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/registry/servers.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/session/disk_reserve.h"
#include "orchestrator/session/options.h"

namespace orch {

using registry::State;

bool supervisor_gone(const registry::Session& s) {
  if (!registry::is_live(s.state) || s.state == State::kQueued) return false;
  if (s.supervisor_pid <= 0) return now_ms() - s.started_at > kSupervisorStartGraceMs;
  return !process::is_alive(static_cast<pid_t>(s.supervisor_pid), s.supervisor_start_time);
}

registry::Outcome lost_outcome(registry::Registry& reg, const registry::Session& s) {
  registry::Outcome o;
  o.error = s.supervisor_pid > 0
                ? "supervisor (pid " + std::to_string(s.supervisor_pid) + ") is gone"
                : "supervisor never started";
  HomeLayout home{reg.file().parent_path()};
  std::string note = reserve_note(home.session_dir(s.id));
  if (!note.empty()) o.error += " after: " + note;
  try {
    auto unit = reg.get_unit(s.unit_id);
    if (unit && !s.branch.empty() && git::branch_exists(unit->repo, s.branch)) {
      o.commit_id = git::resolve_commit(unit->repo, s.branch);
      o.diffstat = git::diffstat(unit->repo, unit->base_commit, o.commit_id);
    }
  } catch (const std::exception& e) {
    spdlog::debug("session {}: cannot read its branch: {}", s.id, e.what());
  }
  try {
    if (!s.worktree.empty() && std::filesystem::exists(s.worktree) && git::is_dirty(s.worktree)) {
      o.error += "; its worktree " + s.worktree + " holds uncommitted changes (orch handoff " +
                 s.unit_name + " commits them and goes on)";
    }
  } catch (const std::exception& e) {
    spdlog::debug("session {}: cannot read its worktree: {}", s.id, e.what());
  }
  return o;
}

int reap_lost(registry::Registry& reg, bool wait_for_lock) {
  registry::SessionFilter live;
  live.active_only = true;  // a queued session has no supervisor yet (supervisor_gone)
  int marked = 0;
  for (const registry::Session& s : reg.list_sessions(live)) {
    if (!supervisor_gone(s)) continue;
    registry::Outcome o = lost_outcome(reg, s);
    spdlog::debug("session {}: {}; marking it lost", s.id, o.error);
    bool done = false;
    auto mark = [&] { done = reg.finish(s.id, State::kLost, "orch:pid-check", o); };
    if (wait_for_lock) {
      mark();
    } else {
      try {
        if (!reg.try_transaction(mark, kBriefLockWaitMs)) continue;
      } catch (const Error& e) {
        spdlog::debug("session {}: cannot mark it lost now: {}", s.id, e.what());
        continue;
      }
    }
    if (done) ++marked;
    clean_up_after_supervisor(reg, s);
  }
  return marked;
}

void clean_up_after_supervisor(registry::Registry& reg, const registry::Session& s) {
  kill_agent_leftovers(s);
  kill_worktree_leftovers(reg, s);
  abort_abandoned_turn(reg, s);  // before the release, which may stop the server
  release_agent_server(reg, s.id);
}

void release_agent_server(registry::Registry& reg, const std::string& session_id) {
  try {
    auto server = registry::release_server(reg, session_id);
    // SIGTERM, up to 3 s, then SIGKILL: opencode may ignore a SIGTERM right after an abort.
    if (server) opencode::stop_server_process(server->pid, server->start_time);
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

int kill_worktree_leftovers(registry::Registry& reg, const registry::Session& s) {
  if (s.worktree.empty()) return 0;
  int killed = 0;
  try {
    registry::SessionFilter live;
    live.live_only = true;
    std::error_code ec;
    const auto mine = std::filesystem::weakly_canonical(s.worktree, ec);
    for (const registry::Session& other : reg.list_sessions(live)) {
      std::error_code ec2;
      if (other.id != s.id && other.state != State::kQueued &&
          std::filesystem::weakly_canonical(other.worktree, ec2) == mine) {
        return 0;  // a successor (handoff) works there now: its processes are not leftovers
      }
    }
    for (pid_t pid : process::processes_working_in(s.worktree, true)) {
      spdlog::debug("session {}: killing pid {}, still working in its worktree", s.id, pid);
      if (kill(pid, SIGKILL) == 0) ++killed;
    }
  } catch (const std::exception&) {
    // Best effort: orch doctor lists processes working in worktrees no live session owns.
  }
  return killed;
}

std::vector<std::string> server_passwords(const HomeLayout& home) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(home.servers(), ec)) {
    std::ifstream in(e.path() / "password");
    std::string password;
    if (std::getline(in, password) && !password.empty()) out.push_back(password);
  }
  return out;
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
