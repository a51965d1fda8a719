#include "orchestrator/session/launch.h"

#include <chrono>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/crash_point.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/remote.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/text.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/options.h"

namespace orch {
using registry::State;

namespace {

// Refuses a unit with a live session; a live-looking session whose supervisor is gone is marked
// lost first, so a crashed run never blocks the unit.
void check_no_live_session(registry::Registry& reg, int64_t unit_id, const std::string& unit) {
  auto live = reg.live_session_of_unit(unit_id);
  if (!live) return;
  if (supervisor_gone(reg, *live)) {
    reap_lost(reg);
    return;
  }
  throw Error("unit '" + unit + "' already has a live session " + live->id + " (" +
                  registry::to_string(live->state) + ")",
              kExitConflict);
}

// The agent session a re-sling continues: the newest ended session of the unit on the same
// backend, when that backend resumes on a re-sling (BackendInfo::resumes_on_resling).
std::string session_to_resume(registry::Registry& reg, int64_t unit_id, const std::string& unit,
                              const std::string& backend) {
  if (!backend_info(backend).resumes_on_resling) return "";
  registry::SessionFilter f;
  f.unit = unit;
  for (const registry::Session& s : reg.list_sessions(f)) {  // newest first
    if (s.unit_id != unit_id || registry::is_live(s.state)) continue;
    if (s.backend == backend && !s.agent_session_id.empty()) return s.agent_session_id;
  }
  return "";
}

// The linked worktrees of the repository by the branch they hold (folders that still exist).
void read_checkouts(LaunchContext& ctx) {
  std::map<std::string, std::string> at;
  for (const git::WorktreeInfo& w : git::list_worktrees(ctx.repo->workdir)) {
    if (!w.branch.empty() && !w.prunable) at.emplace(w.branch, w.path);
  }
  ctx.head_branch = git::head_branch(ctx.repo->workdir);
  ctx.checkouts = std::move(at);
}

// The repository of a launch: a local one opened, or a URL's mirror freshly fetched (its
// workdir is the mirror, whose working tree is empty: no .orch.toml is read from it).
git::RepoInfo open_launch_repo(const Deps& f, LaunchContext& ctx, const std::string& repo) {
  if (!git::looks_like_url(repo)) {
    git::RepoInfo info = git::open_repo(repo);
    require_utf8_path(info.workdir);  // e.g. "." inside such a folder
    return info;
  }
  git::check_repo_url(repo);
  ctx.url = repo;
  std::string mirror = git::fetch_mirror(f.home().repos().string(), repo);
  return git::RepoInfo{mirror, mirror + "/.git", ""};
}

template <class Fn>
const std::string& cached(std::map<std::string, std::string>& cache, const std::string& key,
                          Fn make) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make()).first;
  return it->second;
}

}  // namespace

void require_utf8_path(const std::string& path) {
  if (is_valid_utf8(path)) return;
  throw Error("repository path '" + to_valid_utf8(path) + "'",
              "is not valid UTF-8; orch records paths as text (JSON): rename or move the "
              "repository",
              kExitUsage);
}

PreparedLaunch prepare_launch(const Deps& f, LaunchContext& ctx, const LaunchRequest& req,
                              const std::string& session_id, int64_t now) {
  git::validate_unit_name(req.unit);
  if (!git::looks_like_url(req.repo)) require_utf8_path(req.repo);
  if (!is_valid_utf8(req.prompt)) {
    throw Error("the work", "is not valid UTF-8 text (nothing was written)", kExitUsage);
  }
  if (!ctx.repo) ctx.repo = open_launch_repo(f, ctx, req.repo);
  const git::RepoInfo& repo = *ctx.repo;
  const bool remote = !ctx.url.empty();
  const std::string& repo_key = remote ? ctx.url : repo.workdir;  // units.repo
  if (!ctx.config) {
    ctx.config =
        load_agent_config(f.home().root, repo.workdir, RepoTrust{f.trust_repo_config(), ""});
  }
  const AgentConfig& config = *ctx.config;
  registry::Registry& reg = f.registry();
  std::optional<registry::Convoy> convoy;
  if (!req.convoy.empty()) {
    auto it = ctx.convoys.find(req.convoy);
    if (it == ctx.convoys.end()) {
      it = ctx.convoys.emplace(req.convoy, convoy_for_launch(reg, req.convoy, repo_key)).first;
    }
    convoy = it->second;
  }
  Preset preset = config.find(req.agent.empty() && convoy ? convoy->agent : req.agent);
  if (!req.backend.empty()) preset.backend = req.backend;
  make_backend(preset.backend, "");  // throws for an unknown backend
  check_exec_size(preset);           // an env too large to exec fails here, not at the spawn
  BackendSettings backend_settings = config.backend(preset.backend);
  SessionOptions opts =
      session_options(preset, backend_settings,
                      cached(ctx.binaries, preset.name, [&] { return resolve_binary(preset); }),
                      config.repo_file_sha256);
  if (!req.policy.empty()) opts.policy = policy_from_string(req.policy);
  if (req.inactivity_timeout_ms > 0) opts.inactivity_timeout_ms = req.inactivity_timeout_ms;
  if (req.startup_timeout_ms > 0) opts.startup_timeout_ms = req.startup_timeout_ms;
  opts.checks = req.checks_given ? req.checks : config.checks;
  opts.fix_attempts = req.fix_attempts >= 0 ? req.fix_attempts : config.fix_attempts;
  const WorkspaceSettings workspace = overlay(config.workspace, req.workspace);
  // Checked once per context for the config files' own settings (a convoy's units share them).
  const bool shared_workspace = workspace == config.workspace;
  if (!shared_workspace || !ctx.workspace_checked) check_workspace(workspace, repo.workdir);
  ctx.workspace_checked |= shared_workspace;
  // A shared opencode server has one environment for every session it serves.
  if (workspace.ports > 0) opts.shared_server = false;
  opts.require_changes = req.require_changes || config.require_changes;
  opts.notify = req.notify;
  opts.hooks = req.notify || !config.hooks.empty();
  opts.limits = overlay_limits(config.limits, req.limits);
  if (req.no_tools) opts.tools = false;
  const std::string base_ref = req.base.empty() ? "HEAD" : req.base;
  std::string base_commit = cached(ctx.bases, base_ref, [&] {
    return remote ? git::resolve_remote_base(repo.workdir, ctx.url, base_ref)
                  : git::resolve_commit(repo.workdir, base_ref);
  });

  PreparedLaunch p;
  p.pool.max_sessions = resolve_max_sessions(req.max_sessions, convoy, config.max_sessions);
  p.pool.max_attempts = 1 + resolve_retries(req.retries, convoy);
  p.pool.priority = req.priority;
  p.pool.backend_max_sessions = backend_settings.max_sessions;
  p.pool.queued_at = now;
  if (convoy) p.convoy_id = convoy->id;

  auto known = reg.find_unit(repo_key, req.unit);
  std::string prompt = !req.prompt.empty() ? req.prompt : known ? known->prompt : "";
  if (prompt.empty()) {
    throw Error("no work given", "pass -m TEXT, --prompt-file FILE or - (stdin)", kExitUsage);
  }
  if (known) {
    check_no_live_session(reg, known->id, req.unit);
    opts.resume_agent_session = session_to_resume(reg, known->id, req.unit, preset.backend);
  }
  const std::string branch = "orch/" + req.unit;
  if (!remote) {  // a remote unit's branch lives in each worker's mirror
    if (!ctx.checkouts) read_checkouts(ctx);
    std::string why = branch_blocker(f, repo.workdir, *ctx.checkouts, ctx.head_branch, branch);
    if (!why.empty()) throw Error("branch '" + branch + "'", why);
  }
  p.for_worker = remote;

  p.unit.name = req.unit;
  p.unit.repo = repo_key;
  p.unit.branch = branch;
  p.unit.base_ref = base_ref;
  p.unit.base_commit = known ? known->base_commit : base_commit;
  p.unit.prompt = prompt;
  p.unit.priority = req.priority;
  p.unit.created_at = now;
  registry::Session& s = p.session;
  s.id = session_id;
  s.agent = preset.name;
  s.backend = preset.backend;
  s.model = !req.model.empty() ? req.model : preset.model;
  s.prompt = prompt;
  s.worktree = worktree_path(f.home(), repo_key, req.unit, session_id);
  s.started_at = now;
  s.no_commit = req.no_commit;
  s.parent_session = req.parent_session;
  s.options = workspace_to_options(to_json(opts), workspace);
  return p;
}

Admitted record_launches(registry::Registry& reg, const std::vector<PreparedLaunch>& launches,
                         const std::string& source) {
  Admitted admitted;
  reg.transaction([&] {
    std::vector<Admission> batch;
    batch.reserve(launches.size());
    for (const PreparedLaunch& p : launches) {
      Admission a;
      a.session = p.session;
      a.session.unit_id = reg.upsert_unit(p.unit).id;
      if (p.convoy_id > 0) registry::set_unit_convoy(reg, a.session.unit_id, p.convoy_id);
      a.pool = p.pool;
      a.worktree_pending = true;
      a.for_worker = p.for_worker;
      batch.push_back(std::move(a));
    }
    admitted = record_admissions(reg, std::move(batch), source);
  });
  return admitted;
}

std::vector<registry::Session> commit_launches(const Deps& f,
                                               const std::vector<PreparedLaunch>& launches,
                                               const std::string& source,
                                               bool rethrow_spawn_failure) {
  Admitted admitted = record_launches(f.registry(), launches, source);
  return start_admitted(f, admitted, source, rethrow_spawn_failure);
}

std::vector<std::string> new_session_ids(registry::Registry& reg, size_t n) {
  std::set<std::string> ids;
  while (ids.size() < n) {
    std::string id = process::random_hex(4);
    if (!reg.get_session(id)) ids.insert(id);
  }
  return {ids.begin(), ids.end()};
}

registry::Session launch(const Deps& f, const LaunchRequest& req) {
  LaunchContext ctx;
  std::vector<PreparedLaunch> one;
  one.push_back(prepare_launch(f, ctx, req, process::random_hex(4), now_ms()));
  crash_point("sling:validated");  // test hook: everything checked, nothing written
  std::string id = commit_launches(f, one, "cli:sling", true).front().id;
  return *f.registry().get_session(id);
}

registry::Session wait_accepted(const Deps& f, const std::string& session_id, int64_t timeout_ms) {
  registry::Registry& reg = f.registry();
  int64_t deadline = steady_ms() + timeout_ms;
  while (true) {
    auto s = reg.get_session(session_id);
    if (!s) throw Error("session " + session_id, "not found", kExitNotFound);
    if (s->state == State::kQueued) return *s;
    if (!s->agent_session_id.empty() || !registry::is_live(s->state)) return *s;
    if (supervisor_gone(reg, *s)) {
      reap_lost(reg);
      return *reg.get_session(session_id);
    }
    if (steady_ms() >= deadline) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace orch
