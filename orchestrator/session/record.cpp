#include "orchestrator/session/record.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/handoff.h"
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

std::string text(const json::Json& v) {
  if (v.is_null()) return "-";
  return v.is_string() ? v.get<std::string>() : json::dump(v);
}

std::string ids(const json::Json& arr, const char* sep) {
  std::string out;
  for (const auto& v : arr) out += (out.empty() ? "" : sep) + text(v);
  return out.empty() ? "-" : out;
}

}  // namespace

registry::Session find_session_or_unit(registry::Registry& reg, const std::string& target) {
  if (auto s = reg.get_session(target)) return *s;
  registry::SessionFilter f;
  f.unit = target;
  std::vector<registry::Session> all = reg.list_sessions(f);  // newest first
  if (all.empty()) throw Error("'" + target + "'", "no such session or unit", kExitNotFound);
  return all.front();
}

json::Json session_record(registry::Registry& reg, const HomeLayout& home,
                          const registry::Session& s) {
  json::Json r = session_json(s);
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

std::string format_record(const json::Json& r) {
  std::ostringstream o;
  auto line = [&o](const char* label, const std::string& value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%-11s ", label);
    o << buf << value << "\n";
  };
  line("session", text(r["session"]));
  line("unit", text(r["unit"]) + " (repo " + text(r["repo"]) + ")");
  line("agent", text(r["agent"]) + " (backend " + text(r["backend"]) + ")");
  line("state", text(r["state"]));
  line("started", text(r["started_at"]));
  line("ended", text(r["ended_at"]));
  line("branch", text(r["branch"]));
  line("commit", text(r["commit"]));
  line("diffstat", text(r["diffstat"]));
  std::string wt = text(r["worktree"]);
  if (!r["worktree_exists"].get<bool>()) {
    // A queued session gets its worktree when it gets a pool slot (orchestrator/session/launch.h).
    wt += text(r["state"]) == "queued" ? " (created when the session starts)" : " (removed)";
  }
  line("worktree", wt);
  line("logs", text(r["log_dir"]));
  line("tokens", "in " + text(r["tokens_in"]) + ", out " + text(r["tokens_out"]) + ", cache read " +
                     text(r["tokens_cache_read"]) + ", cache write " +
                     text(r["tokens_cache_write"]));
  char cost[32];
  std::snprintf(cost, sizeof cost, "$%.4f", r["cost_usd"].get<double>());
  line("cost", cost);
  line("tools", text(r["tool_calls"]) + " calls, " + text(r["denials"]) + " denied");
  line("parent", ids(r["lineage"]["parents"], " <- "));
  line("children", ids(r["lineage"]["children"], ", "));
  line("unit runs", ids(r["lineage"]["unit_sessions"], ", "));
  line("agent id", text(r["agent_session_id"]));
  if (!r["summary"].is_null()) line("summary", text(r["summary"]));
  if (!r["error"].is_null()) line("error", text(r["error"]));
  if (!r["note"].is_null()) line("note", text(r["note"]));
  o << "states\n";
  for (const auto& c : r["states"]) {
    char state[16];
    std::snprintf(state, sizeof state, "%-10s", text(c["state"]).c_str());
    o << "  " << text(c["at"]) << "  " << state << "  " << text(c["source"]);
    if (!c["detail"].is_null()) o << ": " << text(c["detail"]);
    o << "\n";
  }
  std::string counts;
  for (const auto& [kind, n] : r["events"]["counts"].items()) {
    counts += (counts.empty() ? "" : ", ") + kind + " " + text(n);
  }
  line("events", text(r["events"]["total"]) + (counts.empty() ? "" : " (" + counts + ")"));
  const json::Json& err = r["events"]["last_error"];
  if (!err.is_null()) line("last error", text(err["at"]) + " " + text(err["message"]));
  // Last, as it may be long: the text the session was given, every line indented.
  bool brief = r.value("prompt_kind", "") == "brief";
  o << (brief ? "brief (from orch handoff)\n" : "prompt\n");
  std::istringstream given(r.value("prompt", ""));
  for (std::string l; std::getline(given, l);) o << "  " << l << "\n";
  return o.str();
}

}  // namespace orch
