// The dashboard's JSON API (cmd/dashboard_api.h): the CLI's --json shapes, from the same code.
#include "cmd/dashboard_api.h"

#include "cmd/log_view.h"
#include "lib/error.h"
#include "lib/git/patch.h"
#include "lib/registry/convoys.h"
#include "orchestrator/convoy/convoy.h"
#include "orchestrator/fanin/conflicts.h"
#include "orchestrator/session/handoff.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/log.h"
#include "orchestrator/session/nudge.h"
#include "orchestrator/session/record.h"
#include "orchestrator/session/resolve.h"
#include "orchestrator/session/stop.h"
#include "orchestrator/session/view.h"

namespace orch::cmd {
namespace {

constexpr int64_t kDashStopGraceMs = 15000;     // as `orch stop`'s default --grace
constexpr int64_t kDashHandoffGraceMs = 30000;  // as `orch handoff`'s default --grace
constexpr int64_t kDashAcceptMs = 120000;       // as `orch handoff` waits for the new session

json::Json dash_patch_json(const git::Patch& p) {
  json::Json files = json::Json::array();
  for (const git::PatchFile& f : p.files) {
    json::Json hunks = json::Json::array();
    for (const git::PatchHunk& h : f.hunks) {
      json::Json lines = json::Json::array();
      for (const git::PatchLine& l : h.lines) {
        lines.push_back({{"origin", std::string(1, l.origin)}, {"text", l.text}});
      }
      hunks.push_back({{"header", h.header}, {"lines", std::move(lines)}});
    }
    files.push_back({{"path", f.path},
                     {"old_path", f.old_path},
                     {"status", f.status},
                     {"binary", f.binary},
                     {"too_large", f.too_large},
                     {"additions", f.additions},
                     {"deletions", f.deletions},
                     {"hunks", std::move(hunks)}});
  }
  return files;
}

std::string dash_str(const json::Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return "";
  if (!it->is_string()) throw Error(std::string("\"") + key + "\"", "must be a string", kExitUsage);
  return it->get<std::string>();
}

}  // namespace

SessionsPage api_sessions(registry::Registry& reg, bool all, size_t limit,
                          const std::string& after) {
  if (limit < 1 || limit > kDashboardMaxPage) {
    throw Error("'limit'", "must be 1.." + std::to_string(kDashboardMaxPage), kExitUsage);
  }
  if (!after.empty() && !reg.get_session(after)) {
    throw Error("'after'", "no session " + after, kExitUsage);
  }
  registry::SessionFilter filter;
  filter.live_only = !all;
  filter.after = after;
  filter.limit = limit + 1;  // one more tells whether there is a next page
  std::vector<registry::Session> rows = reg.list_sessions(filter);
  SessionsPage page;
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next = rows.back().id;
  }
  page.sessions = sessions_json(reg, rows);
  return page;
}

json::Json api_session(registry::Registry& reg, const HomeLayout& home, const std::string& id) {
  registry::Session s = resolve_target(reg, id, UnitPick::kNewest).front();
  return session_record(reg, home, s);
}

json::Json api_log(registry::Registry& reg, const std::string& id, int64_t after_state,
                   int64_t after_event) {
  registry::Session s = resolve_target(reg, id, UnitPick::kNewest).front();
  json::Json entries = json::Json::array();
  for (const LogEntry& e : new_log_entries(reg, s.id, after_state, after_event)) {
    entries.push_back(log_json(e));
  }
  return {{"session", s.id},
          {"entries", std::move(entries)},
          {"after_state", after_state},
          {"after_event", after_event}};
}

json::Json api_diff(registry::Registry& reg, const std::string& id) {
  registry::Session s = resolve_target(reg, id, UnitPick::kNewest).front();
  std::optional<registry::Unit> unit = reg.find_unit(s.repo, s.unit_name);
  json::Json out = {{"session", s.id},    {"base", nullptr},
                    {"commit", nullptr},  {"files", json::Json::array()},
                    {"truncated", false}, {"note", nullptr}};
  if (!unit || unit->base_commit.empty()) {
    out["note"] = "the unit has no recorded base";
    return out;
  }
  out["base"] = unit->base_commit;
  git::Patch p;
  if (!s.commit_id.empty()) {
    out["commit"] = s.commit_id;
    p = git::diff_patch(s.repo, unit->base_commit, s.commit_id, kDashboardDiffLines);
  } else if (registry::is_live(s.state) && !s.worktree.empty() &&
             std::filesystem::is_directory(s.worktree)) {
    p = git::diff_patch(s.worktree, unit->base_commit, "", kDashboardDiffLines);
  } else {
    out["note"] = "no work recorded for this session";
    return out;
  }
  out["files"] = dash_patch_json(p);
  out["truncated"] = p.truncated;
  return out;
}

json::Json api_convoys(registry::Registry& reg) {
  json::Json arr = json::Json::array();
  for (const registry::Convoy& convoy : registry::list_convoys(reg)) {
    json::Json j = convoy_json(convoy_status(reg, convoy));
    j.erase("units");
    arr.push_back(std::move(j));
  }
  return arr;
}

json::Json api_convoy(registry::Registry& reg, const std::string& name) {
  return convoy_json(convoy_status(reg, require_convoy(reg, name)));
}

json::Json api_conflicts(registry::Registry& reg, const std::string& name) {
  fanin::ConflictsRequest req;
  req.convoy = name;
  return fanin::conflicts_json(fanin::forecast_conflicts(reg, req));
}

json::Json api_stop(const Deps& d, const std::string& id, const json::Json& body) {
  auto it = body.find("force");
  bool force = it != body.end() && it->is_boolean() && it->get<bool>();
  registry::Session s = resolve_one(d.registry(), id);
  registry::State end = stop_session(d, s.id, kDashStopGraceMs, force);
  return {{"session", s.id}, {"state", registry::to_string(end)}};
}

json::Json api_nudge(const Deps& d, const std::string& id, const json::Json& body) {
  std::string message = dash_str(body, "message");
  registry::Session s = resolve_one(d.registry(), id);
  nudge_session(d, s.id, message, kNudgeWaitMs);
  return {{"session", s.id}, {"delivered", true}};
}

json::Json api_handoff(const Deps& d, const std::string& id, const json::Json& body) {
  HandoffRequest req{id, dash_str(body, "agent"), dash_str(body, "message"), kDashHandoffGraceMs,
                     ""};
  check_prompt_size("message", req.note.size());
  HandoffResult r = handoff(d, req);
  registry::Session s = wait_accepted(d, r.next.id, kDashAcceptMs);
  return session_json(s);
}

int http_status_for(int exit_code) {
  switch (exit_code) {
    case kExitNotFound:
      return 404;
    case kExitUsage:
      return 400;
    case kExitConflict:
      return 409;
    case kExitUntrusted:
      return 403;
    default:
      return 500;
  }
}

}  // namespace orch::cmd
