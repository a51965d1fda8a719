// Telling live sessions from lost ones: a session is lost when its supervisor process is gone,
// checked by pid together with the process start time (a reused pid is not the supervisor).
#pragma once

#include <string>
#include <vector>

#include "lib/home.h"
#include "lib/registry/registry.h"
#include "lib/registry/servers.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// Ms a `starting` session may go without a recorded supervisor before it counts as lost
/// (covers an `orch sling` killed between writing the session and starting its supervisor).
inline constexpr int64_t kSupervisorStartGraceMs = 60000;

/// How long best-effort upkeep (reap_lost and fill_slots without wait_for_lock) waits for the
/// registry's write lock before it skips the step.
inline constexpr int64_t kBriefLockWaitMs = 200;

/// Pure: true if `s` is live in the registry (not queued) but its supervisor is gone at `now`
/// (wall-clock ms): its recorded pid does not run with its recorded start time (`alive`), or none
/// was recorded kSupervisorStartGraceMs after the session started.
bool supervisor_gone(const registry::Session& s, int64_t now, const registry::AliveFn& alive);

/// True when session `s` runs on the host of `reg`'s home (Registry::host), or names no host
/// (rows older than migration 0021): only then do its pids mean anything here. A session of
/// another host is judged by its worker's heartbeat (pool/lost_workers.h).
bool runs_here(registry::Registry& reg, const registry::Session& s);

/// supervisor_gone at the current time, checking the process in /proc; false for a session of
/// another host (runs_here), whose pid means nothing here.
bool supervisor_gone(registry::Registry& reg, const registry::Session& s);

/// Marks every live session of this host (runs_here) whose supervisor is gone as `lost` (source
/// "orch:pid-check") with lost_outcome, and cleans up after that supervisor
/// (clean_up_after_supervisor). Returns how many it marked. `wait_for_lock` false: a session is
/// skipped (left for a later command) when the write lock stays busy for kBriefLockWaitMs or the
/// write fails (orch agents).
int reap_lost(registry::Registry& reg, bool wait_for_lock = true);

/// What is recorded for session `s` found lost: why (its supervisor is gone, with the note it
/// left in its disk reserve, e.g. `no space left on device`), what its branch holds (`commit`
/// and `diffstat` against the unit's base, so a commit made just before the supervisor died is
/// not reported as null), and whether its worktree holds uncommitted changes (and that `orch
/// handoff` takes them). Never throws: what cannot be read is left empty.
registry::Outcome lost_outcome(registry::Registry& reg, const registry::Session& s);

/// What lost_outcome reads about a lost session.
struct LostFacts {
  std::string reserve_note;   ///< the note its supervisor left in its disk reserve, or ""
  std::string branch_commit;  ///< the commit its branch points at ("" if none or unreadable)
  std::string diffstat;       ///< of that commit against the unit's base
  bool worktree_dirty = false;
};

/// Pure: lost_outcome's record for session `s` given what was read.
registry::Outcome lost_outcome(const registry::Session& s, const LostFacts& facts);

/// Detaches an ended session from its shared agent server on behalf of a supervisor that cannot
/// (killed, lost): when it was the server's last user, the server is stopped
/// (stop_server_process: SIGTERM to its process group, SIGKILL to what is left after 3 s; returns
/// once the group is gone). Never throws.
void release_agent_server(registry::Registry& reg, const std::string& session_id);

/// Everything the supervisor of session `s` would have done after its agent, for a supervisor
/// that was killed or died: kill_agent_leftovers, kill_worktree_leftovers, abort_abandoned_turn,
/// then release_agent_server. Never throws.
void clean_up_after_supervisor(registry::Registry& reg, const registry::Session& s);

/// After a session's supervisor was killed (orch stop --force, after the grace period) or died
/// (lost): a turn of its agent on a shared server, which serves other sessions too, goes on with
/// nobody following it; the session's backend ends it (Orchestrator::clean_up_abandoned, given
/// the servers table and $ORCH_HOME/servers/, beside the registry file). Call it before
/// release_agent_server. Never throws.
void abort_abandoned_turn(registry::Registry& reg, const registry::Session& s);

/// After a session's supervisor was killed (orch stop --force or after the grace period) or died
/// (lost): SIGKILLs what its agent left running, the members of the agent's own process group
/// (sessions.agent_pid) still working in the session's worktree, such as a tool's child process,
/// and every process marked as the session's (kill_marked_processes). The group is left alone
/// for a session on a shared agent server (BackendInfo::shares_servers: it is the server's).
/// Never throws.
void kill_agent_leftovers(const registry::Session& s);

/// Pure (but for parsing the session's options): whether the process group of the session's
/// recorded agent pid is the session's, to be killed after it was abandoned: it has an agent pid
/// and a worktree, and is not on a shared server of a backend that shares them.
bool agent_group_is_sessions(const registry::Session& s, const BackendInfo& backend);

/// SIGKILLs every process still marked as this session's (ORCH_SESSION=<session_id> in its
/// environment, kSessionEnvVar): what the agent started and left running, also outside its
/// process group (a tool's child that called setsid). Returns how many were signalled. Called
/// once a session's agent has ended, and by kill_agent_leftovers. A hook's processes (marked
/// kHookEnvVar too) are left to the hook courier, which ends them at their timeout. Never throws.
int kill_marked_processes(const std::string& session_id);

/// After a session's agent ended (its supervisor's end, or clean_up_after_supervisor): SIGKILLs
/// every process without a controlling terminal still working in the session's worktree
/// (process::processes_working_in), whatever its command line, e.g. a tool's child left by a
/// shared server that was killed mid call (it is in no group and carries no mark of the
/// session). Nothing when another live session works in that worktree (a handoff's successor).
/// Returns how many were signalled. Never throws.
int kill_worktree_leftovers(registry::Registry& reg, const registry::Session& s);

/// True when another of the `live` sessions (live, not queued) works in `s`'s worktree (paths
/// compared once made canonical): a handoff's successor, whose processes are not leftovers.
bool worktree_taken_over(const registry::Session& s, const std::vector<registry::Session>& live);

/// The current passwords of the shared agent servers ($ORCH_HOME/servers/<id>/password): secrets
/// no auto-commit may put on a branch (git::commit_all's `secrets`). Never throws.
std::vector<std::string> server_passwords(const HomeLayout& home);

/// The exit code for a session that ended in `s`: done 0, failed 3, stopped/handed_off 4, lost 5.
int exit_code_for(registry::State s);

}  // namespace orch
