#include "orchestrator/session/handoff.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/registry/handoff.h"
#include "lib/registry/pool.h"
#include "lib/registry/workers.h"
#include "lib/text.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/agent_files.h"
#include "orchestrator/session/handoff_brief.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/options.h"
#include "orchestrator/session/remote_push.h"
#include "orchestrator/session/resolve.h"
#include "orchestrator/session/stop.h"
#include "orchestrator/workspace/settings.h"

namespace orch {
namespace fs = std::filesystem;
using registry::State;

namespace {

/// The commits listed in a brief at most; older ones are summed up by the diffstat.
constexpr std::size_t kBriefCommits = 20;

// The one session `target` names, which must be the latest session of its unit.
registry::Session previous_session(registry::Registry& reg, const std::string& target) {
  const registry::Session s = resolve_one(reg, target);
  registry::SessionFilter f;
  f.unit = s.unit_name;
  for (const registry::Session& other : reg.list_sessions(f)) {  // newest first
    if (other.unit_id != s.unit_id) continue;
    if (other.id != s.id) {
      throw Error("session " + s.id,
                  "it is not the latest session of unit " + s.unit_name + "; hand off " + other.id,
                  kExitUsage);
    }
    break;
  }
  return s;
}

// The previous session's last assistant text: its summary, else its last text event.
std::string last_text(registry::Registry& reg, const registry::Session& s) {
  if (!s.summary.empty()) return s.summary;
  std::vector<registry::Event> events = reg.events(s.id);
  json::Parser parser;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind != "text") continue;
    try {
      std::string text = json::str(json::at(parser.parse(it->data), "text"));
      if (!text.empty()) return text;
    } catch (const Error&) {
    }
  }
  return "";
}

// The new session's settings: the new preset's, with the previous session's policy and timeouts
// (its sling's flags) when the agent stays the same, and always its checks.
SessionOptions next_options(const registry::Session& prev, const Preset& preset,
                            const AgentConfig& config) {
  SessionOptions o = session_options(preset, config.backend(preset.backend), resolve_binary(preset),
                                     config.repo_file_sha256);
  const SessionOptions was = session_options_from_json(prev.options);
  o.checks = was.checks;
  o.fix_attempts = was.fix_attempts;
  o.require_changes = was.require_changes;
  o.notify = was.notify;
  o.hooks = was.notify || !config.hooks.empty();
  o.limits = was.limits;  // a handoff goes on under the unit's limits
  if (preset.name == prev.agent) {
    o.policy = was.policy;
    o.inactivity_timeout_ms = was.inactivity_timeout_ms;
    o.startup_timeout_ms = was.startup_timeout_ms;
  }
  return o;
}

// The handoff of a live session of another host: its worker carries it out (orch worker); waits
// for the previous session's end and the successor's row.
HandoffResult remote_handoff(const Deps& f, const registry::Session& prev,
                             const HandoffRequest& req) {
  registry::Registry& reg = f.registry();
  const std::string next_id = process::random_hex(4);
  registry::set_remote_request(reg, prev.id,
                               json::dump(json::Json{{"kind", "handoff"},
                                                     {"agent", req.agent},
                                                     {"note", req.note},
                                                     {"grace_ms", req.grace_ms},
                                                     {"next_id", next_id}}));
  const int64_t budget = req.grace_ms + kRemoteActMs;
  const int64_t deadline = steady_ms() + budget;
  wait_remote_end(reg, prev.id, budget);
  while (true) {
    if (auto next = reg.get_session(next_id))
      return HandoffResult{*reg.get_session(prev.id), *next};
    if (steady_ms() >= deadline) {
      throw Error("session " + prev.id,
                  "ended " + std::string(registry::to_string(reg.get_session(prev.id)->state)) +
                      " but its worker on host " + prev.host +
                      " recorded no successor (see orch logs " + prev.id + ")",
                  kExitTimeout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

HandoffResult handoff(const Deps& f, const HandoffRequest& req) {
  if (!is_valid_utf8(req.note)) {
    throw Error("the context note", "is not valid UTF-8 text (nothing was changed)", kExitUsage);
  }
  registry::Registry& reg = f.registry();
  registry::Session prev = previous_session(reg, req.target);
  if (registry::is_live(prev.state) && prev.state != State::kQueued && !runs_here(reg, prev)) {
    return remote_handoff(f, prev, req);
  }
  auto unit = reg.get_unit(prev.unit_id);
  if (!unit) throw Error("session " + prev.id, "its unit is missing", kExitNotFound);
  std::error_code ec;
  if (!fs::is_directory(prev.worktree, ec)) {
    throw Error("session " + prev.id, "its worktree " + prev.worktree +
                                          " is gone; start afresh with: orch sling " + unit->name +
                                          " " + unit->repo);
  }
  // Under the repository file's content accepted at the unit's previous launch too: the
  // supervisor that carries out the `handoff` tool's request has no --trust-repo-config.
  const AgentConfig config = load_agent_config(
      f.home().root, unit_repo_dir(f.home(), unit->repo),
      RepoTrust{f.trust_repo_config(), session_options_from_json(prev.options).repo_config_sha256});
  const Preset preset = config.find(req.agent.empty() ? prev.agent : req.agent);
  const BackendSettings backend_settings = config.backend(preset.backend);
  SessionOptions opts = next_options(prev, preset, config);
  const bool can_resume = make_backend(preset.backend, opts.binary)->describe().can_resume;

  // End the previous session; its supervisor commits and records handed_off.
  const std::string next_id = req.next_id.empty() ? process::random_hex(4) : req.next_id;
  registry::set_handoff_to(reg, prev.id, next_id);
  if (registry::is_live(prev.state)) {
    stop_session(f, prev.id, req.grace_ms, false,
                 StopAs{State::kHandedOff, "cli:handoff", "handed off to session " + next_id});
    prev = *reg.get_session(prev.id);
  }
  if (auto live = reg.live_session_of_unit(prev.unit_id)) {
    throw Error("unit '" + unit->name + "' already has a live session " + live->id + " (" +
                    registry::to_string(live->state) + ")",
                kExitConflict);
  }
  if (!prev.no_commit) undo_agent_config_rewrites(prev.worktree);
  if (!prev.no_commit && git::is_dirty(prev.worktree)) {
    // A file holding a server password (an agent's `env > file`) stays out of the commit, and so
    // does what [workspace] copy put there (a .env with a key is the user's, not the agent's).
    git::commit_all(prev.worktree,
                    "orch: " + unit->name + " (session " + prev.id +
                        ", handed off)\n\nUncommitted work left by the session.\n",
                    server_passwords(f.home()), workspace_from_options(prev.options).copy);
  }
  // A remote unit's successor may be claimed on another host, where it starts from the remote's
  // branch: the work goes there before the successor is queued (a failed push is the previous
  // session's error, its work kept in this host's mirror: remote_push.h).
  push_ended_session(f.home(), reg, prev, *unit);

  const std::string head = git::resolve_commit(prev.worktree, "HEAD");
  BriefInput in;
  in.unit = unit->name;
  in.branch = unit->branch;
  in.base_commit = unit->base_commit;
  in.original_prompt = unit->prompt;
  in.previous_session = prev.id;
  in.previous_agent = prev.agent;
  in.previous_state = registry::to_string(prev.state);
  in.previous_last_text = last_text(reg, prev);
  if (prev.state == State::kFailed || prev.state == State::kLost) in.previous_error = prev.error;
  const std::string repo = unit_repo_dir(f.home(), unit->repo);  // a URL's mirror
  in.commits = git::commit_lines(repo, unit->base_commit, head, kBriefCommits);
  in.diffstat = git::diffstat(repo, unit->base_commit, head);
  in.note = req.note;
  if (preset.backend == prev.backend && can_resume) {
    opts.resume_agent_session = prev.agent_session_id;
  }

  registry::Session next;
  next.id = next_id;
  next.unit_id = prev.unit_id;
  next.agent = preset.name;
  next.backend = preset.backend;
  next.model = preset.name == prev.agent ? prev.model : preset.model;
  next.prompt = to_valid_utf8(handoff_brief(in));  // commit messages may hold any bytes
  next.worktree = prev.worktree;
  next.parent_session = prev.id;
  next.started_at = now_ms();
  next.no_commit = prev.no_commit;
  // The worktree passes on with its [workspace] settings (teardown at prune, a block of ports).
  const WorkspaceSettings workspace = workspace_from_options(prev.options);
  if (workspace.ports > 0) opts.shared_server = false;
  next.options = workspace_to_options(to_json(opts), workspace);
  registry::PoolFields pool = registry::pool_fields(reg, prev.id);
  pool.attempt = 1;
  pool.not_before = 0;
  pool.backend_max_sessions = backend_settings.max_sessions;
  HandoffResult r;
  r.next = admit_session(f, next, pool, "cli:handoff");
  r.previous = *reg.get_session(prev.id);
  return r;
}

}  // namespace orch
