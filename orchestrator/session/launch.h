// Launching a session for a work unit: validate everything, record the unit and session (the
// intent) before anything is created, start the detached supervisor, and wait until the agent
// has accepted the work. The supervisor creates the branch and worktree when its session holds a
// pool slot (create_session_worktree), so queued sessions have nothing on disk and a crash at any
// point leaves a registry row that names what to reclaim. Used by `orch sling` and convoys.
// docs/ARCHITECTURE.md ("Launching a session: intent first") describes the order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/git/git.h"
#include "lib/registry/convoys.h"
#include "lib/registry/pool.h"
#include "lib/registry/types.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/deps.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/workspace/settings.h"

namespace orch {

struct LaunchRequest {
  std::string unit;     ///< unit id; branch orch/<unit>
  std::string repo;     ///< path to the repository (or inside it)
  std::string agent;    ///< preset name; "" = the config files' [defaults] agent, else opencode
  std::string backend;  ///< overrides the preset's backend when not empty
  std::string prompt;   ///< the work; may be empty when re-slinging a known unit
  std::string base;     ///< base ref; empty = the repository's HEAD commit
  std::string model;    ///< provider/model override
  bool no_commit = false;
  int64_t inactivity_timeout_ms = 0;  ///< 0 = the preset's
  int64_t startup_timeout_ms = 0;     ///< 0 = the preset's
  std::string policy;                 ///< "" = the preset's; deny | allow
  /// --check (or a convoy line's "checks"): replace the config files' [[checks]] when given.
  std::vector<config::CheckSpec> checks;
  bool checks_given = false;
  int fix_attempts = -1;         ///< --fix-attempts; -1 = [defaults] fix_attempts, else 2
  bool require_changes = false;  ///< a done with no change fails; also [defaults] require_changes
  bool notify = false;           ///< --notify: a desktop notification on the session's events
  /// --max-cost, --max-tokens, --max-duration (a convoy line's keys): each given limit (above 0)
  /// wins over [defaults] max_cost, max_tokens, max_duration (orchestrator/session/budget.h).
  SpendLimits limits;
  // Session pool (orchestrator/pool/pool.h):
  std::string convoy;    ///< add the unit to this convoy (its agent, cap and retries are defaults)
  int max_sessions = 0;  ///< pool cap; 0 = the convoy's, else [defaults] max_sessions, else 4
  int retries = -1;      ///< re-runs of a failed attempt; -1 = the convoy's, else 0
  int priority = 0;      ///< queue order: higher takes a free slot first
  WorkspaceOverride workspace;  ///< the unit's own [workspace] keys (a convoy's JSON Lines)
  bool no_tools = false;        ///< --no-tools: no orch tools in the agent (preset key `tools`)
  /// The session that slung this one through orch's `sling` tool ("" = none): its
  /// parent_session (orchestrator/mcp/tools.h).
  std::string parent_session;
};

/// Refuses a repository path that is not valid UTF-8 (orch::Error, exit 2): the registry, the
/// JSON output and the agents' requests hold paths as text.
void require_utf8_path(const std::string& path);

/// Where the worktree of `session_id` for `unit` of `repo` lives:
/// $ORCH_HOME/worktrees/<repo folder name>-<8 hex of FNV-1a(repo path)>/<unit>-<session_id>,
/// with $ORCH_HOME's existing part resolved (weakly_canonical), so it compares equal to the path
/// git lists once the worktree exists.
std::string worktree_path(const HomeLayout& home, const std::string& repo, const std::string& unit,
                          const std::string& session_id);

/// The worktree's name in .git/worktrees/: "orch-<unit>-<session_id>" with every byte of the unit
/// that is not an ASCII letter, digit, '-', '_' or '.' replaced by '_' (git::validate_unit_name
/// allows more in a branch name than libgit2 allows in a worktree name; the session id keeps the
/// name unique).
std::string worktree_name(const std::string& unit, const std::string& session_id);

/// What launches into one repository share, read once (a convoy of 10,000 units must not load
/// the config files, resolve binaries and bases, or list worktrees 10,000 times).
struct LaunchContext {
  /// The repository; for a URL, its mirror (lib/git/remote.h, fetched once per context).
  std::optional<git::RepoInfo> repo;
  std::string url;  ///< the repository's URL ("" = a local repository)
  std::optional<AgentConfig> config;
  std::map<std::string, registry::Convoy> convoys;              ///< by name
  std::map<std::string, std::string> binaries;                  ///< preset name -> resolved binary
  std::map<std::string, std::string> bases;                     ///< base ref -> commit
  std::optional<std::map<std::string, std::string>> checkouts;  ///< branch -> worktree path
  std::string head_branch;         ///< the main working tree's branch (valid with `checkouts`)
  bool workspace_checked = false;  ///< config's [workspace] passed check_workspace
};

/// A launch validated and decided, not yet written.
struct PreparedLaunch {
  registry::Session session;  ///< id, agent, backend, model, prompt, planned worktree, options
  registry::Unit unit;        ///< the unit row to record (upserted)
  registry::PoolFields pool;
  int64_t convoy_id = 0;    ///< 0 = none
  bool for_worker = false;  ///< a unit of a repository by URL: queued for `orch worker`
};

/// Validates `req` and decides its session. A repository given as a URL (git::looks_like_url)
/// is checked (git::check_repo_url, exit 2), its mirror fetched under $ORCH_HOME/repos and the
/// base resolved there (the remote's default branch when none is given); the unit records the
/// URL, the session is queued for a worker (PreparedLaunch::for_worker) and no .orch.toml is
/// read (the mirror's working tree is empty). (id `session_id`, started_at `now`); writes nothing.
/// Checks: the unit id (git::validate_unit_name, exit 2), the repository, the config files, the
/// convoy, the preset, backend and binary, the base, the work, that the unit has no live session
/// (exit 8; one whose supervisor is gone is marked lost first), and that the branch is not
/// checked out where orch cannot reclaim it (the main working tree, a worktree that is not
/// orch's), and the [workspace] settings with the unit's overrides (check_workspace: copy paths
/// inside the repository, the port block; a session with ports runs its own opencode server, so
/// ORCH_PORT reaches the agent's tools). Errors: orch::Error naming the problem.
PreparedLaunch prepare_launch(const Deps& f, LaunchContext& ctx, const LaunchRequest& req,
                              const std::string& session_id, int64_t now);

/// Records every prepared launch in one BEGIN IMMEDIATE transaction, joining the caller's (a
/// convoy records itself in the same one): the units, their convoy membership, then the sessions
/// (record_admissions: queued ones and those that got a slot, each worktree marked pending).
/// Starts nothing: start_admitted (orchestrator/pool/pool.h) does once it is committed. Errors:
/// what the transaction throws (nothing written), e.g. exit 8 when a unit got a live session
/// meanwhile.
Admitted record_launches(registry::Registry& reg, const std::vector<PreparedLaunch>& launches,
                         const std::string& source);

/// record_launches in its own transaction, then start_admitted. Returns the sessions as
/// recorded, in the order given; a supervisor that cannot start fails its session (with
/// `rethrow_spawn_failure`, the error is rethrown).
std::vector<registry::Session> commit_launches(const Deps& f,
                                               const std::vector<PreparedLaunch>& launches,
                                               const std::string& source,
                                               bool rethrow_spawn_failure);

/// `n` new session ids (8 hex digits each), distinct and unused in the registry, in ascending
/// order (sessions queued together with the same queued_at are then handed slots in the order
/// the ids are assigned).
std::vector<std::string> new_session_ids(registry::Registry& reg, size_t n);

/// `orch sling`: prepare_launch, then commit_launches (source "cli:sling"): the session is
/// recorded `starting` when the pool has room under its cap, else `queued` (its supervisor is
/// started when it gets a slot). Returns the session as recorded then.
/// Presets come from load_agent_config($ORCH_HOME, the repository's workdir).
/// Errors (nothing written): bad unit id (exit 2), a repository path or a prompt that is not
/// valid UTF-8 (exit 2), repository, config, base, unknown agent, missing binary, a branch
/// checked out elsewhere (exit 1), a live session on the unit (exit 8, also when a concurrent
/// sling of the unit won the race).
registry::Session launch(const Deps& f, const LaunchRequest& req);

/// Waits until the agent accepted the work (agent session id recorded) or the session ended.
/// Returns the session as then recorded. `timeout_ms` bounds the wait (then the session as is).
/// A queued session is returned at once.
registry::Session wait_accepted(const Deps& f, const std::string& session_id, int64_t timeout_ms);

/// Creates the branch (when missing, at the unit's base commit) and the worktree planned for
/// session `s` (its supervisor calls it before the agent starts), after reclaiming what holds the
/// branch and belongs to orch: an ended session's worktree is detached, a half-made one (a crash
/// while it was created; no agent ever ran in it) and an orphan (an orch worktree no session
/// names) are removed. Then marks the worktree created. Errors: orch::Error from git (the branch
/// is checked out in a worktree that is not orch's, no space, ...); add_worktree leaves nothing
/// behind then.
void create_session_worktree(const Deps& f, const registry::Session& s);

/// The reclaimable holders of `branch` in `repo`, as create_session_worktree treats them: returns
/// "" when the branch may be checked out by a new session (nowhere, or only in worktrees orch can
/// reclaim), else why not ("is checked out in the main working tree <path>", "is checked out in
/// worktree <path>, which is not orch's"). `checkouts` maps branches to the linked worktree
/// holding them; `head_branch` is the main working tree's branch. Errors: orch::Error (exit 8)
/// "unit '<unit>' already has a live session <id> (<state>)" when a live session's worktree
/// holds it.
std::string branch_blocker(const Deps& f, const std::string& repo,
                           const std::map<std::string, std::string>& checkouts,
                           const std::string& head_branch, const std::string& branch);

}  // namespace orch
