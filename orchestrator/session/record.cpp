#include "orchestrator/session/record.h"

#include <filesystem>
#include <map>
#include <set>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/checks.h"
#include "lib/registry/handoff.h"
#include "lib/registry/landings.h"
#include "orchestrator/session/view.h"

namespace orch {
namespace {

// The "events" summary: counts by kind, the last error.
json::Json event_summary(registry::Registry& reg, const std::string& id) {
  std::map<std::string, int64_t> counts;
  json::Json last_error;
  json::Parser parser;
  std::vector<registry::Event> events = reg.events(id);
  for (const registry::Event& e : events) {
    ++counts[e.kind];
    if (e.kind != "error") continue;
    std::string message;
    try {
      message = json::str(json::at(parser.parse(e.data), "message"));
    } catch (const Error&) {
      message = e.data;
    }
    last_error = {{"at", format_iso8601(e.at)}, {"message", message}};
  }
  return {{"total", events.size()}, {"counts", counts}, {"last_error", last_error}};
}

json::Json lineage(registry::Registry& reg, const registry::Session& s) {
  json::Json parents = json::Json::array();
  std::set<std::string> seen = {s.id};
  for (std::string p = s.parent_session; !p.empty() && seen.insert(p).second;) {
    parents.push_back(p);
    auto parent = reg.get_session(p);
    p = parent ? parent->parent_session : "";
  }
  json::Json children = json::Json::array();
  json::Json unit_sessions = json::Json::array();
  for (const registry::Session& o : reg.list_sessions()) {
    if (o.parent_session == s.id) children.push_back(o.id);
    if (o.unit_id == s.unit_id) unit_sessions.push_back(o.id);
  }
  return {{"parents", parents}, {"children", children}, {"unit_sessions", unit_sessions}};
}

// "brief" when `s` took over a unit by `orch handoff` (its parent named it as its successor),
// else "prompt" (a sling, a convoy unit or a retry: the unit's work as given).
std::string prompt_kind(registry::Registry& reg, const registry::Session& s) {
  if (s.parent_session.empty()) return "prompt";
  try {
    if (registry::handoff_to(reg, s.parent_session) == s.id) return "brief";
  } catch (const Error&) {
    // the parent is gone from the registry: nothing says it handed off
  }
  return "prompt";
}

// The "check_runs" list and the "checks" counts.
void add_checks(json::Json& r, registry::Registry& reg, const std::string& id) {
  json::Json runs = json::Json::array();
  registry::CheckCounts n;
  for (const registry::CheckRun& c : registry::check_runs(reg, id)) {
    ++n.runs;
    std::string result = c.ended_at == 0 ? "running" : c.passed() ? "passed" : "failed";
    if (c.ended_at > 0) ++(c.passed() ? n.passed : n.failed);
    runs.push_back({{"attempt", c.attempt},
                    {"name", c.name},
                    {"command", c.command},
                    {"result", result},
                    {"exit_code", c.ended_at == 0 ? json::Json() : json::Json(c.exit_code)},
                    {"timed_out", c.timed_out},
                    {"duration_ms", c.duration_ms},
                    {"output", c.output_path},
                    {"started_at", time_or_null(c.started_at)},
                    {"ended_at", time_or_null(c.ended_at)}});
  }
  r["checks"] = check_counts_json(n);
  r["check_runs"] = runs;
}

}  // namespace

json::Json session_record(registry::Registry& reg, const HomeLayout& home,
                          const registry::Session& s) {
  std::optional<registry::LandingRow> landing = registry::landing_of(reg, s.unit_id);
  if (landing && landing->session_id != s.id) landing.reset();  // another run's work
  json::Json r = session_json(s, landing ? &*landing : nullptr);
  json::Json states = json::Json::array();
  for (const registry::StateChange& c : reg.state_history(s.id)) {
    states.push_back({{"at", format_iso8601(c.at)},
                      {"state", registry::to_string(c.state)},
                      {"source", c.source},
                      {"detail", str_or_null(c.detail)}});
  }
  r["states"] = states;
  r["events"] = event_summary(reg, s.id);
  r["lineage"] = lineage(reg, s);
  add_checks(r, reg, s.id);
  r["prompt"] = s.prompt;
  r["prompt_kind"] = prompt_kind(reg, s);
  r["log_dir"] = home.session_dir(s.id).string() + "/";
  std::error_code ec;
  r["worktree_exists"] = !s.worktree.empty() && std::filesystem::exists(s.worktree, ec);
  return r;
}

}  // namespace orch
