#include "orchestrator/session/record.h"

#include <filesystem>
#include <map>
#include <set>

#include "lib/clock.h"
#include "lib/error.h"
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
  r["prompt"] = s.prompt;
  r["prompt_kind"] = prompt_kind(reg, s);
  r["log_dir"] = home.session_dir(s.id).string() + "/";
  std::error_code ec;
  r["worktree_exists"] = !s.worktree.empty() && std::filesystem::exists(s.worktree, ec);
  return r;
}

}  // namespace orch
