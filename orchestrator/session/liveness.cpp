#include "orchestrator/session/liveness.h"

#include <signal.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "orchestrator/mcp/tool_socket.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/session/disk_reserve.h"
#include "orchestrator/session/options.h"
#include "orchestrator/session/remote_push.h"
#include "orchestrator/session/shared_servers.h"

namespace orch {

using registry::State;

bool supervisor_gone(const registry::Session& s, int64_t now, const registry::AliveFn& alive) {
  if (!registry::is_live(s.state) || s.state == State::kQueued) return false;
  if (s.supervisor_pid <= 0) return now - s.started_at > kSupervisorStartGraceMs;
  return !alive(s.supervisor_pid, s.supervisor_start_time);
}

bool runs_here(registry::Registry& reg, const registry::Session& s) {
  return s.host.empty() || s.host == reg.host();
}

bool supervisor_gone(registry::Registry& reg, const registry::Session& s) {
  if (!runs_here(reg, s)) return false;
  return supervisor_gone(s, now_ms(), [](int64_t pid, int64_t start) {
    return process::is_alive(static_cast<pid_t>(pid), start);
  });
}

registry::Outcome lost_outcome(const registry::Session& s, const LostFacts& facts) {
  registry::Outcome o;
  o.error = s.supervisor_pid > 0
                ? "supervisor (pid " + std::to_string(s.supervisor_pid) + ") is gone"
                : "supervisor never started";
  if (!facts.reserve_note.empty()) o.error += " after: " + facts.reserve_note;
  o.commit_id = facts.branch_commit;
  o.diffstat = facts.diffstat;
  if (facts.worktree_dirty) {
    o.error += "; its worktree " + s.worktree + " holds uncommitted changes (orch handoff " +
               s.unit_name + " commits them and goes on)";
  }
  return o;
}

registry::Outcome lost_outcome(registry::Registry& reg, const registry::Session& s) {
  LostFacts facts;
  HomeLayout home{reg.file().parent_path()};
  facts.reserve_note = reserve_note(home.session_dir(s.id));
  try {
    auto unit = reg.get_unit(s.unit_id);
    const std::string repo = unit ? unit_repo_dir(home, unit->repo) : "";  // a URL's mirror
    if (unit && !s.branch.empty() && git::branch_exists(repo, s.branch)) {
      facts.branch_commit = git::resolve_commit(repo, s.branch);
      facts.diffstat = git::diffstat(repo, unit->base_commit, facts.branch_commit);
    }
  } catch (const std::exception& e) {
    spdlog::debug("session {}: cannot read its branch: {}", s.id, e.what());
  }
  try {
    facts.worktree_dirty =
        !s.worktree.empty() && std::filesystem::exists(s.worktree) && git::is_dirty(s.worktree);
  } catch (const std::exception& e) {
    spdlog::debug("session {}: cannot read its worktree: {}", s.id, e.what());
  }
  return lost_outcome(s, facts);
}

int reap_lost(registry::Registry& reg, bool wait_for_lock) {
  registry::SessionFilter live;
  live.active_only = true;  // a queued session has no supervisor yet (supervisor_gone)
  int marked = 0;
  for (const registry::Session& s : reg.list_sessions(live)) {
    if (!supervisor_gone(reg, s)) continue;
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
  mcp::remove_stale_socket(reg.file().parent_path().string(), s.worktree);  // a killed one's
}

void release_agent_server(registry::Registry& reg, const std::string& session_id) {
  try {
    auto server = RegistryServerStore(reg).release(session_id);
    // SIGTERM, up to 3 s, then SIGKILL: opencode may ignore a SIGTERM right after an abort.
    if (server) stop_server_process(*server);
  } catch (const Error&) {
    // The idle reaping in fill_slots stops it later.
  }
}

void abort_abandoned_turn(registry::Registry& reg, const registry::Session& s) {
  try {
    RegistryServerStore servers(reg);
    HomeLayout home{reg.file().parent_path()};
    std::string done =
        make_backend(s.backend, "")->clean_up_abandoned(s, servers, home.servers().string());
    if (!done.empty()) spdlog::debug("session {}: {}", s.id, done);
  } catch (const std::exception&) {
    // Best effort: the turn ends by itself; the session is recorded as ended either way.
  }
}

bool agent_group_is_sessions(const registry::Session& s, const BackendInfo& backend) {
  if (s.agent_pid <= 0 || s.worktree.empty()) return false;
  // On a shared server the agent pid is the server's.
  return !(backend.shares_servers && session_options_from_json(s.options).shared_server);
}

void kill_agent_leftovers(const registry::Session& s) {
  kill_marked_processes(s.id);
  try {
    if (!agent_group_is_sessions(s, backend_info(s.backend))) return;
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
    // A hook's processes are the hook courier's to end (kHookEnvVar).
    std::vector<pid_t> hooks = process::processes_with_env(kHookEnvVar, session_id);
    for (pid_t pid : process::processes_with_env(kSessionEnvVar, session_id)) {
      if (std::find(hooks.begin(), hooks.end(), pid) != hooks.end()) continue;
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
    // A successor (handoff) works there now: its processes are not leftovers.
    if (worktree_taken_over(s, reg.list_sessions(live))) return 0;
    for (pid_t pid : process::processes_working_in(s.worktree, true)) {
      spdlog::debug("session {}: killing pid {}, still working in its worktree", s.id, pid);
      if (kill(pid, SIGKILL) == 0) ++killed;
    }
  } catch (const std::exception&) {
    // Best effort: orch doctor lists processes working in worktrees no live session owns.
  }
  return killed;
}

bool worktree_taken_over(const registry::Session& s, const std::vector<registry::Session>& live) {
  std::error_code ec;
  const auto mine = std::filesystem::weakly_canonical(s.worktree, ec);
  for (const registry::Session& other : live) {
    std::error_code ec2;
    if (other.id != s.id && registry::is_live(other.state) && other.state != State::kQueued &&
        std::filesystem::weakly_canonical(other.worktree, ec2) == mine) {
      return true;
    }
  }
  return false;
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
