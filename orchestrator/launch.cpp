#include "orchestrator/launch.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/text.h"
#include "orchestrator/input_limits.h"
#include "orchestrator/liveness.h"
#include "orchestrator/pool.h"
#include "orchestrator/session_options.h"

namespace orch {
namespace fs = std::filesystem;
using registry::State;

namespace {

uint32_t fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// Refuses a unit with a live session; a live-looking session whose supervisor is gone is marked
// lost first, so a crashed run never blocks the unit.
void check_no_live_session(registry::Registry& reg, int64_t unit_id, const std::string& unit) {
  auto live = reg.live_session_of_unit(unit_id);
  if (!live) return;
  if (supervisor_gone(*live)) {
    reap_lost(reg);
    return;
  }
  throw Error("unit '" + unit + "' already has a live session " + live->id + " (" +
                  registry::to_string(live->state) + ")",
              kExitConflict);
}

// The agent session a re-sling continues: the newest ended session of the unit on the same
// backend, when that backend can resume conversations (Claude Code: --resume + --fork-session).
std::string session_to_resume(registry::Registry& reg, int64_t unit_id, const std::string& unit,
                              const std::string& backend) {
  if (backend != "claude") return "";
  registry::SessionFilter f;
  f.unit = unit;
  for (const registry::Session& s : reg.list_sessions(f)) {  // newest first
    if (s.unit_id != unit_id || registry::is_live(s.state)) continue;
    if (s.backend == backend && !s.agent_session_id.empty()) return s.agent_session_id;
  }
  return "";
}

// The branch may be checked out in the worktree of an ended session of this unit: detach those
// so the new worktree can check it out.
void release_branch(registry::Registry& reg, int64_t unit_id, const std::string& unit) {
  registry::SessionFilter f;
  f.unit = unit;
  for (const registry::Session& s : reg.list_sessions(f)) {
    if (s.unit_id == unit_id && !registry::is_live(s.state) && fs::exists(s.worktree)) {
      git::detach_head(s.worktree);
    }
  }
}

}  // namespace

void require_utf8_path(const std::string& path) {
  if (is_valid_utf8(path)) return;
  throw Error("repository path '" + to_valid_utf8(path) + "'",
              "is not valid UTF-8; orch records paths as text (JSON): rename or move the "
              "repository",
              kExitUsage);
}

std::string worktree_path(const HomeLayout& home, const std::string& repo, const std::string& unit,
                          const std::string& session_id) {
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", fnv1a(repo));
  std::string folder = fs::path(repo).filename().string() + "-" + hash;
  return (home.worktrees() / folder / (unit + "-" + session_id)).string();
}

registry::Session launch(Factory& f, const LaunchRequest& req) {
  // Validate every input before anything is written.
  git::validate_unit_name(req.unit);
  require_utf8_path(req.repo);
  if (!is_valid_utf8(req.prompt)) {
    throw Error("the work", "is not valid UTF-8 text (nothing was written)", kExitUsage);
  }
  git::RepoInfo repo = git::open_repo(req.repo);
  require_utf8_path(repo.workdir);  // e.g. "." inside such a folder
  AgentConfig config =
      load_agent_config(f.home().root, repo.workdir, RepoTrust{f.trust_repo_config(), ""});
  registry::Registry& reg = f.registry();
  std::optional<registry::Convoy> convoy;
  if (!req.convoy.empty()) convoy = convoy_for_launch(reg, req.convoy, repo.workdir);
  Preset preset = config.find(req.agent.empty() && convoy ? convoy->agent : req.agent);
  if (!req.backend.empty()) preset.backend = req.backend;
  make_backend(preset.backend, "");  // throws for an unknown backend
  check_exec_size(preset);           // an env too large to exec fails here, not at the spawn
  SessionOptions opts;
  opts.binary = resolve_binary(preset);
  opts.max_turns = preset.max_turns;
  opts.policy = req.policy.empty() ? preset.policy : policy_from_string(req.policy);
  opts.inactivity_timeout_ms =
      req.inactivity_timeout_ms > 0 ? req.inactivity_timeout_ms : preset.inactivity_timeout_ms;
  opts.startup_timeout_ms =
      req.startup_timeout_ms > 0 ? req.startup_timeout_ms : preset.startup_timeout_ms;
  BackendSettings backend_settings = config.backend(preset.backend);
  opts.shared_server = backend_settings.server == ServerMode::kShared;
  opts.sessions_per_server = backend_settings.sessions_per_server;
  opts.repo_config_sha256 = config.repo_file_sha256;
  std::string base_commit = git::resolve_commit(repo.workdir, req.base.empty() ? "HEAD" : req.base);
  std::string branch = "orch/" + req.unit;
  registry::PoolFields pool;
  pool.max_sessions = resolve_max_sessions(req.max_sessions, convoy, config.max_sessions);
  pool.max_attempts = 1 + resolve_retries(req.retries, convoy);
  pool.priority = req.priority;
  pool.backend_max_sessions = backend_settings.max_sessions;

  auto known = reg.find_unit(repo.workdir, req.unit);
  std::string prompt = !req.prompt.empty() ? req.prompt : known ? known->prompt : "";
  if (prompt.empty()) {
    throw Error("no work given", "pass -m TEXT, --prompt-file FILE or - (stdin)", kExitUsage);
  }
  if (known) {
    check_no_live_session(reg, known->id, req.unit);
    release_branch(reg, known->id, req.unit);
    opts.resume_agent_session = session_to_resume(reg, known->id, req.unit, preset.backend);
  }

  std::string id = process::random_hex(4);
  std::string path = worktree_path(f.home(), repo.workdir, req.unit, id);
  std::string wt_name = "orch-" + req.unit + "-" + id;
  create_private_dirs(fs::path(path).parent_path());
  git::WorktreeResult wt = git::add_worktree({repo.workdir, branch, base_commit, path, wt_name});
  spdlog::debug("unit {}: branch {} at {}, worktree {}", req.unit, branch, base_commit, wt.path);

  registry::Session s;
  s.id = id;
  s.agent = preset.name;
  s.backend = preset.backend;
  s.model = !req.model.empty() ? req.model : preset.model;
  s.prompt = prompt;
  s.worktree = wt.path;
  s.started_at = now_ms();
  s.no_commit = req.no_commit;
  s.options = to_json(opts);
  try {
    return admit_session(f, s, pool, "cli:sling", [&](registry::Session& row) {
      registry::Unit u;
      u.name = req.unit;
      u.repo = repo.workdir;
      u.branch = branch;
      u.base_ref = req.base.empty() ? "HEAD" : req.base;
      u.base_commit = known ? known->base_commit : base_commit;
      u.prompt = prompt;
      u.priority = req.priority;
      u.created_at = row.started_at;
      row.unit_id = reg.upsert_unit(u).id;
      if (convoy) registry::set_unit_convoy(reg, row.unit_id, convoy->id);
    });
  } catch (...) {
    // Nothing was recorded when the transaction failed; a failed supervisor start keeps its row
    // (recorded `failed`) and so keeps its worktree too.
    if (!reg.get_session(id)) git::remove_worktree(repo.workdir, wt_name, true);
    throw;
  }
}

registry::Session wait_accepted(Factory& f, const std::string& session_id, int64_t timeout_ms) {
  registry::Registry& reg = f.registry();
  int64_t deadline = steady_ms() + timeout_ms;
  while (true) {
    auto s = reg.get_session(session_id);
    if (!s) throw Error("session " + session_id, "not found", kExitNotFound);
    if (s->state == State::kQueued) return *s;
    if (!s->agent_session_id.empty() || !registry::is_live(s->state)) return *s;
    if (supervisor_gone(*s)) {
      reap_lost(reg);
      return *reg.get_session(session_id);
    }
    if (steady_ms() >= deadline) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace orch
