// The tools that delegate: sling (a child unit: orchestrator/session/launch.h, admitted by the
// pool as `orch sling` is) and wait (orchestrator/session/wait.h, as `orch wait`).
#include <algorithm>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/registry/pool.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/mcp/children.h"
#include "orchestrator/mcp/tools.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/resolve.h"
#include "orchestrator/session/wait.h"

namespace orch::mcp {
namespace {

// How long one slice of a wait runs before a progress notification.
constexpr int64_t kWaitSliceMs = 5000;

json::Json work_str_or_null(const std::string& s) {
  return s.empty() ? json::Json(nullptr) : json::Json(s);
}

json::Json work_session_json(const registry::Session& s) {
  return {{"unit", s.unit_name},
          {"session", s.id},
          {"state", registry::to_string(s.state)},
          {"summary", work_str_or_null(s.summary)},
          {"error", work_str_or_null(s.error)},
          {"note", work_str_or_null(s.note)},
          {"branch", s.branch},
          {"commit", work_str_or_null(s.commit_id)},
          {"diffstat", work_str_or_null(s.diffstat)}};
}

// The timeout_s argument: an integer from 1 to kMaxWaitSeconds, default kDefaultWaitSeconds.
int64_t work_timeout_s(const json::Element& args) {
  auto f = json::at(args, "timeout_s");
  if (f.error() || f.value_unsafe().is_null()) return kDefaultWaitSeconds;
  int64_t v = 0;
  if (f.value_unsafe().get_int64().get(v) || v < 1 || v > kMaxWaitSeconds) {
    throw Error("timeout_s", "expected an integer from 1 to " + std::to_string(kMaxWaitSeconds) +
                                 ", got " + json::raw(f));
  }
  return v;
}

// The configured [[checks]] entry named `name`. Errors: orch::Error naming the configured ones.
config::CheckSpec configured_check(const AgentConfig& config, const std::string& name) {
  std::string known;
  for (const config::CheckSpec& c : config.checks) {
    if (c.name == name) return c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  throw Error("checks", "no configured check named '" + name +
                            "' (configured: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace

void require_no_looser_preset(const AgentConfig& config, const registry::Session& me,
                              const std::string& agent) {
  if (agent == me.agent) return;
  if (config.find(agent).policy == PermissionPolicy::kDeny) return;
  throw Error("agent '" + agent + "'",
              "its preset lets the agent run commands unattended (permission allow): a session "
              "may only give work to its own preset (" +
                  me.agent + ") or to one with permission deny");
}

ToolResult OrchTools::sling(const json::Element& args) {
  LaunchRequest req;
  req.unit = string_arg(args, "unit");
  req.prompt = string_arg(args, "prompt");
  req.agent = optional_string_arg(args, "agent");
  std::vector<std::string> checks = string_array_arg(args, "checks");
  if (req.prompt.empty()) throw Error("prompt", "empty: give the child its work");
  check_prompt_size("prompt", req.prompt.size());
  registry::Session me = caller();
  registry::Registry& reg = deps_.registry();
  const AgentConfig config = caller_config(me);
  const int depth = sling_depth(reg, me) + 1;
  if (depth > config.max_depth) {
    throw Error("depth limit", "session " + me.id + " is at depth " + std::to_string(depth - 1) +
                                   " and [defaults] max_depth is " +
                                   std::to_string(config.max_depth) +
                                   ": do this work yourself instead of slinging a child");
  }
  require_own_child_unit(reg, me, req.unit);
  req.repo = me.repo;
  if (req.agent.empty()) req.agent = me.agent;
  // Counted against the parent's budget (its limits bound the child's) and in its convoy.
  req.limits = child_limits(reg, me, config.limits, now_ms());
  req.convoy = child_convoy(reg, me);
  req.base = git::resolve_commit(me.worktree, "HEAD");  // the parent's current HEAD
  // The agent names configured checks; a command of its own would run outside its permission
  // policy (sh -c by the child's supervisor).
  req.checks_given = !checks.empty();
  for (const std::string& name : checks) req.checks.push_back(configured_check(config, name));
  require_no_looser_preset(config, me, req.agent);
  req.parent_session = me.id;

  LaunchContext ctx;
  ctx.config = config;  // read under the trust the parent was launched with
  const std::string id = new_session_ids(reg, 1).front();
  PreparedLaunch p = prepare_launch(deps_, ctx, req, id, now_ms());
  const std::string cap_why = "the pool's cap of " + std::to_string(p.pool.max_sessions) +
                              " live sessions is reached (this session holds one); a child " +
                              "would wait for a slot: do the work yourself or wait for others";
  if (!has_free_slot(reg, p.pool.max_sessions, p.session.backend, p.pool.backend_max_sessions)) {
    throw Error("pool cap", cap_why);
  }
  registry::Session s = commit_launches(deps_, {p}, "mcp:sling", true).front();
  if (s.state == State::kQueued &&
      registry::cancel_queued(reg, s.id, "mcp:sling", "not started: " + cap_why)) {
    throw Error("pool cap", cap_why);  // another launch took the last slot meanwhile
  }
  json::Json out = {{"unit", req.unit},
                    {"session", s.id},
                    {"branch", "orch/" + req.unit},
                    {"state", registry::to_string(s.state)},
                    {"parent_session", me.id},
                    {"depth", depth}};
  return {json::dump(out, 2)};
}

ToolResult OrchTools::wait(const json::Element& args,
                           const std::function<void(const std::string&)>& progress) {
  std::vector<std::string> units = string_array_arg(args, "units");
  if (units.empty()) throw Error("units", "expected at least one unit");
  if (units.size() > kMaxWaitUnits) {
    throw Error("units", "at most " + std::to_string(kMaxWaitUnits) + " at once");
  }
  const int64_t timeout_s = work_timeout_s(args);
  registry::Session me = caller();
  registry::Registry& reg = deps_.registry();
  std::vector<registry::Session> sessions;
  for (const std::string& name : units) {
    if (!reg.find_unit(me.repo, name)) {
      throw Error("unit '" + name + "'", "no such unit in this repository", kExitNotFound);
    }
    for (registry::Session& s : resolve_target(reg, name, UnitPick::kLiveElseNewest)) {
      if (s.repo != me.repo) continue;
      sessions.push_back(std::move(s));  // its live session, else its newest
      break;
    }
  }
  // In slices of kWaitSliceMs, with a progress notification after each: the client's request
  // timeout starts again on progress (docs/agents/mcp.md §2), so a long wait is not cut short.
  const int64_t deadline = steady_ms() + timeout_s * 1000;
  std::vector<registry::Session> ended;
  if (std::string why = why_stop(); !why.empty()) throw Error("wait", why);
  while (true) {
    try {
      int64_t slice = std::min<int64_t>(kWaitSliceMs, std::max<int64_t>(1, deadline - steady_ms()));
      ended = wait_sessions(deps_, sessions, slice, FollowFn());
      break;
    } catch (const Error& e) {
      if (e.code() != kExitTimeout) throw;
      if (steady_ms() >= deadline) {
        throw Error("wait", "timed out after " + std::to_string(timeout_s) + "s: " + e.what(),
                    kExitTimeout);
      }
      if (std::string why = why_stop(); !why.empty()) throw Error("wait", why);
      progress("waiting for " + std::to_string(sessions.size()) + " unit(s)");
    }
  }
  json::Json out = json::Json::array();
  for (const registry::Session& s : ended) out.push_back(work_session_json(s));
  return {json::dump(out, 2)};
}

}  // namespace orch::mcp
